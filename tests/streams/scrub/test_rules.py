"""Every rule: a case where it fires and a close case where it must not.

The cases follow ../shared/domain/reference.md (and the CMS file layouts and X12 element rules the
edits cite), not the code: the default claim is a clean Medicare 93000 for chest pain (R07.9) in
the office (POS 11), scrubbed three weeks after its date of service, with its encounter.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from schemas import read_claim
from schemas.codes import x12_minimum
from streams.scrub import Scrubber
from streams.scrub.registry import RULES
from streams.trends.windows import LearnedRate
from tests.builders import (
    DEFAULT_AS_OF,
    INVALID_NPI,
    MEDICARE_DECISION_FOR_COB,
    MEDICARE_PRIMARY_FOR_COB,
    VALID_NPIS,
    claim_dict,
    commercial_patient,
    commercial_payer,
    line,
    make_encounter,
)
from tests.streams.scrub.cms_files import cms_dir
from tests.streams.scrub.helpers import MISSING, fired, scrub_case

ACME = {"payer_id": "ACME", "name": "Acme Health", "plan_type": "commercial"}
BLUEPEAK = commercial_payer()
STRICTCO = {"payer_id": "STRICTCO", "name": "StrictCo Health", "plan_type": "commercial"}
LISTCO = {"payer_id": "LISTCO", "name": "ListCo Medicaid", "plan_type": "medicaid"}
COMMERCIAL = {
    "member_id": "XJK000000001",
    "first_name": "TEST",
    "last_name": "PATIENT",
    "birth_date": "1980-07-15",
    "sex": "M",
}
PATIENT = {
    "member_id": "1EG4TE5MK73",
    "first_name": "TEST",
    "last_name": "PATIENT",
    "birth_date": "1950-04-01",
    "sex": "F",
}
PRIMARY_FOR_COB = MEDICARE_PRIMARY_FOR_COB
BALANCED_PRIMARY = MEDICARE_DECISION_FOR_COB
TWELVE_DX = [
    "R07.9",
    "I10",
    "R00.2",
    "I48.91",
    "R55",
    "R42",
    "I25.10",
    "E87.6",
    "R06.02",
    "I50.9",
    "I42.9",
    "Z95.0",
]
D = date(2026, 2, 10)


def bad(key: str, value: Any, code: str = "93000") -> dict[str, Any]:
    """A line of ``code`` whose ``key`` holds a wrong value."""
    return {**line(1, code), key: value}


#: the ED interpretation of the office's ECG patient, read by another physician (VALID_NPIS[2])
ED_CLAIM = {
    "claim_id": "ED-1",
    "encounter_id": "ENC-ED",
    "rendering_provider_npi": VALID_NPIS[2],
    "place_of_service": "23",
    "lines": [line(1, "93010")],
}
ED_ENCOUNTER = {
    "encounter_id": "ENC-ED",
    "rendering_provider_npi": VALID_NPIS[2],
    "place_of_service": "23",
    "ecg_fields": {"interpreting_provider_npi": VALID_NPIS[2], "tracing_recorded": False},
}
OFFICE_ECG = [{"claim_id": "OFFICE-1"}]  # the default claim: office 93000, encounter ENC-0001

# rule_id -> (failing case, passing case); a case is kwargs for scrub_case
CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # --- the claim as submitted: wrong or missing values are held with an edit, never dropped ---
    "CLAIM_UNKNOWN_FIELD": ({"claim": {"rendering_npi": VALID_NPIS[1]}}, {}),
    # a text field sent as a boolean: left out when read, and named
    "CLAIM_FIELD_UNREADABLE": (
        {"claim": {"billing_provider_npi": True}},
        {"claim": {"billing_provider_npi": VALID_NPIS[0]}},
    ),
    "CLAIM_CONTRACT_INVALID": (
        {"claim": {"prior_authorization": "A" * 65}},
        {"claim": {"prior_authorization": "AUTH-1"}},
    ),
    "CLAIM_NO_LINES": ({"claim": {"lines": [], "total_charge": "45.00"}}, {}),
    "CLAIM_TOO_MANY_LINES": (
        {"claim": {"lines": [line(n, "99213") for n in range(1, 52)]}},
        {"claim": {"lines": [line(n, "99213") for n in range(1, 51)]}},
    ),
    "CLAIM_LINE_NUMBER_INVALID": (
        {"claim": {"lines": [line(1, "93000"), line(1, "99213")]}},
        {"claim": {"lines": [line(1, "93000"), line(2, "99213")]}},
    ),
    "CLAIM_SERVICE_DATE_MISSING": ({"claim": {"lines": [bad("service_date", "2026-02-30")]}}, {}),
    "CLAIM_SERVICE_DATE_RANGE": (
        {"claim": {"lines": [bad("service_end_date", "2026-02-01")]}},
        {"claim": {"lines": [bad("service_end_date", "2026-02-10")]}},
    ),
    "CLAIM_UNITS_INVALID": ({"claim": {"lines": [bad("units", 0)]}}, {"claim": {"lines": [bad("units", 1)]}}),
    "CLAIM_UNIT_BASIS_INVALID": (
        {"claim": {"lines": [bad("unit_basis", "HR")]}},
        {"claim": {"lines": [bad("unit_basis", "UN")]}},
    ),
    "CLAIM_CHARGE_MISSING": ({"claim": {"lines": [bad("charge", "n/a")], "total_charge": "45.00"}}, {}),
    "CLAIM_TOTAL_MISSING": ({"claim": {"total_charge": "forty-five"}}, {}),
    "CLAIM_NO_DIAGNOSIS": ({"claim": {"diagnoses": []}}, {}),
    "CLAIM_TOO_MANY_DIAGNOSES": (
        {"claim": {"diagnoses": [*TWELVE_DX, "R07.89"]}},
        {"claim": {"diagnoses": TWELVE_DX}, "encounter": {"diagnoses": TWELVE_DX}},
    ),
    # SV107: each pointer a diagnosis position, each once (JSON true is no number)
    "CLAIM_DX_POINTER_INVALID": (
        {"claim": {"lines": [line(1, "93000", pointers=[1, 1])]}},
        {"claim": {"lines": [line(1, "93000", pointers=[1])]}},
    ),
    "CLAIM_DX_POINTER_TOO_MANY": (
        {"claim": {"diagnoses": TWELVE_DX[:5], "lines": [line(1, "93000", pointers=[1, 2, 3, 4, 5])]}},
        {"claim": {"diagnoses": TWELVE_DX[:5], "lines": [line(1, "93000", pointers=[1, 2, 3, 4])]}},
    ),
    "CLAIM_PAYER_ID_INVALID": (
        {"claim": {"payer": {**BLUEPEAK, "payer_id": "n/a"}}},
        {"claim": {"payer": BLUEPEAK}},
    ),
    "CLAIM_PAYER_MISSING": (
        {"claim": {"payer": {"payer_id": "", "name": "Medicare", "plan_type": "medicare"}}},
        {},
    ),
    "CLAIM_PLAN_TYPE_INVALID": (
        {"claim": {"payer": {**BLUEPEAK, "plan_type": "hmo"}}},
        {"claim": {"payer": BLUEPEAK}},
    ),
    "CLAIM_POS_INVALID": ({"claim": {"place_of_service": "1"}}, {"claim": {"place_of_service": "11"}}),
    "CLAIM_FREQUENCY_INVALID": ({"claim": {"frequency_code": "2"}}, {"claim": {"frequency_code": "1"}}),
    "CLAIM_RESPONSIBILITY_INVALID": (
        {"claim": {"payer_responsibility": "Z"}},
        {"claim": {"payer_responsibility": "S"}},
    ),
    "PATIENT_KEY_MISSING": ({"claim": {"patient_key": ""}}, {}),
    "PATIENT_MEMBER_ID_MISSING": ({"claim": {"patient": {**PATIENT, "member_id": ""}}}, {}),
    "PATIENT_NAME_MISSING": ({"claim": {"patient": {**PATIENT, "last_name": " "}}}, {}),
    "PATIENT_BIRTH_DATE_MISSING": ({"claim": {"patient": {**PATIENT, "birth_date": "1950-13-01"}}}, {}),
    "PATIENT_SEX_INVALID": (
        {"claim": {"patient": {**PATIENT, "sex": "X"}}},
        {"claim": {"patient": {**PATIENT, "sex": "U"}}},
    ),
    "PROVIDER_NPI_MISSING": ({"claim": {"billing_provider_npi": None}}, {}),
    "PROVIDER_NPI_FORMAT": (
        {"claim": {"rendering_provider_npi": "155859879"}},  # 9 digits: one dropped
        {"claim": {"rendering_provider_npi": "1558598797"}},
    ),
    "CODE_PROCEDURE_INVALID": ({"claim": {"lines": [bad("procedure_code", "9300")]}}, {}),
    "CODE_ICD_MALFORMED": ({"claim": {"diagnoses": ["RO7.9"]}}, {}),  # the letter O for a zero
    # values an 837P cannot carry: a delimiter in a name, a claim id over CLM01's 38 characters
    "CLAIM_X12_UNSAFE": (
        {"claim": {"patient": {**PATIENT, "last_name": "O*BRIEN"}}},
        {"claim": {"patient": {**PATIENT, "last_name": "O'BRIEN-MÜLLER"}}},
    ),
    "CLAIM_COB_INCOMPLETE": (
        {
            "claim": {
                "payer_responsibility": "S",
                "other_payers": [{**PRIMARY_FOR_COB, "subscriber_member_id": None}],
            }
        },
        {"claim": {"payer_responsibility": "S", "other_payers": [PRIMARY_FOR_COB]}},
    ),
    "CLAIM_X12_TOO_LONG": ({"claim": {"claim_id": "C" * 39}}, {"claim": {"claim_id": "C" * 38}}),
    # NM109 takes 2-80 characters: a one-character member id is a typo the front end rejects
    "CLAIM_X12_TOO_SHORT": (
        {"claim": {"payer": BLUEPEAK, "patient": {**PATIENT, "member_id": "7"}}},
        {"claim": {"payer": BLUEPEAK, "patient": {**PATIENT, "member_id": "77"}}},
    ),
    # a dependent (the subscriber is someone else) needs their address in 2010CA
    "PATIENT_ADDRESS_MISSING": (
        {"claim": {"subscriber": {"first_name": "ALEX", "last_name": "PATIENT"}, "relationship": "19"}},
        {
            "claim": {
                "subscriber": {"first_name": "ALEX", "last_name": "PATIENT"},
                "relationship": "19",
                "patient": {
                    **PATIENT,
                    "address": "1 ELM ST",
                    "city": "SPRINGFIELD",
                    "state": "IL",
                    "postal_code": "627010003",
                },
            }
        },
    ),
    # a Medicare beneficiary is always the subscriber (the default test claim is Medicare's)
    "PATIENT_DEPENDENT_ON_MEDICARE": (
        {"claim": {"subscriber": {"first_name": "ALEX", "last_name": "PATIENT"}, "relationship": "01"}},
        {
            "claim": {
                "payer": BLUEPEAK,
                "subscriber": {"first_name": "ALEX", "last_name": "PATIENT"},
                "relationship": "01",
            }
        },
    ),
    # coordination of benefits: a primary claim listing another primary (the claim's own order)
    "CLAIM_COB_PAYER_ORDER": (
        {"claim": {"other_payers": [{**BALANCED_PRIMARY, "payer_id": "AETNA-1", "name": "AETNA"}]}},
        {"claim": {"payer": BLUEPEAK, "payer_responsibility": "S", "other_payers": [BALANCED_PRIMARY]}},
    ),
    # billed to the secondary with no primary decision on it
    "CLAIM_COB_PRIOR_DECISION_MISSING": (
        {
            "claim": {
                "payer_responsibility": "S",
                "other_payers": [{k: v for k, v in PRIMARY_FOR_COB.items() if k != "paid_amount"}],
            }
        },
        {"claim": {"payer": BLUEPEAK, "payer_responsibility": "S", "other_payers": [BALANCED_PRIMARY]}},
    ),
    # the primary's decision names line 2 of a one-line claim
    "CLAIM_COB_DECISION_INCOMPLETE": (
        {
            "claim": {
                "payer_responsibility": "S",
                "other_payers": [
                    {**BALANCED_PRIMARY, "line_payments": [{"line_number": 2, "paid_amount": "36.00"}]}
                ],
            }
        },
        {"claim": {"payer": BLUEPEAK, "payer_responsibility": "S", "other_payers": [BALANCED_PRIMARY]}},
    ),
    # 36.00 paid and nothing adjusted is not the 45.00 charged
    "CLAIM_COB_UNBALANCED": (
        {"claim": {"payer_responsibility": "S", "other_payers": [PRIMARY_FOR_COB]}},
        {"claim": {"payer": BLUEPEAK, "payer_responsibility": "S", "other_payers": [BALANCED_PRIMARY]}},
    ),
    # ICD-9-CM 786.50 (chest pain) as an 837P's HI*BK:78650 carries it
    "CODE_ICD9": ({"claim": {"diagnoses": ["ICD-9 78650"]}}, {}),
    # ... which was the right code set for a service before 2015-10-01: held all the same, since
    # a ready claim (ValidClaim) and the 837P claimflow writes carry ICD-10-CM only
    "CODE_ICD9_NOT_CHECKED": (
        {
            "claim": {
                "diagnoses": ["ICD-9 78650"],
                "lines": [line(1, "93000", service_date=date(2015, 9, 30))],
            }
        },
        {"claim": {"lines": [line(1, "93000", service_date=date(2015, 9, 30))]}},
    ),
    "MOD_MALFORMED": ({"claim": {"lines": [bad("modifiers", ["7"])]}}, {}),
    "MOD_TOO_MANY": (
        {"claim": {"lines": [bad("modifiers", ["GC", "Q6", "KX", "AQ", "CR"])]}},
        {"claim": {"lines": [bad("modifiers", ["GC", "Q6", "KX", "AQ"])]}},
    ),
    # --- claim data ---------------------------------------------------------------------------
    "CLAIM_TOTAL_MISMATCH": ({"claim": {"total_charge": "50.00"}}, {}),
    "CLAIM_LINE_CHARGE_ZERO": ({"claim": {"lines": [line(1, "93000", charge="0.00")]}}, {}),
    # reference §3: units ≥ 1 (a tenth of a unit of a timed service is not a unit)
    "CLAIM_UNITS_BELOW_ONE": (
        {"claim": {"lines": [line(1, "97110", units="0.5")]}},
        {"claim": {"lines": [line(1, "97110", units=1)]}},
    ),
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
    # the record says outpatient hospital (a facility), the claim bills the global at the office
    "CLAIM_ENCOUNTER_POS_MISMATCH": ({"encounter": {"place_of_service": "22"}}, {}),
    "PATIENT_BIRTH_DATE_INVALID": ({"claim": {"patient": {**PATIENT, "birth_date": "2026-02-11"}}}, {}),
    "PATIENT_MBI_FORMAT": (
        {"claim": {"patient": {**PATIENT, "member_id": "123456789A"}}},
        {"claim": {"payer": BLUEPEAK, "patient": {**PATIENT, "member_id": "123456789A"}}},
    ),
    "PROVIDER_NPI_INVALID": (
        {"claim": {"billing_provider_npi": INVALID_NPI}},
        {"claim": {"billing_provider_npi": "1245319599"}},
    ),
    "PROVIDER_INTERPRETER_MISMATCH": (
        {"encounter": {"ecg_fields": {"interpreting_provider_npi": VALID_NPIS[2]}}},
        {"encounter": {"ecg_fields": {"interpreting_provider_npi": VALID_NPIS[1]}}},
    ),
    # --- code validity: open code sets, validity by date ---------------------------------------
    "CODE_PROCEDURE_NOT_IN_FORCE": (
        # the HCPCS file: G0403 was added on 2009-01-01
        {
            "claim": {"diagnoses": ["Z00.00"], "lines": [line(1, "G0403", service_date=date(2008, 6, 2))]},
            "encounter": {"diagnoses": ["Z00.00"]},
            "as_of": date(2008, 7, 1),
        },
        {
            "claim": {"diagnoses": ["Z00.00"], "lines": [line(1, "G0403")]},
            "encounter": {"diagnoses": ["Z00.00"]},
        },
    ),
    "CODE_ICD_INVALID": (
        {"claim": {"diagnoses": ["R07.9", "R07.99"]}, "encounter": {"diagnoses": ["R07.9", "R07.99"]}},
        {"claim": {"diagnoses": ["R07.9", "R07.89"]}, "encounter": {"diagnoses": ["R07.9", "R07.89"]}},
    ),
    "CODE_ICD_NOT_BILLABLE": (
        {"claim": {"diagnoses": ["I47.1"]}, "encounter": {"diagnoses": ["I47.1"]}},
        # the same header code was billable before FY2024
        {
            "claim": {"diagnoses": ["I47.1"], "lines": [line(1, "93000", service_date=date(2023, 5, 2))]},
            "encounter": {"diagnoses": ["I47.1"]},
            "as_of": date(2023, 6, 1),
        },
    ),
    # --- component and documentation ---------------------------------------------------------
    "COMPONENT_GLOBAL_TRACING_ONLY": (
        {"encounter": {"ecg_fields": {"interpretation_documented": False, "report_signed": False}}},
        {},
    ),
    "COMPONENT_GLOBAL_INTERPRETATION_ONLY": ({"encounter": {"ecg_fields": {"tracing_recorded": False}}}, {}),
    "COMPONENT_TRACING_NOT_DOCUMENTED": (
        {"claim": {"lines": [line(1, "93005")]}, "encounter": {"ecg_fields": {"tracing_recorded": False}}},
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
    "DOC_NOT_VERIFIED": ({"claim": {"encounter_id": None}, "encounter": MISSING}, {}),
    "DOC_NO_ENCOUNTER_FEED": ({"encounter": MISSING, "encounter_feed": False}, {}),
    "DOC_ENCOUNTER_REQUIRED": (
        # StrictCo's profile asks for the encounter
        {"claim": {"payer": STRICTCO, "patient": COMMERCIAL, "encounter_id": None}, "encounter": MISSING},
        {"claim": {"payer": BLUEPEAK, "patient": COMMERCIAL, "encounter_id": None}, "encounter": MISSING},
    ),
    "DOC_ENCOUNTER_MISSING": ({"encounter": MISSING}, {}),
    # reference §3: the documentation is in the patient's encounter (a mistyped encounter id)
    "DOC_ENCOUNTER_OTHER_PATIENT": ({"encounter": {"patient_key": "pk-someone-else"}}, {}),
    # reference §2/§3: the record says why the test was done (a symptom or a diagnosis)
    "DOC_NO_INDICATION_IN_RECORD": (
        {"encounter": {"diagnoses": [], "symptoms": []}},
        {"encounter": {"diagnoses": [], "symptoms": ["palpitations"]}},
    ),
    "DOC_DIAGNOSIS_NOT_IN_RECORD": (
        {"claim": {"diagnoses": ["R07.9", "I10"]}},
        {"claim": {"diagnoses": ["R07.9", "I10"]}, "encounter": {"diagnoses": ["R07.9", "I10"]}},
    ),
    # --- bundling (per provider) ---------------------------------------------------------------
    "BUNDLE_GLOBAL_WITH_COMPONENT": (
        {"claim": {"lines": [line(1, "93000"), line(2, "93010")]}},
        {"claim": {"lines": [line(1, "93000")]}},
    ),
    # the provider's 93010 went out on an earlier claim of the day: the 93000 repeats it
    "BUNDLE_GLOBAL_WITH_COMPONENT_SENT": (
        {"claim": {"claim_id": "C2"}, "history": [{"claim_id": "C1", "lines": [line(1, "93010")]}]},
        {
            "claim": {"claim_id": "C2"},
            "history": [
                {"claim_id": "C1", "rendering_provider_npi": VALID_NPIS[2], "lines": [line(1, "93010")]}
            ],
        },
    ),
    "BUNDLE_SPLIT_COMPONENTS": (
        {"claim": {"lines": [line(1, "93005"), line(2, "93010")]}},
        {"claim": {"lines": [line(1, "93000")]}},
    ),
    "BUNDLE_NCCI_MODIFIER_NEEDED": (
        {"claim": {"lines": [line(1, "93005"), line(2, "93041")]}},
        {"claim": {"lines": [line(1, "93005"), line(2, "93041", modifiers=["XU"])]}},
    ),
    "BUNDLE_NCCI_SENT_MODIFIER_NEEDED": (
        # the column-2 rhythm strip already billed that day, the column-1 tracing now
        {
            "claim": {"claim_id": "C2", "lines": [line(1, "93005")]},
            "history": [{"claim_id": "C1", "lines": [line(1, "93041")]}],
        },
        {
            "claim": {"claim_id": "C2", "lines": [line(1, "93005")]},
            "history": [{"claim_id": "C1", "lines": [line(1, "93041", modifiers=["XU"])]}],
        },
    ),
    "BUNDLE_SAME_SERVICE_TWO_CODES": (
        # one tracing billed as the IPPE screening ECG and as a diagnostic ECG
        {
            "claim": {
                "diagnoses": ["R07.9", "Z00.00"],
                "lines": [line(1, "93000"), line(2, "G0403", pointers=[2])],
            },
            "encounter": {"diagnoses": ["R07.9", "Z00.00"]},
        },
        {
            "claim": {"diagnoses": ["Z00.00"], "lines": [line(1, "G0403")]},
            "encounter": {"diagnoses": ["Z00.00"]},
        },
    ),
    # --- units -------------------------------------------------------------------------------------
    "UNITS_MUE_EXCEEDED": (
        # 93005: MUE 5, MAI 3 — all the provider's units of the day count
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
    # reference §5, CO-B15: "IPPE-linked service without G0402" (the visit billed earlier will do)
    "COV_SCREENING_WITHOUT_VISIT": (
        {
            "claim": {"diagnoses": ["Z00.00"], "lines": [line(1, "G0403")]},
            "encounter": {"diagnoses": ["Z00.00"]},
        },
        {
            "claim": {"diagnoses": ["Z00.00"], "lines": [line(1, "G0404")]},
            "encounter": {"diagnoses": ["Z00.00"]},
            "history": [{"claim_id": "IPPE", "diagnoses": ["Z00.00"], "lines": [line(1, "G0402")]}],
        },
    ),
    # reference §1: a repeat ECG needs 76/77 — two units of 93000 on one line are two ECGs, unmarked
    # one unit of an ECG is one tracing or one read: half of one is not billable
    "UNITS_NOT_WHOLE": (
        {"claim": {"lines": [line(1, "93000", units="1.5")]}},
        {"claim": {"lines": [line(1, "93000", units=1)]}},
    ),
    "UNITS_REPEAT_IN_ONE_LINE": (
        {"claim": {"lines": [line(1, "93000", units=2)]}, "encounter": {"ecg_fields": {"repeat_count": 2}}},
        {
            "claim": {"lines": [line(1, "93000"), line(2, "93000", modifiers=["76"])]},
            "encounter": {"ecg_fields": {"repeat_count": 2}},
        },
    ),
    # --- duplicates and second reads -------------------------------------------------------------
    "DUP_CLAIM": (
        {"history": [{"claim_id": "EARLIER"}], "claim": {"claim_id": "LATER"}},
        {
            "history": [{"claim_id": "EARLIER"}],
            "claim": {"claim_id": "LATER", "lines": [line(1, "93000", modifiers=["76"])]},
            "encounter": {"ecg_fields": {"repeat_count": 2}},
        },
    ),
    "DUP_REPEAT_OTHER_PROVIDER": (
        {"claim": ED_CLAIM, "encounter": ED_ENCOUNTER, "history": OFFICE_ECG},
        {
            "claim": {**ED_CLAIM, "lines": [line(1, "93010", modifiers=["77"])]},
            "encounter": ED_ENCOUNTER,
            "history": OFFICE_ECG,
        },
    ),
    "DUP_SECOND_READ": (
        {
            "claim": {**ED_CLAIM, "encounter_id": "ENC-0001"},
            "encounter": {**ED_ENCOUNTER, "encounter_id": "ENC-0001"},
            "history": OFFICE_ECG,
        },
        {"claim": ED_CLAIM, "encounter": ED_ENCOUNTER},
    ),
    "DUP_SECOND_READ_DOCUMENTED": (
        {
            "claim": {**ED_CLAIM, "encounter_id": "ENC-0001", "lines": [line(1, "93010", modifiers=["77"])]},
            "encounter": {**ED_ENCOUNTER, "encounter_id": "ENC-0001"},
            "history": OFFICE_ECG,
        },
        {
            "claim": {**ED_CLAIM, "lines": [line(1, "93010", modifiers=["77"])]},
            "encounter": ED_ENCOUNTER,
            "history": OFFICE_ECG,
        },
    ),
    # --- modifiers -----------------------------------------------------------------------------
    "MOD_UNKNOWN": (
        {"claim": {"lines": [bad("modifiers", ["ZZ"])]}},
        {"claim": {"lines": [bad("modifiers", ["GC"])]}},
    ),
    "MOD_RETIRED": (
        # GD: terminated 2019-12-31
        {"claim": {"lines": [bad("modifiers", ["GD"])]}},
        {
            "claim": {"lines": [{**line(1, "93000", service_date=date(2019, 6, 3)), "modifiers": ["GD"]}]},
            "as_of": date(2019, 7, 1),
        },
    ),
    "MOD_COMPONENT_CODES_EXIST": ({"claim": {"lines": [bad("modifiers", ["26"])]}}, {}),
    "MOD_PCTC_NOT_APPLICABLE": (
        # 93010 already bills the professional component alone (PC/TC indicator 2)
        {"claim": {"lines": [line(1, "93010", modifiers=["26"])]}},
        # a chest X-ray (indicator 1) is split by 26/TC
        {"claim": {"lines": [line(1, "71045", modifiers=["26"])]}},
    ),
    "MOD_EM_ONLY": (
        {"claim": {"lines": [bad("modifiers", ["25"])]}},
        {"claim": {"lines": [line(1, "99213", modifiers=["25"], charge="110.00"), line(2, "93000")]}},
    ),
    "MOD_CONFLICT": (
        {"claim": {"lines": [bad("modifiers", ["GA", "GZ"])]}},
        {"claim": {"lines": [bad("modifiers", ["GA"])]}},
    ),
    "MOD_OVERRIDE_WITHOUT_PAIR": (
        {"claim": {"lines": [line(1, "93000", modifiers=["59"])]}},
        {"claim": {"lines": [line(1, "93005"), line(2, "93041", modifiers=["59"])]}},
    ),
    "MOD_OVERRIDE_PAIR_UNVERIFIED": (
        # a rhythm strip at a separate time beside the 12-lead: the bundled excerpt has no such pair
        {"claim": {"lines": [line(1, "93000"), line(2, "93040", modifiers=["59"])]}},
        {"claim": {"lines": [line(1, "93005"), line(2, "93042", modifiers=["59"])]}},
    ),
    "MOD_REPEAT_UNDOCUMENTED": (
        {"claim": {"lines": [line(1, "93000"), line(2, "93000", modifiers=["76"])]}},
        {
            "claim": {"lines": [line(1, "93000"), line(2, "93000", modifiers=["76"])]},
            "encounter": {"ecg_fields": {"repeat_count": 2}},
        },
    ),
    "MOD_77_SAME_PROVIDER": (
        # the same physician's second ECG of the day: 76, not 77 (another physician's)
        {
            "claim": {"lines": [line(1, "93000"), line(2, "93000", modifiers=["77"])]},
            "encounter": {"ecg_fields": {"repeat_count": 2}},
        },
        {
            "claim": {"lines": [line(1, "93000"), line(2, "93000", modifiers=["76"])]},
            "encounter": {"ecg_fields": {"repeat_count": 2}},
        },
    ),
    "MOD_77_SAME_PROVIDER_SENT": (
        # the same physician's 93000 went out on an earlier claim of the day
        {
            "claim": {"lines": [line(1, "93000", modifiers=["77"])]},
            "history": [{"claim_id": "EARLIER-1", "lines": [line(1, "93000")]}],
            "encounter": {"ecg_fields": {"repeat_count": 2}},
        },
        {
            "claim": {"lines": [line(1, "93000", modifiers=["76"])]},
            "history": [{"claim_id": "EARLIER-1", "lines": [line(1, "93000")]}],
            "encounter": {"ecg_fields": {"repeat_count": 2}},
        },
    ),
    "MOD_25_REQUIRED": (
        {"claim": {"payer": ACME, "lines": [line(1, "99213"), line(2, "93000")]}},
        {"claim": {"payer": ACME, "lines": [line(1, "99213", modifiers=["25"]), line(2, "93000")]}},
    ),
    "MOD_25_REQUIRED_WITH_VISIT": (
        # an E/M the same day as the IPPE (G0402)
        {"claim": {"lines": [line(1, "G0402", charge="170.00"), line(2, "99213", charge="110.00")]}},
        {
            "claim": {
                "lines": [
                    line(1, "G0402", charge="170.00"),
                    line(2, "99213", modifiers=["25"], charge="110.00"),
                ]
            }
        },
    ),
    "MOD_25_MISSING_ON_SENT_EM": (
        # the E/M went out first, on the same provider's other claim of the day, without 25
        {
            "claim": {"claim_id": "C2", "lines": [line(1, "G0402", charge="170.00")]},
            "history": [{"claim_id": "C1", "lines": [line(1, "99213", charge="110.00")]}],
        },
        {
            "claim": {"claim_id": "C2", "lines": [line(1, "G0402", charge="170.00")]},
            "history": [{"claim_id": "C1", "lines": [line(1, "99213", modifiers=["25"], charge="110.00")]}],
        },
    ),
    "MOD_LIABILITY_MISMATCH": (
        # GY says "statutorily excluded" on an ECG Medicare covers for chest pain
        {"claim": {"lines": [bad("modifiers", ["GY"])]}},
        {
            "claim": {"diagnoses": ["Z00.00"], "lines": [bad("modifiers", ["GY"])]},
            "encounter": {"diagnoses": ["Z00.00"]},
        },
    ),
    "MOD_ABN_ON_EXCLUSION": (
        {
            "claim": {"diagnoses": ["Z00.00"], "lines": [bad("modifiers", ["GA"])]},
            "encounter": {"diagnoses": ["Z00.00"]},
        },
        {
            "claim": {"diagnoses": ["Z00.00"], "lines": [bad("modifiers", ["GY"])]},
            "encounter": {"diagnoses": ["Z00.00"]},
        },
    ),
    "MOD_EXCLUSION_ON_NECESSITY": (
        {
            "claim": {"diagnoses": ["M54.50"], "lines": [bad("modifiers", ["GY"])]},
            "encounter": {"diagnoses": ["M54.50"]},
        },
        {
            "claim": {"diagnoses": ["M54.50"], "lines": [bad("modifiers", ["GA"])]},
            "encounter": {"diagnoses": ["M54.50"]},
        },
    ),
    # --- place of service ----------------------------------------------------------------------
    "POS_UNASSIGNED": (
        # 30 is no code in CMS's Place of Service code set; 27 (outreach site, 2023) is
        {"claim": {"place_of_service": "30"}, "encounter": {"place_of_service": "30"}},
        {"claim": {"place_of_service": "27"}, "encounter": {"place_of_service": "27"}},
    ),
    "POS_GLOBAL_IN_FACILITY": (
        {"claim": {"place_of_service": "22"}},
        {"claim": {"place_of_service": "22", "lines": [line(1, "93010")]}},
    ),
    "POS_GLOBAL_IN_SNF_STAY": (
        {"claim": {"place_of_service": "31"}},
        {"claim": {"place_of_service": "31", "lines": [line(1, "93010")]}},
    ),
    "POS_TECHNICAL_IN_FACILITY": (
        {"claim": {"place_of_service": "21", "lines": [line(1, "93005")]}},
        {"claim": {"place_of_service": "11", "lines": [line(1, "93005")]}},
    ),
    "POS_TECHNICAL_IN_SNF_STAY": (
        {"claim": {"place_of_service": "31", "lines": [line(1, "93005")]}},
        {"claim": {"place_of_service": "31", "lines": [line(1, "93010")]}},
    ),
    # --- medical necessity ---------------------------------------------------------------------
    "NEC_UNLISTED_DIAGNOSIS": (
        {"claim": {"diagnoses": ["M54.50"]}, "encounter": {"diagnoses": ["M54.50"]}},
        {
            "claim": {"diagnoses": ["M54.50", "R07.9"], "lines": [line(1, "93000", pointers=[1, 2])]},
            "encounter": {"diagnoses": ["M54.50", "R07.9"]},
        },
    ),
    "NEC_NOT_ON_PAYER_LIST": (
        # StrictCo's strict list for the 12-lead ECG has no hypertension
        {
            "claim": {"payer": STRICTCO, "patient": COMMERCIAL, "diagnoses": ["I10"]},
            "encounter": {"diagnoses": ["I10"]},
        },
        {"claim": {"payer": STRICTCO, "patient": COMMERCIAL}},
    ),
    "NEC_SCREENING_NOT_COVERED": (
        {"claim": {"diagnoses": ["Z00.00"]}, "encounter": {"diagnoses": ["Z00.00"]}},
        {
            "claim": {"diagnoses": ["Z00.00"], "lines": [bad("modifiers", ["GY"])]},
            "encounter": {"diagnoses": ["Z00.00"]},
        },
    ),
    "NEC_SCREENING_BILLED_FOR_DENIAL": (
        {
            "claim": {"diagnoses": ["Z00.00"], "lines": [bad("modifiers", ["GY"])]},
            "encounter": {"diagnoses": ["Z00.00"]},
        },
        {"claim": {"diagnoses": ["Z00.00"]}, "encounter": {"diagnoses": ["Z00.00"]}},
    ),
    "NEC_BILLED_WITH_ABN": (
        {
            "claim": {"diagnoses": ["M54.50"], "lines": [bad("modifiers", ["GA"])]},
            "encounter": {"diagnoses": ["M54.50"]},
        },
        {"claim": {"diagnoses": ["M54.50"]}, "encounter": {"diagnoses": ["M54.50"]}},
    ),
    # GZ: the same expected denials without an ABN, the provider's (reference §1)
    "NEC_BILLED_WITHOUT_ABN": (
        {
            "claim": {"diagnoses": ["M54.50"], "lines": [bad("modifiers", ["GZ"])]},
            "encounter": {"diagnoses": ["M54.50"]},
        },
        {
            "claim": {"diagnoses": ["M54.50"], "lines": [bad("modifiers", ["GA"])]},
            "encounter": {"diagnoses": ["M54.50"]},
        },
    ),
    "NEC_SCREENING_BILLED_PROVIDER_LIABLE": (
        {
            "claim": {"diagnoses": ["Z00.00"], "lines": [bad("modifiers", ["GZ"])]},
            "encounter": {"diagnoses": ["Z00.00"]},
        },
        {
            "claim": {"diagnoses": ["Z00.00"], "lines": [bad("modifiers", ["GY"])]},
            "encounter": {"diagnoses": ["Z00.00"]},
        },
    ),
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
    # --- coverage and payer rules ----------------------------------------------------------------
    "COV_NOT_COVERED": (
        {"claim": {"payer": ACME, "patient": COMMERCIAL, "lines": [line(1, "93042")]}},
        {"claim": {"payer": ACME, "patient": COMMERCIAL, "lines": [line(1, "93010")]}},
    ),
    "COV_BILLED_FOR_DENIAL": (
        {"claim": {"payer": ACME, "patient": COMMERCIAL, "lines": [line(1, "93042", modifiers=["GY"])]}},
        {"claim": {"payer": ACME, "patient": COMMERCIAL, "lines": [line(1, "93042")]}},
    ),
    "COV_BILLED_PROVIDER_LIABLE": (
        {"claim": {"payer": ACME, "patient": COMMERCIAL, "lines": [line(1, "93042", modifiers=["GZ"])]}},
        {"claim": {"payer": ACME, "patient": COMMERCIAL, "lines": [line(1, "93042", modifiers=["GY"])]}},
    ),
    "COV_CODE_NOT_FOR_PLAN": (
        # the IPPE screening ECG is a Medicare HCPCS code
        {
            "claim": {
                "payer": BLUEPEAK,
                "patient": COMMERCIAL,
                "diagnoses": ["Z00.00"],
                "lines": [line(1, "G0403")],
            },
            "encounter": {"diagnoses": ["Z00.00"]},
        },
        {
            "claim": {"diagnoses": ["Z00.00"], "lines": [line(1, "G0403")]},
            "encounter": {"diagnoses": ["Z00.00"]},
        },
    ),
    "COV_PRIOR_AUTH_MISSING": (
        {"claim": {"payer": BLUEPEAK, "lines": [line(1, "93040")]}},
        {"claim": {"payer": BLUEPEAK, "lines": [line(1, "93040")], "prior_authorization": "AUTH-77"}},
    ),
    "FREQ_LIMIT_EXCEEDED": (
        {
            "claim": {"payer": ACME},
            "history": [
                {"claim_id": "H1", "payer": ACME, "lines": [line(1, "93000", service_date=date(2025, 6, 1))]},
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
                {"claim_id": "H1", "payer": ACME, "lines": [line(1, "93000", service_date=date(2024, 6, 1))]},
                {
                    "claim_id": "H2",
                    "payer": ACME,
                    "lines": [line(1, "93000", service_date=date(2025, 11, 1))],
                },
            ],
        },
    ),
    "TF_EXPIRED": ({"claim": {"lines": [line(1, "93000", service_date=date(2025, 1, 10))]}}, {}),
    "TF_APPROACHING": ({"claim": {"lines": [line(1, "93000", service_date=date(2025, 3, 10))]}}, {}),
}

#: rules whose cases need a CMS file the bundled excerpts do not have (tested below)
NEEDS_CMS_ROWS = {
    "BUNDLE_NCCI_NOT_OVERRIDABLE",
    "BUNDLE_NCCI_SENT_NOT_OVERRIDABLE",
    "UNITS_MUE_LINE_EXCEEDED",
    "CODE_PROCEDURE_NOT_VALID_FOR_MEDICARE",
    "COV_MEDICARE_NON_COVERED",
    "COV_MEDICARE_BUNDLED",
}


def test_every_rule_has_a_failing_and_a_passing_case() -> None:
    untested = set(RULES) - set(CASES) - NEEDS_CMS_ROWS
    assert not untested, f"rules without cases: {sorted(untested)}"


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires_on_its_defect(scrubber: Scrubber, rule_id: str) -> None:
    failing, _ = CASES[rule_id]
    result = scrub_case(scrubber, **failing)
    assert rule_id in fired(result), [(e.rule_id, e.message) for e in result.edits]
    edit = next(e for e in result.edits if e.rule_id == rule_id)
    assert edit.message and edit.fix and edit.source
    assert "{" not in edit.message + edit.fix + edit.source
    expected_severity = scrubber.pack.rules[rule_id].severity
    assert edit.severity == expected_severity
    if expected_severity == "error":
        assert result.status == "held"


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_stays_quiet_on_the_corrected_claim(scrubber: Scrubber, rule_id: str) -> None:
    _, passing = CASES[rule_id]
    result = scrub_case(scrubber, **passing)
    assert rule_id not in fired(result), [(e.rule_id, e.message) for e in result.edits]


@pytest.fixture(scope="module")
def with_cms_rows(tmp_path_factory: pytest.TempPathFactory, _loaded: Scrubber) -> Scrubber:
    """The scrubber with CMS files that add what the bundled excerpts lack: an NCCI pair with
    modifier indicator 0 and one deleted in 2025, a MAI-1 MUE, and fee schedule statuses I and N."""
    folder = cms_dir(
        tmp_path_factory.mktemp("cms"),
        ptp=[
            ("93000", "99213", "20200101", "*", 0),
            ("93010", "93041", "19960101", "20251231", 1),
            ("93005", "99214", "20200101", "*", 1),
        ],
        mue=[("93000", 1, 1)],
        fees=[("G0999", "", "I", 9), ("99999", "", "N", 0), ("99998", "", "B", 0)],
    )
    loaded = Scrubber.load(cms_dir=folder)
    return Scrubber(loaded.pack, _loaded.payers, loaded.icd)


def test_ncci_indicator_0_pair_cannot_be_bypassed_with_a_modifier(with_cms_rows: Scrubber) -> None:
    failing = scrub_case(
        with_cms_rows, claim={"lines": [line(1, "93000"), line(2, "99213", modifiers=["59"])]}
    )
    assert "BUNDLE_NCCI_NOT_OVERRIDABLE" in fired(failing)
    edit = next(e for e in failing.edits if e.rule_id == "BUNDLE_NCCI_NOT_OVERRIDABLE")
    assert edit.source == "NCCI PTP practitioner, modifier indicator 0"
    passing = scrub_case(with_cms_rows, claim={"lines": [line(1, "93000")]})
    assert "BUNDLE_NCCI_NOT_OVERRIDABLE" not in fired(passing)


def test_ncci_pairs_apply_per_provider(with_cms_rows: Scrubber) -> None:
    # 99213 by another physician the same day: no NCCI edit between two providers' services
    other = scrub_case(
        with_cms_rows,
        claim={"claim_id": "C2", "rendering_provider_npi": VALID_NPIS[2], "lines": [line(1, "99213")]},
        history=[{"claim_id": "C1"}],
    )
    assert "BUNDLE_NCCI_NOT_OVERRIDABLE" not in fired(other)
    same = scrub_case(
        with_cms_rows, claim={"claim_id": "C2", "lines": [line(1, "99213")]}, history=[{"claim_id": "C1"}]
    )
    assert "BUNDLE_NCCI_NOT_OVERRIDABLE" in fired(same)


def test_a_column_1_code_after_its_unbypassable_column_2_on_an_earlier_claim_is_held(
    with_cms_rows: Scrubber,
) -> None:
    """93000/99213 (indicator 0 in the test CMS rows) whichever the provider billed first: the
    99213 already sent, the 93000 now is held, and the fix names the earlier claim."""
    failing = scrub_case(
        with_cms_rows,
        claim={"claim_id": "C2", "lines": [line(1, "93000")]},
        history=[{"claim_id": "C1", "lines": [line(1, "99213")]}],
    )
    edit = next(e for e in failing.edits if e.rule_id == "BUNDLE_NCCI_SENT_NOT_OVERRIDABLE")
    assert failing.status == "held" and "C1" in edit.fix
    other = scrub_case(
        with_cms_rows,
        claim={"claim_id": "C2", "lines": [line(1, "93000")]},
        history=[{"claim_id": "C1", "rendering_provider_npi": VALID_NPIS[2], "lines": [line(1, "99213")]}],
    )
    assert "BUNDLE_NCCI_SENT_NOT_OVERRIDABLE" not in fired(other)


def test_deleted_ncci_edit_no_longer_applies(with_cms_rows: Scrubber) -> None:
    """93010/93041 deleted on 2025-12-31: in force for a 2025 date of service, not after."""
    result = scrub_case(with_cms_rows, claim={"lines": [line(1, "93010"), line(2, "93041")]})
    assert "BUNDLE_NCCI_MODIFIER_NEEDED" not in fired(result)
    before = scrub_case(
        with_cms_rows,
        claim={
            "lines": [
                line(1, "93010", service_date=D.replace(year=2025)),
                line(2, "93041", service_date=D.replace(year=2025)),
            ]
        },
        as_of=date(2025, 3, 1),
    )
    assert "BUNDLE_NCCI_MODIFIER_NEEDED" in fired(before)


def test_mai_1_judges_each_line_on_its_own(with_cms_rows: Scrubber) -> None:
    one_line = scrub_case(with_cms_rows, claim={"lines": [line(1, "93000", units=2)]})
    assert "UNITS_MUE_LINE_EXCEEDED" in fired(one_line)
    two_lines = scrub_case(
        with_cms_rows,
        claim={"lines": [line(1, "93000"), line(2, "93000", modifiers=["76"])]},
        encounter={"ecg_fields": {"repeat_count": 2}},
    )
    assert not {"UNITS_MUE_LINE_EXCEEDED", "UNITS_MUE_EXCEEDED"} & fired(two_lines)


def test_fee_schedule_status_i_is_not_valid_for_medicare_only(with_cms_rows: Scrubber) -> None:
    medicare = scrub_case(with_cms_rows, claim={"lines": [line(1, "G0999")]}, encounter=MISSING)
    assert "CODE_PROCEDURE_NOT_VALID_FOR_MEDICARE" in fired(medicare)
    commercial = scrub_case(
        with_cms_rows,
        claim={"payer": BLUEPEAK, "patient": COMMERCIAL, "lines": [line(1, "G0999")]},
        encounter=MISSING,
    )
    assert "CODE_PROCEDURE_NOT_VALID_FOR_MEDICARE" not in fired(commercial)


def test_fee_schedule_status_n_is_a_medicare_exclusion_gy_makes_it_a_warning(with_cms_rows: Scrubber) -> None:
    plain = scrub_case(with_cms_rows, claim={"lines": [line(1, "99999")]}, encounter=MISSING)
    assert "COV_MEDICARE_NON_COVERED" in fired(plain) and plain.status == "held"
    with_gy = scrub_case(
        with_cms_rows, claim={"lines": [line(1, "99999", modifiers=["GY"])]}, encounter=MISSING
    )
    assert "COV_MEDICARE_NON_COVERED" not in fired(with_gy)
    assert "COV_BILLED_FOR_DENIAL" in fired(with_gy) and with_gy.status == "clean"


def test_fee_schedule_status_b_is_never_paid_on_its_own_by_medicare(with_cms_rows: Scrubber) -> None:
    medicare = scrub_case(with_cms_rows, claim={"lines": [line(1, "99998")]}, encounter=MISSING)
    assert "COV_MEDICARE_BUNDLED" in fired(medicare) and medicare.status == "clean"  # a warning
    edit = next(e for e in medicare.edits if e.rule_id == "COV_MEDICARE_BUNDLED")
    assert edit.source == "CMS physician fee schedule RVU file: status code B"
    commercial = scrub_case(
        with_cms_rows,
        claim={"payer": BLUEPEAK, "patient": COMMERCIAL, "lines": [line(1, "99998")]},
        encounter=MISSING,
    )
    assert "COV_MEDICARE_BUNDLED" not in fired(commercial)


def test_an_ncci_associated_modifier_bypasses_an_indicator_1_pair(with_cms_rows: Scrubber) -> None:
    """NCCI Policy Manual ch. I: 25 on the E/M (column 2) bypasses the pair like 59/XU would; an
    anatomic or global-surgery modifier is not an unused distinct-service modifier."""
    bare = scrub_case(with_cms_rows, claim={"lines": [line(1, "93005"), line(2, "99214", charge="150.00")]})
    assert "BUNDLE_NCCI_MODIFIER_NEEDED" in fired(bare)
    for modifier in ("25", "XU", "59"):
        marked = scrub_case(
            with_cms_rows,
            claim={"lines": [line(1, "93005"), line(2, "99214", modifiers=[modifier], charge="150.00")]},
        )
        assert not {"BUNDLE_NCCI_MODIFIER_NEEDED", "MOD_OVERRIDE_WITHOUT_PAIR", "MOD_EM_ONLY"} & fired(
            marked
        ), modifier
    # 76 is not NCCI-associated
    repeat = scrub_case(
        with_cms_rows,
        claim={"lines": [line(1, "93005"), line(2, "99214", modifiers=["76"], charge="150.00")]},
    )
    assert "BUNDLE_NCCI_MODIFIER_NEEDED" in fired(repeat)
    # RT on a line with no pair is laterality, not an override looking for its pair
    lateral = scrub_case(
        with_cms_rows,
        claim={"place_of_service": "22", "lines": [line(1, "71046", modifiers=["26", "RT"])]},
        encounter=MISSING,
    )
    assert "MOD_OVERRIDE_WITHOUT_PAIR" not in fired(lateral)


def test_fee_schedule_releases_apply_by_date_of_service(tmp_path: Path, _loaded: Scrubber) -> None:
    """With the October 2025 and January 2026 releases loaded, a code the January release does
    not list (here 93041, removed for the test) is not in force for a 2026 date of service."""
    folder = cms_dir(tmp_path / "cms")
    lines = (folder / "PPRRVU2025_Oct.excerpt.csv").read_text().splitlines()
    lines[0] = lines[0].replace("2025 National", "2026 National").replace("October", "January")
    (folder / "PPRRVU2026_Jan_nonQPP.csv").write_text(
        "\n".join(ln for ln in lines if not ln.startswith("93041,")) + "\n"
    )
    loaded = Scrubber.load(cms_dir=folder)
    scrubber = Scrubber(loaded.pack, _loaded.payers, loaded.icd)
    result = scrub_case(scrubber, claim={"lines": [line(1, "93041")]})
    edit = next(e for e in result.edits if e.rule_id == "CODE_PROCEDURE_NOT_IN_FORCE")
    assert "not in the fee schedule's 2026 January release" in edit.message
    before = scrub_case(
        scrubber,
        claim={"lines": [line(1, "93041", service_date=date(2025, 12, 1))]},
        as_of=date(2025, 12, 20),
    )
    assert "CODE_PROCEDURE_NOT_IN_FORCE" not in fired(before)


def test_mue_tables_apply_by_date_of_service(tmp_path: Path, _loaded: Scrubber) -> None:
    """The bundled table (no date) and a July 2026 table in which 93005 allows 1 unit (made up)."""
    folder = cms_dir(tmp_path / "cms")
    bundled = (folder / "mue_practitioner.csv").read_text().splitlines()
    header = bundled[:5]
    (folder / "MCR_MUE_PractitionerServices_Eff_07-01-2026.csv").write_text(
        "\n".join([*header, "93005,1,2 Date of Service Edit: Policy,Code Descriptor / CPT Instruction"])
        + "\n"
    )
    loaded = Scrubber.load(cms_dir=folder)
    scrubber = Scrubber(loaded.pack, _loaded.payers, loaded.icd)
    encounter = {"ecg_fields": {"interpretation_documented": False, "report_signed": False}}
    february = scrub_case(scrubber, claim={"lines": [line(1, "93005", units=2)]}, encounter=encounter)
    assert not {"UNITS_MUE_EXCEEDED", "UNITS_MUE_LINE_EXCEEDED"} & fired(february)
    august = date(2026, 8, 3)
    later = scrub_case(
        scrubber,
        claim={"lines": [line(1, "93005", units=2, service_date=august)]},
        encounter=encounter,
        as_of=date(2026, 8, 20),
    )
    edit = next(e for e in later.edits if e.rule_id == "UNITS_MUE_EXCEEDED")
    assert edit.source == "MUE practitioner, MAI 2 (Date of Service Edit: Policy)"


def test_a_payer_list_that_is_not_strict_only_warns(scrubber: Scrubber) -> None:
    result = scrub_case(
        scrubber,
        claim={"payer": LISTCO, "patient": COMMERCIAL, "diagnoses": ["I10"]},
        encounter={"diagnoses": ["I10"]},
    )
    assert "NEC_UNLISTED_DIAGNOSIS" in fired(result) and result.status == "clean"
    edit = next(e for e in result.edits if e.rule_id == "NEC_UNLISTED_DIAGNOSIS")
    assert edit.severity == "warning" and "LISTCO" in edit.source


def test_global_billed_after_its_component_on_another_claim_by_the_same_provider_is_held(
    scrubber: Scrubber,
) -> None:
    result = scrub_case(
        scrubber, claim={"claim_id": "C2"}, history=[{"claim_id": "C1", "lines": [line(1, "93010")]}]
    )
    edit = next(e for e in result.edits if e.rule_id == "BUNDLE_GLOBAL_WITH_COMPONENT_SENT")
    # the fix names the claim to correct and what to do when the earlier one was right (fixloop C1)
    assert "claim C1" in edit.message and "claim C1" in edit.fix and "void" in edit.fix
    component_after = scrub_case(
        scrubber,
        claim={"claim_id": "C3", "lines": [line(1, "93010")]},
        history=[{"claim_id": "C1", "lines": [line(1, "93000")]}],
    )
    edit = next(e for e in component_after.edits if e.rule_id == "BUNDLE_GLOBAL_WITH_COMPONENT_SENT")
    assert "claim C1" in edit.message and "no lines is not sent" in edit.fix


def test_global_and_component_by_two_providers_are_not_bundled(scrubber: Scrubber) -> None:
    result = scrub_case(
        scrubber,
        claim={
            "claim_id": "C2",
            "rendering_provider_npi": VALID_NPIS[2],
            "lines": [line(1, "93010", modifiers=["77"])],
        },
        encounter={
            "rendering_provider_npi": VALID_NPIS[2],
            "ecg_fields": {"interpreting_provider_npi": VALID_NPIS[2]},
        },
        history=[{"claim_id": "C1"}],
    )
    assert "BUNDLE_GLOBAL_WITH_COMPONENT" not in fired(result)


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


def test_mue_sums_every_line_and_claim_of_the_provider_and_day_whatever_the_modifiers(
    scrubber: Scrubber,
) -> None:
    """93005, MUE 5 with MAI 3: 3 units earlier the same day plus 3 on a 76 line now is 6."""
    result = scrub_case(
        scrubber,
        claim={"claim_id": "C2", "lines": [line(1, "93005", units=3, modifiers=["76"])]},
        encounter={
            "ecg_fields": {"interpretation_documented": False, "report_signed": False, "repeat_count": 2}
        },
        history=[{"claim_id": "C1", "lines": [line(1, "93005", units=3)]}],
    )
    edit = next(e for e in result.edits if e.rule_id == "UNITS_MUE_EXCEEDED")
    assert "6 units" in edit.message and edit.source.startswith("MUE practitioner, MAI 3")
    other_provider = scrub_case(
        scrubber,
        claim={
            "claim_id": "C2",
            "rendering_provider_npi": VALID_NPIS[2],
            "lines": [line(1, "93005", units=3)],
        },
        encounter={"ecg_fields": {"interpretation_documented": False, "report_signed": False}},
        history=[{"claim_id": "C1", "lines": [line(1, "93005", units=3)]}],
    )
    assert "UNITS_MUE_EXCEEDED" not in fired(other_provider)


@pytest.mark.parametrize(
    ("service_date", "as_of", "expired"),
    [
        (date(2025, 3, 1), date(2026, 3, 1), False),  # exactly one calendar year after: in time
        (date(2025, 3, 1), date(2026, 3, 2), True),
        # a leap year: 365 days after 2023-03-01 is 2024-02-29, the calendar year ends 2024-03-01
        (date(2023, 3, 1), date(2024, 3, 1), False),
        (date(2024, 2, 29), date(2025, 2, 28), False),  # no Feb 29 in 2025: the month's last day
        (date(2024, 2, 29), date(2025, 3, 1), True),
    ],
)
def test_medicare_timely_filing_is_one_calendar_year(
    scrubber: Scrubber, service_date: date, as_of: date, expired: bool
) -> None:
    result = scrub_case(scrubber, claim={"lines": [line(1, "93000", service_date=service_date)]}, as_of=as_of)
    assert ("TF_EXPIRED" in fired(result)) is expired
    if not expired:
        assert "TF_APPROACHING" in fired(result)


def test_a_late_line_is_named_and_the_timely_lines_are_not_written_off(scrubber: Scrubber) -> None:
    """42 CFR 424.44: the filing limit runs from each service's date. A claim sent 2026-03-10 with
    a line of 2025-03-01 (past its calendar year) and one of 2025-03-20 (within it) is held for the
    first line only, and the fix says to send the other line — not to write off the claim."""
    result = scrub_case(
        scrubber,
        claim={
            "lines": [
                line(1, "93000", service_date=date(2025, 3, 1)),
                line(2, "93000", service_date=date(2025, 3, 20), modifiers=["76"]),
            ]
        },
        encounter=MISSING,
        encounter_feed=False,
        as_of=date(2026, 3, 10),
    )
    (late,) = [e for e in result.edits if e.rule_id == "TF_EXPIRED"]
    assert late.line_number == 1 and "line 1" in late.fix and "other lines" in late.fix
    assert "TF_APPROACHING" in fired(result)  # line 2's limit ends 2026-03-20
    everything_late = scrub_case(
        scrubber, claim={"lines": [line(1, "93000", service_date=date(2025, 3, 1))]}, as_of=date(2026, 3, 10)
    )
    (whole,) = [e for e in everything_late.edits if e.rule_id == "TF_EXPIRED"]
    assert whole.line_number is None and "the claim" in whole.fix


def test_encounter_missing_is_explained_with_the_encounter_id(scrubber: Scrubber) -> None:
    result = scrub_case(scrubber, encounter=MISSING)
    edit = next(e for e in result.edits if e.rule_id == "DOC_ENCOUNTER_MISSING")
    assert "ENC-0001" in edit.fix and edit.category == "documentation"


def test_component_suggestion_names_the_right_code(scrubber: Scrubber) -> None:
    result = scrub_case(
        scrubber, encounter={"ecg_fields": {"interpretation_documented": False, "report_signed": False}}
    )
    edit = next(e for e in result.edits if e.rule_id == "COMPONENT_GLOBAL_TRACING_ONLY")
    assert "93005" in edit.fix
    result = scrub_case(scrubber, encounter={"ecg_fields": {"tracing_recorded": False}})
    edit = next(e for e in result.edits if e.rule_id == "COMPONENT_GLOBAL_INTERPRETATION_ONLY")
    assert "93010" in edit.fix


@pytest.mark.parametrize(
    ("code", "modifier", "suggestion"),
    [("93000", "26", "93010"), ("93000", "TC", "93005"), ("93040", "26", "93042"), ("G0403", "TC", "G0404")],
)
def test_26_or_tc_on_a_global_test_only_code_names_its_component_code(
    scrubber: Scrubber, code: str, modifier: str, suggestion: str
) -> None:
    result = scrub_case(
        scrubber,
        claim={
            "diagnoses": ["Z00.00"] if code.startswith("G") else ["R07.9"],
            "lines": [line(1, code, modifiers=[modifier])],
        },
        encounter={"diagnoses": ["Z00.00"] if code.startswith("G") else ["R07.9"]},
    )
    edit = next(e for e in result.edits if e.rule_id == "MOD_COMPONENT_CODES_EXIST")
    assert f"Bill {suggestion}" in edit.fix


def test_disabled_rule_produces_no_edit(scrubber: Scrubber) -> None:
    from dataclasses import replace

    pack = scrubber.pack
    rules = dict(pack.rules)
    rules["MOD_UNKNOWN"] = rules["MOD_UNKNOWN"].model_copy(update={"enabled": False})
    custom = type(scrubber)(
        replace(pack, rules=rules, rendered={}), scrubber.payers, scrubber.icd, scrubber.screen
    )
    result = scrub_case(custom, claim={"lines": [line(1, "93000", modifiers=["ZZ"])]})
    assert "MOD_UNKNOWN" not in fired(result)
    assert result.status == "clean"


def test_every_edit_names_its_authority(scrubber: Scrubber) -> None:
    assert all(rule.source.strip() for rule in scrubber.pack.rules.values())
    result = scrub_case(
        scrubber, claim={"payer": ACME, "patient": COMMERCIAL, "lines": [line(1, "99213"), line(2, "93000")]}
    )
    edit = next(e for e in result.edits if e.rule_id == "MOD_25_REQUIRED")
    assert edit.source == "payer profile ACME: modifier 25 on a same-day E/M"


def test_clean_claim_has_no_edits(scrubber: Scrubber) -> None:
    result = scrub_case(scrubber)
    assert result.status == "clean" and result.edits == []


def test_the_bundled_cms_excerpts_are_read_from_their_published_layouts(tmp_path: Path) -> None:
    # a CMS folder with only the bundled excerpts reads back to the same tables as the default
    folder = cms_dir(tmp_path / "cms")
    loaded = Scrubber.load(cms_dir=folder)
    assert len(loaded.pack.cms.ptp) == len(Scrubber.load().pack.cms.ptp)
    assert loaded.pack.cms.official == frozenset({"ptp", "mue", "fees", "hcpcs"})


@pytest.mark.parametrize("npi", ["9876543210", "0100000009", "3000000007"])
def test_an_npi_that_does_not_start_with_1_or_2_is_held_whatever_its_check_digit(
    scrubber: Scrubber, npi: str
) -> None:
    """Reference 3: 10 digits, first digit 1 or 2, then the check digit."""
    claim = read_claim(claim_dict(billing_provider_npi=npi))
    result = scrubber.scrub(claim, DEFAULT_AS_OF, make_encounter())
    assert result.status == "held"
    assert [(e.rule_id, e.category) for e in result.edits if e.category == "provider"] == [
        ("PROVIDER_NPI_FORMAT", "provider")
    ]


def test_a_claim_without_a_rendering_provider_of_its_own_hears_of_a_bad_npi_once(scrubber: Scrubber) -> None:
    """An 837P without 2310B renders under the billing NPI: one wrong number, one edit."""
    bad = "1234567890"  # fails the check digit (reference 3)
    for npi_fields in (
        {"billing_provider_npi": bad, "rendering_provider_npi": bad},
        {"billing_provider_npi": "12345678", "rendering_provider_npi": "12345678"},
    ):
        claim = read_claim(claim_dict(**npi_fields))
        result = scrubber.scrub(
            claim, DEFAULT_AS_OF, make_encounter(ecg_fields={"interpreting_provider_npi": None})
        )
        provider_edits = [e for e in result.edits if e.rule_id.startswith("PROVIDER_NPI")]
        assert len(provider_edits) == 1 and "billing" in provider_edits[0].message


@pytest.mark.parametrize("modifier", ["RH", "HR", "SH", "NH", "RX"])
def test_ambulance_origin_destination_modifiers_are_real_modifiers(scrubber: Scrubber, modifier: str) -> None:
    """An ambulance line carries origin and destination (residence, hospital, SNF, ...) as a
    two-letter modifier: every pair is valid (CMS Claims Processing Manual ch. 15, 30.A)."""
    claim = read_claim(claim_dict(lines=[line(1, "A0429", modifiers=[modifier])], diagnoses=["S72.001A"]))
    result = scrubber.scrub(claim, DEFAULT_AS_OF, None)
    assert "MOD_UNKNOWN" not in {e.rule_id for e in result.edits}


@pytest.mark.parametrize(
    ("modifier", "rule_id", "liable"),
    [
        ("GY", "NEC_SCREENING_BILLED_FOR_DENIAL", "patient"),  # statutorily excluded, billed on purpose
        ("GZ", "NEC_SCREENING_BILLED_PROVIDER_LIABLE", "provider"),  # expected denial, no ABN
    ],
)
def test_a_screening_billed_for_denial_names_who_is_liable_by_the_modifier(
    scrubber: Scrubber, modifier: str, rule_id: str, liable: str
) -> None:
    """Reference §1: GY/GA are billed so that the denial makes the patient liable; "GZ = expected
    denial, no ABN (provider liable)" — its words never tell the coder to bill the patient."""
    result = scrub_case(
        scrubber,
        claim={"diagnoses": ["Z00.00"], "lines": [line(1, "93000", modifiers=[modifier])]},
        encounter={"diagnoses": ["Z00.00"]},
    )
    edit = next(e for e in result.edits if e.rule_id == rule_id)
    assert f"the {liable} is liable" in edit.message
    if liable == "provider":
        assert "bill the patient" not in (edit.message + edit.fix).lower()
        assert "patient cannot be billed" in edit.message
    necessity = scrub_case(
        scrubber,
        claim={"diagnoses": ["M54.50"], "lines": [line(1, "93000", modifiers=["GZ"])]},
        encounter={"diagnoses": ["M54.50"]},
    )
    doubt = next(e for e in necessity.edits if e.rule_id == "NEC_BILLED_WITHOUT_ABN")
    assert "ABN on file" not in doubt.fix and "write it off" in doubt.fix


