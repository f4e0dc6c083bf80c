"""Table recovery in bulk: the changelog partitions a worker must rebuild are read with a consumer
of its own, outside the consumer group, and applied straight into the stores.

Why: Faust's recovery hands every changelog record through the app's consumer, the topic
conductor, an ``Event`` and an asyncio queue with a timeout, one record at a time: about 300 µs a
record on the benchmark machine, so a year of claims (2.25 M changelog records) took more than
ten minutes to recover while the worker's partitions stood idle. Read here, the records are
applied as fetched, thousands at a time.

How it fits Faust (``streams.runtime.faust_internals.BulkRecovery``): at the start of each table
recovery — in Faust's recovery task, after the assignment callback has returned, so the group's
heartbeats go on and a new rebalance cancels the read — every active changelog partition is read
from the offset its store has (``persisted_offset`` + 1; the memory store after a start: the
beginning) to the end offset it had when the read began. The stores advance their persisted offset
with every batch, so what they hold is always exactly the changelog up to that offset: Faust's
recovery then seeks past it and reads only what was written meanwhile (normally nothing), and a
read cut short by a rebalance resumes where it stopped.

Standby copies (``CLAIMFLOW_TABLE_STANDBY_REPLICAS``) are followed the same way once the recovery is
complete (``StandbyReader``): each fetch applied in one batch, the persisted offset with it, so a
standby promoted by a rebalance reads only what its copy had not applied yet.

Logs carry table names, partitions and counts only, never keys or values (patient data).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, ConsumerRecord
from aiokafka.structs import TopicPartition
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth
from faust.types import TP

log = logging.getLogger("claimflow.recovery")

#: records handed to the stores at a time: short enough that heartbeats and the listener keep
#: their turn on the event loop between batches (some tens of ms of work each)
MAX_RECORDS = 2000
#: empty fetches in a row (1 s each) after which partitions short of their end offset are left to
#: Faust's recovery (a broker that stopped answering, or an end offset it does not deliver up to)
EMPTY_FETCHES = 3
PROGRESS_SECONDS = 10.0

#: ``apply(tp, records)``: records of one changelog partition, in offset order
Apply = Callable[[TP, Sequence[ConsumerRecord[bytes, bytes]]], None]


class Superseded(Exception):
    """The assignment changed during a read: it applied nothing after the change."""


class BulkStore(Protocol):
    """A table store that takes changelog records in bulk (claimflow's stores)."""

    def persisted_offset(self, tp: TP) -> int | None: ...

    def set_persisted_offset(self, tp: TP, offset: int) -> None: ...

    def apply_records(self, partition: int, records: Sequence[ConsumerRecord[bytes, bytes]]) -> None: ...


def consumer_options(app: Any) -> dict[str, Any]:
    """The app's brokers and credentials; large fetches; committed records only under
    exactly-once (as Faust's own consumer reads)."""
    conf = app.conf
    return {
        "bootstrap_servers": [f"{url.host}:{url.port or 9092}" for url in conf.broker],
        "client_id": f"{conf.broker_client_id}-changelog-reader",
        "group_id": None,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "isolation_level": "read_committed" if app.in_transaction else "read_uncommitted",
        "max_partition_fetch_bytes": 4 << 20,
        "fetch_max_bytes": 32 << 20,
        "fetch_max_wait_ms": 100,
        **credentials_to_aiokafka_auth(conf.broker_credentials, conf.ssl_context),
    }


def resume_offsets(stores: Mapping[TP, BulkStore]) -> dict[TP, int | None]:
    """Where each store's changelog partition is read from: after its persisted offset (None, no
    offset: from the beginning)."""
    starts: dict[TP, int | None] = {}
    for tp, store in stores.items():
        persisted = store.persisted_offset(tp)
        starts[tp] = None if persisted is None else persisted + 1
    return starts


async def assign_at(consumer: AIOKafkaConsumer, starts: Mapping[TP, int | None]) -> dict[TopicPartition, TP]:
    """Assign ``consumer`` the partitions of ``starts``, each positioned at its start offset (None:
    the beginning). Returns aiokafka's partitions with Faust's for each."""
    tps = {TopicPartition(tp.topic, tp.partition): tp for tp in starts}
    consumer.assign(list(tps))
    for ktp, tp in tps.items():
        start = starts[tp]
        if start is None:
            await consumer.seek_to_beginning(ktp)
        else:
            consumer.seek(ktp, start)
    return tps


async def read_changelogs(
    options: Mapping[str, Any],
    starts: Mapping[TP, int | None],
    apply: Apply,
) -> dict[TP, int]:
    """Read each partition of ``starts`` from its start offset (None: the beginning) up to its end
    offset as it was when the read began, handing the records to ``apply(tp, records)`` in offset
    order. Returns the offset up to which each partition was read (its consumer position − 1:
    past any transaction markers; absent: nothing read). A read that stalls (no records for
    ``EMPTY_FETCHES`` fetches) stops with what it read."""
    if not starts:
        return {}
    began = time.monotonic()
    consumer = AIOKafkaConsumer(**options)
    read: dict[TP, int] = {}
    records = 0
    try:
        await consumer.start()
        tps = list(await assign_at(consumer, starts))
        ends = await consumer.end_offsets(tps)
        remaining = set()
        for tp in tps:
            if await consumer.position(tp) < ends[tp]:
                remaining.add(tp)
            else:
                consumer.pause(tp)
        empty = 0
        next_progress = began + PROGRESS_SECONDS
        while remaining:
            batch = await consumer.getmany(timeout_ms=1000, max_records=MAX_RECORDS)
            empty = 0 if batch else empty + 1
            for tp, chunk in batch.items():
                if chunk:
                    apply(TP(tp.topic, tp.partition), chunk)
                    records += len(chunk)
            for tp in list(remaining):
                position = await consumer.position(tp)
                if position > 0:
                    read[TP(tp.topic, tp.partition)] = position - 1
                if position >= ends[tp]:
                    remaining.discard(tp)
                    consumer.pause(tp)
            if empty >= EMPTY_FETCHES:
                log.warning(
                    "changelog read: no records for %d fetches short of the end offsets of %d "
                    "partitions; Faust's recovery reads the rest",
                    EMPTY_FETCHES,
                    len(remaining),
                )
                break
            if time.monotonic() >= next_progress:
                next_progress += PROGRESS_SECONDS
                log.info(
                    "changelog read: %d records in %.0fs, %d partitions to go",
                    records,
                    time.monotonic() - began,
                    len(remaining),
                )
    finally:
        await consumer.stop()
    seconds = time.monotonic() - began
    log.info(
        "changelog read: %d records from %d partitions in %.1fs (%.0f records/s)",
        records,
        len(starts),
        seconds,
        records / seconds if seconds > 0 else 0.0,
    )
    return read


async def bring_up_to_date(
    options: Mapping[str, Any],
    stores: Mapping[TP, BulkStore],
    current: Callable[[], bool] = lambda: True,
) -> dict[TP, int]:
    """Each store's changelog partitions read from its persisted offset + 1 (none: the beginning)
    to the end, applied in batches; the persisted offsets then stand where each read stopped.
    Returns those offsets (absent: nothing read). Before every batch ``current()`` says whether
    the assignment the read was for still stands; when it does not, ``Superseded`` is raised and
    nothing more is applied."""
    starts = resume_offsets(stores)

    def apply(tp: TP, records: Sequence[ConsumerRecord[bytes, bytes]]) -> None:
        if not current():
            raise Superseded()
        stores[tp].apply_records(tp.partition, records)

    read = await read_changelogs(options, starts, apply)
    if not current():
        raise Superseded()
    for tp, offset in read.items():
        stores[tp].set_persisted_offset(tp, offset)  # past transaction markers, if any
    return read


#: a standby reader's fetches: wait up to half a second for 64 KiB, so a steady stream of writes is
#: applied in batches of hundreds of records rather than one fetch per record
STANDBY_FETCH = {"fetch_max_wait_ms": 500, "fetch_min_bytes": 64 << 10}
#: after a failed read (broker gone, partition moved), the next attempt from the stores' offsets
STANDBY_RETRY_SECONDS = 5.0


class StandbyReader:
    """Keeps the standby copies of table partitions current: the changelog partitions are followed
    by a consumer of their own, from each store's persisted offset + 1 (none: the beginning), and
    every fetch is applied to its store in one batch (``apply_records``, which advances the
    persisted offset with it).

    Why: Faust follows standby partitions through the worker's own consumer, one record at a time
    (the same path as its recovery, see the module docstring): with two workers each applying the
    other's table writes that way, the standby copies cost about 0.7 ms of CPU per claim — a
    quarter of the worker's — measured by ``python -m bench.state --only-scaleout
    --compare-standby``; followed here, 0.3–0.5 ms in the same benchmark.

    ``cancel()`` stops it at once: the records of a fetch are applied with no await in between, so
    after the cancel nothing more is applied and each store holds a prefix of its changelog up to its
    persisted offset. The recovery that follows (a promotion to active after a rebalance) reads from
    there."""

    def __init__(self, options: Mapping[str, Any], stores: Mapping[TP, BulkStore]):
        self.options = {**options, **STANDBY_FETCH}
        self.stores = dict(stores)
        self.records = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None and self.stores:
            self._task = asyncio.ensure_future(self._run())

    def cancel(self) -> asyncio.Task[None] | None:
        """Stops applying now; returns the task, which closes its consumer as it ends."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
        return task

    async def stop(self) -> None:
        task = self.cancel()
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            try:
                await self._follow()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the standby copy is a head start, never a reason to stop
                log.warning(
                    "standby read of %d partitions failed (%s); again from the stores' offsets in %.0fs",
                    len(self.stores),
                    type(exc).__name__,
                    STANDBY_RETRY_SECONDS,
                )
                await asyncio.sleep(STANDBY_RETRY_SECONDS)

    async def _follow(self) -> None:
        consumer = AIOKafkaConsumer(**self.options)
        try:
            await consumer.start()
            tps = await assign_at(consumer, resume_offsets(self.stores))
            log.info("standby read: following %d changelog partitions", len(tps))
            while True:
                batch = await consumer.getmany(timeout_ms=1000, max_records=MAX_RECORDS)
                for ktp, chunk in batch.items():
                    if chunk:
                        self.stores[tps[ktp]].apply_records(ktp.partition, chunk)
                        self.records += len(chunk)
        finally:
            await consumer.stop()
