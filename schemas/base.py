"""The envelope every claimflow event carries."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


def utcnow() -> datetime:
    return datetime.now(UTC)


class Contract(BaseModel):
    """Base for every model in a contract: unknown fields are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Envelope(Contract):
    """Fields shared by every event on the bus.

    ``event_id`` is the idempotency key: a redelivered event keeps it, so the worker applies and
    counts it once. ``event_type`` is fixed per model (a ``Literal`` in each subclass);
    ``schema_version`` is bumped on a breaking change of the event's body.
    """

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    event_type: str
    schema_version: int = Field(default=1, ge=1)
    occurred_at: AwareDatetime = Field(default_factory=utcnow)
    source: str = Field(default="claimflow", min_length=1, max_length=64)