def test_a_commercial_plan_is_never_told_to_use_what_only_medicare_has(scrubber: Scrubber) -> None:
    """Reference §1: G0403-G0405 are Medicare-only HCPCS codes; GY and the ABN are Medicare's
    liability notices. A commercial screening ECG or a plan exclusion gets a fix without them."""
    screening = scrub_case(
        scrubber,
        claim={"payer": BLUEPEAK, "patient": COMMERCIAL, "diagnoses": ["Z00.00"]},
        encounter={"diagnoses": ["Z00.00"]},
    )
    excluded = scrub_case(scrubber, claim={"payer": ACME, "patient": COMMERCIAL, "lines": [line(1, "93042")]})
    for result, rule_id in ((screening, "NEC_SCREENING_NOT_COVERED"), (excluded, "COV_NOT_COVERED")):
        edit = next(e for e in result.edits if e.rule_id == rule_id)
        advice = re.sub(r"\([^)]*are Medicare's\)", "", edit.fix)  # the aside saying why not
        for medicare_only in ("G0403", "GY", "GA", "ABN", "advance beneficiary notice"):
            assert medicare_only not in advice, edit.fix
    medicare = scrub_case(scrubber, claim={"diagnoses": ["Z00.00"]}, encounter={"diagnoses": ["Z00.00"]})
    edit = next(e for e in medicare.edits if e.rule_id == "NEC_SCREENING_NOT_COVERED")
    assert "G0403" in edit.fix and "GY" in edit.fix
    # the authority cited is the payer's: NCD 20.15 is a Medicare coverage determination
    assert "NCD 20.15" in edit.source
    commercial = next(e for e in screening.edits if e.rule_id == "NEC_SCREENING_NOT_COVERED")
    assert "NCD" not in commercial.source and "BLUEPEAK" in commercial.source


