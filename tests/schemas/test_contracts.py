from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from schemas import (
    EVENT_MODELS,
    ClaimStatus,
    ClaimSubmitted,
    Denial,
    Encounter,
    ScrubResult,
    ValidClaim,
    read_claim,
)
from schemas.export import schema_documents
from tests.builders import claim_dict, encounter_dict, make_claim

JSON_DIR = Path(__file__).resolve().parents[2] / "schemas" / "json"


def test_claim_round_trips_through_json_unchanged() -> None:
    claim = make_claim()
    assert isinstance(claim, ValidClaim)
    again = ValidClaim.model_validate_json(claim.model_dump_json())
    assert again == claim
    assert read_claim(claim.model_dump_json()) == claim


def test_every_event_model_round_trips() -> None:
    enc = Encounter.model_validate(encounter_dict())
    status = ClaimStatus(claim_id="C1", category_code="a2", status_code="20")
    denial = Denial(
        claim_id="C1",
        claim_status_code="4",
        adjustments=[{"group_code": "CO", "reason_code": "97", "amount": "12.50", "line_number": 2}],
        remark_codes=["n20"],
    )
    for event in (enc, status, denial):
        assert type(event).model_validate_json(event.model_dump_json()) == event
    assert status.category_code == "A2"
    assert denial.remark_codes == ["N20"]


def test_icd_codes_are_normalised_with_or_without_dot() -> None:
    a = make_claim(diagnoses=["r079", "I10"])
    b = make_claim(diagnoses=["R07.9", "i10"])
    assert a.diagnoses == b.diagnoses == ["R07.9", "I10"]


def test_money_is_decimal_and_dates_are_dates() -> None:
    claim = make_claim()
    assert claim.total_charge == Decimal("45.00")
    assert isinstance(claim.lines[0].charge, Decimal)
    assert claim.lines[0].service_date.isoformat() == "2026-02-10"


def test_envelope_has_id_type_version_and_aware_time() -> None:
    claim = make_claim()
    assert isinstance(claim.event_id, uuid.UUID)
    assert claim.event_type == "claim_submitted"
    assert claim.schema_version == 1
    assert claim.occurred_at.tzinfo is not None


def test_a_timestamp_without_its_offset_is_read_as_utc() -> None:
    """Practice systems often export local times without an offset: the event is still an event
    (read as UTC, as documented), not a dead letter; an unreadable time is still refused."""
    claim = ClaimSubmitted.model_validate(claim_dict(occurred_at="2026-03-01T12:00:00"))
    assert claim.occurred_at == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    with pytest.raises(ValidationError, match="occurred_at"):
        ClaimSubmitted.model_validate(claim_dict(occurred_at="03/01/2026"))


def test_a_date_without_a_time_is_that_day() -> None:
    """A practice system that exports only the day (``2026-03-10``) sent an event of that day:
    read as its midnight in UTC (a time without an offset is UTC), never refused on a status or
    dropped as unreadable on a claim (where the day decides timely filing)."""
    claim = ClaimSubmitted.model_validate(claim_dict(occurred_at="2026-03-10"))
    assert claim.occurred_at == datetime(2026, 3, 10, tzinfo=UTC)
    status = ClaimStatus.model_validate(
        {"claim_id": "C-1", "category_code": "A2", "occurred_at": "2026-03-10"}
    )
    assert status.occurred_at.date() == date(2026, 3, 10)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"diagnoses": []}, "diagnoses"),
        ({"lines": []}, "lines"),
        ({"billing_provider_npi": "12345"}, "billing_provider_npi"),
        ({"frequency_code": "3"}, "frequency_code"),
        ({"total_charge": "-5"}, "total_charge"),
        ({"place_of_service": "1"}, "place_of_service"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_wrong_values_fail_the_strict_contract_but_the_claim_is_read(
    change: dict[str, object], field: str
) -> None:
    """claims-ready carries only valid claims (ValidClaim); a submitted claim with a wrong value is
    still a claim the scrubber holds with an edit (ClaimSubmitted reads it)."""
    with pytest.raises(ValidationError) as info:
        ValidClaim.model_validate(claim_dict(**change))
    assert field in str(info.value)
    claim = read_claim(claim_dict(**change))
    assert type(claim) is ClaimSubmitted and claim.claim_id == "CLM-0001"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({**claim_dict(), "event_type": "denial"}, "event_type"),
        ({k: v for k, v in claim_dict().items() if k != "claim_id"}, "claim_id"),
        ({**claim_dict(), "claim_id": {"id": "CLM-0001"}}, "claim_id"),
        ({**claim_dict(), "claim_id": True}, "claim_id"),
    ],
)
def test_input_that_is_not_a_claim_is_refused(data: dict[str, object], field: str) -> None:
    """Reference §3: only what has no claim id (or is another event) is not a claim."""
    with pytest.raises(ValidationError) as info:
        read_claim(data)
    assert field in str(info.value)


