"""code_validity: ICD-10-CM valid and billable on the date of service; procedure codes in force
and, for Medicare, paid separately (fee-schedule status B and P: bundled into other services).

Code sets are open: a well-formed CPT/HCPCS code the packs do not list is valid unless a loaded
CMS file says otherwise — a fee-schedule status that retires it (D, F, G, H) or makes it invalid
for Medicare (I), a fee-schedule release in force on the date of service that does not list it
while another release does (added later, or deleted), a HCPCS Level II termination date before
the date of service, or (with the official HCPCS file loaded) a Level II code the file does not
carry.
"""

from __future__ import annotations

from collections.abc import Iterator

from schemas.codes import looks_like_icd10
from streams.scrub.context import ClaimFacts, ScrubContext
from streams.scrub.icd import billable_child_example
from streams.scrub.registry import Finding, checks

NOT_IN_FORCE = "CODE_PROCEDURE_NOT_IN_FORCE"
NOT_FOR_MEDICARE = "CODE_PROCEDURE_NOT_VALID_FOR_MEDICARE"
BUNDLED = "COV_MEDICARE_BUNDLED"
FEE_FILE = "CMS physician fee schedule RVU file"
HCPCS_FILE = "CMS HCPCS Level II file"


def _level_two(code: str) -> bool:
    return code[:1].isalpha()


@checks(NOT_IN_FORCE, NOT_FOR_MEDICARE, BUNDLED)
def procedure_in_force(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    pack = ctx.pack
    cms = pack.cms
    status_rules = pack.conventions.fee_status_rules
    medicare = ctx.payer.plan_type in pack.medicare_plans
    for line in facts.claim.lines:
        code, day, n = line.procedure_code, line.service_date, line.line_number
        base = {"code": code, "line": n, "service_date": day}
        row, release = cms.fees.on(code, day)
        if row is None and release is not None:  # another release lists it: added later, or deleted
            yield Finding(
                NOT_IN_FORCE,
                n,
                {**base, "detail": f"not in the fee schedule's {release.label}", "file": FEE_FILE},
            )
            continue
        rule = status_rules.get(row.status) if row is not None else None
        if row is not None and rule == NOT_IN_FORCE:
            yield Finding(
                NOT_IN_FORCE, n, {**base, "detail": f"fee schedule status {row.status}", "file": FEE_FILE}
            )
            continue
        if rule == NOT_FOR_MEDICARE and medicare:
            yield Finding(NOT_FOR_MEDICARE, n, base)
        elif rule == BUNDLED and medicare and row is not None:
            yield Finding(BUNDLED, n, {**base, "status": row.status})
        if not _level_two(code):
            continue
        span = cms.hcpcs.codes.get(code)
        if span is not None:
            if span.terminated is not None and day > span.terminated:
                yield Finding(
                    NOT_IN_FORCE, n, {**base, "detail": f"terminated {span.terminated}", "file": HCPCS_FILE}
                )
            elif span.added is not None and day < span.added:
                yield Finding(NOT_IN_FORCE, n, {**base, "detail": f"added {span.added}", "file": HCPCS_FILE})
        elif "hcpcs" in cms.official:
            yield Finding(
                NOT_IN_FORCE, n, {**base, "detail": "not in the HCPCS Level II file", "file": HCPCS_FILE}
            )


@checks("CODE_ICD_INVALID", "CODE_ICD_NOT_BILLABLE")
def diagnoses_valid(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    on = facts.first_date
    for dx in facts.claim.diagnoses:
        if not looks_like_icd10(dx):
            continue  # CODE_ICD_MALFORMED (the format step) explains it
        status = ctx.icd.status(dx, on)
        if status == "invalid":
            yield Finding("CODE_ICD_INVALID", None, {"dx": dx, "service_date": on})
        elif status == "header":
            yield Finding(
                "CODE_ICD_NOT_BILLABLE",
                None,
                {"dx": dx, "service_date": on, "example": billable_child_example(dx)},
            )
