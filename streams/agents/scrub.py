"""Scrub agent (``claims-submitted``, ``claims-waiting``): join, scrub, emit; and the patient
history's corrections (``claims-unfiled``: lines a 277CA rejected were never billed).

A claim whose encounter has not arrived waits at the end of its batch, once per batch, for up to
``CLAIMFLOW_JOIN_WAIT_SECONDS`` (the encounter is usually a moment behind on its own topic); if it
is still missing the claim is parked on ``claims-waiting`` (the patient's key and partition) and scrubbed
as soon as the encounter shows up, or without it once the grace period
(``CLAIMFLOW_ENCOUNTER_GRACE_SECONDS``) ends; the documentation edits then say it is missing.
Parking never blocks ``claims-submitted``: every claim waits the same grace, so the parked queue
is in deadline order and its head is the next one due.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING, Any

from faust.types import TP, EventT, StreamT

from schemas import (
    ClaimHeld,
    ClaimReady,
    ClaimSubmitted,
    ClaimUnfiled,
    Encounter,
    ScrubResult,
    ValidClaim,
    as_valid,
)
from schemas.codec import encode, encode_spliced
from schemas.ids import derived_event_id
from schemas.topics import Topic, topic_name
from streams.agents.catalogue import Agent, Table
from streams.agents.common import (
    Deferred,
    Outbox,
    batched,
    bus_time_header,
    decode_event,
    forwarded,
    guarded,
    logical_topic,
)
from streams.agents.encounters import lookup, lookup_any, lookup_raw, lookup_version
from streams.agents.trends import rate_lookup
from streams.lifecycle.events import step_for
from streams.runtime.faust_internals import set_current_event
from streams.scrub import PatientHistory, scrub_in_turn

if TYPE_CHECKING:
    from streams.runtime.app import ClaimflowApp

DEADLINE_HEADER = "claimflow-deadline"


def register(app: ClaimflowApp) -> None:
    history = app.table(Table.PATIENT_HISTORY)
    metrics = app.metrics
    grace = app.settings.encounter_grace_seconds
    join_wait = min(app.settings.join_wait_seconds, grace)
    learned = rate_lookup(app)  # the denial trends' learned rates (broadcast topic), read per line

    async def scrub_and_emit(
        claim: ClaimSubmitted, encounter: Encounter | None, outbox: Outbox
    ) -> ScrubResult:
        stored = history.get(claim.patient_key) if claim.patient_key else None
        encounter_id = claim.encounter_id
        turn = scrub_in_turn(
            app.scrubber,
            claim,
            stored,
            encounter,
            app.settings.history_per_patient,
            learned=learned,
            encounter_version=(
                (
                    lambda event_id, whose: lookup_version(
                        app, whose or claim.patient_key, encounter_id, event_id
                    )
                )
                if encounter_id
                else None
            ),
        )
        result, redelivered = turn.result, turn.redelivered
        if turn.stored is not None:
            history[claim.patient_key] = turn.stored
        key = claim.claim_id.encode()
        for topic, value in scrub_outputs(claim, result, encounter, turn.valid):
            await outbox.send(topic, key, value)
        if not redelivered:  # counted once per claim event, even when redelivered after a crash
            metrics.claims_scrubbed.labels(
                payer=metrics.payer(claim.payer.payer_id),
                plan_type=result.plan_type or "unknown",
                result=result.status,
            ).inc()
            for edit in result.edits:
                metrics.scrub_edits.labels(
                    category=edit.category, rule=edit.rule_id, severity=edit.severity
                ).inc()
        else:
            metrics.duplicates.labels(topic=Topic.CLAIMS_SUBMITTED).inc()
        return result

    async def park(event: EventT, claim: ClaimSubmitted, outbox: Outbox) -> None:
        deadline = time.time() + grace
        await outbox.send(
            Topic.CLAIMS_WAITING,
            claim.patient_key.encode() if claim.patient_key else event.message.key,
            event.message.value or b"",
            [(DEADLINE_HEADER, str(deadline).encode()), *bus_time_header(event)],
        )
        step = step_for(claim, "received")
        await outbox.send(Topic.CLAIM_LIFECYCLE, claim.claim_id.encode(), encode(step))
        metrics.claims_waiting.inc()
        metrics.claims_parked.inc()

    async def unfile(event: EventT) -> None:
        """Take a 277CA rejection's lines out of the patient's history (their rows only)."""
        unfiled = await decode_event(app, event, ClaimUnfiled)
        if unfiled is None:
            return
        past = PatientHistory.decode(history.get(unfiled.patient_key))
        after = past.without(unfiled)
        if after is not past:
            history[unfiled.patient_key] = after.encode()
            metrics.history_lines_unfiled.inc(len(past.rows) - len(after.rows))

    @app.faust.agent(app.inputs(Agent.SCRUB), name=Agent.SCRUB.faust_name)
    async def scrub(stream: StreamT[Any]) -> None:
        # the put-off claims of this batch: each one's event (whose partition its encounter is
        # stored in), its patient and the encounter id it waits for
        missing: list[tuple[EventT, str | None, str]] = []

        async def handle(event: EventT, outbox: Outbox) -> Deferred | None:
            if logical_topic(app, event.message.topic) is Topic.CLAIMS_UNFILED:
                await unfile(event)
                return None
            claim = await decode_event(app, event, ClaimSubmitted)
            if claim is None or await forwarded(app, event, claim.patient_key, outbox):
                return None
            encounter = lookup(app, claim.patient_key, claim.encounter_id)
            if not (claim.encounter_id and encounter is None and grace > 0):
                # no grace to wait: another patient's encounter of that id is a mistyped one
                await scrub_and_emit(claim, encounter or lookup_any(app, claim.encounter_id), outbox)
                return None
            if join_wait <= 0:
                await park(event, claim, outbox)
                return None
            # The encounter is usually a moment behind on its own topic (always so when both
            # topics have a backlog): look again at the end of the batch before parking the claim.
            missing.append((event, claim.patient_key, claim.encounter_id))

            async def again(outbox: Outbox, claim: ClaimSubmitted = claim) -> None:
                found = lookup(app, claim.patient_key, claim.encounter_id)
                if found is None:
                    await park(event, claim, outbox)
                else:
                    metrics.encounter_late_joins.inc()
                    await scrub_and_emit(claim, found, outbox)

            return again

        async def give_encounters_a_moment() -> None:
            ids, missing[:] = list(missing), []
            await wait_for_encounters(app, ids, join_wait)

        await batched(app, Agent.SCRUB, stream, handle, give_encounters_a_moment)

    @app.faust.agent(
        app.inputs(Agent.SCRUB_WAITING),
        name=Agent.SCRUB_WAITING.faust_name,
        concurrency=app.settings.waiting_concurrency,
    )
    async def waiting(stream: StreamT[Any]) -> None:
        # Several actors share the parked queue, so a claim whose encounter never comes holds one
        # actor for the grace period, not the queue. Faust commits only up to the lowest unacked
        # offset, so a parked claim is never committed before it is scrubbed.
        async for event in stream.events():

            async def body(event: EventT = event) -> None:
                claim = await decode_event(app, event, ClaimSubmitted)
                if claim is None:
                    return
                headers = dict(event.headers or {})
                raw = headers.get(DEADLINE_HEADER)
                deadline = float(raw.decode() if isinstance(raw, bytes) else raw) if raw else time.time()
                encounter = await wait_for_encounter(app, claim.patient_key, claim.encounter_id, deadline)
                if encounter is None and claim.encounter_id:
                    # on the bus in time but not applied here yet? (the worker that parked the
                    # claim died and this one is still reading the partition's encounters)
                    encounter = await catch_up(app, event.message.partition, claim)
                if encounter is None:
                    metrics.encounter_timeouts.inc()
                    # its own never came: another patient's encounter of that id is a mistyped id
                    encounter = lookup_any(app, claim.encounter_id)
                metrics.claims_waiting.dec()
                outbox = Outbox(app)
                await scrub_and_emit(claim, encounter, outbox)
                await outbox.confirm()

            await guarded(app, Agent.SCRUB_WAITING, event, body)


async def wait_for_encounters(
    app: ClaimflowApp, wanted: list[tuple[EventT, str | None, str]], seconds: float
) -> None:
    """Wait until every encounter of ``wanted`` (the claim event waiting, its encounter id) is
    stored, or ``seconds`` pass. Each is looked up in its claim event's context: a store that
    reads only the current event's partition (RocksDB) finds it there."""
    waiters: dict[str, asyncio.Event] = {}
    for event, patient_key, eid in wanted:
        set_current_event(event)
        if lookup_raw(app, patient_key, eid) is None:
            waiters[eid] = app.encounter_waiters.setdefault(eid, asyncio.Event())
    if not waiters:
        return
    tasks = [asyncio.ensure_future(w.wait()) for w in waiters.values()]
    try:
        await asyncio.wait(tasks, timeout=seconds)
    finally:
        for task in tasks:
            task.cancel()
        for eid, waiter in waiters.items():
            forget_waiter(app, eid, waiter)


