"""Adjudication facts: a payer's decision on a claim, one fact per claim line, joined with what
was billed (code and pointed diagnoses), for the denial trends. Pure; the claim tracker makes them."""

from __future__ import annotations

from schemas import AdjudicationFact, ClaimStatus, Denial, ValidClaim
from schemas.ids import derived_event_id
from streams.denials import ReasonMap


def facts_for(claim: ValidClaim, answer: Denial | ClaimStatus, reasons: ReasonMap) -> list[AdjudicationFact]:
    """Facts for an adjudication (an 835 decision, or a finalized F-status); none otherwise."""
    if isinstance(answer, ClaimStatus) and not answer.category_code.startswith("F"):
        return []
    denials = (
        [c for c in reasons.classify(answer.adjustments) if c.is_denial] if isinstance(answer, Denial) else []
    )
    denied_claim = isinstance(answer, Denial) and reasons.denies_claim(
        answer.claim_status_code, answer.adjustments
    )
    out = []
    for line in claim.lines:
        mine = [c for c in denials if c.adjustment.applies_to(line.line_number, line.line_control_number)]
        pointed = sorted(
            {claim.diagnoses[p - 1] for p in line.diagnosis_pointers if 1 <= p <= len(claim.diagnoses)}
        )
        out.append(
            AdjudicationFact(
                event_id=derived_event_id(answer.event_id, f"fact:{line.line_number}"),
                occurred_at=answer.occurred_at,
                claim_id=claim.claim_id,
                payer_id=claim.payer.payer_id,
                plan_type=claim.payer.plan_type,
                procedure_code=line.procedure_code,
                diagnoses=pointed,
                service_date=line.service_date,
                adjudicated_on=answer.occurred_at.date(),  # the payer's day, as the task dates it
                denied=bool(mine) or denied_claim,
                categories=sorted({c.rule.category for c in mine})
                or (["unspecified"] if denied_claim else []),
                reasons=sorted({c.label for c in mine}),  # a code without a CARC's shape: CO-other
            )
        )
    return out
