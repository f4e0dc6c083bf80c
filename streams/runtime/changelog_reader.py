"""Table recovery in bulk: a store reads its newly assigned changelog partitions itself, with a
consumer of its own outside the consumer group, before Faust's recovery starts.

Why: Faust's recovery hands every changelog record through the app's consumer, the topic
conductor, an ``Event`` and an asyncio queue with a timeout, one record at a time: about 300 µs a
record on the benchmark machine, so a year of claims (2.25 M changelog records) took more than
ten minutes to recover while the worker's partitions stood idle. Read here, the records are
applied as fetched, thousands at a time, straight into the store.

How it fits Faust: the store reports, per changelog partition, the offset of the last record it
applied (``persisted_offset``, as Faust's RocksDB store does for what it has on disk), so Faust's
recovery seeks past it and reads only what follows — normally nothing. Every record is applied
either here or by Faust, in offset order, never twice out of order.

Bounded: stores run this in the group's partition-assignment callback, and a member that is slow
to rejoin holds up a rebalance of the whole group for up to the group's rebalance timeout. The read
stops ¾ of ``broker_rebalance_timeout`` after the rebalance's first read began (one budget for
all the worker's tables); Faust's recovery reads whatever is left. A failed read (broker error) is logged and left to Faust's recovery too:
the store then reports nothing read for those partitions.

Logs carry table names, partitions and counts only, never keys or values (patient data).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord
from aiokafka.structs import TopicPartition
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth
from faust.types import TP

log = logging.getLogger("claimflow.recovery")

#: share of the group's rebalance timeout a bulk read may take inside the assignment callback
BUDGET_SHARE = 0.75
#: records handed to the store at a time: short enough that heartbeats and the listener keep
#: their turn on the event loop between batches (a few ms of work each)
MAX_RECORDS = 2000
#: empty fetches in a row after which a partition short of its end offset is left to Faust
#: (a broker whose end offset counts records it does not return)
EMPTY_FETCHES = 3
PROGRESS_SECONDS = 10.0

Apply = Callable[[int, Sequence[ConsumerRecord[bytes, bytes]]], None]


#: per app: the rebalance (generation) being recovered and when its bulk reads must stop — one
#: budget for all the tables of a worker, whose stores are called one after another
_deadlines: dict[int, tuple[int, float]] = {}


def rebalance_deadline(app: Any, generation_id: int) -> float:
    """When the bulk reads of this rebalance must stop (``time.monotonic()``): ¾ of the group's
    rebalance timeout after the first store of the rebalance began."""
    known = _deadlines.get(id(app))
    if known is None or known[0] != generation_id:
        known = _deadlines[id(app)] = (
            generation_id,
            time.monotonic() + float(app.conf.broker_rebalance_timeout) * BUDGET_SHARE,
        )
    return known[1]


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


async def read_changelogs(
    options: Mapping[str, Any],
    starts: Mapping[TP, int | None],
    apply: Apply,
    deadline: float,
    label: str = "",
) -> dict[TP, int]:
    """Read each partition of ``starts`` from its start offset (None: the beginning) up to its end
    offset as it was when the read began, handing the records to ``apply(partition, records)`` in
    offset order. Returns the offset of the last record read per partition (absent: nothing read;
    a partition left early keeps what it read). Stops at ``deadline`` (``time.monotonic()``)."""
    if not starts:
        return {}
    began = time.monotonic()
    consumer = AIOKafkaConsumer(**options)
    await consumer.start()
    read: dict[TP, int] = {}
    records = 0
    try:
        tps = [TopicPartition(tp.topic, tp.partition) for tp in starts]
        consumer.assign(tps)
        for tp in tps:
            start = starts[TP(tp.topic, tp.partition)]
            if start is None:
                await consumer.seek_to_beginning(tp)
            else:
                consumer.seek(tp, start)
        ends = await consumer.end_offsets(tps)
        remaining = set()
        for tp in tps:
            if await consumer.position(tp) < ends[tp]:
                remaining.add(tp)
            else:
                consumer.pause(tp)
        empty = 0
        next_progress = began + PROGRESS_SECONDS
        while remaining and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=1000, max_records=MAX_RECORDS)
            empty = 0 if batch else empty + 1
            for tp, chunk in batch.items():
                if chunk:
                    apply(tp.partition, chunk)
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
                    "changelog read %s: no records for %d fetches short of the end offsets; "
                    "Faust's recovery reads the rest",
                    label,
                    EMPTY_FETCHES,
                )
                break
            if time.monotonic() >= next_progress:
                next_progress += PROGRESS_SECONDS
                log.info(
                    "changelog read %s: %d records in %.0fs, %d partitions to go",
                    label,
                    records,
                    time.monotonic() - began,
                    len(remaining),
                )
        if remaining and time.monotonic() >= deadline:
            log.warning(
                "changelog read %s: stopped after %.0fs (the rebalance's budget) with %d partitions short "
                "of their end; Faust's recovery reads the rest",
                label,
                time.monotonic() - began,
                len(remaining),
            )
    finally:
        await consumer.stop()
    seconds = time.monotonic() - began
    log.info(
        "changelog read %s: %d records from %d partitions in %.1fs (%.0f records/s)",
        label,
        records,
        len(starts),
        seconds,
        records / seconds if seconds > 0 else 0.0,
    )
    return read
