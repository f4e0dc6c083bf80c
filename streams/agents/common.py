"""What every agent does around the domain call: decode or dead-letter, emit, count, time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from faust.types import EventT, StreamT
from pydantic import ValidationError

from schemas import Envelope
from schemas.codec import (
    DecodeError,
    SourcePosition,
    dead_letter,
    decode,
    describe_validation_error,
    encode,
    record_time,
)
from schemas.outputs import DeadLetterReason
from schemas.topics import Topic
from streams.errors import ExitCode
from streams.runtime.faust_internals import key_partition, set_current_event

if TYPE_CHECKING:
    from streams.runtime.app import ClaimflowApp

M = TypeVar("M", bound=Envelope)
log = logging.getLogger("claimflow.agents")


def position(event: EventT) -> SourcePosition:
    msg = event.message
    key = msg.key if isinstance(msg.key, bytes) else None
    return SourcePosition(msg.topic, msg.partition, msg.offset, msg.timestamp, key)


def logical_topic(app: ClaimflowApp, physical: str) -> Topic:
    """The catalogue name of one of claimflow's own topics (an agent reads nothing else)."""
    return Topic(physical.removeprefix(app.settings.topic_prefix))


async def send_dead_letter(app: ClaimflowApp, event: EventT, reason: DeadLetterReason, error: str) -> None:
    pos = position(event)
    payload = event.message.value if isinstance(event.message.value, bytes) else None
    letter = dead_letter(payload, pos, reason, error)
    try:
        if Topic.DEAD_LETTERS in app.settings.fault_fail_topics:  # fault injection for the tests
            raise ConnectionError("injected delivery failure on dead-letters")
        sent = await app.topic(Topic.DEAD_LETTERS).send(key=pos.topic.encode(), value=encode(letter))
        await sent  # delivered before the event is acknowledged: the letter is the event's kept copy
    except Exception as exc:
        # Acknowledging the event now would commit its offset with no copy kept anywhere, and a
        # crashed agent would stop its partitions while /health still answered; stop instead, so
        # the event is redelivered to a restarted worker.
        _stop_unconfirmed(f"a dead letter from {pos.topic}[{pos.partition}]@{pos.offset}", exc)
    topic = logical_topic(app, pos.topic)
    app.metrics.dead_letters.labels(topic=topic, reason=reason).inc()
    # claim ids and codes only: the payload is in the dead letter, never in the log
    log.warning("dead letter from %s[%d]@%d: %s: %s", topic, pos.partition, pos.offset, reason, error[:300])


async def decode_event(app: ClaimflowApp, event: EventT, model: type[M]) -> M | None:
    """Decode one event into its contract, or dead-letter it and return None."""
    app.metrics.consumed(logical_topic(app, event.message.topic)).inc()
    value = event.value if isinstance(event.value, bytes) else None
    try:
        parsed = decode(model, value, app.settings.max_event_bytes)
    except DecodeError as exc:
        await send_dead_letter(app, event, exc.reason, exc.error)
        return None
    return parsed if "occurred_at" in parsed.model_fields_set else at_bus_time(parsed, event)


#: on a record claimflow re-sends (a parked claim): when the event first reached the bus
BUS_TIME_HEADER = "claimflow-bus-time"


def headers_of(event: EventT) -> list[tuple[str, Any]]:
    """A record's headers as (name, value) pairs (Faust gives a list or a mapping)."""
    headers = event.message.headers
    return list(headers.items() if isinstance(headers, Mapping) else (headers or []))


def bus_time(event: EventT) -> float | None:
    """When the event first reached the bus (seconds): the header a re-sent copy carries, else the
    record's own timestamp."""
    for name, raw in headers_of(event):
        if name == BUS_TIME_HEADER:
            with contextlib.suppress(ValueError, AttributeError):
                return float(raw.decode() if isinstance(raw, bytes) else raw)
    stamp = event.message.timestamp
    return float(stamp) if stamp else None


def bus_time_header(event: EventT) -> list[tuple[str, bytes]]:
    """The header a copy claimflow re-sends (parked, forwarded) carries: when the original reached
    the bus (none when its record says no time)."""
    first = bus_time(event)
    return [(BUS_TIME_HEADER, str(first).encode())] if first is not None else []


def at_bus_time(parsed: M, event: EventT) -> M:
    """An event sent without its time, or with one that could not be read, is dated when it reached
    the bus — the same on every redelivery, so a claim redelivered after midnight is judged on the
    day it was first (never the moment it is read: its timely filing could flip)."""
    at = record_time(bus_time(event))
    if at is None:  # no timestamp a time can hold: the contract's default (when read)
        return parsed
    return parsed.model_copy(update={"occurred_at": at})


