"""bundling: a global ECG with its own component, NCCI PTP pairs, components split by one entity."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from streams.scrub.context import ClaimFacts, ScrubContext
from streams.scrub.rules import Finding, checks


def related_history_codes(facts: ClaimFacts, ctx: ScrubContext, day: date, same_provider: bool) -> set[str]:
    """Codes already billed for this patient on ``day`` by other claims (not one this replaces)."""
    claim = facts.claim
    skip = {claim.claim_id, claim.replaces_claim_id}
    return {
        h.procedure_code
        for h in ctx.history_by_date.get(day, ())
        if h.claim_id not in skip
        and (not same_provider or h.rendering_provider_npi == claim.rendering_provider_npi)
    }


@checks("BUNDLE_GLOBAL_WITH_COMPONENT", "BUNDLE_SPLIT_COMPONENTS")
def global_and_components(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    pack = ctx.pack
    if facts.single_line and not ctx.history:
        return
    parted = pack.parted_codes
    for day, lines in facts.by_date.items():
        here = {line.procedure_code: line for line, _ in lines}
        earlier = (
            related_history_codes(facts, ctx, day, same_provider=False)
            if day in ctx.history_by_date
            else set()
        )
        present = (here.keys() | earlier) & parted
        if len(present) < 2:  # a global/component conflict needs two parts of one family
            continue
        families = {pack.spec.codes[c].family for c in present}
        for family in families:
            parts = pack.family_parts.get(family, {})
            global_code = parts.get("global")
            components = [parts[p] for p in ("technical", "professional") if p in parts]
            if global_code is None:
                continue
            if global_code in here or global_code in earlier:
                for comp in components:
                    # flag only pairs this claim takes part in
                    if comp in here or (global_code in here and comp in earlier):
                        line = here.get(comp) or here[global_code]
                        yield Finding(
                            "BUNDLE_GLOBAL_WITH_COMPONENT",
                            line.line_number,
                            {
                                "global_code": global_code,
                                "component": comp,
                                "service_date": day,
                                "family": family,
                            },
                        )
            elif len(components) == 2 and all(c in here for c in components):
                technical, professional = components
                yield Finding(
                    "BUNDLE_SPLIT_COMPONENTS",
                    here[professional].line_number,
                    {
                        "technical": technical,
                        "professional": professional,
                        "global_code": global_code,
                        "service_date": day,
                    },
                )


def _same_family_global_pair(ctx: ScrubContext, c1: str, c2: str) -> bool:
    codes = ctx.pack.spec.codes
    a, b = codes.get(c1), codes.get(c2)
    return (
        a is not None
        and b is not None
        and a.family == b.family
        and "global" in (a.part, b.part)
        and a.part != b.part
    )


@checks("BUNDLE_NCCI_NOT_OVERRIDABLE", "BUNDLE_NCCI_MODIFIER_NEEDED")
def ncci_pairs(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    pack = ctx.pack
    if not pack.ptp or (facts.single_line and not ctx.history):
        return
    for day, lines in facts.by_date.items():
        if not any(line.procedure_code in pack.ptp_by_code for line, _ in lines):
            continue
        present = {line.procedure_code for line, _ in lines}
        if day in ctx.history_by_date:
            present |= related_history_codes(facts, ctx, day, same_provider=True)
        if len(present) < 2:
            continue
        for line, mods in lines:
            code = line.procedure_code
            for edit in pack.ptp_by_code.get(code, ()):
                if edit.column2 != code or edit.column1 not in present or not edit.active_on(day):
                    continue
                if _same_family_global_pair(ctx, edit.column1, edit.column2):
                    continue  # BUNDLE_GLOBAL_WITH_COMPONENT explains this one better
                params = {
                    "column1": edit.column1,
                    "column2": edit.column2,
                    "line": line.line_number,
                }
                if edit.modifier_indicator == 0:
                    yield Finding("BUNDLE_NCCI_NOT_OVERRIDABLE", line.line_number, params)
                elif not (mods & pack.override_modifiers):
                    yield Finding("BUNDLE_NCCI_MODIFIER_NEEDED", line.line_number, params)
