"""Bounded table state: changelog-backed tables whose entries expire after a retention period.

Every value written through ``RetainedTable`` carries two bookkeeping fields: ``_p``, the
partition it lives in (the partition of the event that wrote it, which is where Faust puts its
changelog record), and ``_w``, the wall-clock time of the write. A sweep (a timer on each worker)
removes the entries of this worker's *active* partitions that have not been written for
``CLAIMFLOW_STATE_RETENTION_DAYS`` and writes a tombstone to the changelog, so a restarted worker
does not recover them either. Reads and writes otherwise behave like the Faust table underneath.

With the RocksDB store (``CLAIMFLOW_STORE=rocksdb://``) the sweep reads the partition databases
directly and incrementally: at most ``sweep_budget`` entries per sweep, resuming where the last one
stopped, reading only the ``_w`` stamp from the stored bytes — a year of claims on disk is never
decoded whole on the event loop. The entry count then comes from RocksDB's own estimate.

Every table also counts the changelog records it applies (recovery after a start or a rebalance,
in bulk or by Faust, and standby reading): ``claimflow_table_changelog_records_applied_total``. With RocksDB a
restarted worker applies only the changelog tail written since it stopped.

Eviction policy: least recently *written* first, by age only. The default retention (400 days) is
past every payer window claimflow tracks (timely filing 365 days, reopening one year, Medicare
redetermination 120 days), so an evicted claim can no longer change state; an event for it that
still arrives starts a new record, which the lifecycle machine treats as out of order.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from faust.stores.rocksdb import Store as RocksDBStore
from faust.streams import current_event
from faust.types import TP
from pydantic_core import from_json, to_json

from streams.runtime import faust_internals

PARTITION = "_p"
WRITTEN = "_w"
#: the write stamp in a stored JSON value (always written last, so searched from the end)
_WRITTEN_STAMP = re.compile(rb'"_w"\s*:\s*(-?[0-9][0-9.eE+-]*)')


def written_at(raw: bytes | None) -> float | None:
    """The ``_w`` stamp of a stored (JSON) value, without decoding the value."""
    if not raw:
        return None
    at = raw.rfind(b'"_w"')
    match = _WRITTEN_STAMP.match(raw, at) if at >= 0 else None
    return float(match.group(1)) if match else None


class RetainedTable:
    """A Faust table of JSON objects with per-entry write stamps (see the module docstring).

    The Faust table underneath holds raw bytes: a value is encoded to JSON once per write (not once
    for the store and again for the changelog) and decoded on read."""

    def __init__(
        self,
        table: Any,
        retention_seconds: float,
        on_applied: Callable[[int], None] | None = None,
        sweep_budget: int = 100_000,
    ):
        self.table = table
        self.retention_seconds = retention_seconds
        self.sweep_budget = sweep_budget
        #: RocksDB sweep: where the next sweep of each partition resumes (None: from the start)
        self._cursors: dict[int, bytes | None] = {}
        if on_applied is not None:
            apply = table.apply_changelog_batch

            def counted(batch: Any) -> None:  # recovery and standbys apply changelog records here
                apply(batch)
                on_applied(len(batch))

            table.apply_changelog_batch = counted
            store = table.data
            if hasattr(store, "on_applied"):  # claimflow's stores: their bulk reads count too
                store.on_applied = on_applied

    @property
    def rocksdb(self) -> RocksDBStore | None:
        data = getattr(self.table, "data", None)
        return data if isinstance(data, RocksDBStore) else None

    def get(self, key: Any, default: Any = None) -> Any:
        raw = self.table.get(key)
        if raw is None:
            return default
        return from_json(raw) if isinstance(raw, (bytes, bytearray)) else raw

    def __len__(self) -> int:
        store = self.rocksdb
        if store is not None:  # counting would read every key: RocksDB's estimate instead
            return sum(
                int(db.property_int_value("rocksdb.estimate-num-keys") or 0)
                for db in faust_internals.rocksdb_active_dbs(store)
            )
        return len(self.table.data)

    def __setitem__(self, key: Any, value: dict[str, Any]) -> None:
        event = current_event()
        partition = event.message.partition if event is not None else None
        # encoded once here: the store keeps these bytes and the changelog record is the same bytes
        # (the table's values are raw; JSON as before, so changelogs written earlier still read)
        self.table[key] = to_json({**value, PARTITION: partition, WRITTEN: time.time()})

    def changelog_partitions(self, assigned: Iterable[TP]) -> set[int]:
        topic = self.table.changelog_topic.get_topic_name()
        return {tp.partition for tp in assigned if tp.topic == topic}

    def expired(self, now: float, partitions: set[int]) -> list[tuple[Any, int]]:
        cutoff = now - self.retention_seconds
        out = []
        for key, stored in list(self.table.data.items()):
            value = from_json(stored) if isinstance(stored, (bytes, bytearray)) else stored
            if not isinstance(value, dict):
                continue
            partition = value.get(PARTITION)
            if partition in partitions and value.get(WRITTEN, now) < cutoff:
                out.append((key, partition))
        return out

    def sweep(self, assigned: Iterable[TP], now: float | None = None) -> int:
        """Drop expired entries of the given active partitions; tombstone them in the changelog."""
        now = time.time() if now is None else now
        store = self.rocksdb
        if store is not None:
            return self.sweep_rocksdb(store, self.changelog_partitions(assigned), now)
        data = getattr(self.table, "data", None)
        if hasattr(data, "expired_keys"):  # claimflow's compact memory store
            return self.sweep_compact(data, self.changelog_partitions(assigned), now)
        expired = self.expired(now, self.changelog_partitions(assigned))
        for key, partition in expired:
            self.table.send_changelog(partition, key, None, value_serializer="raw")
            del self.table.data[key]
        return len(expired)

    def sweep_compact(self, store: Any, partitions: set[int], now: float) -> int:
        """The compact memory store's sweep: write stamps only, ``sweep_budget`` entries a sweep."""
        if not partitions:
            return 0
        cutoff = now - self.retention_seconds
        share = max(1, self.sweep_budget // len(partitions))
        evicted = 0
        for partition in sorted(partitions):
            for key in store.expired_keys(partition, cutoff, share):
                self.table.send_changelog(partition, key, None, key_serializer="raw", value_serializer="raw")
                store.evict(partition, key)
                evicted += 1
        return evicted

    def sweep_rocksdb(self, store: RocksDBStore, partitions: set[int], now: float) -> int:
        """The RocksDB sweep: up to ``sweep_budget`` entries over the active partitions, each
        partition resuming where its last sweep stopped; raw bytes only (keys stay serialized)."""
        if not partitions:
            return 0
        cutoff = now - self.retention_seconds
        share = max(1, self.sweep_budget // len(partitions))
        evicted = 0
        for partition in sorted(partitions):
            db = faust_internals.rocksdb_partition_db(store, partition)
            cursor = self._cursors.get(partition)
            it = db.iter()
            if cursor is None:
                it.seek_to_first()
            else:
                it.seek(cursor)
            expired: list[bytes] = []
            scanned = 0
            while it.valid() and scanned < share:
                key = it.key()
                if key != store.offset_key:
                    written = written_at(it.value())
                    if written is not None and written < cutoff:
                        expired.append(key)
                scanned += 1
                it.next()
            self._cursors[partition] = it.key() if it.valid() else None
            del it
            for key in expired:
                self.table.send_changelog(partition, key, None, key_serializer="raw", value_serializer="raw")
                db.delete(key)
            evicted += len(expired)
        return evicted
