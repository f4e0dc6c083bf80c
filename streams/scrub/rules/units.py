"""units: MUE by adjudication indicator, repeats without 76/77.

MAI 1 (line edit): each line is judged on its own (a separate line with 76/77 too). MAI 2 (policy)
and 3 (clinical): all units of the code for the same provider and date of service are summed —
across this claim's lines and that provider's earlier claims, whatever their modifiers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from schemas.claim import ScrubbableLine
from streams.scrub.cms.mue import MAI_TEXT
from streams.scrub.context import ClaimFacts, ScrubContext
from streams.scrub.registry import Finding, checks


@checks("UNITS_MUE_LINE_EXCEEDED", "UNITS_MUE_EXCEEDED")
def mue(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    values = ctx.pack.cms.mue
    if not values:
        return
    claim = facts.claim
    before_us = {other.payer_id for other in claim.other_payers if other.payer_id}
    for (day, npi), lines in facts.by_provider_day.items():
        per_day: dict[str, Decimal] = defaultdict(Decimal)
        last_line: dict[str, int] = {}
        in_force = values.values_on(day)  # the MUE table in force on the date of service
        for line, _mods in lines:
            limit = in_force.get(line.procedure_code)
            if limit is None:
                continue
            if limit.adjudication_indicator == 1:
                if line.units > limit.units:
                    yield Finding(
                        "UNITS_MUE_LINE_EXCEEDED",
                        line.line_number,
                        {
                            "units": line.units,
                            "code": line.procedure_code,
                            "line": line.line_number,
                            "mue": limit.units,
                        },
                    )
                continue
            per_day[line.procedure_code] += line.units
            last_line[line.procedure_code] = line.line_number
        if not per_day:
            continue
        for h in ctx.same_day_history(claim, day, npi):
            # the same services billed to the payer before this one (coordination of benefits:
            # this claim lists it among its other payers) are these units again, not more
            if h.procedure_code in per_day and h.payer_id not in before_us:
                per_day[h.procedure_code] += h.units
        for code, units in per_day.items():
            limit = in_force[code]
            if units > limit.units:
                yield Finding(
                    "UNITS_MUE_EXCEEDED",
                    last_line[code],
                    {
                        "units": units,
                        "code": code,
                        "service_date": day,
                        "mue": limit.units,
                        "mai": limit.adjudication_indicator,
                        "mai_text": MAI_TEXT[limit.adjudication_indicator],
                    },
                )


@checks("UNITS_REPEAT_WITHOUT_MODIFIER", "UNITS_REPEAT_IN_ONE_LINE", "UNITS_NOT_WHOLE")
def repeats(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    """The same code (and the same part of it: global, -26, -TC) twice on one day of a claim: every
    line but one needs 76/77 (E/M aside). Which line carries the modifier does not matter (the
    repeat may be listed first): only a second line without it is held. A code whose unit is one
    service (an ECG: one tracing, one read) billed with more units on one line bills its repeats
    there, without the modifier; its units are a count of services, so a fraction of one is
    held."""
    pack = ctx.pack
    per_service = pack.per_service_codes
    repeat_mods = pack.repeat_modifiers
    part = pack.cms.part
    for (day, _provider), lines in facts.by_provider_day.items():
        seen: dict[tuple[str, str | None], int] = defaultdict(int)
        for line, mods in lines:
            code = line.procedure_code
            if pack.is_em(code):
                continue
            if code in per_service and line.units != line.units.to_integral_value():
                yield Finding(
                    "UNITS_NOT_WHOLE",
                    line.line_number,
                    {"line": line.line_number, "units": line.units, "code": code},
                )
            # 71046 and 71046-26 bill two parts, not one X-ray twice (bundling explains them)
            key = (code, part(code, mods))
            if mods & repeat_mods:
                continue
            if code in per_service and line.units >= 2:
                yield _in_one_line(line)
            seen[key] += 1
            if seen[key] > 1:
                yield Finding(
                    "UNITS_REPEAT_WITHOUT_MODIFIER",
                    line.line_number,
                    {"code": code, "count": seen[key], "service_date": day},
                )


def _in_one_line(line: ScrubbableLine) -> Finding:
    return Finding(
        "UNITS_REPEAT_IN_ONE_LINE",
        line.line_number,
        {
            "line": line.line_number,
            "units": line.units,
            "code": line.procedure_code,
            "service_date": line.service_date,
        },
    )
