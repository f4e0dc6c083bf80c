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
from streams.scrub import Scrubber
from tests.builders import DEFAULT_AS_OF, claim_dict, encounter_dict, make_encounter

INPUT_MODELS = [Encounter, ClaimSubmitted, ClaimStatus, Denial, LifecycleEvent]
LIMIT = 1 << 20


@pytest.fixture(scope="module")
def scrubber() -> Scrubber:
    return Scrubber.load()


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


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.dictionaries(
        st.sampled_from([*claim_dict().keys(), "other_payers"]),
        json_values,
        max_size=5,
    )
)
def test_any_claim_that_decodes_is_scrubbed_without_crashing(
    scrubber: Scrubber, values: dict[str, Any]
) -> None:
    data = {**claim_dict(), **values, "claim_id": "FUZZ-1", "event_type": "claim_submitted"}
    try:
        claim = decode(ClaimSubmitted, json.dumps(data).encode(), LIMIT)
    except DecodeError:
        return
    scrubber.scrub(claim, DEFAULT_AS_OF, make_encounter())


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
    ("change", "field"),
    [
        ({"claim_id": "x" * 500}, "claim_id"),
        ({"claim_id": None}, "claim_id"),
    ],
)
def test_what_cannot_be_read_as_a_claim_names_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(DecodeError) as info:
        decode(ClaimSubmitted, json.dumps(claim_dict(**change)).encode(), LIMIT)
    assert info.value.reason == "schema_violation" and field in info.value.error


@pytest.mark.parametrize(
    "change",
    [
        {"total_charge": "-5.00"},
        {"diagnoses": ["@@@"]},
        {"place_of_service": "ABC"},
        {"payer": None},
        {"billing_provider_npi": True},
        {"lines": ["93000"], "total_charge": "45.00"},
        {"other_payers": "BLUEPEAK"},
    ],
)
def test_a_claim_with_wrong_values_is_read_and_held(scrubber: Scrubber, change: dict[str, Any]) -> None:
    claim = decode(ClaimSubmitted, json.dumps(claim_dict(**change)).encode(), LIMIT)
    assert scrubber.scrub(claim, DEFAULT_AS_OF, make_encounter()).status == "held"


@pytest.mark.parametrize(
    "change",
    [{"occurred_at": "2026-13-01T00:00:00Z"}, {"event_id": "evt-001"}, {"schema_version": 0}, {"source": ""}],
)
def test_an_unreadable_envelope_field_is_taken_as_absent(scrubber: Scrubber, change: dict[str, Any]) -> None:
    """The envelope is transport, not the claim's values: an unreadable one takes its default (an
    event id derived from the bytes, so a redelivery is still the same event) and the claim is
    scrubbed as sent."""
    payload = json.dumps(claim_dict(**change)).encode()
    claim = decode(ClaimSubmitted, payload, LIMIT)
    assert claim.unreadable == () and claim.event_id == decode(ClaimSubmitted, payload, LIMIT).event_id
    assert scrubber.scrub(claim, DEFAULT_AS_OF, make_encounter()).status == "clean"


def test_ten_thousand_line_claim_is_refused_by_size_or_held() -> None:
    data = claim_dict()
    data["lines"] = [dict(data["lines"][0], line_number=i + 1) for i in range(10_000)]
    payload = json.dumps(data).encode()
    with pytest.raises(DecodeError) as info:
        decode(ClaimSubmitted, payload, LIMIT)
    assert info.value.reason == "too_large"
    claim = decode(ClaimSubmitted, payload, 64 * LIMIT)  # read, then held: an 837P has 50 lines at most
    result = Scrubber.load().scrub(claim, DEFAULT_AS_OF, make_encounter())
    assert result.status == "held" and "CLAIM_TOO_MANY_LINES" in {e.rule_id for e in result.edits}


def test_deeply_nested_json_is_malformed_not_a_crash() -> None:
    payload = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(DecodeError):
        decode(Encounter, payload, 1 << 21)


def test_every_event_model_decodes_its_own_valid_example() -> None:
    assert decode(Encounter, json.dumps(encounter_dict()).encode(), LIMIT).encounter_id == "ENC-0001"
    assert set(EVENT_MODELS) >= {"encounter", "claim_submitted", "claim_status", "denial", "lifecycle"}