@pytest.mark.parametrize("pos", ["21", "22", "31"])
def test_a_tracing_billed_in_a_facility_is_removed_never_turned_into_an_interpretation(
    scrubber: Scrubber, pos: str
) -> None:
    """Reference §1: in a facility "the physician bills 93010 and the facility bills the tracing on
    its institutional claim"; tracing only is 93005, interpretation only 93010. A claim that shows
    a tracing alone is told to remove it — not to bill 93010, an interpretation nothing shows."""
    result = scrub_case(scrubber, claim={"place_of_service": pos, "lines": [line(1, "93005")]})
    edit = next(e for e in result.edits if e.category == "place_of_service" and e.severity == "error")
    assert result.status == "held" and edit.fix.startswith("Remove line 1 (93005)")
    assert not edit.fix.startswith("Bill 93010")


def test_split_components_in_a_facility_get_one_consistent_fix(scrubber: Scrubber) -> None:
    """93005 + 93010 by one provider at POS 22: the physician keeps 93010 and removes 93005 (the
    facility's); never "bill 93000 once", which the place-of-service edit would then hold."""
    result = scrub_case(
        scrubber, claim={"place_of_service": "22", "lines": [line(1, "93005"), line(2, "93010")]}
    )
    assert result.status == "held"
    assert "BUNDLE_SPLIT_COMPONENTS" not in fired(result)
    assert [(e.rule_id, e.line_number) for e in result.edits if e.severity == "error"] == [
        ("POS_TECHNICAL_IN_FACILITY", 1)
    ]
    office = scrub_case(scrubber, claim={"lines": [line(1, "93005"), line(2, "93010")]})
    assert "BUNDLE_SPLIT_COMPONENTS" in fired(office)  # in the office one provider bills 93000


