"""Table-driven realistic scenarios: Medicare and commercial, clean and defective.

Each row states the categories of the edits expected (exactly) and the resulting status.
"""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

import pytest

from streams.scrub import Scrubber
from tests.builders import VALID_NPIS, commercial_payer, line
from tests.streams.scrub.helpers import MISSING, scrub_case

ACME = {"payer_id": "ACME", "name": "Acme Health", "plan_type": "commercial"}
BLUEPEAK = commercial_payer()
MA = {
    "payer_id": "SUNMED-MA",
    "name": "SunMed Medicare Advantage",
    "plan_type": "medicare_advantage",
}
MCD = {"payer_id": "STATE-MCD", "name": "State Medicaid", "plan_type": "medicaid"}
UNKNOWN_COMMERCIAL = {"payer_id": "NEWCO", "name": "NewCo Health", "plan_type": "commercial"}
PATIENT_COMMERCIAL = {
    "member_id": "XJK123456789",
    "first_name": "TEST",
    "last_name": "PATIENT",
    "birth_date": "1980-07-15",
    "sex": "M",
}


class Scenario(NamedTuple):
    name: str
    case: dict[str, Any]
    categories: set[str]
    status: str


def commercial(**claim: Any) -> dict[str, Any]:
    return {"payer": BLUEPEAK, "patient": PATIENT_COMMERCIAL, **claim}


