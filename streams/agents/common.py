"""What every agent does around the domain call: decode or dead-letter, emit, count, time."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from faust.types import EventT
from pydantic import ValidationError

from schemas import Envelope
from schemas.outputs import DeadLetterReason
from streams.codec import DecodeError, SourcePosition, dead_letter, decode, describe_validation_error, encode

if TYPE_CHECKING:
    from streams.app import ClaimflowApp

M = TypeVar("M", bound=Envelope)
log = logging.getLogger("claimflow.agents")


def position(event: EventT) -> SourcePosition:
    msg = event.message
    key = msg.key if isinstance(msg.key, bytes) else None
    return SourcePosition(msg.topic, msg.partition, msg.offset, msg.timestamp, key)


def logical_topic(app: ClaimflowApp, physical: str) -> str:
    return physical.removeprefix(app.settings.topic_prefix)


async def send_dead_letter(app: ClaimflowApp, event: EventT, reason: DeadLetterReason, error: str) -> None:
    pos = position(event)
    payload = event.message.value if isinstance(event.message.value, bytes) else None
    letter = dead_letter(payload, pos, reason, error)
    await app.topic("dead-letters").send(key=pos.topic.encode(), value=encode(letter))
    topic = logical_topic(app, pos.topic)
    app.metrics.dead_letters.labels(topic=topic, reason=reason).inc()
    # claim ids and codes only: the payload is in the dead letter, never in the log
    log.warning("dead letter from %s[%d]@%d: %s: %s", topic, pos.partition, pos.offset, reason, error[:300])


async def decode_event(app: ClaimflowApp, event: EventT, model: type[M]) -> M | None:
    """Decode one event into its contract, or dead-letter it and return None."""
    app.metrics.events_consumed.labels(topic=logical_topic(app, event.message.topic)).inc()
    value = event.value if isinstance(event.value, bytes) else None
    try:
        return decode(model, value, app.settings.max_event_bytes)
    except DecodeError as exc:
        await send_dead_letter(app, event, exc.reason, exc.error)
        return None


async def guarded(app: ClaimflowApp, agent: str, event: EventT, body: Callable[[], Awaitable[None]]) -> None:
    """Run one event's processing; a failure becomes a dead letter instead of a dead agent."""
    started = time.perf_counter()
    try:
        await body()
    except ValidationError as exc:
        await send_dead_letter(app, event, "processing_error", f"{agent}: {describe_validation_error(exc)}")
    except Exception as exc:  # the partition must keep moving; the event is kept for replay
        log.exception(
            "%s failed on %s[%d]@%d",
            agent,
            event.message.topic,
            event.message.partition,
            event.message.offset,
        )
        await send_dead_letter(
            app, event, "processing_error", f"{agent}: {type(exc).__name__}: {str(exc)[:200]}"
        )
    finally:
        app.metrics.processing.labels(agent=agent).observe(time.perf_counter() - started)
        app.metrics.last_progress.labels(agent=agent).set(time.time())
        app.health.touch(agent)