async def forwarded(app: ClaimflowApp, event: EventT, key: str | None, outbox: Outbox) -> bool:
    """Whether ``event`` is on another partition than its contract key's (``key``: the patient key
    or claim id it carries) and was forwarded there: its bytes and headers, keyed by ``key``, with
    a header saying when the original reached the bus (``BUS_TIME_HEADER``).

    A patient's history and encounters, and a claim's entry, live on the key's partition (Kafka's
    default partitioner, murmur2, which claimflow's own producers use). A producer that sends no
    key, another key, or uses another partitioner (librdkafka's default is CRC32) puts an event
    elsewhere; read there, it would find the key's state but write it to another partition, and
    the next event on the right one would read the state as it was before (a duplicate let
    through, an answer undone). Forwarded, it is read once, where its key's state is. The copy
    keeps the event id, so a crash between the forward and the commit forwards it again and the
    duplicate is recognised by it."""
    msg = event.message
    if not key:
        return False
    encoded = key.encode()
    target = key_partition(app.faust, msg.topic, encoded, app.settings.partitions)
    if msg.partition == target:
        return False
    headers = [(name, raw) for name, raw in headers_of(event) if name != BUS_TIME_HEADER]
    headers += bus_time_header(event)  # dated as it first reached the bus
    topic = logical_topic(app, msg.topic)
    await outbox.send(topic, encoded, msg.value or b"", headers, partition=target)
    app.metrics.events_forwarded.labels(topic=topic).inc()
    return True


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
        processing, last_progress = app.metrics.agent_series(agent)
        processing.observe(time.perf_counter() - started)
        last_progress.set(time.time())
        app.health.touch(agent)


class Outbox:
    """The outputs of one batch: handed to the producer without waiting, and confirmed delivered
    before the batch's input events are acknowledged (so no offset is committed past an output
    that was never written)."""

    def __init__(self, app: ClaimflowApp):
        self.app = app
        self.futures: list[Awaitable[Any]] = []

    async def send(
        self,
        logical: Topic,
        key: bytes | None,
        value: bytes,
        headers: list[tuple[str, bytes]] | None = None,
        partition: int | None = None,
    ) -> None:
        if logical in self.app.settings.fault_fail_topics:  # fault injection for the tests
            failed: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            failed.set_exception(ConnectionError(f"injected delivery failure on {logical}"))
            self.futures.append(failed)
            return
        topic = self.app.topic(logical).get_topic_name()
        future = await self.app.faust.producer.send(topic, key, value, partition, None, headers)
        self.futures.append(future)

    async def confirm(self) -> None:
        if not self.futures:
            return
        futures, self.futures = self.futures, []
        results = await asyncio.gather(*futures, return_exceptions=True)
        failed = [r for r in results if isinstance(r, BaseException)]
        if failed:
            # The producer already retried. Acknowledging the batch now would commit offsets past
            # outputs that were never written; stop the process instead so the batch is redelivered.
            _stop_unconfirmed(f"{len(failed)} of {len(results)} outputs", failed[0])


def _stop_unconfirmed(what: str, error: BaseException) -> None:
    """Exit at once (status 70) without committing: ``what`` could not be delivered."""
    log.critical("%s could not be delivered (%s); exiting without committing", what, type(error).__name__)
    logging.shutdown()
    os._exit(ExitCode.OUTPUT_UNCONFIRMED)


#: work an event's handler puts off to the end of its batch (returned by the handler)
Deferred = Callable[[Outbox], Awaitable[None]]


async def batched(
    app: ClaimflowApp,
    agent: str,
    stream: StreamT[Any],
    handle: Callable[[EventT, Outbox], Awaitable[Deferred | None]],
    before_later: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Process a stream in batches (``stream.take_events``): each event in its own table context,
    outputs gathered, delivery confirmed, then the whole batch is acknowledged by Faust.

    ``handle`` may put off an event's work to the end of its batch by returning it (a callable
    taking the outbox); ``before_later`` is awaited once before that work runs (the scrub agent gives
    the encounters of put-off claims a moment to arrive there). Put-off work runs in its event's
    table context, guarded like the rest, before the batch is confirmed and acknowledged.
    """
    settings = app.settings
    take_events = stream.take_events  # type: ignore[attr-defined]  # on Faust's Stream, not in StreamT
    async for events in take_events(settings.batch_size, within=settings.batch_seconds):
        outbox = Outbox(app)
        later: list[tuple[EventT, Deferred]] = []
        for event in events:
            set_current_event(event)  # table writes go to this event's changelog partition

            async def body(
                event: EventT = event, outbox: Outbox = outbox, later: list[tuple[EventT, Deferred]] = later
            ) -> None:
                work = await handle(event, outbox)
                if work is not None:
                    later.append((event, work))

            await guarded(app, agent, event, body)
        if later:
            if before_later is not None:
                await before_later()
            for event, work in later:
                set_current_event(event)

                async def deferred(work: Deferred = work, outbox: Outbox = outbox) -> None:
                    await work(outbox)

                await guarded(app, agent, event, deferred)
        await outbox.confirm()
