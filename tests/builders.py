"""Builders for realistic, synthetic claims and encounters (tests, benchmarks, examples).

Everything here is obviously fake: names like ``TEST-PATIENT``, member ids from a synthetic range,
NPIs that pass the check digit but belong to no one we know of.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from schemas import ClaimSubmitted, Encounter, read_claim

VALID_NPIS = ("1234567893", "1558598797", "1245319599")
INVALID_NPI = "1234567890"
SYNTHETIC_MBI = "1EG4TE5MK73"  # CMS's published MBI example format
DEFAULT_DOS = date(2026, 2, 10)
DEFAULT_AS_OF = date(2026, 3, 1)
FIXED_TIME = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def claim_dict(**overrides: Any) -> dict[str, Any]:
    """A clean Medicare 93000 claim for chest pain, as JSON-ready data; override any field."""
    dos = overrides.pop("service_date", DEFAULT_DOS)
    data: dict[str, Any] = {
        "event_id": str(uuid.uuid4()),
        "occurred_at": FIXED_TIME.isoformat(),
        "source": "tests",
        "claim_id": "CLM-0001",
        "encounter_id": "ENC-0001",
        "patient_key": "pk-test-0001",
        "patient": {
            "member_id": SYNTHETIC_MBI,
            "first_name": "TEST",
            "last_name": "PATIENT",
            "birth_date": "1950-04-01",
            "sex": "F",
        },
        "payer": {
            "payer_id": "MCR-JH",
            "name": "Medicare Part B (Novitas JH)",
            "plan_type": "medicare",
        },
        "billing_provider_npi": VALID_NPIS[0],
        "rendering_provider_npi": VALID_NPIS[1],
        "place_of_service": "11",
        "frequency_code": "1",
        "diagnoses": ["R07.9"],
        "lines": [
            {
                "line_number": 1,
                "procedure_code": "93000",
                "modifiers": [],
                "units": 1,
                "charge": "45.00",
                "service_date": dos.isoformat(),
                "diagnosis_pointers": [1],
            }
        ],
        "total_charge": "45.00",
    }
    for key, value in overrides.items():
        data[key] = value
    if "lines" in overrides and "total_charge" not in overrides:
        data["total_charge"] = str(sum(Decimal(str(line["charge"])) for line in data["lines"]))
    return data


def line(
    n: int,
    code: str,
    *,
    modifiers: list[str] | None = None,
    units: int | str = 1,
    charge: str = "45.00",
    service_date: date = DEFAULT_DOS,
    pointers: list[int] | None = None,
) -> dict[str, Any]:
    return {
        "line_number": n,
        "procedure_code": code,
        "modifiers": modifiers or [],
        "units": units,
        "charge": charge,
        "service_date": service_date.isoformat(),
        "diagnosis_pointers": [1] if pointers is None else pointers,
    }


def make_claim(**overrides: Any) -> ClaimSubmitted:
    """The claim as the worker reads it: a ``ValidClaim`` when every value is well-formed."""
    return read_claim(claim_dict(**overrides))


def encounter_dict(**overrides: Any) -> dict[str, Any]:
    """The encounter matching ``claim_dict()``: full ECG documented and signed."""
    ecg = {
        "tracing_recorded": True,
        "interpretation_documented": True,
        "report_signed": True,
        "interpreting_provider_npi": VALID_NPIS[1],
        "performed_at": None,
        "repeat_count": 1,
    }
    ecg.update(overrides.pop("ecg_fields", {}))
    data: dict[str, Any] = {
        "event_id": str(uuid.uuid4()),
        "occurred_at": FIXED_TIME.isoformat(),
        "source": "tests",
        "encounter_id": "ENC-0001",
        "patient_key": "pk-test-0001",
        "service_date": DEFAULT_DOS.isoformat(),
        "place_of_service": "11",
        "rendering_provider_npi": VALID_NPIS[1],
        "diagnoses": ["R07.9"],
        "symptoms": ["chest pain"],
        "ecg": ecg,
    }
    data.update(overrides)
    return data


def make_encounter(**overrides: Any) -> Encounter:
    return Encounter.model_validate(encounter_dict(**overrides))


def commercial_payer(payer_id: str = "BLUEPEAK", name: str = "BluePeak Commercial") -> dict[str, str]:
    return {"payer_id": payer_id, "name": name, "plan_type": "commercial"}


def commercial_patient() -> dict[str, str]:
    """A commercial plan's member (no Medicare MBI)."""
    return {"member_id": "X1", "first_name": "T", "last_name": "P", "birth_date": "1980-01-01", "sex": "M"}


#: Medicare's adjudication as a secondary claim carries it (2320/2330A/2330B) — its 835 whole for
#: the default one-line claim: 45.00 charged = 36.00 paid + CO-45 5.00 + PR-2 4.00 (the
#: coinsurance the secondary payer is billed for)
MEDICARE_PRIMARY_FOR_COB: dict[str, Any] = {
    "payer_id": "MCR-JH",
    "name": "MEDICARE PART B",
    "plan_type": "medicare",
    "responsibility": "P",
    "paid_amount": "36.00",
    "subscriber_member_id": "1EG4TE5MK73",
    "subscriber_last_name": "PATIENT",
    "subscriber_first_name": "TEST",
}
MEDICARE_DECISION_FOR_COB: dict[str, Any] = {
    **MEDICARE_PRIMARY_FOR_COB,
    "adjudicated_on": "2026-02-20",
    "adjustments": [
        {"group_code": "CO", "reason_code": "45", "amount": "5.00", "line_number": 1},
        {"group_code": "PR", "reason_code": "2", "amount": "4.00", "line_number": 1},
    ],
    "line_payments": [{"line_number": 1, "paid_amount": "36.00"}],
}
