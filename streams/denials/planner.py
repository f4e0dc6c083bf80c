"""The task planner the claim tracker calls: a payer's answer and what is known of the claim →
the resubmission tasks it raises (none, or one), with corrected claims re-scrubbed."""

from __future__ import annotations

from dataclasses import dataclass

from schemas import ClaimStatus, Denial, Encounter, ResubmissionTask, ValidClaim
from streams.denials.reasons import ReasonMap
from streams.denials.tasks import PlanContext, plan_for_denials, plan_for_rejection, raises_task
from streams.scrub.engine import Scrubber


@dataclass(frozen=True)
class TaskPlanner:
    scrubber: Scrubber
    reasons: ReasonMap
    max_resubmissions: int

    def could_raise(self, answer: ClaimStatus | Denial) -> bool:
        """Cheap pre-check: acknowledgments and plain payments raise nothing."""
        return raises_task(answer, self.reasons)

    def plan(
        self,
        answer: ClaimStatus | Denial,
        *,
        claim_id: str,
        payer_id: str | None,
        plan_type: str | None,
        payer_claim_number: str | None,
        claim: ValidClaim | None,
        encounter: Encounter | None,
    ) -> list[ResubmissionTask]:
        # event time: a task follows from the payer's answer (same answer, same task, same
        # deadline, whenever it is processed or replayed)
        now = answer.occurred_at
        as_of = now.date()  # the payer's calendar day (the offset it wrote), as the deadlines count
        scrubber = self.scrubber
        payer = scrubber.payers.get(
            payer_id or "unknown", plan_type or "commercial", claim.payer.name if claim else ""
        )
        ctx = PlanContext(
            claim_id=claim_id,
            payer=payer,
            claim=claim,
            payer_claim_number=payer_claim_number,
            as_of=as_of,
            now=now,
            reasons=self.reasons,
            pack=scrubber.pack,
            max_resubmissions=self.max_resubmissions,
            # the encounter the claim was scrubbed against, when the tracker has it (a claim sent
            # by a practice's own system may come without): the corrected claim's documentation
            # is then unverified, not missing
            rescrub=lambda c: scrubber.scrub(c, as_of, encounter, encounter_feed=encounter is not None).edits,
        )
        if isinstance(answer, Denial):
            return plan_for_denials(answer, ctx)
        task = plan_for_rejection(answer, ctx)
        return [task] if task is not None else []
