"""bundling: a global with its own component, components split by one provider, NCCI pairs, and
two codes for one service — all per provider (NCCI edits apply to one provider's services).

A diagnostic test's family (``RulePack.family_of``) and part come from the fee schedule: a code
with PC/TC indicator 4 and the component codes CMS prices it from (93000 = 93005 + 93010), or a
code with indicator 1 billed whole, with 26 or with TC (71045, 71045-26, 71045-TC). A global with
its own component by one provider is never payable (reference §1), a repeat modifier (76/77) on
either line notwithstanding; a split (tracing and read by one provider) is one test, so lines
with 76/77, which bill another test, are left out of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from schemas import ScrubbableClaim
from schemas.claim import ScrubbableLine
from streams.scrub.cms.tables import Part, parts_overlap
from streams.scrub.context import ClaimFacts, HistoryEntry, ScrubContext
from streams.scrub.registry import Finding, checks


def _label(code: str, part: Part, ctx: ScrubContext) -> str:
    """How a part of a family is billed: its own code (93010), or the code with 26/TC (71045-26)."""
    if ctx.pack.cms.pctc(code) == 1 and part != "global":
        return f"{code}-{'26' if part == 'professional' else 'TC'}"
    return code


def _earlier_parts(
    ctx: ScrubContext, history: list[HistoryEntry]
) -> tuple[dict[str, dict[Part, str]], dict[str, dict[Part, str]], dict[tuple[str, Part], str]]:
    """The parts of each family the provider billed earlier that day: every line's, and those of
    the lines without 76/77 (which bill another test), in one pass; and the claim each part was
    first billed on (what a fix names to correct)."""
    every: dict[str, dict[Part, str]] = {}
    plain: dict[str, dict[Part, str]] = {}
    claims: dict[tuple[str, Part], str] = {}
    repeat = ctx.pack.repeat_modifiers
    for h in history:
        key = ctx.pack.family_of(h.procedure_code)
        part = ctx.pack.cms.part(h.procedure_code, h.modifiers)
        if key is None or part is None:
            continue
        label = _label(h.procedure_code, part, ctx)
        every.setdefault(key, {}).setdefault(part, label)
        claims.setdefault((key, part), h.claim_id)
        if not repeat.intersection(h.modifiers):
            plain.setdefault(key, {}).setdefault(part, label)
    return every, plain, claims


COMPONENTS: tuple[Part, ...] = ("technical", "professional")


def _global_with_component(
    billed: dict[Part, tuple[str, int]],
    before: dict[Part, str],
    day: date,
    sent_on: dict[Part, str],
) -> Iterator[Finding]:
    """A global (here or on the provider's earlier claim of the day) with its own component; when
    one of them went out on an earlier claim, the edit names that claim (its fix corrects it)."""
    global_here, global_before = billed.get("global"), before.get("global")
    global_label = global_here[0] if global_here is not None else global_before
    for comp in COMPONENTS:
        comp_here, comp_before = billed.get(comp), before.get(comp)
        params: dict[str, object] = {"global_code": global_label, "service_date": day}
        if comp_here is not None and global_here is not None:
            yield Finding("BUNDLE_GLOBAL_WITH_COMPONENT", comp_here[1], {**params, "component": comp_here[0]})
        elif comp_here is not None and global_before is not None:
            yield Finding(
                "BUNDLE_GLOBAL_WITH_COMPONENT_SENT",
                comp_here[1],
                {**params, "component": comp_here[0], "here_code": comp_here[0], "line": comp_here[1],
                 "earlier_code": global_before, "other_claim": sent_on.get("global", "")},
            )  # fmt: skip
        elif global_here is not None and comp_before is not None:
            yield Finding(
                "BUNDLE_GLOBAL_WITH_COMPONENT_SENT",
                global_here[1],
                {**params, "component": comp_before, "here_code": global_here[0], "line": global_here[1],
                 "earlier_code": comp_before, "other_claim": sent_on.get(comp, "")},
            )  # fmt: skip


@checks("BUNDLE_GLOBAL_WITH_COMPONENT", "BUNDLE_GLOBAL_WITH_COMPONENT_SENT", "BUNDLE_SPLIT_COMPONENTS")
def global_and_components(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    if facts.single_line and not ctx.history:
        return
    claim = facts.claim
    cms = ctx.pack.cms
    repeat = ctx.pack.repeat_modifiers
    for (day, npi), lines in facts.by_provider_day.items():
        # every line (the global-with-component check), and the lines without 76/77 (the split)
        every: dict[str, dict[Part, tuple[str, int]]] = {}
        here: dict[str, dict[Part, tuple[str, int]]] = {}
        for line, mods in lines:
            part = cms.part(line.procedure_code, mods)
            key = ctx.pack.family_of(line.procedure_code) if part is not None else None
            if key is None or part is None:
                continue
            billed_as = (_label(line.procedure_code, part, ctx), line.line_number)
            every.setdefault(key, {}).setdefault(part, billed_as)
            if not mods & repeat:
                here.setdefault(key, {}).setdefault(part, billed_as)
        if not every:
            continue
        same_day = ctx.same_day_history(claim, day, npi)
        earlier_every, earlier, sent_on = _earlier_parts(ctx, same_day)
        with_global: set[str] = set()
        for key, billed_every in every.items():
            before_every = earlier_every.get(key, {})
            if billed_every.get("global") is not None or before_every.get("global") is not None:
                with_global.add(key)
                claims = {part: claim_id for (family, part), claim_id in sent_on.items() if family == key}
                yield from _global_with_component(billed_every, before_every, day, claims)
        for key, billed in here.items():
            if key in with_global:
                continue  # a global is billed: the check above says what is wrong
            # both parts by one provider: on this claim, or one here and one on an earlier claim
            before = earlier.get(key, {})
            technical, professional = billed.get("technical"), billed.get("professional")
            if technical is not None and _in_facility(claim, technical[1], ctx):
                # the technical part is the facility's: the place-of-service edit removes it,
                # rather than this one merging the parts into a global it would hold
                continue
            if technical is not None and professional is not None:
                labels, line_no = (technical[0], professional[0]), professional[1]
            elif technical is not None and "professional" in before:
                labels, line_no = (technical[0], before["professional"]), technical[1]
            elif professional is not None and "technical" in before:
                labels, line_no = (before["technical"], professional[0]), professional[1]
            else:
                continue
            yield Finding(
                "BUNDLE_SPLIT_COMPONENTS",
                line_no,
                {
                    "technical": labels[0],
                    "professional": labels[1],
                    "global_code": key,
                    "service_date": day,
                    "pctc": cms.pctc(key),
                },
            )


@checks(
    "BUNDLE_NCCI_NOT_OVERRIDABLE",
    "BUNDLE_NCCI_MODIFIER_NEEDED",
    "BUNDLE_NCCI_SENT_NOT_OVERRIDABLE",
    "BUNDLE_NCCI_SENT_MODIFIER_NEEDED",
)
def ncci_pairs(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    """NCCI PTP pairs per provider and day, across claims (reference §1), whichever comes first: a
    column-2 code here bundled into a column-1 code here or already billed, and a column-1 code here
    into which a column-2 code already billed (without a modifier that bypasses the pair) bundles."""
    pack = ctx.pack
    ptp = pack.cms.ptp
    if not ptp or (facts.single_line and not ctx.history):
        return
    claim = facts.claim
    for (day, npi), lines in facts.by_provider_day.items():
        earlier = ctx.same_day_history(claim, day, npi)
        present = {line.procedure_code for line, _ in lines}
        present.update(h.procedure_code for h in earlier)
        if len(present) < 2:
            continue
        yield from _sent_column2(lines, earlier, day, ctx)
        ordered = sorted(present)
        for line, mods in lines:
            code = line.procedure_code
            for column1 in ordered:
                # a global with its own component: BUNDLE_GLOBAL_WITH_COMPONENT explains it
                if column1 == code or pack.same_family(column1, code):
                    continue
                edit = ptp.in_force(column1, code, day)
                if edit is None:
                    continue
                params = {"column1": column1, "column2": code, "line": line.line_number}
                if edit.modifier_indicator == 0:
                    yield Finding("BUNDLE_NCCI_NOT_OVERRIDABLE", line.line_number, params)
                elif not (mods & pack.ncci_bypass_modifiers):
                    yield Finding("BUNDLE_NCCI_MODIFIER_NEEDED", line.line_number, params)


def _sent_column2(
    lines: list[tuple[ScrubbableLine, frozenset[str]]],
    earlier: list[HistoryEntry],
    day: date,
    ctx: ScrubContext,
) -> Iterator[Finding]:
    """A code on this claim that is column 1 of a pair whose column-2 code this provider already
    billed that day without a bypassing modifier: the earlier line is the one to correct, so the
    claim is held until it is (sending it draws the pair's denial)."""
    pack = ctx.pack
    ptp = pack.cms.ptp
    here = {line.procedure_code for line, _ in lines}
    reported: set[tuple[str, str, str]] = set()
    for line, _ in lines:
        code = line.procedure_code
        for h in earlier:
            column2 = h.procedure_code
            if column2 == code or column2 in here or pack.same_family(code, column2):
                continue  # on this claim too: the column-2 check above says it
            if (code, column2, h.claim_id) in reported:
                continue
            edit = ptp.in_force(code, column2, day)
            if edit is None:
                continue
            params = {
                "column1": code,
                "column2": column2,
                "line": line.line_number,
                "other_claim": h.claim_id,
                "service_date": day,
            }
            if edit.modifier_indicator == 0:
                reported.add((code, column2, h.claim_id))
                yield Finding("BUNDLE_NCCI_SENT_NOT_OVERRIDABLE", line.line_number, params)
            elif not (frozenset(h.modifiers) & pack.ncci_bypass_modifiers):
                reported.add((code, column2, h.claim_id))
                yield Finding("BUNDLE_NCCI_SENT_MODIFIER_NEEDED", line.line_number, params)


@checks("BUNDLE_SAME_SERVICE_TWO_CODES")
def same_service_two_codes(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    """Two families that bill the same service (the IPPE screening ECG and the diagnostic ECG):
    one tracing billed under both, by the same provider on the same day."""
    pack = ctx.pack
    pairs = {
        (ctx.pack.family_of(code), ctx.pack.family_of(other)): code
        for code, info in pack.codes.items()
        for other in info.same_service_as
    }
    if not pairs:
        return
    related: dict[str, str] = {}
    for (a, b), _ in pairs.items():
        if a is not None and b is not None:
            related[a], related[b] = b, a
    claim = facts.claim
    cms = pack.cms
    for (day, npi), lines in facts.by_provider_day.items():
        billed: list[tuple[str, str, Part, int | None, frozenset[str]]] = []
        for line, mods in lines:
            key = ctx.pack.family_of(line.procedure_code)
            part = cms.part(line.procedure_code, mods)
            if key in related and part is not None:
                billed.append((key, line.procedure_code, part, line.line_number, mods))
        if not billed:
            continue
        for h in ctx.same_day_history(claim, day, npi):
            key = ctx.pack.family_of(h.procedure_code)
            part = cms.part(h.procedure_code, h.modifiers)
            if key in related and part is not None:
                billed.append((key, h.procedure_code, part, None, frozenset(h.modifiers)))
        for key, code, part, line_no, mods in billed:
            if line_no is None or mods & pack.repeat_modifiers:
                continue
            for okey, other, opart, other_line, other_mods in billed:
                # the pair is reported once, on the later line of this claim
                if other_line is not None and other_line > line_no:
                    continue
                if other_mods & pack.repeat_modifiers:
                    continue  # a repeat (76/77) is another tracing, whichever line carries it
                if okey == related[key] and parts_overlap(part, opart):
                    info = pack.codes.get(code)
                    screening = code if info is not None and info.screening else other
                    diagnostic = other if screening == code else code
                    yield Finding(
                        "BUNDLE_SAME_SERVICE_TWO_CODES",
                        line_no,
                        {
                            "code": code,
                            "other": other,
                            "service_date": day,
                            "screening": screening,
                            "diagnostic": diagnostic,
                        },
                    )
                    break


def _in_facility(claim: ScrubbableClaim, line_number: int, ctx: ScrubContext) -> bool:
    """Whether this claim's line so numbered was performed in a facility (its own place of service,
    else the claim's): what the place-of-service edit reads."""
    line = next(ln for ln in claim.lines if ln.line_number == line_number)
    return claim.place_of_service_of(line) in ctx.pack.facility_pos