def forget_waiter(app: ClaimflowApp, encounter_id: str, waiter: asyncio.Event) -> None:
    """Drop a waiter left unset (its encounter did not come in time), so the map of waiters does
    not grow with encounters that never come; a coroutine still waiting on it re-checks the table
    within its own bound (1 s or the join wait)."""
    if not waiter.is_set() and app.encounter_waiters.get(encounter_id) is waiter:
        del app.encounter_waiters[encounter_id]


async def wait_for_encounter(
    app: ClaimflowApp, patient_key: str | None, encounter_id: str | None, deadline: float
) -> Encounter | None:
    """The encounter, as soon as the encounter agent stores it, or None once ``deadline`` passes."""
    encounter = lookup(app, patient_key, encounter_id)
    waiter = None
    while encounter is None and encounter_id and (remaining := deadline - time.time()) > 0:
        waiter = app.encounter_waiters.setdefault(encounter_id, asyncio.Event())
        with contextlib.suppress(TimeoutError):
            # woken by the encounter agent; the 1 s cap re-checks after a rebalance moved tables
            await asyncio.wait_for(waiter.wait(), timeout=min(remaining, 1.0))
        encounter = lookup(app, patient_key, encounter_id)
    if encounter is None and encounter_id and waiter is not None:
        forget_waiter(app, encounter_id, waiter)
    return encounter


