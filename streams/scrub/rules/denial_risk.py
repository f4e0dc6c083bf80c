"""denial_risk (the learning loop): warn when this payer has been denying this code with these
pointed diagnoses, as learned from the adjudications on the bus (``streams.trends``)."""

from __future__ import annotations

from collections.abc import Iterator

from streams.scrub.context import ClaimFacts, ScrubContext
from streams.scrub.registry import Finding, checks
from streams.trends.windows import diagnosis_key


@checks("DENIAL_RISK_LEARNED", "DENIAL_RISK_LEARNED_ERROR", needs=("learned",))
def learned_denial_risk(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    lookup = ctx.learned
    if lookup is None:
        return
    settings = ctx.pack.conventions.denial_risk
    claim = facts.claim
    for line in claim.lines:
        pointed = facts.pointed_diagnoses(line)
        if not pointed:
            continue
        learned = lookup(diagnosis_key(claim.payer.payer_id, line.procedure_code, pointed))
        if (
            learned is None
            or learned.adjudicated < settings.min_adjudicated
            or learned.rate < settings.warn_rate
        ):
            continue
        reason = learned.top_reasons[0] if learned.top_reasons else "denials"
        carc = reason.split("-", 1)[-1]
        promote = ctx.payer.denial_risk_error_rate
        dx = " + ".join(sorted(pointed))
        yield Finding(
            "DENIAL_RISK_LEARNED_ERROR"
            if promote is not None and learned.rate >= promote
            else "DENIAL_RISK_LEARNED",
            line.line_number,
            {
                "payer": ctx.payer.name,
                "payer_id": ctx.payer.payer_id,
                "code": line.procedure_code,
                "dx": f"{dx} alone" if len(pointed) == 1 else dx,
                "denied": learned.denied,
                "adjudicated": learned.adjudicated,
                "days": learned.days,
                "rate": f"{learned.rate:.0%}",
                "reason": reason,
                "hint": settings.hints.get(carc, "check the documentation against the payer's policy"),
            },
        )
