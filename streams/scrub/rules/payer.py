"""Payer rules: prior authorization, frequency limits, timely filing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal

from streams.scrub.cms.tables import parts_overlap
from streams.scrub.context import ClaimFacts, HistoryEntry, ScrubContext
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
        same_service = _same_service(ctx, limit.code, day)
        # services, not claims: every unit of every line counts (a repeat line with 76/77, or
        # two units, is a second service against the limit)
        earlier = [
            (h.service_date, h.units)
            for h in ctx.history
            if same_service(h)
            and (limit.per_patient or h.payer_id == claim.payer.payer_id)
            and h.claim_id not in skip
        ]
        if limit.period == "lifetime":
            seen = sum((units for _, units in earlier), Decimal(0))
        else:
            seen = _most_in_a_period(earlier, day, limit.period_days or 1)
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


def _same_service(ctx: ScrubContext, code: str, day: date) -> Callable[[HistoryEntry], bool]:
    """Which earlier lines are the limited service again. A limit counts its own code, except on
    the screening ECG (reference §1: G0403 complete, G0404 tracing, G0405 interpretation: once per
    lifetime), one service billed whole or in parts: an earlier line of the family counts when it
    billed the same part (the complete code bills both), so G0404 and G0405 by two providers on
    one day are one screening ECG, and a G0405 after a G0403 is a second read. The other part on
    another day is another ECG (a G0405 in 2026 reads no tracing of 2022): it counts."""
    pack = ctx.pack
    info = pack.codes.get(code)
    family = pack.family_of(code)
    part = pack.cms.part(code)
    if info is None or not info.screening or family is None or part is None:
        return lambda h: h.procedure_code == code

    def same(h: HistoryEntry) -> bool:
        if pack.family_of(h.procedure_code) != family:
            return False
        earlier = pack.cms.part(h.procedure_code, h.modifiers)
        return earlier is not None and (parts_overlap(part, earlier) or h.service_date != day)

    return same


def _most_in_a_period(services: list[tuple[date, Decimal]], day: date, days: int) -> Decimal:
    """The most units of ``services`` in one period of ``days`` days that contains ``day``: the
    claims of a patient need not arrive in date-of-service order, so the services billed after
    ``day`` count as well as those before it (three services 40 days apart break a limit of two a
    year whichever arrives last). The busiest such period starts on a service's date or on the
    earliest start that still contains ``day``, or on ``day`` itself."""
    first_start = day - timedelta(days=days - 1)
    starts = {first_start, day} | {d for d, _ in services if first_start <= d <= day}
    most = Decimal(0)
    for start in starts:
        end = start + timedelta(days=days - 1)
        most = max(most, sum((units for d, units in services if start <= d <= end), Decimal(0)))
    return most


def _count(units: Decimal) -> str:
    return str(int(units)) if units == int(units) else str(units)


@checks("TF_EXPIRED", "TF_APPROACHING")
def timely_filing(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    """The filing limit of the payer, from each line's date of service (Medicare: one calendar
    year, 42 CFR 424.44 — calendar arithmetic, not 365 days; the limit runs per service, so a
    claim with one late line and timely others says which line to take out, not to write off the
    claim)."""
    payer = ctx.payer

    def params(day: date, what: str) -> dict[str, object]:
        return {
            "payer": payer.name,
            "payer_id": payer.payer_id,
            "limit": payer.filing_limit(),
            "deadline": payer.filing_deadline(day),
            "service_date": day,
            "what": what,
            "authority": payer.timely_filing_authority or f"payer profile {payer.payer_id}: timely filing",
        }

    lines = facts.claim.lines
    late = [ln for ln in lines if payer.filing_deadline(ln.service_date) < ctx.as_of]
    if late and len(late) == len(lines):
        yield Finding("TF_EXPIRED", None, params(facts.first_date, "the claim"))
        return
    for ln in late:
        what = f"line {ln.line_number} (send the other lines without it)"
        yield Finding("TF_EXPIRED", ln.line_number, params(ln.service_date, what))
    timely = [ln.service_date for ln in lines if ln not in late]
    day = min(timely)
    remaining = (payer.filing_deadline(day) - ctx.as_of).days
    if remaining <= ctx.pack.conventions.timely_filing_warning_days:
        yield Finding("TF_APPROACHING", None, {**params(day, "the claim"), "remaining": remaining})
