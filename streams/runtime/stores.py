"""claimflow's table stores: ``memory://`` keeps each value as compressed bytes; ``rocksdb://`` is
Faust's RocksDB store with bounded memory.

**memory://** — Faust's own memory store keeps every value as the Python objects its JSON decodes
to: a claim record (claim and encounter snapshots, history, event ids) of ~2.5 KB of JSON took
~20 KB of heap, so a year of claims (1,000,000) did not fit a worker. ``CompactMemoryStore`` keeps
per partition a dict of serialized key → ``stamp + zstd(JSON)`` (the changelog record's bytes,
compressed with zstd against a dictionary learnt from the table's first values) and decodes on
read, as the RocksDB store does; ``stamp`` is the value's ``_w`` write time as 8 bytes, so the
retention sweep never decompresses. Reads look in the current
event's partition first, then in the others. The changelog records are unchanged (plain JSON).

**Recovery in bulk** (both stores): ``apply_records`` takes a batch of changelog records from the
bulk read (``streams/runtime/changelog_reader.py``, run by ``faust_internals.BulkRecovery``) and
advances the partition's persisted offset with it — the memory store in memory, RocksDB in the
same write batch — so Faust's record-at-a-time recovery only reads what the bulk read left.

**rocksdb://** — Faust opens one RocksDB per table partition with a 2 GiB block cache and 3 × 64
MiB write buffers each: with 4 tables and a dozen partitions that is tens of GiB of potential
memory. ``ROCKSDB_OPTIONS`` bounds each database (see deploy/README.md, Sizing).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import zstandard
from aiokafka import ConsumerRecord
from faust import Table
from faust.stores import rocksdb as faust_rocksdb
from faust.stores.base import SerializedStore
from faust.stores.rocksdb import Store as RocksDBStore
from faust.streams import current_event
from faust.types import TP, EventT
from yarl import URL

from streams.runtime.tables import written_at

#: per partition database: 2 write buffers of 8 MiB and a 16 MiB block cache (Faust: 3 × 64 MiB, 2 GiB)
ROCKSDB_OPTIONS: dict[str, int] = {
    "write_buffer_size": 8 << 20,
    "max_write_buffer_number": 2,
    "block_cache_size": 16 << 20,
}

_STAMP = struct.Struct("<d")
NO_STAMP = float("nan")
PLAIN, PRIMED = b"\x00", b"\x01"
#: values a store collects to make its compression dictionary (small JSON values compress ~2.5x
#: better against a dictionary of their own kind: a claim record 2.9 KB -> 1.2 KB plain, 0.5 KB primed)
DICTIONARY_SAMPLES = 16
DICTIONARY_BYTES = 32 << 10


class Packer:
    """``stamp + kind + zstd(value)`` blobs: the ``_w`` stamp (NaN when absent), then the value
    compressed at level 1 — plainly until the store has seen ``DICTIONARY_SAMPLES`` values, then
    against a dictionary made of those (kept for the life of the process: it is never stored).

    zstd, not zlib: on a claim record it packs in ~5 µs against ~20 µs (zlib has to copy a primed
    compressor per value), unpacks in ~3 µs against ~10 µs, and is smaller (228 bytes against 283
    for an 815-byte record) — every table read and write, and the bulk recovery, pays these."""

    def __init__(self) -> None:
        self.samples: list[bytes] = []
        self.dictionary: zstandard.ZstdCompressionDict | None = None
        self._plain = zstandard.ZstdCompressor(level=1, write_checksum=False)
        self._plain_out = zstandard.ZstdDecompressor()
        self._primed: zstandard.ZstdCompressor | None = None
        self._primed_out: zstandard.ZstdDecompressor | None = None

    def pack(self, value: bytes) -> bytes:
        written = written_at(value)
        head = _STAMP.pack(NO_STAMP if written is None else written)
        if self._primed is None:
            self._learn(value)
            if self._primed is None:
                return head + PLAIN + self._plain.compress(value)
        return head + PRIMED + self._primed.compress(value)

    def unpack(self, blob: bytes) -> bytes:
        body = memoryview(blob)[_STAMP.size + 1 :]
        if blob[_STAMP.size : _STAMP.size + 1] == PLAIN:
            return self._plain_out.decompress(body)
        assert self._primed_out is not None
        return self._primed_out.decompress(body)

    def _learn(self, value: bytes) -> None:
        self.samples.append(value)
        if len(self.samples) >= DICTIONARY_SAMPLES:
            content = b"".join(self.samples)[-DICTIONARY_BYTES:]
            self.samples = []
            self.dictionary = zstandard.ZstdCompressionDict(content, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
            self._primed = zstandard.ZstdCompressor(
                level=1, dict_data=self.dictionary, write_checksum=False, write_dict_id=False
            )
            self._primed_out = zstandard.ZstdDecompressor(dict_data=self.dictionary)


def stamp(blob: bytes) -> float:
    return float(_STAMP.unpack_from(blob)[0])


class CompactMemoryStore(SerializedStore):
    """In-memory table storage of compressed serialized values, one dict per partition."""

    def __init__(self, url: str | URL, app: Any, table: Any, **kwargs: Any) -> None:
        super().__init__(url, app, table, **kwargs)
        self.partitions: dict[int, dict[bytes, bytes]] = {}
        self.packer = Packer()
        self._sweep_pending: dict[int, list[bytes]] = {}
        #: per changelog partition, the offset of the last record applied (bulk read, recovery,
        #: or this worker's own confirmed write): where Faust's recovery resumes after a rebalance
        self._offsets: dict[TP, int] = {}
        #: called with the number of changelog records applied (claimflow's applied counter)
        self.on_applied: Callable[[int], None] | None = None
        #: takes changelog records in bulk (``apply_records``)
        self.bulk = True

    # -- where a key lives -------------------------------------------------------------------
    def _event_partition(self) -> int | None:
        event = current_event()
        return event.message.partition if event is not None else None

    def _find(self, key: bytes) -> tuple[dict[bytes, bytes], bytes] | None:
        first = self._event_partition()
        part = self.partitions.get(first) if first is not None else None
        if part is not None:
            blob = part.get(key)
            if blob is not None:
                return part, blob
        for number, other in self.partitions.items():
            if number != first:
                blob = other.get(key)
                if blob is not None:
                    return other, blob
        return None

    # -- SerializedStore ---------------------------------------------------------------------
    def _get(self, key: bytes) -> bytes | None:
        found = self._find(key)
        return self.packer.unpack(found[1]) if found is not None else None

    def _set(self, key: bytes, value: bytes | None) -> None:
        if value is None:
            self._del(key)
            return
        partition = self._event_partition()
        if partition is None:
            found = self._find(key)
            part = found[0] if found is not None else self.partitions.setdefault(0, {})
        else:
            part = self.partitions.setdefault(partition, {})
        part[key] = self.packer.pack(value)

    def _del(self, key: bytes) -> None:
        for part in self.partitions.values():
            part.pop(key, None)

    def _iterkeys(self) -> Iterator[bytes]:
        for part in list(self.partitions.values()):
            yield from list(part)

    def _itervalues(self) -> Iterator[bytes | None]:
        for _, value in self._iteritems():
            yield value

    def _iteritems(self) -> Iterator[tuple[bytes, bytes]]:
        for part in list(self.partitions.values()):
            for key, blob in list(part.items()):
                yield key, self.packer.unpack(blob)

    def _size(self) -> int:
        return sum(len(part) for part in self.partitions.values())

    def _contains(self, key: bytes) -> bool:
        return self._find(key) is not None

    def _clear(self) -> None:
        self.partitions.clear()

    def apply_changelog_batch(self, batch: Any, to_key: Any, to_value: Any) -> None:
        """Changelog records through Faust's recovery (what the bulk read left, normally nothing),
        applied as the bulk read applies them, one run of a partition at a time."""
        event: EventT
        run: list[Any] = []
        for event in batch:
            message = event.message
            if run and (message.partition != run[-1].partition or message.topic != run[-1].topic):
                self._apply(run[-1].partition, run)
                run = []
            run.append(message)
        if run:
            self._apply(run[-1].partition, run)

    def apply_records(self, partition: int, records: Sequence[ConsumerRecord[bytes, bytes]]) -> None:
        """Records of the bulk read or a standby copy, in offset order; the partition then holds the
        changelog up to the last one's offset."""
        self._apply(partition, records)
        if self.on_applied is not None:
            self.on_applied(len(records))

    def _apply(self, partition: int, records: Sequence[Any]) -> None:
        """Records (anything with ``topic``, ``key``, ``value`` and ``offset``) of one changelog
        partition, in offset order, stored as they are, compressed; a tombstone removes the key. A
        record without a key is not a table entry: skipped, as nothing could ever read it."""
        part = self.partitions.setdefault(partition, {})
        pack = self.packer.pack
        for record in records:
            key = record.key
            if key is None:
                continue
            if record.value is None:
                part.pop(key, None)
            else:
                part[key] = pack(record.value)
        last = records[-1]
        self.set_persisted_offset(TP(last.topic, partition), last.offset)

    # -- rebalances --------------------------------------------------------------------------
    def persisted_offset(self, tp: TP) -> int | None:
        """The last changelog offset this process applied to the partition (None: nothing, so
        Faust's recovery reads it from the beginning)."""
        return self._offsets.get(tp)

    def set_persisted_offset(self, tp: TP, offset: int) -> None:
        if offset > self._offsets.get(tp, -1):
            self._offsets[tp] = offset

    async def on_rebalance(
        self, assigned: set[TP], revoked: set[TP], newly_assigned: set[TP], generation_id: int = 0
    ) -> None:
        """Newly assigned changelog partitions start empty (whatever this process held of them
        before is stale): the recovery reads them from the beginning."""
        topic = self.table.changelog_topic.get_topic_name()
        for tp in newly_assigned:
            if tp.topic == topic:
                self.partitions[tp.partition] = {}
                self._offsets.pop(tp, None)
                self._sweep_pending.pop(tp.partition, None)

    def reset_state(self) -> None: ...

    async def backup_partition(
        self, tp: TP | int, flush: bool = True, purge: bool = False, keep: int = 1
    ) -> None:
        raise NotImplementedError("the memory store keeps no backups")

    def restore_backup(self, tp: TP | int, latest: bool = True, backup_id: int = 0) -> None:
        raise NotImplementedError("the memory store keeps no backups")

    async def on_recovery_completed(self, active_tps: set[TP], standby_tps: set[TP]) -> None:
        """Drop the partitions this worker no longer holds (as Faust's memory store does)."""
        topic = self.table.changelog_topic.get_topic_name()
        kept = {tp.partition for tp in active_tps | standby_tps if tp.topic == topic}
        for number in [p for p in self.partitions if p not in kept]:
            del self.partitions[number]
        for tp in [tp for tp in self._offsets if tp.partition not in kept]:
            del self._offsets[tp]

    # -- the retention sweep -----------------------------------------------------------------
    def expired_keys(self, partition: int, cutoff: float, budget: int) -> list[bytes]:
        """Keys of ``partition`` written before ``cutoff``, looking at up to ``budget`` entries
        per call: a pass over the partition's keys (taken when the last pass ended) goes on from
        where the previous call stopped. Reads the stamps only."""
        part = self.partitions.get(partition)
        if not part:
            return []
        pending = self._sweep_pending.get(partition)
        if not pending:
            pending = self._sweep_pending[partition] = list(part)
        chunk = pending[-budget:]
        del pending[-budget:]
        out = []
        for key in chunk:
            blob = part.get(key)
            if blob is not None and stamp(blob) < cutoff:
                out.append(key)
        return out

    def evict(self, partition: int, key: bytes) -> None:
        self.partitions.get(partition, {}).pop(key, None)


