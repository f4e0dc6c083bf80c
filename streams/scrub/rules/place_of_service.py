"""place_of_service: in a facility the physician bills the professional component only; in a SNF
Part A stay (POS 31) the technical part is under the SNF's consolidated billing.

A complete service (93000) billed there becomes its professional component (93010). A technical
component (93005) billed there is the facility's to bill: the fix removes it — it never turns into
the professional component, an interpretation the line does not show was performed (reference §1).
"""

from __future__ import annotations

from collections.abc import Iterator

from streams.scrub.context import ClaimFacts, ScrubContext
from streams.scrub.registry import Finding, checks

PART_WORDS = {"global": "complete service (global)", "technical": "technical component"}


RULES = {  # (part, SNF Part A stay?) -> rule
    ("global", False): "POS_GLOBAL_IN_FACILITY",
    ("global", True): "POS_GLOBAL_IN_SNF_STAY",
    ("technical", False): "POS_TECHNICAL_IN_FACILITY",
    ("technical", True): "POS_TECHNICAL_IN_SNF_STAY",
}


def is_pos_code(value: str | None) -> bool:
    """Whether a place of service has a code's shape (two digits)."""
    return value is not None and len(value) == 2 and value.isdigit()


@checks("POS_UNASSIGNED")
def assigned_pos(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    """A place of service must be a code CMS assigns (the pack's ``places_of_service``): the claim's
    and each line's own (SV105)."""
    assigned = ctx.pack.assigned_pos
    if not assigned:
        return
    claim = facts.claim
    # a value without a code's shape is CLAIM_POS_INVALID's (and never repeated: it may be PHI
    # typed in the wrong field)
    if is_pos_code(claim.place_of_service) and claim.place_of_service not in assigned:
        yield Finding("POS_UNASSIGNED", None, {"pos": claim.place_of_service, "where": "the claim"})
    for line in claim.lines:
        if is_pos_code(line.place_of_service) and line.place_of_service not in assigned:
            yield Finding(
                "POS_UNASSIGNED",
                line.line_number,
                {"pos": line.place_of_service, "where": f"line {line.line_number}"},
            )


@checks(*RULES.values())
def facility_pos(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    pack = ctx.pack
    claim = facts.claim
    cms = pack.cms
    for line, part in zip(claim.lines, facts.parts, strict=True):
        pos = claim.place_of_service_of(line)
        if part not in PART_WORDS or pos not in pack.facility_pos:
            continue
        rule = RULES[(part, pos in pack.consolidated_pos)]
        code = line.procedure_code
        pctc = cms.pctc(code)
        suggestion = f"{code}-26" if pctc == 1 else cms.component_code(code, "professional")
        yield Finding(
            rule,
            line.line_number,
            {
                "line": line.line_number,
                "code": code,
                "pos": pos,
                "part": PART_WORDS[part],
                "pctc": pctc,
                "suggestion": suggestion or "the professional component code",
            },
        )
