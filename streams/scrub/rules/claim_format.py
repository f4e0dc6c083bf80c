"""The claim as submitted: wrong or missing values, reported field by field.

A claim that is not a ``ValidClaim`` (``schemas/claim.py``) comes here first. Every value that is
missing or not well-formed becomes an edit naming the field and the fix — a coder's typo is held,
never dead-lettered. When the values the rules need (lines with their dates, units and charges;
the plan type) are all present, the claim goes on to every other rule as a ``ScrubbableClaim``;
otherwise the format edits are the whole result (the rest is checked once they are fixed).
Edits about malformed values name the field and its position, never the value (it may be PHI
typed in the wrong field).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import ValidationError

from schemas import ClaimSubmitted, ScrubbableClaim, ValidClaim
from schemas.claim import MAX_DIAGNOSES, MAX_LINES, MAX_POINTERS, PAYER_RESPONSIBILITIES, UNIT_BASES
from schemas.codec import describe_validation_error
from schemas.codes import (
    PLAN_TYPES,
    is_icd9,
    looks_like_icd10,
    looks_like_modifier,
    looks_like_npi,
    looks_like_procedure,
)
from streams.scrub.registry import Finding, register_rules

SEXES = ("F", "M", "U")
_PAYER_ID = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
FREQUENCIES = ("1", "7", "8")
#: services from this day are coded in ICD-10-CM, those before it in ICD-9-CM (45 CFR 162.1002)
ICD10_EFFECTIVE = date(2015, 10, 1)

FORMAT_RULES = (
    "CLAIM_FIELD_UNREADABLE",
    "CLAIM_UNKNOWN_FIELD",
    "CLAIM_CONTRACT_INVALID",
    "CLAIM_NO_LINES",
    "CLAIM_TOO_MANY_LINES",
    "CLAIM_LINE_NUMBER_INVALID",
    "CLAIM_SERVICE_DATE_MISSING",
    "CLAIM_SERVICE_DATE_RANGE",
    "CLAIM_UNITS_INVALID",
    "CLAIM_UNIT_BASIS_INVALID",
    "CLAIM_CHARGE_MISSING",
    "CLAIM_TOTAL_MISSING",
    "CLAIM_NO_DIAGNOSIS",
    "CLAIM_TOO_MANY_DIAGNOSES",
    "CLAIM_DX_POINTER_TOO_MANY",
    "CLAIM_DX_POINTER_INVALID",
    "CLAIM_PAYER_MISSING",
    "CLAIM_PAYER_ID_INVALID",
    "CLAIM_PLAN_TYPE_INVALID",
    "CLAIM_POS_INVALID",
    "CLAIM_FREQUENCY_INVALID",
    "CLAIM_RESPONSIBILITY_INVALID",
    "PATIENT_KEY_MISSING",
    "PATIENT_MEMBER_ID_MISSING",
    "PATIENT_NAME_MISSING",
    "PATIENT_BIRTH_DATE_MISSING",
    "PATIENT_SEX_INVALID",
    "PROVIDER_NPI_MISSING",
    "PROVIDER_NPI_FORMAT",
    "CODE_PROCEDURE_INVALID",
    "CODE_ICD_MALFORMED",
    "CODE_ICD9",
    "CODE_ICD9_NOT_CHECKED",
    "MOD_MALFORMED",
    "MOD_TOO_MANY",
)


def _position(name: str) -> int | None:
    """The line position (from 1) a field path names (``lines.2.units`` → 2), else None."""
    parts = name.split(".", 2)
    return int(parts[1]) if len(parts) >= 2 and parts[0] == "lines" and parts[1].isdigit() else None


def _whole_line(name: str) -> bool:
    return _position(name) is not None and name.count(".") == 1


def _line_number(claim: ClaimSubmitted, position: int | None, dropped: list[int]) -> int | None:
    """The number of the line at ``position`` as sent, among the lines read (``dropped``: the
    positions of lines left out whole, which moved the later ones up), so an edit about a line's
    field is listed with that line."""
    if position is None or position in dropped:
        return None
    at = position - sum(1 for d in dropped if d < position)
    lines = claim.lines
    return lines[at - 1].line_number if 1 <= at <= len(lines) else None


def examine(claim: ClaimSubmitted) -> tuple[list[Finding], ScrubbableClaim | None]:
    """The format findings of a claim that is not a ``ValidClaim``, and the claim as a
    ``ScrubbableClaim`` when every value the rules read is present (else ``None``)."""
    out: list[Finding] = []
    add = out.append
    blocking = False

    unreadable = claim.unreadable
    dropped = sorted(_position(name) or 0 for name, _ in unreadable if _whole_line(name))
    for name, problem in unreadable:
        at = None if _whole_line(name) else _line_number(claim, _position(name), dropped)
        add(Finding("CLAIM_FIELD_UNREADABLE", at, {"field": name, "problem": problem}))
    for name in claim.unknown_fields:
        add(Finding("CLAIM_UNKNOWN_FIELD", _line_number(claim, _position(name), []), {"field": name}))

    # identity: patient, payer, providers
    if not claim.patient_key:
        add(Finding("PATIENT_KEY_MISSING", None, {}))
    patient = claim.patient
    if not patient.member_id:
        add(Finding("PATIENT_MEMBER_ID_MISSING", None, {}))
    for part, value in (("first", patient.first_name), ("last", patient.last_name)):
        if not value:
            add(Finding("PATIENT_NAME_MISSING", None, {"part": part}))
    if patient.birth_date is None:
        add(Finding("PATIENT_BIRTH_DATE_MISSING", None, {}))
    if patient.sex not in SEXES:
        add(Finding("PATIENT_SEX_INVALID", None, {}))
    if not claim.payer.payer_id:
        add(Finding("CLAIM_PAYER_MISSING", None, {}))
    elif not _PAYER_ID.match(claim.payer.payer_id):
        add(Finding("CLAIM_PAYER_ID_INVALID", None, {}))
    if claim.payer.plan_type not in PLAN_TYPES:
        add(Finding("CLAIM_PLAN_TYPE_INVALID", None, {}))
        blocking = True
    for role, npi, required in (
        ("billing", claim.billing_provider_npi, True),
        ("rendering", claim.rendering_provider_npi, True),
        ("referring", claim.referring_provider_npi, False),
    ):
        if npi is None:
            if required:
                add(Finding("PROVIDER_NPI_MISSING", None, {"role": role}))
        elif role == "rendering" and npi == claim.billing_provider_npi:
            continue  # no rendering provider of its own: the billing NPI's edit says it
        elif not looks_like_npi(npi):
            add(Finding("PROVIDER_NPI_FORMAT", None, {"role": role}))
    for ln, role, npi in claim.line_providers():
        if not looks_like_npi(npi):
            add(Finding("PROVIDER_NPI_FORMAT", ln.line_number, {"role": f"line {ln.line_number} {role}"}))

    # claim header values; the place of service also where a line has its own (SV105)
    for at_line, pos in (
        (None, claim.place_of_service),
        *((ln.line_number, ln.place_of_service) for ln in claim.lines),
    ):
        if pos is not None and (len(pos) != 2 or not pos.isdigit()):
            add(Finding("CLAIM_POS_INVALID", at_line, {}))
    if claim.frequency_code not in FREQUENCIES:
        add(Finding("CLAIM_FREQUENCY_INVALID", None, {}))
    if claim.payer_responsibility not in PAYER_RESPONSIBILITIES:
        add(Finding("CLAIM_RESPONSIBILITY_INVALID", None, {}))

    # diagnoses
    if not claim.diagnoses:
        add(Finding("CLAIM_NO_DIAGNOSIS", None, {}))
    elif len(claim.diagnoses) > MAX_DIAGNOSES:
        add(Finding("CLAIM_TOO_MANY_DIAGNOSES", None, {"count": len(claim.diagnoses)}))
    readable_dates = [ln.service_date for ln in claim.lines if ln.service_date is not None]
    before_icd10 = bool(readable_dates) and min(readable_dates) < ICD10_EFFECTIVE
    for position, dx in enumerate(claim.diagnoses, start=1):
        if is_icd9(dx):
            # ICD-9-CM is the code set of a service before 2015-10-01, and wrong after it
            add(
                Finding(
                    "CODE_ICD9_NOT_CHECKED" if before_icd10 else "CODE_ICD9", None, {"position": position}
                )
            )
        elif not looks_like_icd10(dx):
            add(Finding("CODE_ICD_MALFORMED", None, {"position": position}))

    # service lines
    lines = claim.lines
    if not lines:
        add(Finding("CLAIM_NO_LINES", None, {}))
        blocking = True
    elif len(lines) > MAX_LINES:
        add(Finding("CLAIM_TOO_MANY_LINES", None, {"count": len(lines)}))
    seen: set[int] = set()
    for position, line in enumerate(lines, start=1):
        n = line.line_number
        where = {"position": position}
        if n is None or not 1 <= n <= MAX_LINES or n in seen:
            add(Finding("CLAIM_LINE_NUMBER_INVALID", None, where))
            blocking = blocking or n is None
        if n is not None:
            seen.add(n)
        label = n if n is not None else position
        where = {"position": label}  # a line is named by its number, by its place only without one
        if not looks_like_procedure(line.procedure_code):
            add(Finding("CODE_PROCEDURE_INVALID", n, where))
        for j, modifier in enumerate(line.modifiers, start=1):
            if not looks_like_modifier(modifier):
                add(Finding("MOD_MALFORMED", n, {"line": label, "position": j}))
        if len(line.modifiers) > 4:
            add(Finding("MOD_TOO_MANY", n, {"line": label, "count": len(line.modifiers)}))
        if line.units is None or line.units <= 0:
            add(Finding("CLAIM_UNITS_INVALID", n, where))
            blocking = blocking or line.units is None
        if line.unit_basis not in UNIT_BASES:
            add(Finding("CLAIM_UNIT_BASIS_INVALID", n, {"line": label}))
        if line.charge is None:
            add(Finding("CLAIM_CHARGE_MISSING", n, where))
            blocking = True
        if line.service_date is None:
            add(Finding("CLAIM_SERVICE_DATE_MISSING", n, where))
            blocking = True
        elif line.service_end_date is not None and line.service_end_date < line.service_date:
            add(Finding("CLAIM_SERVICE_DATE_RANGE", n, {"line": label}))
        pointers = line.diagnosis_pointers
        if any(p is None for p in pointers) or len(set(pointers)) != len(pointers):
            # a pointer that is no number (nor a letter A-L), or one given twice: SV107 names up
            # to 4 different diagnoses
            add(Finding("CLAIM_DX_POINTER_INVALID", n, {"line": label}))
        if len(line.diagnosis_pointers) > MAX_POINTERS:
            add(
                Finding(
                    "CLAIM_DX_POINTER_TOO_MANY", n, {"line": label, "count": len(line.diagnosis_pointers)}
                )
            )
    if claim.total_charge is None:
        add(Finding("CLAIM_TOTAL_MISSING", None, {"lines_total": claim.lines_total}))

    if all(f.rule_id in ("CLAIM_UNKNOWN_FIELD", "CLAIM_FIELD_UNREADABLE") for f in out):
        # nothing specific found, yet the strict contract may refuse the claim: say what it refused
        # (unknown fields and unreadable values aside: their own edits name them)
        data = claim.model_dump(mode="json", exclude=_extras(claim))
        try:
            ValidClaim.model_validate(data)
        except ValidationError as exc:
            add(
                Finding(
                    "CLAIM_CONTRACT_INVALID",
                    None,
                    {"problem": describe_validation_error(exc)},
                )
            )
    if blocking:
        return out, None
    return out, _scrubbable(claim)


def _extras(claim: ClaimSubmitted) -> dict[str, Any]:
    """The unknown fields of a claim as a ``model_dump`` exclusion (CLAIM_UNKNOWN_FIELD names them)."""
    out: dict[str, Any] = {name: True for name in claim.model_extra or {}}
    for part in ("patient", "payer"):
        extra = getattr(claim, part).model_extra or {}
        if extra:
            out[part] = dict.fromkeys(extra, True)
    lines = {
        i: dict.fromkeys(line.model_extra, True) for i, line in enumerate(claim.lines) if line.model_extra
    }
    if lines:
        out["lines"] = lines
    return out


def _scrubbable(claim: ClaimSubmitted) -> ScrubbableClaim:
    data = claim.model_dump()
    for line in data["lines"]:
        # an unreadable pointer points nowhere (CLAIM_DX_POINTER_INVALID says so)
        line["diagnosis_pointers"] = [p for p in line["diagnosis_pointers"] if p is not None]
    return ScrubbableClaim.model_validate(data)


register_rules(examine, *FORMAT_RULES)
