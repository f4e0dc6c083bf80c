"""Payer rules: prior authorization, frequency limits, timely filing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

from streams.scrub.context import ClaimFacts, ScrubContext
from streams.scrub.registry import Finding, checks


@checks("COV_PRIOR_AUTH_MISSING")
def prior_authorization(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    payer = ctx.payer
    if facts.claim.prior_authorization or not payer.prior_authorization_codes:
        return
    for line in facts.claim.lines:
        if line.procedure_code in payer.prior_authorization_codes:
            yield Finding(
                "COV_PRIOR_AUTH_MISSING",
                line.line_number,
                {"payer": payer.name, "payer_id": payer.payer_id, "code": line.procedure_code},
            )


@checks("FREQ_LIMIT_EXCEEDED", needs=("frequency_limits",))
def frequency_limits(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    if not ctx.payer.frequency_limits:
        return
    claim = facts.claim
    skip = {claim.claim_id, claim.replaces_claim_id}
    for limit in ctx.payer.frequency_limits:
        lines = [line for line in claim.lines if line.procedure_code == limit.code]
        if not lines:
            continue
        day = min(line.service_date for line in lines)
        start = None if limit.period == "lifetime" else day - timedelta(days=(limit.period_days or 1) - 1)
        # services, not claims: every unit of every line counts (a repeat line with 76/77, or
        # two units, is a second service against the limit)
        seen = sum(
            (
                h.units
                for h in ctx.history
                if h.procedure_code == limit.code
                and (limit.per_patient or h.payer_id == claim.payer.payer_id)
                and h.claim_id not in skip
                and (start is None or start <= h.service_date <= day)
            ),
            Decimal(0),
        )
        billed = sum((line.units if line.units is not None else Decimal(1) for line in lines), Decimal(0))
        if seen + billed > limit.count:
            yield Finding(
                "FREQ_LIMIT_EXCEEDED",
                lines[0].line_number,
                {
                    "payer": ctx.payer.name,
                    "payer_id": ctx.payer.payer_id,
                    "code": limit.code,
                    "limit": limit.count,
                    "period": limit.describe(),
                    "seen": _count(seen),
                    "billed": _count(billed),
                },
            )


def _count(units: Decimal) -> str:
    return str(int(units)) if units == int(units) else str(units)


@checks("TF_EXPIRED", "TF_APPROACHING")
def timely_filing(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    """The filing limit of the payer, from the first date of service (Medicare: one calendar year,
    42 CFR 424.44 — calendar arithmetic, not 365 days)."""
    payer = ctx.payer
    day = facts.first_date
    deadline = payer.filing_deadline(day)
    remaining = (deadline - ctx.as_of).days
    if remaining > ctx.pack.conventions.timely_filing_warning_days:
        return
    params = {
        "payer": payer.name,
        "payer_id": payer.payer_id,
        "limit": payer.filing_limit(),
        "deadline": deadline,
        "service_date": day,
        "authority": payer.timely_filing_authority or f"payer profile {payer.payer_id}: timely filing",
    }
    if remaining < 0:
        yield Finding("TF_EXPIRED", None, params)
    else:
        yield Finding("TF_APPROACHING", None, {**params, "remaining": remaining})
