from __future__ import annotations

import json
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from schemas import EVENT_MODELS, ClaimStatus, ClaimSubmitted, Denial, Encounter, ScrubResult
from schemas.export import schema_documents
from tests.builders import claim_dict, encounter_dict, make_claim

JSON_DIR = Path(__file__).resolve().parents[2] / "schemas" / "json"


def test_claim_round_trips_through_json_unchanged() -> None:
    claim = make_claim()
    again = ClaimSubmitted.model_validate_json(claim.model_dump_json())
    assert again == claim


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
        ({"event_type": "denial"}, "event_type"),
    ],
)
def test_invalid_claims_are_rejected_naming_the_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        ClaimSubmitted.model_validate(claim_dict(**change))
    assert field in str(info.value)


def test_invalid_line_is_rejected_naming_the_line_field() -> None:
    data = claim_dict()
    data["lines"][0]["units"] = 0
    with pytest.raises(ValidationError, match=r"lines\.0\.units"):
        ClaimSubmitted.model_validate(data)


def test_duplicate_line_numbers_are_rejected() -> None:
    data = claim_dict()
    data["lines"].append(dict(data["lines"][0]))
    with pytest.raises(ValidationError, match="line_number values must be unique"):
        ClaimSubmitted.model_validate(data)


def test_status_category_outside_x12_set_is_rejected() -> None:
    with pytest.raises(ValidationError, match="category_code"):
        ClaimStatus(claim_id="C1", category_code="A9")
    assert ClaimStatus(claim_id="C1", category_code="R16").category_code == "R16"


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
