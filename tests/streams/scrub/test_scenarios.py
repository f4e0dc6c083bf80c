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


ED_DOC = {"ecg_fields": {"tracing_recorded": False, "interpreting_provider_npi": VALID_NPIS[2]}}


class Scenario(NamedTuple):
    name: str
    case: dict[str, Any]
    categories: set[str]
    status: str


def commercial(**claim: Any) -> dict[str, Any]:
    return {"payer": BLUEPEAK, "patient": PATIENT_COMMERCIAL, **claim}


def ed_read(**claim: Any) -> dict[str, Any]:
    """The ED physician's interpretation (VALID_NPIS[2], POS 23) the evening of the office ECG."""
    return {
        "claim_id": "ED-1",
        "encounter_id": "ENC-ED",
        "rendering_provider_npi": VALID_NPIS[2],
        "place_of_service": "23",
        "lines": [line(1, "93010")],
        **claim,
    }


ED_ENCOUNTER = {
    "encounter_id": "ENC-ED",
    "rendering_provider_npi": VALID_NPIS[2],
    "place_of_service": "23",
    **ED_DOC,
}
OFFICE_MORNING = [{"claim_id": "OFFICE-1"}]


def facility(pos: str) -> Scenario:
    return Scenario(
        f"93000 by the physician at facility POS {pos}",
        {"claim": {"place_of_service": pos}},
        {"place_of_service"},
        "held",
    )


def ippe_visit(claim_id: str, day: date, **claim: object) -> dict[str, object]:
    """An earlier claim of the patient's: the IPPE (G0402) with its screening ECG (G0403)."""
    return {
        "claim_id": claim_id,
        **claim,
        "lines": [line(1, "G0402", service_date=day), line(2, "G0403", service_date=day)],
    }


