"""claim_data, patient and provider rules: is the claim complete and internally consistent?"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from functools import lru_cache

from schemas import ScrubbableClaim
from schemas.claim import cob_conflicts, cob_imbalances, x12_values
from schemas.codes import (
    looks_like_npi,
    npi_is_valid,
    x12_limit,
    x12_minimum,
    x12_text,
    x12_unsafe,
    x12_unsafe_in,
)
from streams.scrub.context import ClaimFacts, ScrubContext
from streams.scrub.registry import Finding, checks

# Medicare Beneficiary Identifier: 11 characters, positions by type (CMS MBI format spec).
_MBI_ALPHA = "ACDEFGHJKMNPQRTUVWXY"  # no S, L, O, I, B, Z
_MBI_RE = re.compile(
    rf"^[1-9][{_MBI_ALPHA}][{_MBI_ALPHA}0-9][0-9][{_MBI_ALPHA}][{_MBI_ALPHA}0-9][0-9]"
    rf"[{_MBI_ALPHA}][{_MBI_ALPHA}][0-9][0-9]$"
)


@lru_cache(maxsize=65536)
def mbi_is_valid(member_id: str) -> bool:
    """An MBI as a claim carries it: upper case, no dashes (CMS: the dashes on the card are never keyed)."""
    return bool(_MBI_RE.match(member_id))


def mbi_problem(member_id: str) -> str:
    """Why a Medicare member id is not an MBI a contractor accepts (never repeats the value)."""
    if _MBI_RE.match(member_id.replace("-", "").replace(" ", "").upper()):
        if "-" in member_id or " " in member_id:
            return "written with the dashes or spaces of the card"
        return "written in lower case"
    return "not in the Medicare Beneficiary Identifier (MBI) format"


#: NPIs seen to pass the check digit: on the hot path a set lookup is cheaper than the cached call
_PASSED: set[str] = set()


def npis_valid(npis: tuple[str | None, ...]) -> bool:
    """Whether every NPI given passes the check digit (fast for NPIs seen to pass before; bounded)."""
    if _PASSED.issuperset(npis):
        return True
    if not all(npi is not None and npi_is_valid(npi) for npi in npis):
        return False
    if len(_PASSED) > 100_000:
        _PASSED.clear()
    _PASSED.update(n for n in npis if n is not None)
    return True


@checks("CLAIM_TOTAL_MISMATCH")
def total_matches_lines(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    claim = facts.claim
    lines_total = claim.lines_total
    if claim.total_charge is not None and claim.total_charge != lines_total:
        yield Finding("CLAIM_TOTAL_MISMATCH", None, {"total": claim.total_charge, "lines_total": lines_total})


@checks(
    "CLAIM_LINE_CHARGE_ZERO",
    "CLAIM_UNITS_BELOW_ONE",
    "CLAIM_DX_POINTER_MISSING",
    "CLAIM_DX_POINTER_RANGE",
    "CLAIM_FUTURE_SERVICE_DATE",
)
def line_fields(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    dx_count = len(facts.claim.diagnoses)
    for line in facts.claim.lines:
        n, code = line.line_number, line.procedure_code
        if line.charge <= 0:
            yield Finding("CLAIM_LINE_CHARGE_ZERO", n, {"line": n, "code": code, "charge": line.charge})
        if 0 < line.units < 1:  # 0 and below: CLAIM_UNITS_INVALID (the format check)
            yield Finding("CLAIM_UNITS_BELOW_ONE", n, {"line": n, "code": code, "units": line.units})
        if not line.diagnosis_pointers:
            yield Finding("CLAIM_DX_POINTER_MISSING", n, {"line": n, "code": code, "dx_count": dx_count})
        for pointer in line.diagnosis_pointers:
            # with no diagnosis at all, CLAIM_NO_DIAGNOSIS says what is wrong
            if dx_count and not 1 <= pointer <= dx_count:
                yield Finding(
                    "CLAIM_DX_POINTER_RANGE",
                    n,
                    {"line": n, "pointer": pointer, "dx_count": dx_count},
                )
        # a range (a service end date, DTP*472 RD8) ends when the service did: after today, the
        # service is not over and cannot be billed yet
        if line.service_date > ctx.as_of or (
            line.service_end_date is not None and line.service_end_date > ctx.as_of
        ):
            yield Finding("CLAIM_FUTURE_SERVICE_DATE", n, {"line": n})


@checks("CLAIM_ORIGINAL_NUMBER_REQUIRED", "CLAIM_REPLACEMENT_NOT_ACCEPTED")
def frequency_code(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    claim = facts.claim
    if claim.frequency_code in ("7", "8"):
        params = {"frequency": claim.frequency_code, "payer": ctx.payer.name, "payer_id": ctx.payer.payer_id}
        if not claim.original_claim_number:
            yield Finding("CLAIM_ORIGINAL_NUMBER_REQUIRED", None, params)
        if not ctx.payer.accepts_replacement_claims:
            yield Finding("CLAIM_REPLACEMENT_NOT_ACCEPTED", None, params)


#: no patient is older (the oldest documented person lived 122 years): an older birth date is a typo
MAX_AGE_YEARS = 125


def oldest_birth_date(service_date: date) -> date:
    return service_date.replace(year=service_date.year - MAX_AGE_YEARS, day=min(service_date.day, 28))


@checks("PATIENT_BIRTH_DATE_INVALID", "PATIENT_MBI_FORMAT")
def patient(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    person = facts.claim.patient
    born = person.birth_date
    if born is not None and born > facts.first_date:
        yield Finding("PATIENT_BIRTH_DATE_INVALID", None, {"problem": "after the date of service"})
    elif born is not None and born < oldest_birth_date(facts.first_date):
        yield Finding(
            "PATIENT_BIRTH_DATE_INVALID",
            None,
            {"problem": f"more than {MAX_AGE_YEARS} years before the date of service (a typo?)"},
        )
    if ctx.payer.requires_mbi and person.member_id and not mbi_is_valid(person.member_id):
        yield Finding("PATIENT_MBI_FORMAT", None, {"problem": mbi_problem(person.member_id)})


def cob_gaps(claim: ScrubbableClaim) -> list[tuple[int, list[str]]]:
    """Other payers whose COB loops cannot be written (``OtherPayer.cob_missing``)."""
    return [(n, missing) for n, other in enumerate(claim.other_payers) if (missing := other.cob_missing())]


def x12_suspect(claim: ScrubbableClaim) -> bool:
    """Cheap screen for ``fits_an_837p``: true whenever it might fire (one pass over the text)."""
    if claim.other_payers or claim.payer_responsibility != "P" or claim.subscriber is not None:
        return True  # the coordination of benefits checks (cheap: the claim has another payer)
    values = x12_values(claim)
    if any(v is not None and not x12_minimum(f) <= len(v) <= x12_limit(f) for f, v, _ in values):
        return True
    text = " ".join(v for _, v, _ in values if v)
    return not text.isascii() or x12_unsafe(text)


@checks(
    "CLAIM_X12_UNSAFE",
    "CLAIM_X12_TOO_LONG",
    "CLAIM_X12_TOO_SHORT",
    "CLAIM_COB_INCOMPLETE",
    "CLAIM_COB_PAYER_ORDER",
    "CLAIM_COB_PRIOR_DECISION_MISSING",
    "CLAIM_COB_DECISION_INCOMPLETE",
    "CLAIM_COB_UNBALANCED",
    "PATIENT_ADDRESS_MISSING",
    "PATIENT_DEPENDENT_ON_MEDICARE",
)
def fits_an_837p(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    """Every value that goes into the 837P can be written there: no delimiter or control
    character, none beyond the element's maximum length (an accented letter is written without
    its accent), none that is nothing once written (only accents). X12 has no escape: such a
    claim cannot leave. Its coordination of benefits says what can be so: the payers in an order
    of payment, the decisions of the payers before the claim's (and only theirs), each line
    decision on a line of the claim with its date, and the decisions balancing (a warning)."""
    for field, value, line in x12_values(facts.claim):
        if not value:
            continue
        if x12_unsafe_in(field, value) or not x12_text(value).strip():
            yield Finding("CLAIM_X12_UNSAFE", line, {"field": field})
        limit = x12_limit(field)
        if len(x12_text(value)) > limit:
            yield Finding("CLAIM_X12_TOO_LONG", line, {"field": field, "max": limit})
        elif len(x12_text(value).strip()) < (least := x12_minimum(field)) and x12_text(value).strip():
            yield Finding("CLAIM_X12_TOO_SHORT", line, {"field": field, "min": least})
    for n, missing in cob_gaps(facts.claim):
        yield Finding("CLAIM_COB_INCOMPLETE", None, {"position": n + 1, "missing": ", ".join(missing)})
    claim = facts.claim
    if claim.subscriber is not None and not claim.patient.has_address():
        yield Finding("PATIENT_ADDRESS_MISSING", None, {})
    if claim.subscriber is not None and claim.payer.plan_type == "medicare":
        yield Finding("PATIENT_DEPENDENT_ON_MEDICARE", None, {})
    for rule, _, values in cob_conflicts(facts.claim):
        yield Finding(rule, None, values)
    for n, problem in cob_imbalances(facts.claim):
        yield Finding("CLAIM_COB_UNBALANCED", None, {"position": n, "problem": problem})


@checks("PROVIDER_NPI_INVALID")
def providers(facts: ClaimFacts, ctx: ScrubContext) -> Iterator[Finding]:
    """The check digit of each NPI that has the NPI's shape (the format step reports the others)."""
    claim = facts.claim
    for role, npi in (
        ("billing", claim.billing_provider_npi),
        ("rendering", claim.rendering_provider_npi),
        ("referring", claim.referring_provider_npi),
    ):
        if role == "rendering" and npi == claim.billing_provider_npi:
            continue  # no rendering provider of its own (837P 2310B absent): one defect, said once
        if npi is not None and looks_like_npi(npi) and not npi_is_valid(npi):
            yield Finding("PROVIDER_NPI_INVALID", None, {"role": role})
    for line, role, npi in claim.line_providers():  # a line's own (837P 2420A, 2420F)
        if looks_like_npi(npi) and not npi_is_valid(npi):
            yield Finding(
                "PROVIDER_NPI_INVALID", line.line_number, {"role": f"line {line.line_number} {role}"}
            )
