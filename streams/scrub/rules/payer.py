"""Payer rules: coverage, prior authorization, frequency limits, timely filing, duplicates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from streams.scrub.context import ClaimFacts, ScrubContext
from streams.scrub.rules import Finding, checks


@checks("COV_NOT_COVERED", "COV_PRIOR_AUTH_MISSING")
def coverage(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    payer = ctx.payer
    for line in facts.claim.lines:
        code = line.procedure_code
        params = {"payer": payer.name, "code": code}
        if code in payer.non_covered_codes or (
            payer.covered_codes is not None and code not in payer.covered_codes
        ):
            yield Finding("COV_NOT_COVERED", line.line_number, params)
        if code in payer.prior_authorization_codes and not facts.claim.prior_authorization:
            yield Finding("COV_PRIOR_AUTH_MISSING", line.line_number, params)


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
        seen = {
            (h.claim_id, h.service_date)
            for h in ctx.history
            if h.procedure_code == limit.code
            and h.payer_id == claim.payer.payer_id
            and h.claim_id not in skip
            and (start is None or start <= h.service_date <= day)
        }
        if len(seen) + 1 > limit.count:
            yield Finding(
                "FREQ_LIMIT_EXCEEDED",
                lines[0].line_number,
                {
                    "payer": ctx.payer.name,
                    "code": limit.code,
                    "limit": limit.count,
                    "period": limit.describe(),
                    "seen": len(seen),
                },
            )


@checks("TF_EXPIRED", "TF_APPROACHING")
def timely_filing(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    payer = ctx.payer
    day = facts.first_date
    remaining = payer.timely_filing_days - (ctx.as_of - day).days
    if remaining > ctx.pack.spec.timely_filing_warning_days:
        return
    deadline = day + timedelta(days=payer.timely_filing_days)
    params = {
        "payer": payer.name,
        "days": payer.timely_filing_days,
        "deadline": deadline,
        "service_date": day,
    }
    if remaining < 0:
        yield Finding("TF_EXPIRED", None, params)
    else:
        yield Finding("TF_APPROACHING", None, {**params, "remaining": remaining})


@checks("DUP_CLAIM", needs=("history",))
def duplicates(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    if not ctx.history:
        return
    claim = facts.claim
    skip = {claim.claim_id, claim.replaces_claim_id}
    repeat_mods = ctx.pack.repeat_modifiers
    by_date = ctx.history_by_date
    payer_id, npi = claim.payer.payer_id, claim.rendering_provider_npi
    for line, mods in zip(claim.lines, facts.mods, strict=True):
        if mods & repeat_mods:
            continue
        other = next(
            (
                h.claim_id
                for h in by_date.get(line.service_date, ())
                if h.claim_id not in skip
                and h.procedure_code == line.procedure_code
                and h.payer_id == payer_id
                and h.rendering_provider_npi == npi
            ),
            None,
        )
        if other is not None:
            yield Finding(
                "DUP_CLAIM",
                line.line_number,
                {
                    "code": line.procedure_code,
                    "service_date": line.service_date,
                    "payer": ctx.payer.name,
                    "other_claim": other,
                },
            )