NEW_SCENARIOS = [
    # --- correct claims that must stay clean (the reference, sections 1-3) ---------------------
    Scenario(
        "93000 for atrial flutter (I48.92: a covered range, not on the starter list)",
        {"claim": {"diagnoses": ["I48.92"]}, "encounter": {"diagnoses": ["I48.92"]}},
        set(),
        "clean",
    ),
    Scenario(
        "93000 for a supraventricular tachycardia (I47.20), first-degree block (I44.0), RBBB (I45.10)",
        {
            "claim": {
                "diagnoses": ["I47.20", "I44.0", "I45.10"],
                "lines": [line(1, "93000", pointers=[1, 2, 3])],
            },
            "encounter": {"diagnoses": ["I47.20", "I44.0", "I45.10"]},
        },
        set(),
        "clean",
    ),
    Scenario(
        "93010-GC by the teaching physician in the hospital outpatient department",
        {
            "claim": {"place_of_service": "22", "lines": [line(1, "93010", modifiers=["GC"])]},
            "encounter": {"place_of_service": "22", "ecg_fields": {"tracing_recorded": False}},
        },
        set(),
        "clean",
    ),
    Scenario(
        "ED visit 99282 with the ECG interpretation 93010",
        {
            "claim": {
                "place_of_service": "23",
                "lines": [line(1, "99282", charge="180.00"), line(2, "93010")],
            },
            "encounter": {"place_of_service": "23", "ecg_fields": {"tracing_recorded": False}},
        },
        set(),
        "clean",
    ),
    Scenario(
        "screening 93000-GY on Medicare: billed for the denial, patient liable (a warning)",
        {
            "claim": {"diagnoses": ["Z00.00"], "lines": [line(1, "93000", modifiers=["GY"])]},
            "encounter": {"diagnoses": ["Z00.00"]},
        },
        {"medical_necessity"},
        "clean",
    ),
    Scenario(
        "93000-GA with an ABN on file for a doubtful indication (a warning)",
        {
            "claim": {"diagnoses": ["M54.50"], "lines": [line(1, "93000", modifiers=["GA"])]},
            "encounter": {"diagnoses": ["M54.50"]},
        },
        {"medical_necessity"},
        "clean",
    ),
    Scenario(
        "93000-GA for chest pain (a precautionary ABN)",
        {"claim": {"lines": [line(1, "93000", modifiers=["GA"])]}},
        set(),
        "clean",
    ),
    Scenario(
        "office 93000 in the morning, ED 93010-77 by another physician in the evening",
        {
            "claim": ed_read(lines=[line(1, "93010", modifiers=["77"])]),
            "encounter": ED_ENCOUNTER,
            "history": OFFICE_MORNING,
        },
        set(),
        "clean",
    ),
    Scenario(
        "a claim from a practice-management system that references no encounter",
        {"claim": {"encounter_id": None}, "encounter": MISSING},
        {"documentation"},
        "clean",
    ),
    Scenario(
        "commercial E/M without 25 with an ECG (no payer rule asks for 25 by default)",
        {"claim": commercial(lines=[line(1, "99213", charge="110.00"), line(2, "93000")])},
        set(),
        "clean",
    ),
    Scenario(
        "Medicare IPPE G0402 with its screening ECG G0403",
        {
            "claim": {
                "diagnoses": ["Z00.00"],
                "lines": [line(1, "G0402", charge="170.00"), line(2, "G0403")],
            },
            "encounter": {"diagnoses": ["Z00.00"]},
        },
        set(),
        "clean",
    ),
    Scenario(
        "Medicare IPPE G0402 with a problem visit 99213-25 the same day",
        {
            "claim": {
                "lines": [
                    line(1, "G0402", charge="170.00"),
                    line(2, "99213", modifiers=["25"], charge="110.00"),
                ]
            }
        },
        set(),
        "clean",
    ),
    Scenario(
        "Medicare filing on the last day of the calendar year after the service",
        {"claim": {"lines": [line(1, "93000", service_date=date(2025, 3, 1))]}},
        {"timely_filing"},
        "clean",
    ),
    # --- typos: held with an edit naming the field, never dead-lettered ---------------------------
    Scenario(
        "a 9-digit rendering NPI", {"claim": {"rendering_provider_npi": "155859879"}}, {"provider"}, "held"
    ),
    Scenario(
        "a 4-character procedure code",
        {"claim": {"lines": [{**line(1, "93000"), "procedure_code": "9300"}]}},
        {"code_validity"},
        "held",
    ),
    Scenario(
        "a malformed diagnosis", {"claim": {"diagnoses": ["R07.9", "RO7.89"]}}, {"code_validity"}, "held"
    ),
    Scenario(
        "an empty member id",
        {"claim": {"patient": {**PATIENT_COMMERCIAL, "member_id": ""}, "payer": BLUEPEAK}},
        {"patient"},
        "held",
    ),
    # --- the edits a payer would make ----------------------------------------------------------
    *[facility(pos) for pos in ("19", "24", "26", "34", "41", "42", "51", "52", "53", "56", "61")],
    Scenario(
        "93000 in a SNF Part A stay (POS 31): consolidated billing",
        {"claim": {"place_of_service": "31"}},
        {"place_of_service"},
        "held",
    ),
    Scenario(
        "93000 at a nursing facility outside a Part A stay (POS 32) is not a facility setting",
        {"claim": {"place_of_service": "32"}, "encounter": {"place_of_service": "32"}},
        set(),
        "clean",
    ),
    Scenario(
        "a second read of the same ED tracing by another physician without 77",
        {
            "claim": ed_read(encounter_id="ENC-0001"),
            "encounter": {**ED_ENCOUNTER, "encounter_id": "ENC-0001"},
            "history": OFFICE_MORNING,
        },
        {"duplicate"},
        "held",
    ),
    Scenario(
        "another physician's same-day ECG read without 77",
        {"claim": ed_read(), "encounter": ED_ENCOUNTER, "history": OFFICE_MORNING},
        {"duplicate"},
        "held",
    ),
    Scenario(
        "93005 units over the MUE across two claims of the provider, 76 line included (MAI 3)",
        {
            "claim": {"claim_id": "C-2", "lines": [line(1, "93005", units=3, modifiers=["76"])]},
            "encounter": {
                "ecg_fields": {"interpretation_documented": False, "report_signed": False, "repeat_count": 2}
            },
            "history": [{"claim_id": "C-1", "lines": [line(1, "93005", units=3)]}],
        },
        {"units"},
        "held",
    ),
    Scenario(
        "an E/M on the IPPE day without 25",
        {"claim": {"lines": [line(1, "G0402", charge="170.00"), line(2, "99213", charge="110.00")]}},
        {"modifier"},
        "held",
    ),
    Scenario(
        "93000 and G0403 for one tracing on the same day",
        {
            "claim": {
                "diagnoses": ["Z00.00", "R07.9"],
                "lines": [line(1, "G0402"), line(2, "G0403"), line(3, "93000", pointers=[2])],
            },
            "encounter": {"diagnoses": ["Z00.00", "R07.9"]},
        },
        {"bundling"},
        "held",
    ),
    Scenario(
        "Medicare Advantage: a second IPPE screening ECG in a lifetime",
        {
            "claim": {"payer": MA, "claim_id": "CLM-9", "diagnoses": ["Z00.00"], "lines": [line(1, "G0403")]},
            "encounter": {"diagnoses": ["Z00.00"]},
            "history": [ippe_visit("OLD", date(2022, 3, 1), payer=MA)],
        },
        {"frequency"},
        "held",
    ),
    Scenario(
        # reference §1: once per lifetime, "Medicare Advantage follows the Part B once-per-lifetime
        # rule" — the first IPPE ECG paid by Part B counts when the patient is in an MA plan now
        "Medicare Advantage after Part B: a second IPPE screening ECG in a lifetime",
        {
            "claim": {
                "payer": MA,
                "claim_id": "CLM-10",
                "diagnoses": ["Z00.00"],
                "lines": [line(1, "G0403")],
            },
            "encounter": {"diagnoses": ["Z00.00"]},
            "history": [ippe_visit("PART-B", date(2022, 3, 1))],
        },
        {"frequency"},
        "held",
    ),
    Scenario(
        "Medicaid does not take the Medicare IPPE screening code",
        {
            "claim": {
                "payer": MCD,
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
        "a commercial screening ECG on 93000 (not covered by default)",
        {"claim": commercial(diagnoses=["Z00.00"]), "encounter": {"diagnoses": ["Z00.00"]}},
        {"medical_necessity"},
        "held",
    ),
    Scenario(
        "modifier 25 on the ECG line",
        {"claim": {"lines": [line(1, "93000", modifiers=["25"])]}},
        {"modifier"},
        "held",
    ),
    Scenario(
        "GY on an ECG Medicare covers for chest pain (would bill the patient for a covered service)",
        {"claim": {"lines": [line(1, "93000", modifiers=["GY"])]}},
        {"modifier"},
        "held",
    ),
]

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
        "IPPE screening ECG G0403 with the IPPE on Medicare",
        {
            "claim": {"diagnoses": ["Z00.00"], "lines": [line(1, "G0402"), line(2, "G0403")]},
            "encounter": {"diagnoses": ["Z00.00"]},
        },
        set(),
        "clean",
    ),
    Scenario(
        # reference §5, CO-B15: "IPPE-linked service without G0402" — sent, with a warning (the
        # visit may have been billed where claimflow does not see it)
        "IPPE screening ECG G0403 without the IPPE: a warning",
        {
            "claim": {"diagnoses": ["Z00.00"], "lines": [line(1, "G0403")]},
            "encounter": {"diagnoses": ["Z00.00"]},
        },
        {"coverage"},
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
        "low back pain alone: not on the starter list, a warning only (not an allow-list)",
        {"claim": {"diagnoses": ["M54.50"]}, "encounter": {"diagnoses": ["M54.50"]}},
        {"medical_necessity"},
        "clean",
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
        {"code_validity"},
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
            "history": [ippe_visit("OLD-IPPE", date(2021, 5, 3), diagnoses=["Z00.00"])],
        },
        {"frequency"},
        "held",
    ),
    Scenario(
        "a commercial payer does not take the Medicare IPPE screening code",
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
        "several defects at once: 26 on the global, an unlisted dx, an unlisted but real procedure",
        {
            "claim": {
                "diagnoses": ["M54.50"],
                "lines": [line(1, "93000", modifiers=["26"]), line(2, "93799")],
            },
            "encounter": {"diagnoses": ["M54.50"]},
        },
        {"modifier", "medical_necessity"},
        "held",
    ),
    *NEW_SCENARIOS,
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
