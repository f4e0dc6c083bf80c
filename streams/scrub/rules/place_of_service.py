"""place_of_service: in a facility the physician bills the professional component only; in a SNF
Part A stay (POS 31) the technical part is under the SNF's consolidated billing."""

from __future__ import annotations

from collections.abc import Iterator

from streams.scrub.context import ClaimFacts, ScrubContext
from streams.scrub.registry import Finding, checks

PART_WORDS = {"global": "complete service (global)", "technical": "technical component"}


@checks("POS_GLOBAL_IN_FACILITY", "POS_GLOBAL_IN_SNF_STAY")
def facility_pos(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    pack = ctx.pack
    pos = facts.claim.place_of_service
    if pos not in pack.facility_pos:
        return
    cms = pack.cms
    rule = "POS_GLOBAL_IN_SNF_STAY" if pos in pack.consolidated_pos else "POS_GLOBAL_IN_FACILITY"
    for line, part in zip(facts.claim.lines, facts.parts, strict=True):
        if part not in PART_WORDS:
            continue
        code = line.procedure_code
        pctc = cms.pctc(code)
        suggestion = f"{code}-26" if pctc == 1 else cms.component_code(code, "professional")
        yield Finding(
            rule,
            line.line_number,
            {
                "code": code,
                "pos": pos,
                "part": PART_WORDS[part],
                "pctc": pctc,
                "suggestion": suggestion or "the professional component code",
            },
        )
