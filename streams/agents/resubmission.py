"""Resubmission: plan tasks for denials and rejections (pure domain), emit them, and send the
automatic corrected claims back through the scrubber (``claims-submitted``)."""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING, Any

from schemas import ClaimStatus, Denial, Encounter, ResubmissionTask, ValidClaim
from schemas.codec import encode
from streams.agents.common import Outbox
from streams.denials import PlanContext, plan_for_denial, plan_for_rejection
from streams.lifecycle.machine import ClaimRecord

if TYPE_CHECKING:
    from streams.runtime.app import ClaimflowApp


def plan_tasks(
    app: ClaimflowApp,
    record: ClaimRecord,
    claim: ValidClaim | None,
    encounter: Encounter | None,
    answer: ClaimStatus | Denial,
) -> list[ResubmissionTask]:
    # event time: a task follows from the payer's answer (same answer, same task, same deadline,
    # whenever it is processed or replayed)
    now = answer.occurred_at
    as_of = now.astimezone(UTC).date()
    payer = app.scrubber.payers.get(
        record.payer_id or "unknown", record.plan_type or "commercial", claim.payer.name if claim else ""
    )
    ctx = PlanContext(
        claim_id=record.claim_id,
        payer=payer,
        claim=claim,
        payer_claim_number=record.payer_claim_number,
        as_of=as_of,
        now=now,
        reasons=app.reasons,
        pack=app.scrubber.pack,
        max_attempts=app.settings.max_resubmissions,
        # the encounter the claim was scrubbed against, when the tracker has it (a claim sent by a
        # practice's own system may come without): the corrected claim's documentation is then
        # unverified, not missing
        rescrub=lambda c: app.scrubber.scrub(c, as_of, encounter, encounter_feed=encounter is not None).edits,
    )
    task = (
        plan_for_rejection(answer, ctx) if isinstance(answer, ClaimStatus) else plan_for_denial(answer, ctx)
    )
    return [task] if task is not None else []


async def emit_tasks(app: ClaimflowApp, outbox: Outbox, tasks: list[dict[str, Any]], *, count: bool) -> None:
    for raw in tasks:
        task = ResubmissionTask.model_validate(raw)
        await outbox.send("resubmission-tasks", task.claim_id.encode(), encode(task))
        corrected = task.corrected_claim
        if corrected is not None and app.settings.auto_resubmit:
            await outbox.send("claims-submitted", corrected.patient_key.encode(), encode(corrected))
        if count:
            app.metrics.tasks.labels(payer=task.payer_id, action=task.action).inc()
            if corrected is not None:
                app.metrics.corrected_claims.labels(payer=task.payer_id).inc()
