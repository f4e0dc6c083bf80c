from __future__ import annotations

import base64
import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import ClaimStatus, ClaimSubmitted, Encounter, read_claim
from schemas.codec import DecodeError, SourcePosition, dead_letter, decode, encode
from tests.builders import claim_dict, encounter_dict, make_claim

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
        (json.dumps({"patient_key": "x"}).encode(), "schema_violation"),  # no claim id
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
    data["lines"] = [["SECRETNAME"]]
    data["claim_id"] = {"SECRET": "CLAIM"}
    with pytest.raises(DecodeError) as info:
        decode(ClaimSubmitted, json.dumps(data).encode(), 1 << 20)
    assert "lines" in info.value.error and "claim_id" in info.value.error
    assert "SECRET" not in info.value.error


def test_a_claim_with_wrong_values_is_decoded_not_refused() -> None:
    """A 9-digit NPI, a 4-character code, a malformed diagnosis, an empty member id: a coder's
    typos, which the scrubber holds with edits (never dead letters)."""
    data = claim_dict(rendering_provider_npi="155859879", diagnoses=["RO7.9"])
    data["lines"][0]["procedure_code"] = "9300"
    data["patient"]["member_id"] = ""
    claim = decode(ClaimSubmitted, json.dumps(data).encode(), 1 << 20)
    assert type(claim) is ClaimSubmitted and claim.rendering_provider_npi == "155859879"


@pytest.mark.parametrize(
    ("change", "read"),
    [
        (lambda d: d.update(diagnoses="R07.9"), lambda c: list(c.diagnoses) == ["R07.9"]),
        (lambda d: d["lines"][0].update(modifiers="26"), lambda c: list(c.lines[0].modifiers) == ["26"]),
        (
            lambda d: d["lines"][0].update(diagnosis_pointers=1),
            lambda c: list(c.lines[0].diagnosis_pointers) == [1],
        ),
        (lambda d: d.update(lines=d["lines"][0]), lambda c: len(c.lines) == 1),
        (lambda d: d.update(claim_id=12345), lambda c: c.claim_id == "12345"),
        (lambda d: d.update(patient="SECRETNAME"), lambda c: c.patient.member_id == ""),
        (lambda d: d.update(payer=["ACME"]), lambda c: c.payer.payer_id == ""),
    ],
    ids=[
        "one-diagnosis",
        "one-modifier",
        "one-pointer",
        "one-line-object",
        "numeric-claim-id",
        "patient-text",
        "payer-list",
    ],
)
def test_a_readable_claim_with_a_wrong_structure_is_decoded_not_dead_lettered(change, read) -> None:
    """Reference §3: "Only input that cannot be read as a claim at all (not JSON, not an object, no
    claim id) goes to dead letters." A practice system's export with one diagnosis as a string, or a
    claim id as a number, is a claim: decoded, then scrubbed."""
    data = claim_dict()
    change(data)
    claim = decode(ClaimSubmitted, json.dumps(data).encode(), 1 << 20)
    assert read(claim)


def test_a_claim_without_an_event_id_gets_one_from_its_bytes() -> None:
    data = claim_dict()
    del data["event_id"]
    payload = json.dumps(data).encode()
    first, again = decode(ClaimSubmitted, payload, 1 << 20), decode(ClaimSubmitted, payload, 1 << 20)
    assert first.event_id == again.event_id  # a redelivery is recognised
    other = json.dumps({**data, "claim_id": "CLM-0002"}).encode()
    assert decode(ClaimSubmitted, other, 1 << 20).event_id != first.event_id


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
    assert letter.payload() == b"{broken" and not letter.payload_truncated


def test_a_record_dead_lettered_again_after_a_crash_keeps_its_dead_letters_id() -> None:
    """Outputs are idempotent: a record redelivered after a crash (its offset not yet committed)
    is dead-lettered again under the same event id, so a dead-letter queue or replay tool that
    de-duplicates by id shows it once. Another record, or another item of the same record (an
    X12 file's refused claims), is another dead letter."""
    first = dead_letter(b"{broken", POS, "malformed_json", "not valid JSON")
    again = dead_letter(b"{broken", POS, "malformed_json", "not valid JSON")
    assert first.event_id == again.event_id
    elsewhere = SourcePosition(POS.topic, POS.partition, POS.offset + 1, POS.timestamp, POS.key)
    assert dead_letter(b"{broken", elsewhere, "malformed_json", "not valid JSON").event_id != first.event_id
    other_item = dead_letter(b"{broken", POS, "malformed_json", "837P claim 2: not valid JSON")
    assert other_item.event_id != first.event_id


#: Kafka's default limit of a message (broker message.max.bytes 1048588, producer
#: max_request_size 1048576): a dead letter that does not fit cannot be delivered, and the
#: partition it came from stops
KAFKA_DEFAULT_MESSAGE_BYTES = 1_048_576