@pytest.mark.parametrize(
    "lines",
    [
        [line(1, "G0402"), line(2, "G0403"), line(3, "G0403", modifiers=["76"])],
        [line(1, "G0403"), line(2, "G0403", modifiers=["77"])],
        [line(1, "G0403", units=2)],
    ],
    ids=["a-repeat-line-with-76", "a-repeat-line-with-77", "two-units"],
)
def test_the_ippe_screening_ecg_is_once_per_lifetime_within_one_claim_too(scrubber: Scrubber, lines) -> None:
    """Reference §1/§3: G0403 "once per lifetime"; a second one on the same claim (a repeat line
    with 76/77, or two units) is a second service, and the limit counts services."""
    result = scrub_case(scrubber, claim={"diagnoses": ["Z00.00"], "lines": lines}, encounter=MISSING)
    assert "FREQ_LIMIT_EXCEEDED" in fired(result) and result.status == "held"
    edit = next(e for e in result.edits if e.rule_id == "FREQ_LIMIT_EXCEEDED")
    assert "this claim bills 2 and the patient already has 0" in edit.message


def test_a_payer_frequency_limit_counts_each_service_of_the_claim(scrubber: Scrubber) -> None:
    """Acme allows two 93000 per 365 days: one earlier plus a claim with 93000 and 93000-76 is
    three services."""
    earlier = [line(1, "93000", service_date=date(2025, 12, 1))]
    history = [{"claim_id": "H1", "payer": ACME, "patient": COMMERCIAL, "lines": earlier}]
    two = scrub_case(
        scrubber,
        claim={
            "payer": ACME,
            "patient": COMMERCIAL,
            "lines": [line(1, "93000"), line(2, "93000", modifiers=["76"])],
        },
        history=history,
    )
    assert "FREQ_LIMIT_EXCEEDED" in fired(two)
    one = scrub_case(scrubber, claim={"payer": ACME, "patient": COMMERCIAL}, history=history)
    assert "FREQ_LIMIT_EXCEEDED" not in fired(one)


