"""modifier: 26/TC on ECG codes, 59/X without an overridable pair, unknown, undocumented repeats, 25."""

from __future__ import annotations

from collections.abc import Iterator

from streams.scrub.context import ClaimFacts, ScrubContext
from streams.scrub.rules import Finding, checks

_PART_FOR_MODIFIER = {"26": "professional", "TC": "technical"}


@checks("MOD_COMPONENT_ON_ECG", "MOD_UNKNOWN", needs=("modifiers",))
def modifier_validity(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    pack = ctx.pack
    if not facts.all_mods:
        return
    codes = pack.spec.codes
    for line, mods in zip(facts.claim.lines, facts.mods, strict=True):
        if not mods:
            continue
        info = codes.get(line.procedure_code)
        for mod in line.modifiers:
            if mod not in pack.known_modifiers:
                yield Finding("MOD_UNKNOWN", line.line_number, {"modifier": mod, "line": line.line_number})
            elif mod in pack.component_modifiers and info is not None and info.part is not None:
                suggestion = pack.part_code(line.procedure_code, _PART_FOR_MODIFIER.get(mod, "global"))
                yield Finding(
                    "MOD_COMPONENT_ON_ECG",
                    line.line_number,
                    {
                        "modifier": mod,
                        "code": line.procedure_code,
                        "suggestion": suggestion or line.procedure_code,
                    },
                )


@checks("MOD_OVERRIDE_WITHOUT_PAIR", needs=("modifiers",))
def override_needs_pair(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    pack = ctx.pack
    if not (facts.all_mods & pack.override_modifiers):
        return
    for day, lines in facts.by_date.items():
        present = {line.procedure_code for line, _ in lines}
        for line, mods in lines:
            used = mods & pack.override_modifiers
            if not used:
                continue
            code = line.procedure_code
            overridable = any(
                edit.modifier_indicator == 1
                and edit.active_on(day)
                and (edit.column1 if edit.column2 == code else edit.column2) in present
                for edit in pack.ptp_by_code.get(code, ())
            )
            if not overridable:
                for mod in sorted(used):
                    yield Finding(
                        "MOD_OVERRIDE_WITHOUT_PAIR",
                        line.line_number,
                        {"modifier": mod, "line": line.line_number, "code": code},
                    )


@checks("MOD_REPEAT_UNDOCUMENTED", needs=("modifiers", "encounter"))
def repeat_documented(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    enc = ctx.encounter
    if enc is None or enc.ecg is None or enc.ecg.repeat_count > 1:
        return
    if not (facts.all_mods & ctx.pack.repeat_modifiers):
        return
    for line, mods in zip(facts.claim.lines, facts.mods, strict=True):
        for mod in sorted(mods & ctx.pack.repeat_modifiers):
            yield Finding(
                "MOD_REPEAT_UNDOCUMENTED",
                line.line_number,
                {"modifier": mod, "line": line.line_number},
            )


@checks("MOD_25_REQUIRED", needs=("multi_line",))
def em_needs_25(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    if not ctx.payer.em_same_day_requires_25 or facts.single_line:
        return
    codes = ctx.pack.spec.codes
    for _day, lines in facts.by_date.items():
        has_ecg = any(
            (i := codes.get(line.procedure_code)) is not None and i.needs_ecg_documentation
            for line, _ in lines
        )
        if not has_ecg:
            continue
        for line, mods in lines:
            info = codes.get(line.procedure_code)
            if info is not None and info.family == "em" and "25" not in mods:
                yield Finding(
                    "MOD_25_REQUIRED",
                    line.line_number,
                    {
                        "payer": ctx.payer.name,
                        "code": line.procedure_code,
                        "line": line.line_number,
                    },
                )
