from __future__ import annotations

import json
import uuid
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


def test_naive_timestamp_is_rejected() -> None:
    with pytest.raises(ValidationError, match="occurred_at"):
        ClaimSubmitted.model_validate(claim_dict(occurred_at="2026-03-01T12:00:00"))


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
        ({**claim_dict(), "lines": "93000"}, "lines"),
        ({**claim_dict(), "lines": [["TEST"]]}, "lines"),  # a line that is not an object
    ],
)
def test_input_that_is_not_a_claim_is_refused(data: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        read_claim(data)
    assert field in str(info.value)


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
