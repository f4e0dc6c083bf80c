"""medical_necessity: each ECG line needs a pointed diagnosis that supports it."""

from __future__ import annotations

from collections.abc import Iterator

from streams.scrub.context import ClaimFacts, ScrubContext
from streams.scrub.rules import Finding, checks


@checks("NEC_NO_SUPPORTING_DIAGNOSIS", "NEC_SCREENING_NOT_COVERED")
def supporting_diagnosis(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    pack = ctx.pack
    for line in facts.claim.lines:
        if line.procedure_code not in pack.necessity_codes:
            continue
        pointed = facts.pointed_diagnoses(line)
        if not pointed:
            continue  # CLAIM_DX_POINTER_* explains it
        if any(dx in pack.supporting_dx for dx in pointed):
            continue
        if all(dx in pack.screening_dx for dx in pointed):
            if not ctx.payer.screening_ecg_covered:
                yield Finding(
                    "NEC_SCREENING_NOT_COVERED",
                    line.line_number,
                    {
                        "line": line.line_number,
                        "code": line.procedure_code,
                        "dx": ", ".join(pointed),
                        "payer": ctx.payer.name,
                    },
                )
            continue
        yield Finding(
            "NEC_NO_SUPPORTING_DIAGNOSIS",
            line.line_number,
            {"line": line.line_number, "code": line.procedure_code},
        )