#: how long a parked claim whose encounter is missing at its deadline waits, at most, for the
#: encounters already on the bus to be applied (a takeover's backlog takes seconds to read)
CATCH_UP_SECONDS = 10.0


async def catch_up(app: ClaimflowApp, partition: int, claim: ClaimSubmitted) -> Encounter | None:
    """The parked claim's encounter, once the encounter agent has applied every encounter that was
    on this partition when the claim's wait ended (the claim and its encounter are keyed alike,
    so ``claims-waiting`` and ``encounters`` share partitions), or None when those are applied
    without it, or after ``CATCH_UP_SECONDS``. Offsets, not record times: a producer's clock may
    be anything."""
    end = encounters_end(app, partition)
    until = time.time() + min(CATCH_UP_SECONDS, app.settings.encounter_grace_seconds)
    encounter = None
    while encounter is None and time.time() < until:
        if caught_up(app.encounter_progress, partition, end):
            break
        encounter = await wait_for_encounter(
            app, claim.patient_key, claim.encounter_id, min(until, time.time() + 1.0)
        )
        if end is None:
            end = encounters_end(app, partition)
    return encounter or lookup(app, claim.patient_key, claim.encounter_id)


def encounters_end(app: ClaimflowApp, partition: int) -> int | None:
    """The end offset (highwater) of the worker's ``encounters`` partition as its consumer last
    heard it, or None when not known (not assigned here, nothing fetched yet)."""
    tp = TP(topic_name(Topic.ENCOUNTERS, app.settings.topic_prefix), partition)
    try:
        high = app.faust.consumer.highwater(tp)
    except Exception:  # not assigned here, or the consumer not started
        return None
    return int(high) if high is not None and high >= 0 else None


def caught_up(progress: dict[int, int], partition: int, end: int | None) -> bool:
    """Whether the encounters of ``partition`` are applied up to offset ``end`` (exclusive)."""
    if end is None:
        return False
    return progress.get(partition, -1) + 1 >= end


def scrub_outputs(
    claim: ClaimSubmitted, result: ScrubResult, encounter: Encounter | None, valid: ValidClaim | None = None
) -> list[tuple[Topic, bytes]]:
    """What a scrub result puts on the bus: the result, the claim ready or held, and the claim's
    lifecycle step. A ready claim travels twice (``claims-ready``, and with its encounter on the
    ``ready`` step for the tracker's corrections): it is encoded once and spliced into both.
    ``valid``: the clean claim as the scrubber built it (``ScrubTurn.valid``; built here if not given)."""
    outputs = [(Topic.CLAIMS_SCRUBBED, encode(result))]
    if result.status != "clean":
        held = ClaimHeld(
            event_id=derived_event_id(claim.event_id, "claim_held"),
            occurred_at=claim.occurred_at,
            claim=claim,
            edits=list(result.edits),
        )
        step = step_for(claim, "held", edit_count=len(result.edits))
        return [*outputs, (Topic.CLAIMS_HELD, encode(held)), (Topic.CLAIM_LIFECYCLE, encode(step))]
    if valid is None:
        valid = as_valid(claim)
    claim_json = valid.model_dump_json().encode()
    ready = ClaimReady.model_construct(  # parts already valid; the claim is spliced in
        event_id=derived_event_id(claim.event_id, "claim_ready"),
        occurred_at=claim.occurred_at,
        claim=valid,
        warnings=list(result.edits),
    )
    step = step_for(valid, "ready", edit_count=len(result.edits))
    snapshot = {"claim": claim_json}
    if encounter is not None:
        snapshot["encounter"] = encounter.model_dump_json().encode()
    return [
        *outputs,
        (Topic.CLAIMS_READY, encode_spliced(ready, claim=claim_json)),
        (Topic.CLAIM_LIFECYCLE, encode_spliced(step, **snapshot)),
    ]