@pytest.mark.parametrize(
    ("change", "left_out"),
    [
        ({"lines": "93000", "total_charge": "45.00"}, "lines"),  # a line that is not an object
        ({"lines": [["TEST"]], "total_charge": "45.00"}, "lines.1"),
        ({"billing_provider_npi": True}, "billing_provider_npi"),
        ({"patient": {**claim_dict()["patient"], "last_name": ["PATIENT"]}}, "patient.last_name"),
        ({"other_payers": [{"payer_id": "P1", "paid_amount": "abc"}]}, "other_payers.1.paid_amount"),
        ({"other_payers": [{"payer_id": "P1", "rendering": "x"}]}, "other_payers.1.rendering"),
        (
            {
                "other_payers": [
                    {
                        "payer_id": "P1",
                        "adjustments": [{"group_code": "XX", "reason_code": "45", "amount": "1"}],
                    }
                ]
            },
            "other_payers.1.adjustments.1.group_code",
        ),
    ],
)
def test_a_value_that_cannot_be_read_is_left_out_and_named(change: dict[str, object], left_out: str) -> None:
    """A claim with a readable claim id is a claim: a value no reading can make sense of (a text
    field sent as a boolean or a list, a line that is not an object, another payer's amount that
    is not a number) is left out and named on the claim, for the scrubber's edit."""
    claim = read_claim(claim_dict(**change))
    assert type(claim) is ClaimSubmitted and claim.claim_id == "CLM-0001"
    assert left_out in dict(claim.unreadable)
    assert all(ch not in problem for _, problem in claim.unreadable for ch in ("PATIENT", "abc"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [("26,59", ["26", "59"]), ("26 59", ["26", "59"]), ("26:59", ["26", "59"]), ("26", ["26"])],
)
def test_modifiers_sent_as_one_text_are_each_a_modifier(value: str, expected: list[str]) -> None:
    data = claim_dict()
    data["lines"][0]["modifiers"] = value
    assert list(read_claim(data).lines[0].modifiers) == expected


def test_diagnosis_pointers_written_as_cms1500_letters_are_their_numbers() -> None:
    """CMS-1500 box 24E points with letters A-L; the 837P's SV107 with numbers 1-12."""
    data = claim_dict(diagnoses=["R07.9", "I48.91"])
    data["lines"][0]["diagnosis_pointers"] = ["B", "a"]
    assert list(read_claim(data).lines[0].diagnosis_pointers) == [2, 1]


def test_a_wrong_line_value_fails_the_strict_contract_naming_the_line_field() -> None:
    data = claim_dict()
    data["lines"][0]["units"] = 0
    with pytest.raises(ValidationError, match=r"lines\.0\.units"):
        ValidClaim.model_validate(data)
    assert read_claim(data).lines[0].units == 0


def test_unreadable_values_are_kept_as_missing() -> None:
    data = claim_dict()
    data["lines"][0]["service_date"] = "2026-02-30"
    data["lines"][0]["charge"] = "forty-five"
    data["patient"]["birth_date"] = None
    claim = read_claim(data)
    assert claim.lines[0].service_date is None and claim.lines[0].charge is None
    assert claim.patient.birth_date is None


def test_units_are_decimals_with_their_basis_and_a_date_range() -> None:
    data = claim_dict()
    data["lines"][0].update(units="1.5", unit_basis="MJ", service_end_date="2026-02-12")
    claim = ValidClaim.model_validate(data)
    line = claim.lines[0]
    assert (
        line.units == Decimal("1.5")
        and line.unit_basis == "MJ"
        and line.last_service_date.isoformat() == "2026-02-12"
    )


def test_duplicate_line_numbers_fail_the_strict_contract() -> None:
    data = claim_dict()
    data["lines"].append(dict(data["lines"][0]))
    with pytest.raises(ValidationError, match="line_number values must be unique"):
        ValidClaim.model_validate(data)
    assert type(read_claim(data)) is ClaimSubmitted


@pytest.mark.parametrize("code", ["A0", "A2", "A9", "D0", "E4", "F3F", "F3N", "P3", "R16", "r9"])
def test_every_status_category_shape_of_the_x12_list_is_accepted(code: str) -> None:
    assert ClaimStatus(claim_id="C1", category_code=code).category_code == code.upper()


@pytest.mark.parametrize("code", ["", "9A", "AAA", "A", "A123", "F3FF"])
def test_a_status_category_of_another_shape_is_refused(code: str) -> None:
    with pytest.raises(ValidationError, match="category_code"):
        ClaimStatus(claim_id="C1", category_code=code)


def test_scrub_result_carries_required_fields() -> None:
    fields = ScrubResult.model_fields
    assert {"claim_id", "status", "edits"} <= set(fields)


def test_json_schema_files_match_the_models() -> None:
    """Drift check: regenerate with `make schemas` (claimflow schemas export schemas/json)."""
    expected = schema_documents()
    on_disk = {p.name: p.read_text() for p in JSON_DIR.glob("*.schema.json")}
    assert set(on_disk) == set(expected), "schema files differ from EVENT_MODELS: run `make schemas`"
    for name, text in expected.items():
        assert on_disk[name] == text, f"{name} drifted from the model: run `make schemas`"


def test_every_event_model_has_an_exported_schema() -> None:
    docs = schema_documents()
    for event_type in EVENT_MODELS:
        doc = json.loads(docs[f"{event_type}.schema.json"])
        assert doc["properties"]["event_type"]["const"] == event_type


def test_payer_codes_are_read_as_payers_and_exports_write_them() -> None:
    """A CARC sent as the number 50, CLP02 as 4, a group code in lower case or with spaces, a
    remark written MA-130, an amount written $1,234.50, no adjustments sent as null: the same
    values (X12 writes codes as text; JSON exports often as numbers). A denial is never lost over
    how its values are written."""
    denial = Denial.model_validate(
        {
            "claim_id": "C1",
            "claim_status_code": 4,
            "adjustments": [
                {"group_code": "co", "reason_code": 50, "amount": "45.00"},
                {"group_code": " PR ", "reason_code": "1", "amount": "5.00"},
            ],
            "remark_codes": ["n115", "MA-130"],
            "paid_amount": "$1,234.50",
            "reversed_adjustments": None,
        }
    )
    assert denial.claim_status_code == "4"
    assert denial.paid_amount == Decimal("1234.50") and denial.reversed_adjustments == []
    assert [(a.group_code, a.reason_code) for a in denial.adjustments] == [("CO", "50"), ("PR", "1")]
    assert denial.remark_codes == ["N115", "MA130"]
    status = ClaimStatus.model_validate(
        {"claim_id": "C1", "category_code": "a7", "status_code": 21, "source": "277"}
    )
    assert (status.category_code, status.status_code, status.source) == ("A7", "21", "277")
    with pytest.raises(ValidationError, match="group_code"):
        Denial.model_validate(
            {
                "claim_id": "C1",
                "claim_status_code": "4",
                "adjustments": [{"group_code": "XX", "reason_code": "50", "amount": "1"}],
            }
        )


def test_a_decimal_comma_is_refused_not_read_as_thousands() -> None:
    """Only a thousands separator is taken out of an amount: "45,00" (a decimal comma) would be
    read as 4,500 — money read wrong is worse than an answer dead-lettered with its reason."""
    with pytest.raises(ValidationError, match="paid_amount"):
        Denial.model_validate({"claim_id": "C1", "claim_status_code": "1", "paid_amount": "45,00"})
    assert Denial.model_validate(
        {"claim_id": "C1", "claim_status_code": "1", "paid_amount": "12,345.50"}
    ).paid_amount == Decimal("12345.50")