@pytest.mark.parametrize(
    ("modifiers", "held"),
    [
        ([[], ["76"]], False),  # the repeat listed second
        ([["76"], []], False),  # the repeat listed first: the same two services
        ([[], []], True),  # neither marked: a duplicate
        ([["76"], [], []], True),  # two unmarked
    ],
)
def test_a_repeat_needs_one_unmarked_line_whatever_the_order(
    scrubber: Scrubber, modifiers, held: bool
) -> None:
    """Reference §1: a repeat ECG on the same day needs 76/77, otherwise it is a duplicate. Which
    line carries the modifier is not a fact about the services: the order of lines decides nothing."""
    lines = [line(i, "93000", modifiers=m) for i, m in enumerate(modifiers, start=1)]
    result = scrub_case(scrubber, claim={"lines": lines}, encounter=MISSING)
    assert ("UNITS_REPEAT_WITHOUT_MODIFIER" in fired(result)) is held


@pytest.mark.parametrize(
    ("lines", "held"),
    [
        ([("93000", 2, [])], True),  # two ECGs on one line, neither marked as a repeat
        ([("93010", 3, [])], True),
        ([("93000", 1, []), ("93000", 2, ["76"])], False),  # a repeat line: units judged by the MUE
        ([("93000", 1, []), ("93000", 1, ["77"])], False),  # the usual way: one line per ECG
        ([("93005", 2, ["76"])], False),
        ([("99213", 2, [])], False),  # not a one-service-per-unit code of the pack
    ],
)
def test_ecg_units_beyond_one_on_an_unmarked_line_are_flagged_as_repeats_without_a_modifier(
    scrubber: Scrubber, lines: list[tuple[str, int, list[str]]], held: bool
) -> None:
    """Reference §1: "A repeat ECG on the same day needs 76 (same physician) or 77 (another
    physician) with the times documented; otherwise it is a duplicate" — one unit of an ECG code is
    one tracing or one read, so a second unit is a repeat whatever line it sits on. A warning, not a
    hold: the daily unit limits (93005: 5, MAI 3) count units of unmodified lines too."""
    claim_lines = [
        line(i, code, units=units, modifiers=m) for i, (code, units, m) in enumerate(lines, start=1)
    ]
    result = scrub_case(scrubber, claim={"lines": claim_lines}, encounter=MISSING)
    assert ("UNITS_REPEAT_IN_ONE_LINE" in fired(result)) is held
    if held:
        edit = next(e for e in result.edits if e.rule_id == "UNITS_REPEAT_IN_ONE_LINE")
        assert "76" in edit.fix and "77" in edit.fix and edit.line_number == 1
        assert edit.severity == "warning"