SCENARIOS = [
    # --- clean -----------------------------------------------------------------------------
    Scenario("medicare 93000 chest pain fully documented", {}, set(), "clean"),
    Scenario(
        "medicare 93000 for hypertension",
        {"claim": {"diagnoses": ["I10"]}, "encounter": {"diagnoses": ["I10"]}},
        set(),
        "clean",
    ),
    Scenario(
        "medicare 93000 atrial fibrillation, dx without dot",
        {"claim": {"diagnoses": ["I4891"]}, "encounter": {"diagnoses": ["I48.91"]}},
        set(),
        "clean",
    ),
    Scenario(
        "medicare pre-operative ECG with underlying condition",
        {
            "claim": {
                "diagnoses": ["Z01.810", "I25.10"],
                "lines": [line(1, "93000", pointers=[1, 2])],
            },
            "encounter": {"diagnoses": ["Z01.810", "I25.10"]},
        },
        set(),
        "clean",
    ),
    Scenario(
        "facility interpretation only 93010 at POS 22",
        {
            "claim": {"place_of_service": "22", "lines": [line(1, "93010")]},
            "encounter": {"place_of_service": "22", "ecg_fields": {"tracing_recorded": False}},
        },
        set(),
        "clean",
    ),
    Scenario(
        "tracing only 93005 in the office",
        {
            "claim": {"lines": [line(1, "93005")]},
            "encounter": {"ecg_fields": {"interpretation_documented": False, "report_signed": False}},
        },
        set(),
        "clean",
    ),
    Scenario(
        "commercial E/M with 25 plus 93000",
        {
            "claim": {
                "payer": ACME,
                "patient": PATIENT_COMMERCIAL,
                "lines": [line(1, "99213", modifiers=["25"], charge="110.00"), line(2, "93000")],
            }
        },
        set(),
        "clean",
    ),
    Scenario(
        "medicare E/M without 25 plus 93000 (Medicare does not require 25)",
        {"claim": {"lines": [line(1, "99214", charge="150.00"), line(2, "93000")]}},
        set(),
        "clean",
    ),
    Scenario(
        "repeat ECG same day with 76 and two documented times",
        {
            "claim": {"lines": [line(1, "93000"), line(2, "93000", modifiers=["76"])]},
            "encounter": {"ecg_fields": {"repeat_count": 2}},
        },
        set(),
        "clean",
    ),
    Scenario(
        "rhythm strip at a separate session with XU next to tracing",
        {
            "claim": {"lines": [line(1, "93005"), line(2, "93041", modifiers=["XU"])]},
            "encounter": {"ecg_fields": {"interpretation_documented": False, "report_signed": False}},
        },
        set(),
        "clean",
    ),
    Scenario(
        "medicaid 93000 syncope",
        {
            "claim": {"payer": MCD, "patient": PATIENT_COMMERCIAL, "diagnoses": ["R55"]},
            "encounter": {"diagnoses": ["R55"]},
        },
        set(),
        "clean",
    ),
    Scenario(
        "medicare advantage 93000 palpitations",
        {"claim": {"payer": MA, "diagnoses": ["R00.2"]}, "encounter": {"diagnoses": ["R00.2"]}},
        set(),
        "clean",
    ),
    Scenario(
        "unknown commercial payer falls back to plan defaults",
        {"claim": {"payer": UNKNOWN_COMMERCIAL, "patient": PATIENT_COMMERCIAL}},
        set(),
        "clean",
    ),
    Scenario(
        "commercial replacement claim with payer claim number",
        {"claim": commercial(frequency_code="7", original_claim_number="PCN-8841")},
        set(),
        "clean",
    ),
    Scenario(
        "IPPE screening ECG G0403 on Medicare",
        {
            "claim": {"diagnoses": ["Z00.00"], "lines": [line(1, "G0403")]},
            "encounter": {"diagnoses": ["Z00.00"]},
        },
        set(),
        "clean",
    ),
    Scenario(
        "interpretation by a second reader noted only as a warning",
        {"encounter": {"ecg_fields": {"interpreting_provider_npi": VALID_NPIS[2]}}},
        {"provider"},
        "clean",
    ),
    Scenario(
        "claim diagnosis not in the record is a warning only",
        {"claim": {"diagnoses": ["R07.9", "I10"]}},
        {"documentation"},
        "clean",
    ),
    Scenario(
        "filing deadline close is a warning only",
        {"claim": {"lines": [line(1, "93000", service_date=date(2025, 3, 20))]}},
        {"timely_filing"},
        "clean",
    ),
    # --- defective -------------------------------------------------------------------------
    Scenario(
        "93000 without interpretation (tracing only)",
        {"encounter": {"ecg_fields": {"interpretation_documented": False, "report_signed": False}}},
        {"component"},
        "held",
    ),
    Scenario(
        "93000 without tracing by the practice",
        {"encounter": {"ecg_fields": {"tracing_recorded": False}}},
        {"component"},
        "held",
    ),
    Scenario(
        "93000 with unsigned report",
        {"encounter": {"ecg_fields": {"report_signed": False}}},
        {"documentation"},
        "held",
    ),
    Scenario(
        "93000 billed but no ECG in the encounter",
        {"encounter": {"ecg": None}},
        {"documentation"},
        "held",
    ),
    Scenario("encounter never arrived", {"encounter": MISSING}, {"documentation"}, "held"),
    Scenario(
        "93000 + 93010 same day",
        {"claim": {"lines": [line(1, "93000"), line(2, "93010")]}},
        {"bundling"},
        "held",
    ),
    Scenario(
        "93000 + 93005 same day",
        {"claim": {"lines": [line(1, "93000"), line(2, "93005")]}},
        {"bundling"},
        "held",
    ),
    Scenario(
        "93005 + 93010 split by the same provider",
        {"claim": {"lines": [line(1, "93005"), line(2, "93010")]}},
        {"bundling"},
        "held",
    ),
    Scenario("93000-26", {"claim": {"lines": [line(1, "93000", modifiers=["26"])]}}, {"modifier"}, "held"),
    Scenario("93010-TC", {"claim": {"lines": [line(1, "93010", modifiers=["TC"])]}}, {"modifier"}, "held"),
    Scenario(
        "59 on a lone 93000 to force a repeat",
        {"claim": {"lines": [line(1, "93000", modifiers=["59"])]}},
        {"modifier"},
        "held",
    ),
    Scenario(
        "repeat 93000 without 76/77",
        {
            "claim": {"lines": [line(1, "93000"), line(2, "93000")]},
            "encounter": {"ecg_fields": {"repeat_count": 2}},
        },
        {"units"},
        "held",
    ),
    Scenario(
        "93000 in the inpatient hospital (POS 21)",
        {"claim": {"place_of_service": "21"}},
        {"place_of_service"},
        "held",
    ),
    Scenario(
        "low back pain does not support an ECG",
        {"claim": {"diagnoses": ["M54.50"]}, "encounter": {"diagnoses": ["M54.50"]}},
        {"medical_necessity"},
        "held",
    ),
    Scenario(
        "routine exam only on Medicare 93000",
        {"claim": {"diagnoses": ["Z00.00"]}, "encounter": {"diagnoses": ["Z00.00"]}},
        {"medical_necessity"},
        "held",
    ),
    Scenario(
        "retired header I47.1 after FY2024",
        {"claim": {"diagnoses": ["I47.1"]}, "encounter": {"diagnoses": ["I47.1"]}},
        {"code_validity", "medical_necessity"},
        "held",
    ),
    Scenario(
        "invalid NPI for the rendering provider",
        {
            "claim": {"rendering_provider_npi": "1234567890"},
            "encounter": {
                "rendering_provider_npi": "1234567890",
                "ecg_fields": {"interpreting_provider_npi": "1234567890"},
            },
        },
        {"provider"},
        "held",
    ),
    Scenario(
        "Medicare claim filed after 12 months",
        {"claim": {"lines": [line(1, "93000", service_date=date(2025, 1, 20))]}},
        {"timely_filing"},
        "held",
    ),
    Scenario(
        "commercial claim past Acme's 90 days",
        {
            "claim": {
                "payer": ACME,
                "patient": PATIENT_COMMERCIAL,
                "lines": [line(1, "93000", service_date=date(2025, 11, 1))],
            }
        },
        {"timely_filing"},
        "held",
    ),
    Scenario(
        "duplicate of a claim already sent",
        {"claim": {"claim_id": "CLM-0002"}, "history": [{"claim_id": "CLM-0001"}]},
        {"duplicate"},
        "held",
    ),
    Scenario(
        "second IPPE screening ECG in a lifetime",
        {
            "claim": {"claim_id": "CLM-0009", "diagnoses": ["Z00.00"], "lines": [line(1, "G0403")]},
            "encounter": {"diagnoses": ["Z00.00"]},
            "history": [
                {
                    "claim_id": "OLD-IPPE",
                    "diagnoses": ["Z00.00"],
                    "lines": [line(1, "G0403", service_date=date(2021, 5, 3))],
                }
            ],
        },
        {"frequency"},
        "held",
    ),
    Scenario(
        "Acme does not cover the IPPE screening code",
        {
            "claim": {
                "payer": ACME,
                "patient": PATIENT_COMMERCIAL,
                "diagnoses": ["Z00.00"],
                "lines": [line(1, "G0403")],
            },
            "encounter": {"diagnoses": ["Z00.00"]},
        },
        {"coverage"},
        "held",
    ),
    Scenario(
        "BluePeak rhythm ECG without prior authorization",
        {"claim": commercial(lines=[line(1, "93040")])},
        {"coverage"},
        "held",
    ),
    Scenario(
        "Medicare replacement claim (must be a reopening)",
        {"claim": {"frequency_code": "7", "original_claim_number": "PCN-55"}},
        {"claim_data"},
        "held",
    ),
    Scenario(
        "replacement without the payer claim number",
        {"claim": commercial(frequency_code="7")},
        {"claim_data"},
        "held",
    ),
    Scenario(
        "total charge does not match the lines",
        {"claim": {"total_charge": "90.00"}},
        {"claim_data"},
        "held",
    ),
    Scenario(
        "Medicare member id that is not an MBI",
        {"claim": {"patient": PATIENT_COMMERCIAL}},
        {"patient"},
        "held",
    ),
    Scenario(
        "E/M without 25 for a payer that requires it",
        {
            "claim": {
                "payer": ACME,
                "patient": PATIENT_COMMERCIAL,
                "lines": [line(1, "99213", charge="110.00"), line(2, "93000")],
            }
        },
        {"modifier"},
        "held",
    ),
    Scenario(
        "several defects at once: 26 on global, unsupported dx, unknown procedure",
        {
            "claim": {
                "diagnoses": ["M54.50"],
                "lines": [line(1, "93000", modifiers=["26"]), line(2, "93799")],
            },
            "encounter": {"diagnoses": ["M54.50"]},
        },
        {"modifier", "medical_necessity", "code_validity"},
        "held",
    ),
]


def test_there_are_at_least_forty_scenarios() -> None:
    assert len(SCENARIOS) >= 40
    assert len({s.name for s in SCENARIOS}) == len(SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario(scrubber: Scrubber, scenario: Scenario) -> None:
    result = scrub_case(scrubber, **scenario.case)
    got = {e.category for e in result.edits}
    assert got == scenario.categories, [(e.rule_id, e.message) for e in result.edits]
    assert result.status == scenario.status
