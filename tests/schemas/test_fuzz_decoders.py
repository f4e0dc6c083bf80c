"""Fuzzing every decoder: whatever bytes arrive, decode() returns a valid event or raises
DecodeError with a readable reason — never anything else (so an agent can dead-letter it)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas import EVENT_MODELS, ClaimStatus, ClaimSubmitted, Denial, Encounter, LifecycleEvent
from schemas.codec import DecodeError, decode
from tests.builders import claim_dict, encounter_dict

INPUT_MODELS = [Encounter, ClaimSubmitted, ClaimStatus, Denial, LifecycleEvent]
LIMIT = 1 << 20

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=15), children, max_size=6)
    ),
    max_leaves=30,
)


def check(model: type, payload: bytes | None) -> None:
    try:
        event = decode(model, payload, LIMIT)
    except DecodeError as exc:
        assert exc.reason in {
            "too_large",
            "malformed_json",
            "schema_violation",
            "unknown_event",
            "processing_error",
        }
        assert exc.error and len(exc.error) < 5000
        return
    assert isinstance(event, model)


@pytest.mark.parametrize("model", INPUT_MODELS, ids=lambda m: m.__name__)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=st.binary(max_size=400))
def test_random_bytes_never_crash_a_decoder(model: type, payload: bytes) -> None:
    check(model, payload)


@pytest.mark.parametrize("model", INPUT_MODELS, ids=lambda m: m.__name__)
@settings(max_examples=150, deadline=None)
@given(value=json_values)
def test_random_json_never_crashes_a_decoder(model: type, value: Any) -> None:
    check(model, json.dumps(value).encode())


def _mutations() -> st.SearchStrategy[dict[str, Any]]:
    fields = list(claim_dict().keys())
    bad_values = st.sampled_from(
        [
            None,
            -1,
            -45.5,
            "",
            "x" * 5000,
            [],
            {},
            "2026-02-30",
            "not-a-date",
            1e308,
            True,
            "R0",
            "ABCDEFGHIJK",
            [None],
            {"a": 1},
        ]
    )
    return st.fixed_dictionaries({"field": st.sampled_from(fields), "value": bad_values})


@settings(max_examples=300, deadline=None)
@given(mutation=_mutations(), cut=st.integers(0, 2000))
def test_mutated_and_truncated_claims_are_rejected_or_valid(mutation: dict[str, Any], cut: int) -> None:
    data = claim_dict()
    data[mutation["field"]] = mutation["value"]
    payload = json.dumps(data).encode()
    check(ClaimSubmitted, payload)
    check(ClaimSubmitted, payload[:cut])


@pytest.mark.parametrize(
    ("change", "reason", "field"),
    [
        ({"total_charge": "-5.00"}, "schema_violation", "total_charge"),
        ({"occurred_at": "2026-13-01T00:00:00Z"}, "schema_violation", "occurred_at"),
        ({"diagnoses": ["@@@"]}, "schema_violation", "diagnoses"),
        ({"place_of_service": "ABC"}, "schema_violation", "place_of_service"),
        ({"claim_id": "x" * 500}, "schema_violation", "claim_id"),
    ],
)
def test_specific_bad_claims_name_the_field(change: dict[str, Any], reason: str, field: str) -> None:
    with pytest.raises(DecodeError) as info:
        decode(ClaimSubmitted, json.dumps(claim_dict(**change)).encode(), LIMIT)
    assert info.value.reason == reason and field in info.value.error


def test_ten_thousand_line_claim_is_refused_by_size_or_schema() -> None:
    data = claim_dict()
    data["lines"] = [dict(data["lines"][0], line_number=i + 1) for i in range(10_000)]
    payload = json.dumps(data).encode()
    with pytest.raises(DecodeError) as info:
        decode(ClaimSubmitted, payload, LIMIT)
    assert info.value.reason == "too_large"
    with pytest.raises(DecodeError) as info:
        decode(ClaimSubmitted, payload, 64 * LIMIT)
    assert info.value.reason == "schema_violation" and "lines" in info.value.error


def test_deeply_nested_json_is_malformed_not_a_crash() -> None:
    payload = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(DecodeError):
        decode(Encounter, payload, 1 << 21)


def test_every_event_model_decodes_its_own_valid_example() -> None:
    assert decode(Encounter, json.dumps(encounter_dict()).encode(), LIMIT).encounter_id == "ENC-0001"
    assert set(EVENT_MODELS) >= {"encounter", "claim_submitted", "claim_status", "denial", "lifecycle"}