def test_a_claim_with_a_lone_value_where_a_list_belongs_is_scrubbed_like_its_list(scrubber: Scrubber) -> None:
    """A readable claim is the scrubber's business (reference §3): "modifiers": "26" on 93000 is
    held with the component-code edit, exactly as ["26"] would be; "diagnoses": "R07.9" is clean."""
    from schemas import read_claim
    from tests.builders import claim_dict

    as_list, lone = claim_dict(), claim_dict()
    as_list["lines"][0]["modifiers"] = ["26"]
    lone["lines"][0]["modifiers"] = "26"
    lone["diagnoses"] = lone["diagnoses"][0]
    held = [scrubber.scrub(read_claim(d), DEFAULT_AS_OF, make_encounter()) for d in (as_list, lone)]
    assert held[0].status == held[1].status == "held"
    assert [e.rule_id for e in held[0].edits] == [e.rule_id for e in held[1].edits]
    clean = claim_dict()
    clean["diagnoses"] = clean["diagnoses"][0]
    assert scrubber.scrub(read_claim(clean), DEFAULT_AS_OF, make_encounter()).status == "clean"


def test_an_override_modifier_is_held_only_where_the_ptp_table_can_tell(
    scrubber: Scrubber, with_cms_rows: Scrubber
) -> None:
    """Reference §1: 59 overrides pairs with modifier indicator 1 "(e.g. rhythm strip at a separate
    documented time)". The bundled excerpt lacks most pairs: 93000 + 93040-59 is not held on its
    word (a warning); the official file decides; 59 with no other code that day is always held."""
    strip = {"lines": [line(1, "93000"), line(2, "93040", modifiers=["59"])]}
    excerpt = scrub_case(scrubber, claim=strip)
    assert "MOD_OVERRIDE_PAIR_UNVERIFIED" in fired(excerpt) and "MOD_OVERRIDE_WITHOUT_PAIR" not in fired(
        excerpt
    )
    assert excerpt.status == "clean"
    official = scrub_case(with_cms_rows, claim=strip)  # a loaded CMS file without the pair
    assert "MOD_OVERRIDE_WITHOUT_PAIR" in fired(official) and official.status == "held"
    alone = scrub_case(scrubber, claim={"lines": [line(1, "93042", modifiers=["59"])]})
    assert "MOD_OVERRIDE_WITHOUT_PAIR" in fired(alone) and alone.status == "held"


def test_a_lines_own_place_of_service_decides_its_place_of_service_edit(scrubber: Scrubber) -> None:
    """837P SV105: a line performed elsewhere than the claim's place of service says so. A 93000
    done in the office (line POS 11) on a claim from the outpatient hospital (22) is not held; a
    93000 whose line says 22 on an office claim is."""
    office_line = scrub_case(
        scrubber, claim={"place_of_service": "22", "lines": [{**line(1, "93000"), "place_of_service": "11"}]}
    )
    assert "POS_GLOBAL_IN_FACILITY" not in fired(office_line)
    facility_line = scrub_case(scrubber, claim={"lines": [{**line(1, "93000"), "place_of_service": "22"}]})
    assert "POS_GLOBAL_IN_FACILITY" in fired(facility_line) and facility_line.status == "held"
    garbled = scrub_case(scrubber, claim={"lines": [{**line(1, "93000"), "place_of_service": "2X"}]})
    assert ("CLAIM_POS_INVALID", 1) in [(e.rule_id, e.line_number) for e in garbled.edits]


