"""units: MUE per code per day, repeats without 76/77."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from streams.scrub.context import ClaimFacts, ScrubContext
from streams.scrub.rules import Finding, checks


@checks("UNITS_MUE_EXCEEDED")
def mue(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    pack = ctx.pack
    if not pack.mue:
        return
    if facts.single_line:
        only = facts.claim.lines[0]
        limit = pack.mue.get(only.procedure_code)
        if limit is not None and only.units > limit.units:
            yield Finding(
                "UNITS_MUE_EXCEEDED",
                only.line_number,
                {
                    "units": only.units,
                    "code": only.procedure_code,
                    "service_date": only.service_date,
                    "mue": limit.units,
                    "mai": limit.adjudication_indicator,
                },
            )
        return
    for day, lines in facts.by_date.items():
        per_code: dict[str, int] = defaultdict(int)
        last_line: dict[str, int] = {}
        for line, mods in lines:
            limit = pack.mue.get(line.procedure_code)
            if limit is None:
                continue
            if limit.adjudication_indicator == 1:
                if line.units > limit.units:
                    yield Finding(
                        "UNITS_MUE_EXCEEDED",
                        line.line_number,
                        {
                            "units": line.units,
                            "code": line.procedure_code,
                            "service_date": day,
                            "mue": limit.units,
                            "mai": 1,
                        },
                    )
                continue
            # indicator 3 (clinical): documented repeats (76/77) are judged by the repeat rules
            if limit.adjudication_indicator == 3 and mods & pack.repeat_modifiers:
                continue
            per_code[line.procedure_code] += line.units
            last_line[line.procedure_code] = line.line_number
        for code, units in per_code.items():
            limit = pack.mue[code]
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
                    },
                )


@checks("UNITS_REPEAT_WITHOUT_MODIFIER", needs=("multi_line",))
def repeats(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    if facts.single_line:
        return
    repeat_mods = ctx.pack.repeat_modifiers
    codes = ctx.pack.spec.codes
    for day, lines in facts.by_date.items():
        seen: dict[str, int] = defaultdict(int)
        for line, mods in lines:
            info = codes.get(line.procedure_code)
            if info is None or info.family == "em":
                continue
            seen[line.procedure_code] += 1
            if seen[line.procedure_code] > 1 and not (mods & repeat_mods):
                yield Finding(
                    "UNITS_REPEAT_WITHOUT_MODIFIER",
                    line.line_number,
                    {
                        "code": line.procedure_code,
                        "count": seen[line.procedure_code],
                        "service_date": day,
                    },
                )
