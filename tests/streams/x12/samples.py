"""Synthetic claims for the X12 tests (fake people, valid-by-check-digit NPIs)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from schemas import ClaimSubmitted
from schemas.pseudonym import pseudonymous_key
from tests.builders import VALID_NPIS, claim_dict, line

SECRET = b"x12-test-secret-key-0001"
AT = datetime(2026, 11, 12, 9, 30, 5, tzinfo=UTC)


def claim(claim_id: str, **overrides: Any) -> ClaimSubmitted:
    base = claim_dict(claim_id=claim_id, encounter_id=f"ENC-{claim_id}", occurred_at=AT.isoformat())
    base.update(overrides)
    payer_id, member = base["payer"]["payer_id"], base["patient"]["member_id"]
    base["patient_key"] = pseudonymous_key(payer_id, member, SECRET)
    return ClaimSubmitted.model_validate(base)


def variety() -> list[ClaimSubmitted]:
    """Every shape the 837P mapping handles: plan types, modifiers, several lines and diagnoses,
    referring provider, prior authorisation, a replacement (frequency 7 with REF*F8)."""
    dos = date(2026, 11, 10)
    commercial = {"payer_id": "ACME", "name": "ACME HEALTH", "plan_type": "commercial"}
    patient = {
        "member_id": "XJK000000001",
        "first_name": "ALEX",
        "last_name": "SAMPLE",
        "birth_date": "1971-03-09",
        "sex": "F",
    }
    return [
        claim("X12-CLM-001"),
        claim(
            "X12-CLM-002",
            payer=commercial,
            patient=patient,
            diagnoses=["R07.9", "I10", "R00.2", "Z01.810"],
            lines=[
                line(1, "93005", service_date=dos, pointers=[1, 2]),
                line(2, "93010", service_date=dos, modifiers=["59"], pointers=[3]),
                line(3, "93000", service_date=dos, modifiers=["76", "59"], pointers=[4, 1, 2, 3]),
            ],
            total_charge="135.00",
            referring_provider_npi=VALID_NPIS[2],
            prior_authorization="PA12345",
        ),
        claim(
            "X12-CLM-003",
            payer=commercial,
            patient=patient,
            frequency_code="7",
            original_claim_number="ACME261120003",
            place_of_service="22",
            lines=[line(1, "93010", service_date=dos)],
        ),
        claim(
            "X12-CLM-004",
            payer={"payer_id": "STATE-MCD", "name": "STATE MEDICAID", "plan_type": "medicaid"},
            patient={**patient, "member_id": "MCD0000042", "sex": "M"},
        ),
        claim(
            "X12-CLM-005",
            payer={
                "payer_id": "SUNMED-MA",
                "name": "SUNMED MEDICARE ADVANTAGE",
                "plan_type": "medicare_advantage",
            },
            rendering_provider_npi=VALID_NPIS[0],  # billed and rendered by the same NPI: no 2310B
        ),
    ]
