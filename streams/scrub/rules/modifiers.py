"""modifier: the modifier list, 26/TC by PC/TC indicator, E/M-only modifiers, contradictions,
59/X without an overridable pair, modifier 25 where a payer or a same-day visit asks for it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from schemas.codes import looks_like_modifier
from streams.scrub.cms.tables import Part
from streams.scrub.context import ClaimFacts, ScrubContext
from streams.scrub.registry import Finding, checks

_PART_FOR_MODIFIER: dict[str, Part] = {"26": "professional", "TC": "technical"}
#: ambulance origin/destination modifiers are formed from two of these place letters, origin first
#: (RH: residence to hospital); the HCPCS modifier file does not list every pair (CMS Claims
#: Processing Manual, chapter 15, section 30.A)
_AMBULANCE_PLACES = frozenset("DEGHIJNPRSX")


def ambulance_origin_destination(mod: str) -> bool:
    return len(mod) == 2 and mod[0] in _AMBULANCE_PLACES and mod[1] in _AMBULANCE_PLACES


@checks(
    "MOD_UNKNOWN",
    "MOD_RETIRED",
    "MOD_COMPONENT_CODES_EXIST",
    "MOD_PCTC_NOT_APPLICABLE",
    "MOD_EM_ONLY",
    "MOD_CONFLICT",
    needs=("modifiers",),
)
def modifier_validity(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    pack = ctx.pack
    cms = pack.cms
    conventions = pack.conventions
    for line, mods in zip(facts.claim.lines, facts.mods, strict=True):
        if not mods:
            continue
        code, n = line.procedure_code, line.line_number
        for mod in line.modifiers:
            if not looks_like_modifier(mod):
                continue  # MOD_MALFORMED (the format step)
            info = cms.modifier(mod)
            if info is None:
                if not ambulance_origin_destination(mod):
                    yield Finding("MOD_UNKNOWN", n, {"modifier": mod, "line": n})
                continue
            if info.terminated is not None and line.service_date > info.terminated:
                yield Finding("MOD_RETIRED", n, {"modifier": mod, "line": n, "terminated": info.terminated})
            if mod in pack.component_modifiers:
                pctc = cms.pctc(code)
                if pctc is None or pctc == 1:
                    continue  # a code the fee schedule does not list, or one split by 26/TC
                if pctc == 4:
                    part = _PART_FOR_MODIFIER[mod]
                    yield Finding(
                        "MOD_COMPONENT_CODES_EXIST",
                        n,
                        {
                            "modifier": mod,
                            "code": code,
                            "line": n,
                            "suggestion": cms.component_code(code, part) or f"the {part} component code",
                        },
                    )
                else:
                    meaning = conventions.pctc_meanings.get(pctc, f"its PC/TC indicator is {pctc}")
                    yield Finding(
                        "MOD_PCTC_NOT_APPLICABLE",
                        n,
                        {"modifier": mod, "code": code, "line": n, "pctc": pctc, "meaning": meaning},
                    )
            elif mod in pack.em_only_modifiers and not pack.takes_em_modifiers(code):
                yield Finding("MOD_EM_ONLY", n, {"modifier": mod, "line": n, "code": code})
        for first, second in conventions.conflicting_modifiers:
            if first in mods and second in mods:
                yield Finding("MOD_CONFLICT", n, {"line": n, "first": first, "second": second})


@checks("MOD_OVERRIDE_WITHOUT_PAIR", "MOD_OVERRIDE_PAIR_UNVERIFIED", needs=("modifiers",))
def override_needs_pair(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    """59/X-modifiers bypass only an NCCI pair with modifier indicator 1 on the claim. With no other
    code that day there is nothing to bypass (held). With other codes but no such pair in the PTP
    table, the answer depends on the table: the official CMS file decides (held); the bundled
    excerpt lacks most pairs, so a rhythm strip at a separate time (93000 + 93042-59, reference
    §1's own example) is a warning to check, not a hold."""
    pack = ctx.pack
    if not (facts.all_mods & pack.override_modifiers):
        return
    ptp = pack.cms.ptp
    complete = "ptp" in pack.cms.official
    for (day, npi), lines in facts.by_provider_day.items():
        # NCCI pairs are per provider and day, across claims (reference §1): the pair a modifier
        # bypasses may be on this provider's earlier claim of the day
        present = {line.procedure_code for line, _ in lines}
        present |= {h.procedure_code for h in ctx.same_day_history(facts.claim, day, npi)}
        # this claim's other providers' codes of the day: a group adding XU to a column-two code
        # whose column-one code is another physician's line (a payer may edit the claim as a
        # whole) bypasses a pair that is on the claim — not a misused 59/X
        others = {
            ln.procedure_code
            for ln in facts.claim.lines
            if ln.service_date == day and facts.provider_of(ln) != npi
        }
        for line, mods in lines:
            used = mods & pack.override_modifiers
            if not used:
                continue
            code = line.procedure_code
            overridable = False
            for other in present:
                if other == code:
                    continue
                edit = ptp.in_force(other, code, day) or ptp.in_force(code, other, day)
                if edit is not None and edit.modifier_indicator == 1:
                    overridable = True
                    break
            if not overridable:
                overridable = any(
                    (edit := ptp.in_force(other, code, day)) is not None and edit.modifier_indicator == 1
                    for other in others - {code}
                )
            if not overridable:
                alone = present <= {code} and others <= {code}
                rule = "MOD_OVERRIDE_WITHOUT_PAIR" if alone or complete else "MOD_OVERRIDE_PAIR_UNVERIFIED"
                for mod in sorted(used):
                    yield Finding(
                        rule, line.line_number, {"modifier": mod, "line": line.line_number, "code": code}
                    )


def is_preventive(code: str) -> bool:
    """CPT preventive medicine visits: 99381-99387 (new patient), 99391-99397 (established)."""
    return code.isdigit() and (99381 <= int(code) <= 99387 or 99391 <= int(code) <= 99397)


@checks("MOD_25_REQUIRED")
def em_needs_25(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    """A payer rule (default off): a same-day E/M billed with a diagnostic test needs 25 — the test
    on this claim or on the same provider's earlier claim of the day."""
    pack = ctx.pack
    if not ctx.payer.em_same_day_requires_25:
        return

    def is_test(code: str, mods: Iterable[str]) -> bool:
        return pack.needs_documentation(code) or pack.cms.part(code, frozenset(mods)) is not None

    for (day, npi), lines in facts.by_provider_day.items():
        earlier = ctx.same_day_history(facts.claim, day, npi)
        has_test = any(is_test(line.procedure_code, mods) for line, mods in lines) or any(
            is_test(h.procedure_code, h.modifiers) for h in earlier
        )
        if not has_test:
            continue
        # CPT: a problem-oriented E/M billed beside a preventive visit carries the 25 — with it,
        # the preventive visit is the separate service and needs none of its own
        problem_visit_25 = any(
            pack.is_em(line.procedure_code) and not is_preventive(line.procedure_code) and "25" in mods
            for line, mods in lines
        ) or any(
            pack.is_em(h.procedure_code) and not is_preventive(h.procedure_code) and "25" in h.modifiers
            for h in earlier
        )
        for line, mods in lines:
            if problem_visit_25 and is_preventive(line.procedure_code):
                continue
            if pack.is_em(line.procedure_code) and "25" not in mods:
                yield Finding(
                    "MOD_25_REQUIRED",
                    line.line_number,
                    {
                        "payer": ctx.payer.name,
                        "payer_id": ctx.payer.payer_id,
                        "code": line.procedure_code,
                        "line": line.line_number,
                    },
                )


@checks("MOD_25_REQUIRED_WITH_VISIT", "MOD_25_MISSING_ON_SENT_EM")
def visit_needs_25(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    """An E/M billed the same day as a visit that asks for it (the IPPE, G0402) needs 25: on this
    claim (held), or on the same provider's claim of the day already sent (this claim is right; a
    warning names the claim to correct, whichever came first)."""
    pack = ctx.pack
    claim = facts.claim
    for (day, npi), lines in facts.by_provider_day.items():
        earlier = ctx.same_day_history(claim, day, npi)
        here = {line.procedure_code for line, _ in lines if line.procedure_code in pack.visit_codes}
        visits = here | {h.procedure_code for h in earlier if h.procedure_code in pack.visit_codes}
        if not visits:
            continue
        visit = min(visits)
        if here:
            for h in earlier:
                if pack.is_em(h.procedure_code) and "25" not in h.modifiers:
                    yield Finding(
                        "MOD_25_MISSING_ON_SENT_EM",
                        None,
                        {
                            "code": h.procedure_code,
                            "other_claim": h.claim_id,
                            "visit": min(here),
                            "service_date": day,
                        },
                    )
        for line, mods in lines:
            if pack.is_em(line.procedure_code) and "25" not in mods:
                yield Finding(
                    "MOD_25_REQUIRED_WITH_VISIT",
                    line.line_number,
                    {"line": line.line_number, "code": line.procedure_code, "visit": visit},
                )


@checks("MOD_77_SAME_PROVIDER", "MOD_77_SAME_PROVIDER_SENT", needs=("modifiers",))
def repeat_by_same_provider(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    """77 marks a repeat by **another** physician; 76 one by the same physician (reference §1). A
    line with 77 whose code (the same part of it) its own rendering provider billed that day, while
    no other provider billed the test that day, repeats its own provider's service: it needs 76.
    A line marked 76 is the repeat of the others, never the service they repeat.

    On this claim the two lines are in full view: held. Found only on an earlier claim, it is a
    warning: that claim's line may be the one this resends (a replacement or void whose link X12
    does not carry, a line the payer rejected and the practice bills again), and a replacement or
    void (frequency 7/8) is not compared with earlier claims at all."""
    claim = facts.claim
    pack = ctx.pack
    part = pack.cms.part
    resend = claim.frequency_code in ("7", "8")

    for line, mods, mine in zip(claim.lines, facts.mods, facts.parts, strict=True):
        if "77" not in mods or "76" in mods:
            continue
        npi = facts.provider_of(line)
        day, last = line.service_date, line.service_end_date or line.service_date
        code = line.procedure_code
        # (rendering provider, code, part, modifiers, where) of the day's other services
        here = [
            (
                facts.provider_of(other),
                other.procedure_code,
                other_part,
                other_mods,
                f"line {other.line_number}",
            )
            for other, other_mods, other_part in zip(claim.lines, facts.mods, facts.parts, strict=True)
            if other is not line
            and other.service_date <= last
            and day <= (other.service_end_date or other.service_date)
        ]
        earlier = [
            (
                h.rendering_provider_npi,
                h.procedure_code,
                part(h.procedure_code, h.modifiers),
                frozenset(h.modifiers),
                f"claim {h.claim_id}",
            )
            for h in ([] if resend else ctx.same_day_history(claim, day, None))
        ]
        if any(who != npi and pack.same_test(code, other) for who, other, _, _, _ in (*here, *earlier)):
            continue  # another physician's service of the test that day: 77 may be right

        params = {"line": line.line_number, "code": code, "service_date": day}
        if (where := _repeated(here, code, mine)) is not None:
            yield Finding("MOD_77_SAME_PROVIDER", line.line_number, {**params, "other": where})
        elif (where := _repeated(earlier, code, mine)) is not None:
            yield Finding("MOD_77_SAME_PROVIDER_SENT", line.line_number, {**params, "other": where})


def _repeated(
    services: Sequence[tuple[str, str, object, frozenset[str], str]], code: str, part: object
) -> str | None:
    """Where the same code (the same part of it) was billed among ``services``, by a line not
    itself marked as the repeat (76)."""
    return next(
        (
            where
            for _, other, other_part, other_mods, where in services
            if other == code and other_part == part and "76" not in other_mods
        ),
        None,
    )
