"""duplicate: the same service billed again, by the same provider or as another provider's read.

* An exact duplicate: the same code (and part of it: global, -26, -TC), date of service, payer and
  rendering provider (the line's: ``provider_of``) on another claim (a repeat with 76/77 is not
  one, whichever of the two lines carries the modifier).
* Another provider's interpretation the same day — on another claim, or on a line of this claim
  that names another rendering provider (837P 2420A): a second read of a diagnostic test (global
  or professional part) by a different physician needs 77; when both reference the same encounter
  it is a second read of the same tracing, which Medicare pays once — an error without 77, a
  warning to document the unusual circumstances with it — on either claim, whichever arrived
  first. Two such lines of one claim are reported once: on the later line, or on the one with 77.
"""

from __future__ import annotations

from collections.abc import Iterator

from schemas.claim import ScrubbableLine
from streams.scrub.cms.tables import INTERPRETING
from streams.scrub.context import ClaimFacts, ScrubContext
from streams.scrub.registry import Finding, checks


@checks("DUP_CLAIM", needs=("history",))
def duplicates(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    if not ctx.history:
        return
    claim = facts.claim
    repeat_mods = ctx.pack.repeat_modifiers
    part = ctx.pack.cms.part
    payer_id = claim.payer.payer_id
    for line, mods, mine in zip(claim.lines, facts.mods, facts.parts, strict=True):
        if mods & repeat_mods:
            continue
        # the same part of the code (71046-TC then 71046-26 is a split, not a duplicate: bundling)
        other = next(
            (
                h.claim_id
                for h in ctx.same_day_history(claim, line.service_date, facts.provider_of(line))
                if h.procedure_code == line.procedure_code
                and h.payer_id == payer_id
                and part(h.procedure_code, h.modifiers) == mine
                # the earlier line may be the one marked as the repeat: which carries 76/77 does
                # not matter (reference §1), so the order the claims arrive in does not either
                and repeat_mods.isdisjoint(h.modifiers)
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


@checks("DUP_REPEAT_OTHER_PROVIDER", "DUP_SECOND_READ", "DUP_SECOND_READ_DOCUMENTED")
def other_provider_reads(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    claim = facts.claim
    cms = ctx.pack.cms
    for line, mods, part in zip(claim.lines, facts.mods, facts.parts, strict=True):
        if part not in INTERPRETING:
            continue
        key = ctx.pack.family_of(line.procedure_code)
        if key is None:
            continue
        for where, elsewhere, code, other_mods, encounter_id in _others_reads(facts, ctx, line, mods):
            if ctx.pack.family_of(code) != key:
                continue
            if cms.part(code, other_mods) not in INTERPRETING:
                continue  # a tracing billed by someone else (a facility) is the usual split
            same_tracing = claim.encounter_id is not None and encounter_id == claim.encounter_id
            if "77" in other_mods and not (same_tracing and elsewhere):
                # that read is marked as the repeat by another physician: this one is the first
                # (a pair of this claim's lines is reported on the 77 line)
                continue
            params = {
                "line": line.line_number,
                "code": line.procedure_code,
                "service_date": line.service_date,
                "other_claim": where,
                "encounter_id": claim.encounter_id or "",
            }
            if same_tracing:
                # the second read of one tracing, whichever of the two claims arrived first: with
                # 77 on either, a warning to document it; without, an error
                rule = (
                    "DUP_SECOND_READ_DOCUMENTED" if "77" in mods or "77" in other_mods else "DUP_SECOND_READ"
                )
            elif "77" in mods:
                break  # a separate test read by another physician, marked as such
            else:
                rule = "DUP_REPEAT_OTHER_PROVIDER"
            yield Finding(rule, line.line_number, params)
            break


def _others_reads(
    facts: ClaimFacts, ctx: ScrubContext, line: ScrubbableLine, mods: frozenset[str]
) -> Iterator[tuple[str, bool, str, tuple[str, ...] | frozenset[str], str | None]]:
    """What other providers billed for the patient on ``line``'s day, as (where: the claim, or
    this claim and its line; whether on another claim; code; modifiers; encounter): their other claims, then this claim's
    lines naming another rendering provider — earlier lines only, unless ``line`` carries 77 (a
    pair of lines is reported once)."""
    claim = facts.claim
    npi = facts.provider_of(line)
    for h in ctx.same_day_history(claim, line.service_date, None):
        if h.rendering_provider_npi != npi:
            yield h.claim_id, True, h.procedure_code, h.modifiers, h.encounter_id
    for other, other_mods in zip(claim.lines, facts.mods, strict=True):
        if (
            other.service_date == line.service_date
            and facts.provider_of(other) != npi
            and (other.line_number < line.line_number or "77" in mods)
        ):
            yield (
                f"{claim.claim_id}, line {other.line_number}",
                False,
                other.procedure_code,
                other_mods,
                claim.encounter_id,
            )
