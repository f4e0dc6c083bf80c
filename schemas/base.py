"""The envelope every claimflow event carries."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field


def utcnow() -> datetime:
    return datetime.now(UTC)


class Contract(BaseModel):
    """Base for every model in a contract: unknown fields are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


C = TypeVar("C", bound=BaseModel)


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_OFFSET = re.compile(r"[T ].*(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$")


def _assume_utc(value: object) -> object:
    """A timestamp written without its offset (``2026-03-01T12:00:00``, as many practice systems
    export) is read as UTC rather than refused; a date alone (``2026-03-01``) as that day's
    midnight in UTC."""
    if isinstance(value, str):
        text = value.strip()
        if _DATE_ONLY.match(text):  # a day without a time: that day, from its midnight in UTC
            return datetime.fromisoformat(text).replace(tzinfo=UTC)
        if _OFFSET.search(text):
            return value  # the common case: an offset is written (±HH:MM or Z)
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return value  # refused by the type, with its own message
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else value
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


#: an event's time: with its offset, or UTC when written without one
EventTime = Annotated[AwareDatetime, BeforeValidator(_assume_utc)]


class Envelope(Contract):
    """Fields shared by every event on the bus.

    ``event_id`` is the idempotency key: a redelivered event keeps it, so the worker applies and
    counts it once. ``event_type`` is fixed per model (a ``Literal`` in each subclass);
    ``schema_version`` is bumped on a breaking change of the event's body.
    """

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    event_type: str
    schema_version: int = Field(default=1, ge=1)
    occurred_at: EventTime = Field(default_factory=utcnow)
    source: str = Field(default="claimflow", min_length=1, max_length=64)


_FIELDS: dict[type[BaseModel], frozenset[str]] = {}


def trusted(cls: type[C], values: dict[str, Any]) -> C:
    """Build a model from values already known to be valid, with *every* field given.

    For hot paths that assemble a result from validated parts (the scrub engine): it skips
    validation and default handling, which ``model_construct`` still pays for. Anything built this
    way must round-trip through ``model_validate`` unchanged (tests check that).
    """
    fields = _FIELDS.get(cls)
    if fields is None:
        fields = _FIELDS[cls] = frozenset(cls.model_fields)
    if len(values) != len(fields) or not values.keys() >= fields:
        missing = sorted(fields - values.keys())
        extra = sorted(values.keys() - fields)
        raise TypeError(
            f"{cls.__name__}: trusted() needs every field and no other; missing {missing}, unknown {extra}"
        )
    obj = cls.__new__(cls)
    object.__setattr__(obj, "__dict__", values)
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj
