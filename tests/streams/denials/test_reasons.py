"""The reason-code map: liability by group code (reference §5), every row under every group."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from schemas import Adjustment
from streams.denials import load_reason_map
from streams.errors import DataFileError

REASONS = load_reason_map()
GROUPS = ("CO", "PI", "OA", "PR")
#: never the patient's, whatever the group code: reference §1 "PTP and MUE denials cannot be billed
#: to the patient, even with an advance beneficiary notice" — 97 (included in another service), 234
#: (not paid separately), 236 (NCCI pair); §5 CO-29 timely filing "(patient cannot be billed)"
NEVER_THE_PATIENTS = {"97", "234", "236", "29"}


def adj(group: str, carc: str, amount: str = "45.00") -> Adjustment:
    return Adjustment(group_code=group, reason_code=carc, amount=Decimal(amount))


@pytest.mark.parametrize("carc", sorted(REASONS.spec.carcs))
@pytest.mark.parametrize("group", GROUPS)
def test_the_group_code_decides_whether_the_patient_may_be_billed(group: str, carc: str) -> None:
    read = REASONS.classify_one(adj(group, carc))
    if group == "PR" and carc in NEVER_THE_PATIENTS:
        assert not read.patient_billable and read.action != "bill_patient"
    elif group == "PR":
        assert read.patient_billable
        if read.is_denial:
            assert read.action == "bill_patient"
    else:  # CO and PI: the provider absorbs it; OA: never a patient bill either
        assert not read.patient_billable
        assert read.action != "bill_patient"


@pytest.mark.parametrize(
    ("group", "carc", "denial", "action"),
    [
        ("CO", "96", True, "write_off"),  # non-covered under CO: write off, never bill the patient
        ("PR", "96", True, "bill_patient"),  # with an ABN: the patient is liable
        ("CO", "204", True, "write_off"),
        ("PR", "204", True, "bill_patient"),
        ("CO", "49", True, "write_off"),  # screening ECG on 93000: write off or recode
        ("PR", "49", True, "bill_patient"),  # after GY
        ("CO", "50", True, "appeal"),
        ("PR", "50", True, "bill_patient"),  # after an ABN (GA)
        ("OA", "18", True, "write_off"),  # exact duplicate
        ("OA", "23", False, "write_off"),  # a prior payer's adjudication: not a denial
        ("CO", "45", False, "write_off"),  # contractual write-down
        ("PR", "1", False, "bill_patient"),  # deductible: patient share, not a denial
        # adjudicated: a corrected claim is a replacement (frequency 7 + REF*F8), never a new original
        ("CO", "B15", True, "replacement_claim"),
        ("CO", "16", True, "replacement_claim"),
        ("CO", "B20", True, "write_off"),
        ("CO", "146", True, "replacement_claim"),
        ("CO", "181", True, "replacement_claim"),
        ("CO", "182", True, "replacement_claim"),
        ("CO", "234", True, "write_off"),
        ("PR", "234", True, "write_off"),  # a PTP denial under PR: still never the patient's
        # "write off, or modifier if the pair allows" (the modifier case needs the claim: tasks)
        ("CO", "97", True, "write_off"),
        ("PR", "97", True, "write_off"),
        ("CO", "236", True, "write_off"),  # "modifier if allowed, else write off"
        ("PR", "236", True, "write_off"),
        ("CO", "59", False, "write_off"),
    ],
)
def test_reference_rows(group: str, carc: str, denial: bool, action: str) -> None:
    read = REASONS.classify_one(adj(group, carc))
    assert (read.is_denial, read.action) == (denial, action)


def test_an_oa_code_the_map_does_not_know_is_not_a_denial() -> None:
    read = REASONS.classify_one(adj("OA", "B13"))
    assert not read.is_denial and not read.patient_billable


def test_a_co_code_the_map_does_not_know_is_a_denial_a_person_reads() -> None:
    read = REASONS.classify_one(adj("CO", "B7"))
    # the claim was adjudicated (reference §5): corrected by a replacement claim, or on Medicare
    # Part B a reopening, with the appeal as the alternative — never resent as if never filed
    assert read.is_denial and read.rule.category == "unclassified"
    assert (read.action, read.rule.medicare_action) == ("replacement_claim", "reopening")
    assert read.rule.appeal_alternative


def test_a_pr_code_the_map_does_not_know_is_patient_responsibility() -> None:
    read = REASONS.classify_one(adj("PR", "B7"))
    assert read.patient_billable and not read.is_denial


def test_a_map_that_bills_the_patient_under_co_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "carc.yaml"
    path.write_text(
        "version: x\ncarcs:\n  '96': {category: non_covered, label: x, recoverable: false, action: bill_patient}\n"
    )
    with pytest.raises(
        DataFileError, match=r"carc\.yaml.*\n.*carcs\.96\.action.*bill_patient is never the action"
    ):
        load_reason_map(path)


def test_a_medicare_reopening_worded_as_a_corrected_claim_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "carc.yaml"
    path.write_text(
        "version: x\ncarcs:\n  '182': {category: modifier, label: x, recoverable: true,"
        " action: replacement_claim, medicare_action: reopening,"
        " instructions: 'Correct the modifier and send a corrected claim.'}\n"
    )
    with pytest.raises(DataFileError, match=r"carc\.yaml.*\n.*carcs\.182.*medicare_instructions: required"):
        load_reason_map(path)


def test_the_denial_categories_are_those_a_denial_can_be_counted_under() -> None:
    """What the denial-rate series are created for: the map's denial rows and an unknown code's,
    never patient share or a contractual write-down."""
    categories = load_reason_map().denial_categories
    assert {"medical_necessity", "bundling", "modifier", "unclassified"} <= set(categories)
    assert not {"patient_share", "contractual", "patient_responsibility"} & set(categories)


@pytest.mark.parametrize(
    ("row", "named"),
    [
        # a misspelled correction: refused at load, not at the first CO-4
        ("carcs:\n  '4': {category: modifier, label: x, recoverable: true, action: replacement_claim,"
         " correction: code_for_component_modifer}\n", r"carcs\.4\.correction.*not a correction"),
        # the group code written into the key: CO-45 would never match CARC 45
        ("carcs:\n  'CO-45': {category: contractual, label: x, recoverable: false, action: write_off}\n",
         r"carcs.*CO-45: not a reason code"),
        ("carcs: {}\nremarks:\n  'N-362': {provider_liable: true}\n", r"remarks.*N-362: not a remark code"),
        # a row given twice: the second would silently replace the first
        ("carcs:\n  '4': {category: a, label: x, recoverable: true, action: write_off}\n"
         "  '4': {category: b, label: y, recoverable: true, action: write_off}\n", r"'4' on line 4 is already given on line 3"),
    ],
)  # fmt: skip
def test_a_reason_map_mistake_is_refused_at_load_naming_the_file_and_field(
    tmp_path: Path, row: str, named: str
) -> None:
    path = tmp_path / "carc.yaml"
    path.write_text("version: x\n" + row)
    with pytest.raises(DataFileError, match=r"carc\.yaml") as info:
        load_reason_map(path)
    assert re.search(named, str(info.value), re.S), str(info.value)


def test_a_data_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    path = tmp_path / "carc.yaml"
    path.write_bytes("version: x\n# r\xe9sum\xe9\ncarcs: {}\n".encode("latin-1"))
    with pytest.raises(DataFileError, match=r"carc\.yaml: not UTF-8 text"):
        load_reason_map(path)