def test_the_fix_for_a_second_read_leads_to_a_claim_that_is_sent(scrubber: Scrubber) -> None:
    """Reference §1: "a second read (e.g. in the emergency room) needs 77 and documented unusual
    circumstances". DUP_SECOND_READ's fix is to append 77; the claim so fixed gets the reminder
    warning, and the office's read of the same tracing does not count as a second ECG the record
    lacks (MOD_REPEAT_UNDOCUMENTED held it)."""
    result = scrub_case(
        scrubber,
        claim={**ED_CLAIM, "encounter_id": "ENC-0001", "lines": [line(1, "93010", modifiers=["77"])]},
        encounter={**ED_ENCOUNTER, "encounter_id": "ENC-0001"},
        history=OFFICE_ECG,
    )
    assert "DUP_SECOND_READ_DOCUMENTED" in fired(result)
    assert "MOD_REPEAT_UNDOCUMENTED" not in fired(result)
    assert not [e for e in result.edits if e.severity == "error"], result.edits


@pytest.mark.parametrize(
    ("modifier", "documented", "held"),
    [("77", 2, False), ("77", 1, False), ("76", 2, False), ("76", 1, True)],
)
def test_a_repeat_the_record_documents_is_not_held_when_the_first_ecg_is_billed_elsewhere(
    scrubber: Scrubber, modifier: str, documented: int, held: bool
) -> None:
    """Reference §1: a repeat needs 76/77 "with the times documented"; "office 93000 in the
    morning, ED 93010-77 by the ED physician in the evening" is legitimate. With 77 the first ECG
    is another physician's — on a claim claimflow has not seen yet, or never sees (another billing
    office): this physician's record of its own one ECG is enough, whatever order the claims
    arrive in. With 76 the same physician did both: a record of one ECG holds it."""
    result = scrub_case(
        scrubber,
        claim={"lines": [line(1, "93000", modifiers=[modifier])]},
        encounter={"ecg_fields": {"repeat_count": documented}},
    )
    assert ("MOD_REPEAT_UNDOCUMENTED" in fired(result)) is held


def test_a_rhythm_strip_with_the_12_lead_needs_the_modifier_and_takes_it(scrubber: Scrubber) -> None:
    """Reference §1: 93005 with 93041/93042 is a verified pair, modifier indicator 1 — and 93000
    includes 93005, so the complete ECG pairs with them alike (§5, CO-97: "strip with 12-lead"):
    without 59 held with the modifier's fix; the reference's own example, 93000 + 93042-59 (a rhythm
    strip at a separate documented time), is sent clean."""
    without = scrub_case(scrubber, claim={"lines": [line(1, "93000"), line(2, "93042")]})
    assert "BUNDLE_NCCI_MODIFIER_NEEDED" in fired(without) and without.status == "held"
    with_59 = scrub_case(scrubber, claim={"lines": [line(1, "93000"), line(2, "93042", modifiers=["59"])]})
    assert with_59.status == "clean" and not with_59.edits, with_59.edits


@pytest.mark.parametrize(
    ("birth_date", "held"),
    [("1001-01-01", True), ("1890-06-30", True), ("1905-01-01", False), ("1960-05-01", False)],
)
def test_a_birth_date_no_living_patient_has_is_held_as_a_typo(
    scrubber: Scrubber, birth_date: str, held: bool
) -> None:
    """837P DMG02 is a valid CCYYMMDD for 1001-01-01 (the X12 check accepts it); no patient is
    125 years old, so the scrubber holds it for the registration record's date."""
    result = scrub_case(scrubber, claim={"patient": {**PATIENT, "birth_date": birth_date}})
    assert ("PATIENT_BIRTH_DATE_INVALID" in fired(result)) is held
    if held:
        edit = next(e for e in result.edits if e.rule_id == "PATIENT_BIRTH_DATE_INVALID")
        assert "125 years before the date of service" in edit.message


def test_a_facility_test_billed_at_the_office_says_why_the_place_matters(scrubber: Scrubber) -> None:
    """Reference §1: in a facility (22) the physician bills 93010 and the facility the tracing; a
    93000 billed at 11 for a test the record places in the hospital is paid as a global the
    facility also bills. A warning (the claim's place of service may be the right one), naming
    both places."""
    result = scrub_case(scrubber, encounter={"place_of_service": "22"})
    edit = next(e for e in result.edits if e.rule_id == "CLAIM_ENCOUNTER_POS_MISMATCH")
    assert edit.severity == "warning" and "11" in edit.message and "22" in edit.message
    assert "facility bills the tracing" in edit.message


def test_a_name_of_accents_only_is_nothing_in_an_837p(scrubber: Scrubber) -> None:
    """X12 is written without accents: a value of combining accents alone would leave a required
    name element empty."""
    result = scrub_case(scrubber, claim={"patient": {**PATIENT, "last_name": "\u0301\u0301"}})
    assert "CLAIM_X12_UNSAFE" in fired(result)


def test_a_secondary_claim_balanced_to_the_cent_is_clean_of_coordination_edits(scrubber: Scrubber) -> None:
    result = scrub_case(
        scrubber, claim={"payer": BLUEPEAK, "payer_responsibility": "S", "other_payers": [BALANCED_PRIMARY]}
    )
    assert not {r for r in fired(result) if r.startswith("CLAIM_COB")}, [e.message for e in result.edits]


def test_a_tertiary_claim_needs_the_decisions_of_both_payers_before_it(scrubber: Scrubber) -> None:
    """Billed third (T): the primary's and the secondary's decisions are both on the claim; the
    secondary listed without its decision is not enough (reference: the next payer coordinates
    on what every payer before it did)."""
    secondary = {
        **BALANCED_PRIMARY,
        "payer_id": "BCBS-1",
        "name": "BLUE PLAN",
        "plan_type": "commercial",
        "responsibility": "S",
        "subscriber_member_id": "XYZ123",
    }
    undecided = {
        k: v for k, v in secondary.items() if k not in ("paid_amount", "adjustments", "line_payments")
    }
    held = scrub_case(
        scrubber,
        claim={"payer": BLUEPEAK, "payer_responsibility": "T", "other_payers": [BALANCED_PRIMARY, undecided]},
    )
    edit = next(e for e in held.edits if e.rule_id == "CLAIM_COB_PRIOR_DECISION_MISSING")
    assert "(S)" in edit.message
    clean = scrub_case(
        scrubber,
        claim={"payer": BLUEPEAK, "payer_responsibility": "T", "other_payers": [BALANCED_PRIMARY, secondary]},
    )
    assert "CLAIM_COB_PRIOR_DECISION_MISSING" not in fired(clean)


def test_a_decision_made_at_the_claim_level_carries_its_date(scrubber: Scrubber) -> None:
    """No line decisions (2430): 2330B DTP*573 is the only date of the decision, and required."""
    claim_level = {
        **PRIMARY_FOR_COB,
        "adjustments": [{"group_code": "CO", "reason_code": "45", "amount": "9.00"}],
    }
    held = scrub_case(
        scrubber, claim={"payer": BLUEPEAK, "payer_responsibility": "S", "other_payers": [claim_level]}
    )
    assert "CLAIM_COB_DECISION_INCOMPLETE" in fired(held)
    dated = {**claim_level, "adjudicated_on": "2026-02-20"}
    clean = scrub_case(
        scrubber, claim={"payer": BLUEPEAK, "payer_responsibility": "S", "other_payers": [dated]}
    )
    assert not {r for r in fired(clean) if r.startswith("CLAIM_COB")}, [e.message for e in clean.edits]


def test_a_line_paid_in_two_parts_balances_as_one(scrubber: Scrubber) -> None:
    """The primary split the line in two SVDs (20.00 + 16.00) beside CO-45 5.00 and PR-2 4.00."""
    split = {**BALANCED_PRIMARY, "line_payments": [
        {"line_number": 1, "paid_amount": "20.00"},
        {"line_number": 1, "paid_amount": "16.00"},
    ]}  # fmt: skip
    result = scrub_case(
        scrubber, claim={"payer": BLUEPEAK, "payer_responsibility": "S", "other_payers": [split]}
    )
    assert "CLAIM_COB_UNBALANCED" not in fired(result), [e.message for e in result.edits]


@pytest.mark.parametrize(
    ("postal_code", "held"), [("62701-1234", False), ("627010003", False), ("6270", True)]
)
def test_a_dependents_postal_code_is_5_or_9_digits(scrubber: Scrubber, postal_code: str, held: bool) -> None:
    address = {"address": "1 ELM ST", "city": "SPRINGFIELD", "state": "IL", "postal_code": postal_code}
    result = scrub_case(
        scrubber,
        claim={
            "payer": BLUEPEAK,
            "subscriber": {"first_name": "ALEX", "last_name": "PATIENT"},
            "relationship": "19",
            "patient": {**PATIENT, **address},
        },
    )
    assert ("PATIENT_ADDRESS_MISSING" in fired(result)) is held


@pytest.mark.parametrize(
    ("code", "held_on", "clean_on"),
    [
        # new in FY2026 (2025-10-01): not yet a code for a service the day before
        ("E11.A", date(2025, 9, 30), date(2025, 10, 1)),
        # split in FY2024 (I47.20/21/29) and FY2023 (E87.20-29): billable before, a header after
        ("I47.2", date(2023, 10, 1), date(2023, 9, 30)),
        ("E87.2", date(2022, 10, 1), date(2022, 9, 30)),
    ],
)
def test_a_diagnosis_is_judged_by_the_icd10cm_release_in_force_on_the_date_of_service(
    scrubber: Scrubber, code: str, held_on: date, clean_on: date
) -> None:
    """Reference §2 and CARC 146 ("diagnosis invalid for the date of service"): a claim dated
    before a code existed is held; one dated before the code was split into its children is not."""

    def scrub_on(day: date) -> set[str]:
        result = scrub_case(
            scrubber,
            claim={
                "diagnoses": ["R07.9", code],
                "lines": [line(1, "93000", service_date=day, pointers=[1, 2])],
            },
            encounter={"diagnoses": ["R07.9", code]},
            as_of=day + timedelta(days=30),
        )
        return {e.rule_id for e in result.edits if e.rule_id.startswith("CODE_ICD")}

    assert scrub_on(held_on) & {"CODE_ICD_INVALID", "CODE_ICD_NOT_BILLABLE"}
    assert not scrub_on(clean_on)


def test_a_service_range_that_ends_after_today_is_not_billable_yet(scrubber: Scrubber) -> None:
    """A line billed as a range (DTP*472 RD8) is a service over only on its last day: one that
    ends after the day it is scrubbed on is held like a service in the future."""
    as_of = date(2026, 3, 1)
    ranged = line(1, "93000", service_date=date(2026, 2, 27))
    ranged["service_end_date"] = "2026-03-02"
    result = scrub_case(scrubber, claim={"lines": [ranged]}, as_of=as_of)
    assert "CLAIM_FUTURE_SERVICE_DATE" in {e.rule_id for e in result.edits if e.severity == "error"}
    ranged["service_end_date"] = "2026-02-28"
    result = scrub_case(scrubber, claim={"lines": [ranged]}, as_of=as_of)
    assert "CLAIM_FUTURE_SERVICE_DATE" not in {e.rule_id for e in result.edits}


def test_a_lines_own_place_of_service_must_be_an_assigned_code_too(scrubber: Scrubber) -> None:
    """SV105, a line's own place of service, is held to CMS's code set like the claim's (00 is none)."""
    own = line(1, "93000")
    own["place_of_service"] = "00"
    result = scrub_case(scrubber, claim={"lines": [own]})
    (edit,) = [e for e in result.edits if e.rule_id == "POS_UNASSIGNED"]
    assert edit.severity == "error" and edit.line_number == 1 and "(00)" in edit.message


@pytest.mark.parametrize("where", ["claim", "line"])
def test_a_name_typed_in_the_place_of_service_is_held_and_never_repeated(
    scrubber: Scrubber, where: str
) -> None:
    """README: a wrong value is an edit naming the field and the fix, "and never echoes the value,
    which may be PHI typed in the wrong field" — the place of service too, at the claim or a line
    (SV105), with or without the record's own place of service beside it."""
    typed = "QXJOHNSMITH 1950-04-01"
    claim = (
        {"place_of_service": typed}
        if where == "claim"
        else {"lines": [{**line(1, "93000"), "place_of_service": typed}]}
    )
    result = scrub_case(scrubber, claim)
    assert result.status == "held" and "CLAIM_POS_INVALID" in {e.rule_id for e in result.edits}
    words = " ".join(f"{e.message} {e.fix}" for e in result.edits)
    assert "QXJOHNSMITH" not in words and "1950-04-01" not in words


