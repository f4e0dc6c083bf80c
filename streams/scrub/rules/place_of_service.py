"""place_of_service: in a facility the physician bills the interpretation only."""

from __future__ import annotations

from collections.abc import Iterator

from streams.scrub.context import ClaimFacts, ScrubContext
from streams.scrub.rules import Finding, checks


@checks("POS_GLOBAL_IN_FACILITY")
def facility_pos(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    pack = ctx.pack
    pos = facts.claim.place_of_service
    if pos not in pack.facility_pos:
        return
    for line in facts.claim.lines:
        info = pack.spec.codes.get(line.procedure_code)
        if info is not None and info.needs_ecg_documentation and info.part in ("global", "technical"):
            yield Finding(
                "POS_GLOBAL_IN_FACILITY",
                line.line_number,
                {
                    "code": line.procedure_code,
                    "pos": pos,
                    "professional": pack.part_code(line.procedure_code, "professional")
                    or "the interpretation code",
                },
            )
