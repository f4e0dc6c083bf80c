"""Derived event ids: an output's id follows from the input that caused it, so a redelivered
input yields outputs with the same ids (idempotent effects downstream)."""

from __future__ import annotations

import uuid

_KIND_MASKS: dict[str, int] = {}
_new_uuid = uuid.UUID.__new__
_set_slot = object.__setattr__
_SAFE_UNKNOWN = uuid.SafeUUID.unknown


def derived_event_id(cause: uuid.UUID, kind: str) -> uuid.UUID:
    """Deterministic id of an output caused by an input: a redelivered input yields the same id.

    The cause's 128 bits XOR a per-kind constant: distinct kinds of output of one input get
    distinct ids, and it costs a dict lookup instead of a SHA-1 per event. The UUID is filled in
    directly (``UUID(int=...)`` re-checks its arguments: half the cost; a test pins equality).
    """
    mask = _KIND_MASKS.get(kind)
    if mask is None:
        mask = _KIND_MASKS[kind] = uuid.uuid5(uuid.NAMESPACE_URL, f"claimflow:{kind}").int
    out = _new_uuid(uuid.UUID)
    _set_slot(out, "int", cause.int ^ mask)
    _set_slot(out, "is_safe", _SAFE_UNKNOWN)
    return out


def derived_from_text(cause: str, kind: str) -> uuid.UUID:
    """``derived_event_id`` of an id given as text (a UUID's 32 hex digits, dashes allowed)."""
    mask = _KIND_MASKS.get(kind)
    if mask is None:
        mask = _KIND_MASKS[kind] = uuid.uuid5(uuid.NAMESPACE_URL, f"claimflow:{kind}").int
    out = _new_uuid(uuid.UUID)
    _set_slot(out, "int", int(cause.replace("-", ""), 16) ^ mask)
    _set_slot(out, "is_safe", _SAFE_UNKNOWN)
    return out