class BulkRocksDBStore(RocksDBStore):
    """Faust's RocksDB store that also takes changelog records in bulk: one RocksDB write batch per
    fetch, together with the new persisted offset (the recovery reads from the offset on disk; an
    empty directory: from the beginning)."""

    def __init__(self, url: str | URL, app: Any, table: Any, **kwargs: Any) -> None:
        super().__init__(url, app, table, **kwargs)
        #: called with the number of changelog records applied by the bulk read
        self.on_applied: Callable[[int], None] | None = None
        #: takes changelog records in bulk (``apply_records``; the python-rocksdb binding: no)
        self.bulk = bool(self.use_rocksdict)

    def apply_records(self, partition: int, records: Sequence[ConsumerRecord[bytes, bytes]]) -> None:
        batch = faust_rocksdb.rocksdict.WriteBatch(raw_mode=True)
        for record in records:
            if record.key is None:
                continue
            if record.value is None:
                batch.delete(record.key)
            else:
                batch.put(record.key, record.value)
        batch.put(self.offset_key, str(records[-1].offset).encode())
        self._db_for_partition(partition).write(batch)
        if self.on_applied is not None:
            self.on_applied(len(records))


class ClaimflowTable(Table):
    """Faust's Table on claimflow's stores (``memory://`` → ``CompactMemoryStore``; ``rocksdb://``
    with ``ROCKSDB_OPTIONS``)."""

    def _new_store_by_url(self, url: str | URL) -> Any:
        scheme = URL(str(url)).scheme
        store: type[CompactMemoryStore] | type[BulkRocksDBStore]
        if scheme == "memory":
            store = CompactMemoryStore
        elif scheme == "rocksdb":
            store = BulkRocksDBStore
            self.options = {**ROCKSDB_OPTIONS, **(self.options or {})}
        else:
            return super()._new_store_by_url(url)
        return store(
            url,
            self.app,
            self,
            table_name=self.name,
            key_type=self.key_type,
            key_serializer=self.key_serializer,
            value_type=self.value_type,
            value_serializer=self.value_serializer,
            options=self.options,
        )
