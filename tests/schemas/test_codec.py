from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import ClaimSubmitted
from schemas.codec import DecodeError, SourcePosition, dead_letter, decode, encode
from tests.builders import claim_dict, make_claim

POS = SourcePosition("claims-submitted", 2, 41, 1772366400.0, b"pk-1")


def test_valid_claim_decodes_and_encodes_back() -> None:
    claim = make_claim()
    assert decode(ClaimSubmitted, encode(claim), 1 << 20) == claim


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"{not json", "malformed_json"),
        (b"\xff\xfe\x00", "malformed_json"),
        (None, "malformed_json"),
        (b"[1, 2]", "schema_violation"),
        (json.dumps({"claim_id": "x"}).encode(), "schema_violation"),
        (json.dumps(claim_dict(event_type="denial")).encode(), "unknown_event"),
    ],
)
def test_bad_payloads_raise_with_a_dead_letter_reason(payload: bytes | None, reason: str) -> None:
    with pytest.raises(DecodeError) as info:
        decode(ClaimSubmitted, payload, 1 << 20)
    assert info.value.reason == reason


def test_oversized_event_is_refused_before_parsing() -> None:
    with pytest.raises(DecodeError, match="exceeds CLAIMFLOW_MAX_EVENT_BYTES=2048") as info:
        decode(ClaimSubmitted, b"x" * 5000, 2048)
    assert info.value.reason == "too_large"


def test_schema_error_names_fields_but_not_patient_values() -> None:
    data = claim_dict()
    data["patient"]["birth_date"] = "not-a-date SECRETNAME"
    data["billing_provider_npi"] = "SECRET-NPI"
    with pytest.raises(DecodeError) as info:
        decode(ClaimSubmitted, json.dumps(data).encode(), 1 << 20)
    assert "patient.birth_date" in info.value.error and "billing_provider_npi" in info.value.error
    assert "SECRET" not in info.value.error


def test_dead_letter_keeps_the_original_bytes_and_position() -> None:
    letter = dead_letter(b"{broken", POS, "malformed_json", "not valid JSON")
    assert base64.b64decode(letter.payload_b64) == b"{broken"
    assert (letter.source_topic, letter.source_partition, letter.source_offset) == (
        "claims-submitted",
        2,
        41,
    )
    assert base64.b64decode(letter.key_b64 or "") == b"pk-1"
    assert letter.payload_size == 7 and letter.source_timestamp is not None


def slow_decode(model: type[ClaimSubmitted], payload: bytes) -> object:
    """What decode() did before its one-pass fast path: json.loads, then model_validate."""
    try:
        return model.model_validate(json.loads(payload))
    except Exception as exc:
        return type(exc)


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    field=st.sampled_from(
        ["claim_id", "total_charge", "occurred_at", "diagnoses", "lines", "payer", "event_id"]
    ),
    value=st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=False),
        st.text(max_size=12),
        st.lists(st.text(max_size=6), max_size=3),
        st.sampled_from(["2026-02-30", "45.001", "-1.00", "R07.9", "r079", " 93000 ", "1e3"]),
    ),
)
def test_the_fast_decode_path_accepts_and_refuses_exactly_what_the_careful_path_does(
    seed: int, field: str, value: object
) -> None:
    from streams.dev.sim.generator import generate

    claim = generate(1, seed=seed)[0].claim
    for payload in (json.dumps(claim).encode(), json.dumps({**claim, field: value}).encode()):
        expected = slow_decode(ClaimSubmitted, payload)
        try:
            got: object = decode(ClaimSubmitted, payload, 1 << 20)
        except DecodeError:
            got = "refused"
        if isinstance(expected, type):  # the careful path refused it
            assert got == "refused"
        else:
            assert got == expected