@pytest.mark.parametrize("size", [700_000, 1_048_576, 5_000_000])
def test_a_large_bad_event_is_kept_whole_in_a_dead_letter_that_fits_a_kafka_message(size: int) -> None:
    """Any event up to CLAIMFLOW_MAX_EVENT_BYTES (1 MiB) — or over it — is dead-lettered in a
    record Kafka accepts; its bytes come back whole (claims and X12 compress well)."""
    row = b'{"claim_id": "C-1", "lines": [{"procedure_code": "93000", "units": 1}], "x": "'
    body = (row * (size // len(row) + 1))[:size]
    letter = dead_letter(body, POS, "too_large", "over CLAIMFLOW_MAX_EVENT_BYTES")
    assert len(encode(letter)) < KAFKA_DEFAULT_MESSAGE_BYTES
    assert letter.payload() == body and letter.payload_size == size and not letter.payload_truncated


def test_an_incompressible_event_too_large_for_a_dead_letter_keeps_its_first_bytes_and_says_so() -> None:
    body = random.Random(7).randbytes(1_048_576)
    letter = dead_letter(body, POS, "malformed_json", "not valid JSON")
    assert len(encode(letter)) < KAFKA_DEFAULT_MESSAGE_BYTES
    kept = letter.payload()
    assert letter.payload_truncated and body.startswith(kept) and len(kept) > 600_000
    assert letter.payload_size == len(body) and "source position" in letter.error


def slow_decode(model: type[ClaimSubmitted], payload: bytes) -> object:
    """What decode() promises, the long way: json.loads, then ``read_claim`` (the strict contract
    where it accepts the claim, else the lenient one, else the claim with its unreadable values
    left out)."""
    try:
        return read_claim(json.loads(payload))
    except Exception as exc:
        return type(exc)


def same_claim(got: ClaimSubmitted, expected: ClaimSubmitted) -> bool:
    """Equal, and equally unreadable. An envelope field left out takes its default: decode() derives
    the event id from the bytes, and the time read differs between two reads."""
    defaults = {name: getattr(expected, name) for name in ("event_id", "occurred_at")}
    defaults = {name: value for name, value in defaults.items() if name not in expected.model_fields_set}
    return got.model_copy(update=defaults) == expected and got.unreadable == expected.unreadable


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
            assert isinstance(got, ClaimSubmitted) and isinstance(expected, ClaimSubmitted)
            assert same_claim(got, expected)


@pytest.mark.parametrize("value", ["A'ZQXCANARY\"B", 'O\'BRIEN "ZQXCANARY"', "ZQXCANARY'", "'ZQXCANARY"])
def test_an_error_never_echoes_a_value_that_holds_quotes_of_both_kinds(value: str) -> None:
    """A validator's message quotes the value it refused (Python's repr: backslash escapes when it
    holds both quote characters). The dead letter's error and the log say the field, not the value."""
    from schemas import Encounter
    from tests.builders import encounter_dict

    raw = json.dumps(encounter_dict(diagnoses=[value])).encode()
    with pytest.raises(DecodeError) as info:
        decode(Encounter, raw, 1 << 20)
    assert "diagnoses" in info.value.error and "ZQXCANARY" not in info.value.error


@pytest.mark.parametrize(
    "key", ["SMITH", "Mary", "XJK000000001", "W123456789", "Smith, J 07/19/1931", "dob_19310719"]
)
def test_an_unknown_key_that_may_be_a_value_is_never_repeated(key: str) -> None:
    """No PHI in logs (guide): a name, a member id or a birth date typed where a key belongs is
    not repeated by the claim's unknown-field edit, nor by the error a dead letter and its log line
    carry for an encounter or a payer's answer."""
    claim = read_claim({**claim_dict(), key: "x"})
    assert claim.unknown_fields == ["(a key that is not a field name)"]
    with pytest.raises(DecodeError) as info:
        decode(Encounter, json.dumps({**encounter_dict(), key: "x"}).encode(), 1 << 20)
    assert key not in info.value.error and "not a field of the contract" in info.value.error
    status = {
        "event_id": "5d1f3c1e-0b7a-4f7e-9a59-1f1f7d1b2c3d",
        "occurred_at": "2026-03-01T00:00:00+00:00",
        "source": "277CA",
        "claim_id": "C-1",
        "category_code": "A2",
        key: "x",
    }
    with pytest.raises(DecodeError) as info:
        decode(ClaimStatus, json.dumps(status).encode(), 1 << 20)
    assert key not in info.value.error


@pytest.mark.parametrize(
    "key", ["diagnosis", "rendering_npi", "patient_kye", "clearinghouse_note", "renderingNpi"]
)
def test_an_unknown_key_shaped_like_a_field_name_is_named_so_the_sender_can_fix_it(key: str) -> None:
    """README: an unknown field is a scrub edit naming the field (a typo a coder fixes): a near miss
    of a contract field, or a field of the sender's own system (snake_case, camelCase)."""
    assert read_claim({**claim_dict(), key: "x"}).unknown_fields == [key]
    with pytest.raises(DecodeError) as info:
        decode(Encounter, json.dumps({**encounter_dict(), key: "x"}).encode(), 1 << 20)
    assert f"{key}: not a field of the contract" in info.value.error


@pytest.mark.parametrize(("timestamp", "kept"), [(1.764e12, None), (0.0, "1970-01-01T00:00:00Z")])
def test_a_dead_letter_keeps_a_record_whose_timestamp_is_no_time(timestamp: float, kept: str | None) -> None:
    """A producer writing microseconds where Kafka's milliseconds belong stamps the year 57870: the
    bad record still becomes its dead letter (the agent must not stop, or the claims fetched with
    it are committed unprocessed); a timestamp of 0 is 1970, not unknown."""
    letter = dead_letter(
        b"{not json", SourcePosition("claims-submitted", 0, 7, timestamp, None), "malformed_json", "x"
    )
    assert letter.source_offset == 7
    shown = letter.source_timestamp.isoformat().replace("+00:00", "Z") if letter.source_timestamp else None
    assert shown == kept
