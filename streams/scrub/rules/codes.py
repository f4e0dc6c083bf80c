"""code_validity: procedure codes the pack knows; ICD-10-CM valid and billable on the date."""

from __future__ import annotations

from collections.abc import Iterator

from streams.scrub.context import ClaimFacts, ScrubContext
from streams.scrub.icd import billable_child_example
from streams.scrub.rules import Finding, checks


@checks("CODE_PROCEDURE_UNKNOWN")
def procedure_known(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    known = ctx.pack.spec.codes
    for line in facts.claim.lines:
        if line.procedure_code not in known:
            yield Finding(
                "CODE_PROCEDURE_UNKNOWN",
                line.line_number,
                {"code": line.procedure_code, "line": line.line_number},
            )


@checks("CODE_ICD_INVALID", "CODE_ICD_NOT_BILLABLE")
def diagnoses_valid(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    on = facts.first_date
    for dx in facts.claim.diagnoses:
        status = ctx.icd.status(dx, on)
        if status == "invalid":
            yield Finding("CODE_ICD_INVALID", None, {"dx": dx, "service_date": on})
        elif status == "header":
            yield Finding(
                "CODE_ICD_NOT_BILLABLE",
                None,
                {"dx": dx, "service_date": on, "example": billable_child_example(dx)},
            )