def test_a_claim_id_longer_than_an_837p_can_carry_is_held_naming_the_field(scrubber: Scrubber) -> None:
    """X222A1 CLM01 holds 1-38 characters. A longer claim id is a readable claim with a wrong value:
    held with the field named (README: never a dead letter while the claim_id can be read), up to
    the contracts' bound for an identity (256 characters); past it, the event is not a claim."""
    from schemas.codes import MAX_CLAIM_ID

    for length in (65, 200, MAX_CLAIM_ID):
        result = scrub_case(scrubber, {"claim_id": "C" * length})
        assert result.status == "held" and result.claim_id == "C" * length
        assert any(e.rule_id == "CLAIM_X12_TOO_LONG" and "claim_id" in e.message for e in result.edits)
    with pytest.raises(ValidationError):
        read_claim(claim_dict(claim_id="C" * (MAX_CLAIM_ID + 1)))


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("9300O", False),
        ("93O00", False),
        ("0591T", True),
        ("3120F", True),
        ("0001U", True),
        ("0001A", True),
        ("0002M", True),
        ("G0403", True),
    ],
)
def test_a_letter_typed_for_a_digit_in_a_cpt_code_is_held(scrubber: Scrubber, code: str, valid: bool) -> None:
    """CPT's structure (AMA): 5 digits (Category I), or 4 digits and the letter of its kind — A
    (vaccine codes), F (Category II), M (multianalyte assays), T (Category III), U (PLA); HCPCS
    Level II is a letter and 4 digits. "9300O" — the letter O for a zero — is no code of either."""
    result = scrub_case(scrubber, {"lines": [line(1, code)]})
    assert ("CODE_PROCEDURE_INVALID" in {e.rule_id for e in result.edits}) is not valid


@pytest.mark.parametrize("field", ["line_number", "diagnosis_pointers"])
def test_json_true_is_no_line_number_or_pointer(scrubber: Scrubber, field: str) -> None:
    """JSON ``true`` where a number belongs is a wrong value (Python would read it as 1): held with
    the field's edit, never sent as line 1 or diagnosis 1."""
    broken = {**line(1, "93000"), field: True if field == "line_number" else [True]}
    result = scrub_case(scrubber, {"lines": [broken]})
    rule = "CLAIM_LINE_NUMBER_INVALID" if field == "line_number" else "CLAIM_DX_POINTER_INVALID"
    assert result.status == "held" and rule in {e.rule_id for e in result.edits}
    assert "CLAIM_DX_POINTER_RANGE" not in {e.rule_id for e in result.edits}


def test_an_unknown_key_that_is_no_field_name_is_never_repeated(scrubber: Scrubber) -> None:
    """README: an edit names the field "and never echoes the value, which may be PHI typed in the
    wrong field" — a value typed where a key belongs too: a typo'd field name is named, a name or
    a birth date used as a key is not."""
    result = scrub_case(scrubber, {"rendering_npi": "1558598797", "DOE JANE 1950-04-01": "x"})
    words = " ".join(f"{e.message} {e.fix}" for e in result.edits)
    assert result.status == "held" and "rendering_npi" in words
    assert "DOE JANE" not in words and "1950-04-01" not in words


def _family_claim(claim_id: str, first: str, born: str, **more: Any) -> dict[str, Any]:
    """A BluePeak claim under the subscriber's member id (one patient key for the family)."""
    patient = {**COMMERCIAL, "first_name": first, "birth_date": born}
    return {"claim_id": claim_id, "payer": BLUEPEAK, "patient": patient, **more}


def test_a_childs_visit_under_the_parents_member_id_is_no_duplicate_of_the_parents(
    scrubber: Scrubber,
) -> None:
    """Reference §3: a duplicate is the same *patient*, payer, code, date and provider. A parent
    and a child under one member id (the documented key: payer and member id) seen by one provider
    on one day are two patients: the child's 93000 goes out. The same person sent twice is held."""
    parent = _family_claim("FAM-1", "ALEX", "1980-07-15")
    child = _family_claim("FAM-2", "JAMIE", "2012-03-02", relationship="19")
    result = scrub_case(scrubber, claim=child, history=[parent])
    assert "DUP_CLAIM" not in fired(result), fired(result)
    again = scrub_case(scrubber, claim=_family_claim("FAM-3", "ALEX", "1980-07-15"), history=[parent])
    assert "DUP_CLAIM" in fired(again)


def test_a_parents_services_never_count_against_a_childs_frequency_limit(scrubber: Scrubber) -> None:
    """Acme allows two 93000 per 365 days per patient: the father's two do not use up his
    daughter's."""
    dad = {**COMMERCIAL, "first_name": "SAM", "birth_date": "1975-01-02"}
    history = [
        {"claim_id": f"D{n}", "payer": ACME, "patient": dad, "lines": [line(1, "93000", service_date=day)]}
        for n, day in enumerate((date(2025, 12, 1), date(2026, 1, 5)))
    ]
    girl = {**COMMERCIAL, "first_name": "ROSE", "birth_date": "2014-06-09"}
    result = scrub_case(scrubber, claim={"payer": ACME, "patient": girl}, history=history)
    assert "FREQ_LIMIT_EXCEEDED" not in fired(result)
    third = scrub_case(scrubber, claim={"payer": ACME, "patient": dad}, history=history)
    assert "FREQ_LIMIT_EXCEEDED" in fired(third)


def test_a_preventive_visit_beside_a_problem_visit_with_25_needs_no_25_of_its_own(scrubber: Scrubber) -> None:
    """CPT: when a problem-oriented E/M is billed with a preventive visit, modifier 25 goes on the
    problem-oriented E/M. Acme (25 required on a same-day E/M with a test): 99396 + 99214-25 +
    93000 goes out; 99396 + 93000 with no problem visit still needs the 25 Acme asks for."""
    lines = [line(1, "99396"), line(2, "99214", modifiers=["25"]), line(3, "93000")]
    both = scrub_case(scrubber, claim={"payer": ACME, "patient": COMMERCIAL, "lines": lines})
    assert "MOD_25_REQUIRED" not in fired(both), fired(both)
    alone = scrub_case(
        scrubber, claim={"payer": ACME, "patient": COMMERCIAL, "lines": [line(1, "99396"), line(2, "93000")]}
    )
    assert "MOD_25_REQUIRED" in fired(alone)


@pytest.mark.parametrize(
    ("code", "held"), [("92014", False), ("92004", False), ("92134", True), ("93000", True)]
)
def test_25_fits_the_general_ophthalmological_services_as_it_fits_e_m(
    scrubber: Scrubber, code: str, held: bool
) -> None:
    """NCCI Policy Manual ch. XI: modifier 25 may be appended to E/M services 99202-99499 and to the
    general ophthalmological services 92002-92014; on other codes it is misplaced."""
    result = scrub_case(scrubber, claim={"lines": [line(1, code, modifiers=["25"])]})
    assert ("MOD_EM_ONLY" in fired(result)) is held


def test_twins_sharing_a_key_and_their_first_letters_are_two_patients(scrubber: Scrubber) -> None:
    """Twins (one birth date) under one member id: ALEXANDER's and ALEXANDRA's ECGs the same day
    are two patients' services, not a duplicate."""
    first = _family_claim("TW-1", "ALEXANDER", "2015-05-05")
    second = _family_claim("TW-2", "ALEXANDRA", "2015-05-05", relationship="19")
    assert "DUP_CLAIM" not in fired(scrub_case(scrubber, claim=second, history=[first]))


def test_a_preventive_visit_after_the_days_problem_visit_with_25_on_another_claim_goes_out(
    scrubber: Scrubber,
) -> None:
    """CPT puts the 25 on the problem-oriented E/M: sent on the provider's earlier claim of the day
    with 25, it answers for the preventive visit billed later the same day (Acme's 25 rule)."""
    earlier = {
        "claim_id": "PV-1",
        "payer": ACME,
        "patient": COMMERCIAL,
        "lines": [line(1, "99214", modifiers=["25"])],
    }
    later = {
        "claim_id": "PV-2",
        "payer": ACME,
        "patient": COMMERCIAL,
        "lines": [line(1, "99396"), line(2, "93000")],
    }
    assert "MOD_25_REQUIRED" not in fired(scrub_case(scrubber, claim=later, history=[earlier]))


@pytest.mark.parametrize(
    ("member_id", "problem"),
    [
        ("1EG4-TE5-MK73", "dashes"),
        ("1eg4te5mk73", "lower case"),
        ("1EG4 TE5 MK73", "dashes or spaces"),
        ("1EG4TE5MK7S", "MBI) format"),
    ],
)
def test_a_medicare_member_id_keyed_as_printed_on_the_card_is_held_with_what_to_change(
    scrubber: Scrubber, member_id: str, problem: str
) -> None:
    """CMS MBI format: 11 upper-case characters; the card prints it with dashes, a claim never
    carries them (the contractor's front end rejects the claim). The edit says what to change and
    never repeats the member id."""
    result = scrub_case(scrubber, claim={"patient": {**PATIENT, "member_id": member_id}})
    edit = next(e for e in result.edits if e.rule_id == "PATIENT_MBI_FORMAT")
    assert result.status == "held" and problem in edit.message
    assert member_id not in edit.message and member_id.lower() not in (edit.message + edit.fix).lower()


def test_a_commercial_member_id_with_dashes_or_lower_case_is_the_plans_own_format(scrubber: Scrubber) -> None:
    """The MBI format binds only payers that require it (Medicare, the payer profile's
    requires_mbi); a commercial plan's member id may carry dashes and lower case."""
    result = scrub_case(
        scrubber, claim={"payer": BLUEPEAK, "patient": {**PATIENT, "member_id": "xk9-4471-a"}}
    )
    assert "PATIENT_MBI_FORMAT" not in fired(result)


def test_another_payers_amount_with_a_fraction_of_a_cent_is_held_not_rounded(scrubber: Scrubber) -> None:
    """An 835 and an 837P carry amounts in cents (X12 R elements written as dollars and cents):
    36.005 paid by the primary is a typo; written as 36 or 36.01 the secondary claim would state a
    payment the primary never made. Held, naming the field."""
    primary = {
        **BALANCED_PRIMARY,
        "paid_amount": "36.005",
        "line_payments": [{"line_number": 1, "paid_amount": "36.004"}],
    }
    result = scrub_case(
        scrubber, claim={"payer": BLUEPEAK, "payer_responsibility": "S", "other_payers": [primary]}
    )
    assert result.status == "held"
    messages = " ".join(e.message for e in result.edits if e.rule_id == "CLAIM_FIELD_UNREADABLE")
    assert "other_payers.1.paid_amount" in messages and "line_payments.1.paid_amount" in messages


def test_a_name_typed_as_a_key_in_another_payers_decision_is_never_repeated(scrubber: Scrubber) -> None:
    """An other payer's decision is read strictly, an unknown key in it left out with an edit:
    the key may be a value typed where a key belongs (a name, a member id) and is masked there as
    at the claim's top level."""
    primary = {
        **BALANCED_PRIMARY,
        "SMITH, Mary": "x",
        "adjustments": [{**BALANCED_PRIMARY["adjustments"][0], "Carter": "y"}],
    }
    result = scrub_case(
        scrubber, claim={"payer": BLUEPEAK, "payer_responsibility": "S", "other_payers": [primary]}
    )
    text = " ".join(e.message + e.fix for e in result.edits)
    assert "(a key that is not a field name)" in text
    assert "SMITH" not in text and "Mary" not in text and "Carter" not in text


def test_a_one_letter_state_is_held_not_written(scrubber: Scrubber) -> None:
    """837P N402 is an ID of exactly 2 characters (a state or province code)."""
    address = {"address": "1 MAIN ST", "city": "BOSTON", "state": "M", "postal_code": "02110"}
    result = scrub_case(scrubber, claim={"patient": {**PATIENT, **address}})
    edit = next(e for e in result.edits if e.rule_id == "CLAIM_X12_TOO_SHORT")
    assert "patient.state" in edit.message and x12_minimum("patient.state") == 2


def test_a_void_cancels_its_claim_whatever_the_coding_of_the_lines_it_voids(scrubber: Scrubber) -> None:
    """Reference §4: frequency 8 voids the claim its REF*F8 names (a commercial payer takes it).
    A void is how a claim sent in error is taken back — often because its lines were wrong (93000
    billed twice without 76, 26 on 93000): holding the void for those lines would keep the claim
    it cancels in force. It is still held when it cannot do its job: without the payer's claim
    number it names nothing to void."""
    wrong_lines = [line(1, "93000"), line(2, "93000", modifiers=["26"]), line(3, "93000")]
    void = {
        "payer": ACME,
        "patient": commercial_patient(),
        "frequency_code": "8",
        "original_claim_number": "ACME-ICN-1",
        "lines": wrong_lines,
    }
    result = scrub_case(scrubber, claim=void)
    assert [e for e in result.edits if e.severity == "error"] == [], result.edits
    assert result.status != "held"
    unnamed = scrub_case(scrubber, claim={**void, "original_claim_number": None})
    assert unnamed.status == "held" and "CLAIM_ORIGINAL_NUMBER_REQUIRED" in fired(unnamed)
