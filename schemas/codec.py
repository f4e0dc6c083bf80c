"""Bytes ⇄ contracts, and dead-letter envelopes for what cannot be decoded.

Errors are described without echoing input values (pydantic's messages can quote the input,
which may be PHI): a dead letter's ``error`` names the field and the problem only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, TypeVar

from pydantic import ValidationError

from schemas import ClaimSubmitted, DeadLetter, Envelope, ValidClaim
from schemas.claim import salvage
from schemas.errors import describe_validation_error
from schemas.outputs import DeadLetterReason

M = TypeVar("M", bound=Envelope)


#: Contracts read strict-first: the strict subclass when every value is well-formed (the common
#: case, one pass), else the lenient model, whose wrong values the domain reports (a claim with a
#: typo is held with an edit, never dead-lettered).
STRICT_FIRST: dict[type[Envelope], type[Envelope]] = {ClaimSubmitted: ValidClaim}

_PAYLOAD_IDS = uuid.UUID("6f1c1f0e-5d0a-4c57-9a53-5d1b8a4c2f10")


@dataclass(frozen=True)
class SourcePosition:
    topic: str
    partition: int
    offset: int
    timestamp: float | None = None
    key: bytes | None = None


def record_time(seconds: float | None) -> datetime | None:
    """A Kafka record's timestamp (seconds since the epoch) as a time, or None when it names no
    time a datetime holds: a producer writing microseconds where milliseconds belong stamps the
    year 58886, and that record must still reach its dead letter (never stop the agent)."""
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (ValueError, OverflowError, OSError):
        return None


class DecodeError(Exception):
    def __init__(self, reason: DeadLetterReason, error: str):
        super().__init__(error)
        self.reason: DeadLetterReason = reason
        self.error = error


def decode(model: type[M], payload: bytes | None, max_bytes: int) -> M:
    """Parse and validate one event; raise DecodeError with a dead-letter reason on failure."""
    if payload is None:
        raise DecodeError("malformed_json", "empty message (tombstone or null value)")
    if len(payload) > max_bytes:
        raise DecodeError(
            "too_large",
            f"event of {len(payload)} bytes exceeds CLAIMFLOW_MAX_EVENT_BYTES={max_bytes}",
        )
    try:
        # the common case in one pass: pydantic-core parses and validates the bytes (about half
        # the cost of json.loads + model_validate); anything it refuses takes the path below,
        # which names the problem precisely
        return _with_stable_id(STRICT_FIRST.get(model, model).model_validate_json(payload), payload)  # type: ignore[return-value]
    except (ValidationError, ValueError, TypeError, RecursionError):
        pass
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" at byte {exc.pos}" if isinstance(exc, json.JSONDecodeError) else ""
        kind = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
        raise DecodeError("malformed_json", f"not valid JSON{where}: {kind}") from None
    except RecursionError:
        raise DecodeError("malformed_json", "JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise DecodeError("schema_violation", f"expected a JSON object, got {type(data).__name__}")
    expected = model.model_fields["event_type"].default
    if "event_type" in data and data["event_type"] != expected:
        raise DecodeError("unknown_event", f"event_type must be {expected!r} on this topic")
    try:
        # a claim's wrong values are scrub edits, not a dead letter: it is read by ``salvage``
        event = salvage(data) if model is ClaimSubmitted else model.model_validate(data)
        return _with_stable_id(event, payload)  # type: ignore[return-value]
    except ValidationError as exc:
        raise DecodeError("schema_violation", describe_validation_error(exc)) from None
    except (ValueError, TypeError, RecursionError) as exc:
        raise DecodeError("schema_violation", type(exc).__name__) from None


def _with_stable_id(event: M, payload: bytes) -> M:
    """An event sent without an ``event_id`` gets one derived from its bytes (not a random one), so
    a redelivery of the same bytes is still recognised as the same event."""
    if "event_id" in event.model_fields_set:
        return event
    stable = uuid.uuid5(_PAYLOAD_IDS, hashlib.sha256(payload).hexdigest())
    return event.model_copy(update={"event_id": stable})


def encode(event: Envelope) -> bytes:
    return event.model_dump_json().encode()


def encode_spliced(event: Envelope, **embedded: bytes) -> bytes:
    """``encode(event)`` where the named fields are already JSON (a claim encoded once for two
    outputs): the rest of the event is dumped and those fields spliced in. The event must be
    built with the embedded fields left at their defaults (they are excluded from its dump)."""
    head = event.model_dump_json(exclude=set(embedded)).encode()
    return b"".join(
        (head[:-1], *(b',"%s":%s' % (name.encode(), raw) for name, raw in embedded.items()), b"}")
    )


#: the most base64 text a dead letter carries: with its envelope (an error of at most 2,000
#: characters, the key, the position) it stays under Kafka's default message limit of 1 MB
#: (broker ``message.max.bytes``, producer ``max_request_size``), so the letter itself can always
#: be delivered — an undeliverable dead letter would stop its partition
DEAD_LETTER_PAYLOAD_B64 = 900_000


def _b64_length(n: int) -> int:
    return (n + 2) // 3 * 4


def _kept(body: bytes) -> tuple[bytes, Literal["raw", "zlib"], bool]:
    """What a dead letter keeps of ``body``: the bytes, compressed when they would not fit
    (claims and X12 compress several times), or the first bytes when even that does not fit."""
    if _b64_length(len(body)) <= DEAD_LETTER_PAYLOAD_B64:
        return body, "raw", False
    packed = zlib.compress(body, 6)
    if _b64_length(len(packed)) <= DEAD_LETTER_PAYLOAD_B64:
        return packed, "zlib", False
    return body[: DEAD_LETTER_PAYLOAD_B64 // 4 * 3], "raw", True


def dead_letter(
    payload: bytes | None, pos: SourcePosition, reason: DeadLetterReason, error: str
) -> DeadLetter:
    body = payload or b""
    kept, encoding, truncated = _kept(body)
    if truncated:
        error = (
            f"{error[:1500]} (the event, {len(body)} bytes, does not fit a dead letter even compressed: "
            f"its first {len(kept)} bytes are kept; the whole event is at its source position while "
            "the topic keeps it)"
        )
    # the id follows from the record and what was wrong with it: a record redelivered after a
    # crash (its offset not yet committed) is dead-lettered again under the same id
    cause = f"{pos.topic}\x1f{pos.partition}\x1f{pos.offset}\x1f{reason}\x1f{error}\x1f"
    event_id = uuid.uuid5(
        uuid.NAMESPACE_URL, "claimflow:dead-letter:" + cause + hashlib.sha1(body).hexdigest()
    )
    return DeadLetter(
        event_id=event_id,
        source="claimflow",
        reason=reason,
        error=error[:2000],
        source_topic=pos.topic,
        source_partition=pos.partition,
        source_offset=pos.offset,
        source_timestamp=record_time(pos.timestamp),
        key_b64=base64.b64encode(pos.key).decode() if pos.key is not None else None,
        payload_b64=base64.b64encode(kept).decode(),
        payload_size=len(body),
        payload_encoding=encoding,
        payload_truncated=truncated,
    )
