"""Every rule: a case where it fires and a close case where it must not."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from streams.scrub import Scrubber
from streams.scrub.packs import PtpEdit
from streams.scrub.rules import RULES
from streams.trends.windows import LearnedRate
from tests.builders import INVALID_NPI, VALID_NPIS, commercial_payer, line
from tests.streams.scrub.helpers import MISSING, fired, scrub_case

ACME = {"payer_id": "ACME", "name": "Acme Health", "plan_type": "commercial"}
BLUEPEAK = commercial_payer()
COMMERCIAL = {
    "member_id": "XJK000000001",
    "first_name": "TEST",
    "last_name": "PATIENT",
    "birth_date": "1980-07-15",
    "sex": "M",
}
D = date(2026, 2, 10)

# rule_id -> (failing case, passing case); a case is kwargs for scrub_case
CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "CLAIM_TOTAL_MISMATCH": ({"claim": {"total_charge": "50.00"}}, {}),
    "DENIAL_RISK_LEARNED": (
        {"learned": {"MCR-JH|93000|R07.9": LearnedRate(40, 14, 30, ["CO-11"])}},
        {"learned": {"MCR-JH|93000|R07.9": LearnedRate(40, 3, 30, ["CO-11"])}},  # 7.5 %: under 20 %
    ),
    "DENIAL_RISK_LEARNED_ERROR": (
        {
            "claim": {"payer": ACME, "patient": COMMERCIAL},
            "learned": {"ACME|93000|R07.9": LearnedRate(40, 24, 30, ["CO-11"])},
        },
        {
            "claim": {"payer": ACME, "patient": COMMERCIAL},
            "learned": {"ACME|93000|R07.9": LearnedRate(8, 8, 30, ["CO-11"])},
        },  # too few
    ),
    "CLAIM_LINE_CHARGE_ZERO": ({"claim": {"lines": [line(1, "93000", charge="0.00")]}}, {}),
    "CLAIM_DX_POINTER_MISSING": ({"claim": {"lines": [line(1, "93000", pointers=[])]}}, {}),
    "CLAIM_DX_POINTER_RANGE": (
        {"claim": {"lines": [line(1, "93000", pointers=[3])]}},
        {"claim": {"lines": [line(1, "93000", pointers=[1])]}},
    ),
    "CLAIM_FUTURE_SERVICE_DATE": (
        {"claim": {"lines": [line(1, "93000", service_date=date(2026, 3, 5))]}},
        {"claim": {"lines": [line(1, "93000", service_date=date(2026, 3, 1))]}},
    ),
    "CLAIM_ORIGINAL_NUMBER_REQUIRED": (
        {"claim": {"payer": BLUEPEAK, "frequency_code": "7"}},
        {"claim": {"payer": BLUEPEAK, "frequency_code": "7", "original_claim_number": "PCN-1"}},
    ),
    "CLAIM_REPLACEMENT_NOT_ACCEPTED": (
        {"claim": {"frequency_code": "7", "original_claim_number": "PCN-1"}},
        {"claim": {"payer": BLUEPEAK, "frequency_code": "7", "original_claim_number": "PCN-1"}},
    ),
    "CLAIM_ENCOUNTER_DATE_MISMATCH": ({"encounter": {"service_date": "2026-02-09"}}, {}),
    "PATIENT_BIRTH_DATE_INVALID": (
        {
            "claim": {
                "patient": {
                    "member_id": "1EG4TE5MK73",
                    "first_name": "TEST",
                    "last_name": "PATIENT",
                    "birth_date": "2026-02-11",
                    "sex": "F",
                }
            }
        },
        {},
    ),
    "PATIENT_MBI_FORMAT": (
        {
            "claim": {
                "patient": {
                    "member_id": "123456789A",
                    "first_name": "TEST",
                    "last_name": "PATIENT",
                    "birth_date": "1950-04-01",
                    "sex": "F",
                }
            }
        },
        {
            "claim": {
                "payer": BLUEPEAK,
                "patient": {
                    "member_id": "123456789A",
                    "first_name": "TEST",
                    "last_name": "PATIENT",
                    "birth_date": "1950-04-01",
                    "sex": "F",
                },
            }
        },
    ),
    "PROVIDER_NPI_INVALID": (
        {"claim": {"billing_provider_npi": INVALID_NPI}},
        {"claim": {"billing_provider_npi": "1245319599"}},
    ),
    "PROVIDER_INTERPRETER_MISMATCH": (
        {"encounter": {"ecg_fields": {"interpreting_provider_npi": VALID_NPIS[2]}}},
        {"encounter": {"ecg_fields": {"interpreting_provider_npi": VALID_NPIS[1]}}},
    ),
    "CODE_PROCEDURE_UNKNOWN": ({"claim": {"lines": [line(1, "93000"), line(2, "71045")]}}, {}),
    "CODE_ICD_INVALID": (
        {
            "claim": {"diagnoses": ["R07.9", "R07.99"]},
            "encounter": {"diagnoses": ["R07.9", "R07.99"]},
        },
        {
            "claim": {"diagnoses": ["R07.9", "R07.89"]},
            "encounter": {"diagnoses": ["R07.9", "R07.89"]},
        },
    ),
    "CODE_ICD_NOT_BILLABLE": (
        {"claim": {"diagnoses": ["I47.1"]}, "encounter": {"diagnoses": ["I47.1"]}},
        # the same header code was billable before FY2024
        {
            "claim": {
                "diagnoses": ["I47.1"],
                "lines": [line(1, "93000", service_date=date(2023, 5, 2))],
            },
            "encounter": {"diagnoses": ["I47.1"]},
            "as_of": date(2023, 6, 1),
        },
    ),
    "COMPONENT_GLOBAL_TRACING_ONLY": (
        {"encounter": {"ecg_fields": {"interpretation_documented": False, "report_signed": False}}},
        {},
    ),
    "COMPONENT_GLOBAL_INTERPRETATION_ONLY": (
        {"encounter": {"ecg_fields": {"tracing_recorded": False}}},
        {},
    ),
    "COMPONENT_TRACING_NOT_DOCUMENTED": (
        {
            "claim": {"lines": [line(1, "93005")]},
            "encounter": {"ecg_fields": {"tracing_recorded": False}},
        },
        {"claim": {"lines": [line(1, "93005")]}},
    ),
    "COMPONENT_INTERPRETATION_NOT_DOCUMENTED": (
        {
            "claim": {"lines": [line(1, "93010")]},
            "encounter": {"ecg_fields": {"interpretation_documented": False, "report_signed": False}},
        },
        {"claim": {"lines": [line(1, "93010")]}},
    ),
    "DOC_REPORT_UNSIGNED": ({"encounter": {"ecg_fields": {"report_signed": False}}}, {}),
    "DOC_NO_ECG_RECORD": ({"encounter": {"ecg": None}}, {}),
    "DOC_ENCOUNTER_MISSING": ({"encounter": MISSING}, {}),
    "DOC_DIAGNOSIS_NOT_IN_RECORD": (
        {"claim": {"diagnoses": ["R07.9", "I10"]}},
        {"claim": {"diagnoses": ["R07.9", "I10"]}, "encounter": {"diagnoses": ["R07.9", "I10"]}},
    ),
    "BUNDLE_GLOBAL_WITH_COMPONENT": (
        {"claim": {"lines": [line(1, "93000"), line(2, "93010")]}},
        {"claim": {"lines": [line(1, "93000")]}},
    ),
    "BUNDLE_NCCI_MODIFIER_NEEDED": (
        {"claim": {"lines": [line(1, "93005"), line(2, "93041")]}},
        {"claim": {"lines": [line(1, "93005"), line(2, "93041", modifiers=["XU"])]}},
    ),
    "BUNDLE_SPLIT_COMPONENTS": (
        {"claim": {"lines": [line(1, "93005"), line(2, "93010")]}},
        {"claim": {"lines": [line(1, "93000")]}},
    ),
    "UNITS_MUE_EXCEEDED": (
        {"claim": {"lines": [line(1, "93005", units=6)]}},
        {"claim": {"lines": [line(1, "93005", units=2)]}},
    ),
    "UNITS_REPEAT_WITHOUT_MODIFIER": (
        {
            "claim": {"lines": [line(1, "93000"), line(2, "93000")]},
            "encounter": {"ecg_fields": {"repeat_count": 2}},
        },
        {
            "claim": {"lines": [line(1, "93000"), line(2, "93000", modifiers=["76"])]},
            "encounter": {"ecg_fields": {"repeat_count": 2}},
        },
    ),
    "MOD_COMPONENT_ON_ECG": ({"claim": {"lines": [line(1, "93000", modifiers=["26"])]}}, {}),
    "MOD_OVERRIDE_WITHOUT_PAIR": (
        {"claim": {"lines": [line(1, "93000", modifiers=["59"])]}},
        {"claim": {"lines": [line(1, "93005"), line(2, "93041", modifiers=["59"])]}},
    ),
    "MOD_UNKNOWN": ({"claim": {"lines": [line(1, "93000", modifiers=["ZZ"])]}}, {}),
    "MOD_REPEAT_UNDOCUMENTED": (
        {"claim": {"lines": [line(1, "93000"), line(2, "93000", modifiers=["76"])]}},
        {
            "claim": {"lines": [line(1, "93000"), line(2, "93000", modifiers=["76"])]},
            "encounter": {"ecg_fields": {"repeat_count": 2}},
        },
    ),
    "MOD_25_REQUIRED": (
        {"claim": {"payer": ACME, "lines": [line(1, "99213"), line(2, "93000")]}},
        {"claim": {"payer": ACME, "lines": [line(1, "99213", modifiers=["25"]), line(2, "93000")]}},
    ),
    "POS_GLOBAL_IN_FACILITY": (
        {"claim": {"place_of_service": "22"}},
        {"claim": {"place_of_service": "22", "lines": [line(1, "93010")]}},
    ),
    "NEC_NO_SUPPORTING_DIAGNOSIS": (
        {"claim": {"diagnoses": ["M54.50"]}, "encounter": {"diagnoses": ["M54.50"]}},
        {
            "claim": {
                "diagnoses": ["M54.50", "R07.9"],
                "lines": [line(1, "93000", pointers=[1, 2])],
            },
            "encounter": {"diagnoses": ["M54.50", "R07.9"]},
        },
    ),
    "NEC_SCREENING_NOT_COVERED": (
        {"claim": {"diagnoses": ["Z00.00"]}, "encounter": {"diagnoses": ["Z00.00"]}},
        {"claim": {"diagnoses": ["Z00.00"], "payer": ACME}, "encounter": {"diagnoses": ["Z00.00"]}},
    ),
    "COV_NOT_COVERED": (
        {"claim": {"payer": ACME, "lines": [line(1, "G0403")]}},
        {"claim": {"payer": ACME, "lines": [line(1, "93000")]}},
    ),
    "COV_PRIOR_AUTH_MISSING": (
        {"claim": {"payer": BLUEPEAK, "lines": [line(1, "93040")]}},
        {
            "claim": {
                "payer": BLUEPEAK,
                "lines": [line(1, "93040")],
                "prior_authorization": "AUTH-77",
            }
        },
    ),
    "FREQ_LIMIT_EXCEEDED": (
        {
            "claim": {"payer": ACME},
            "history": [
                {
                    "claim_id": "H1",
                    "payer": ACME,
                    "lines": [line(1, "93000", service_date=date(2025, 6, 1))],
                },
                {
                    "claim_id": "H2",
                    "payer": ACME,
                    "lines": [line(1, "93000", service_date=date(2025, 11, 1))],
                },
            ],
        },
        {
            "claim": {"payer": ACME},
            "history": [
                {
                    "claim_id": "H1",
                    "payer": ACME,
                    "lines": [line(1, "93000", service_date=date(2024, 6, 1))],
                },
                {
                    "claim_id": "H2",
                    "payer": ACME,
                    "lines": [line(1, "93000", service_date=date(2025, 11, 1))],
                },
            ],
        },
    ),
    "TF_EXPIRED": ({"claim": {"lines": [line(1, "93000", service_date=date(2025, 1, 10))]}}, {}),
    "TF_APPROACHING": (
        {"claim": {"lines": [line(1, "93000", service_date=date(2025, 3, 10))]}},
        {},
    ),
    "DUP_CLAIM": (
        {"history": [{"claim_id": "EARLIER"}], "claim": {"claim_id": "LATER"}},
        {
            "history": [{"claim_id": "EARLIER"}],
            "claim": {"claim_id": "LATER", "lines": [line(1, "93000", modifiers=["76"])]},
            "encounter": {"ecg_fields": {"repeat_count": 2}},
        },
    ),
}


def test_every_rule_has_a_failing_and_a_passing_case() -> None:
    untested = set(RULES) - set(CASES) - {"BUNDLE_NCCI_NOT_OVERRIDABLE"}  # tested below with a custom PTP
    assert not untested, f"rules without cases: {sorted(untested)}"


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires_on_its_defect(scrubber: Scrubber, rule_id: str) -> None:
    failing, _ = CASES[rule_id]
    result = scrub_case(scrubber, **failing)
    assert rule_id in fired(result), [(e.rule_id, e.message) for e in result.edits]
    edit = next(e for e in result.edits if e.rule_id == rule_id)
    assert edit.message and edit.fix and "{" not in edit.message + edit.fix
    expected_severity = scrubber.pack.spec.rules[rule_id].severity
    assert edit.severity == expected_severity
    if expected_severity == "error":
        assert result.status == "held"


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_stays_quiet_on_the_corrected_claim(scrubber: Scrubber, rule_id: str) -> None:
    _, passing = CASES[rule_id]
    result = scrub_case(scrubber, **passing)
    assert rule_id not in fired(result), [(e.rule_id, e.message) for e in result.edits]


def test_ncci_indicator_0_pair_cannot_be_bypassed_with_a_modifier(scrubber: Scrubber) -> None:
    pack = scrubber.pack
    ptp = dict(pack.ptp)
    ptp[("93000", "99213")] = PtpEdit("93000", "99213", 0, date(2020, 1, 1), None)
    custom = type(scrubber)(replace(pack, ptp=ptp), scrubber.payers, scrubber.icd)
    failing = scrub_case(custom, claim={"lines": [line(1, "93000"), line(2, "99213", modifiers=["59"])]})
    assert "BUNDLE_NCCI_NOT_OVERRIDABLE" in fired(failing)
    passing = scrub_case(custom, claim={"lines": [line(1, "93000")]})
    assert "BUNDLE_NCCI_NOT_OVERRIDABLE" not in fired(passing)


def test_deleted_ncci_edit_no_longer_applies(scrubber: Scrubber) -> None:
    pack = scrubber.pack
    ptp = dict(pack.ptp)
    ptp[("93005", "93041")] = PtpEdit("93005", "93041", 1, date(1996, 1, 1), date(2025, 12, 31))
    custom = type(scrubber)(replace(pack, ptp=ptp), scrubber.payers, scrubber.icd)
    result = scrub_case(custom, claim={"lines": [line(1, "93005"), line(2, "93041")]})
    assert "BUNDLE_NCCI_MODIFIER_NEEDED" not in fired(result)


def test_global_billed_after_its_component_on_another_claim_is_held(scrubber: Scrubber) -> None:
    result = scrub_case(
        scrubber,
        claim={"claim_id": "C2"},
        history=[{"claim_id": "C1", "lines": [line(1, "93010")]}],
    )
    assert "BUNDLE_GLOBAL_WITH_COMPONENT" in fired(result)


def test_replacement_claim_does_not_collide_with_the_claim_it_replaces(scrubber: Scrubber) -> None:
    result = scrub_case(
        scrubber,
        claim={
            "claim_id": "C1-R1",
            "replaces_claim_id": "C1",
            "payer": BLUEPEAK,
            "frequency_code": "7",
            "original_claim_number": "PCN-1",
        },
        history=[{"claim_id": "C1", "payer": BLUEPEAK, "lines": [line(1, "93000"), line(2, "93010")]}],
    )
    assert not {"DUP_CLAIM", "BUNDLE_GLOBAL_WITH_COMPONENT"} & fired(result)


def test_encounter_missing_is_explained_with_the_encounter_id(scrubber: Scrubber) -> None:
    result = scrub_case(scrubber, encounter=MISSING)
    edit = next(e for e in result.edits if e.rule_id == "DOC_ENCOUNTER_MISSING")
    assert "ENC-0001" in edit.fix and edit.category == "documentation"


def test_component_suggestion_names_the_right_code(scrubber: Scrubber) -> None:
    result = scrub_case(
        scrubber,
        encounter={"ecg_fields": {"interpretation_documented": False, "report_signed": False}},
    )
    edit = next(e for e in result.edits if e.rule_id == "COMPONENT_GLOBAL_TRACING_ONLY")
    assert "93005" in edit.fix
    result = scrub_case(scrubber, encounter={"ecg_fields": {"tracing_recorded": False}})
    edit = next(e for e in result.edits if e.rule_id == "COMPONENT_GLOBAL_INTERPRETATION_ONLY")
    assert "93010" in edit.fix


def test_disabled_rule_produces_no_edit(scrubber: Scrubber) -> None:
    pack = scrubber.pack
    rules = dict(pack.spec.rules)
    rules["MOD_UNKNOWN"] = rules["MOD_UNKNOWN"].model_copy(update={"enabled": False})
    spec = pack.spec.model_copy(update={"rules": rules})
    custom = type(scrubber)(replace(pack, spec=spec), scrubber.payers, scrubber.icd)
    result = scrub_case(custom, claim={"lines": [line(1, "93000", modifiers=["ZZ"])]})
    assert "MOD_UNKNOWN" not in fired(result)
    assert result.status == "clean"


def test_clean_claim_has_no_edits(scrubber: Scrubber) -> None:
    result = scrub_case(scrubber)
    assert result.status == "clean" and result.edits == []
