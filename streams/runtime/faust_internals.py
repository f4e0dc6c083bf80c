"""Every use of faust-streaming's (0.15.3) internals, in one place: what claimflow reads of Faust's
private state (read positions, table recovery, partition owners, the current event), the worker's
hooks on mode's private steps, and four patches. Upgrading Faust means re-checking this module.

The patches fix Faust's offsets, each found by a failing run of ``tests/stress``: never commit past
a message that was not processed, never skip a record across a rebalance, never skip the final
commit at shutdown.

The first is for the commit under concurrency (faust-streaming issue #606, open; the proposed fix
is PR #707).

Faust commits the highest run of consecutive acknowledged offsets. Its guard against a gap at the
head of that run is off by one (a single in-flight message right at the committed offset is skipped)
and does nothing before the first commit of a partition. An agent with ``concurrency > 1`` finishes
events out of order — claimflow's ``claims-waiting`` agent holds a claim until its encounter comes —
so the offset of a claim that was still waiting could be committed, and the claim lost when its
worker stopped or was killed (found by ``tests/stress``).

The fix caps the committable run below the lowest offset that was handed to a stream and not yet
acknowledged. Acknowledged offsets above the cap stay in the list and are committed once the held
message is acknowledged. And the run must start at the head: the committed offset, or before the
first commit the lowest offset this worker was handed — a message dropped from a stream queue by a
rebalance is neither acknowledged nor in flight any more (the in-flight set holds weak references),
and was committed past (the fault test lost a CO-50 denial so).

A second fix is for the commit at shutdown. ``Consumer.commit()`` returns *without committing* when
another commit is already running (Faust lets one coroutine commit at a time and the others just
wait for it). At shutdown, Faust waits for the streams to acknowledge what they took and then makes
its final commit; if the periodic commit happened to be running at that moment, that running commit
had computed its offsets before the last acknowledgements, and the final commit was skipped — a
graceful stop left the last claims uncommitted (seen once by ``tests/stress``). The final commit now
waits for a running commit and then commits.

A third is for the first records of a partition. When partitions are assigned, Faust pauses the
stream partitions while it recovers tables and drops whatever the fetcher returns for them in the
meantime; aiokafka has already moved its position past those records, so Faust then seeks every
stream partition to its committed offset. aiokafka's ``seek_to_committed`` skips a partition whose
committed offset is None *or 0* ("nothing to seek to") and leaves it at the position the dropped
fetch moved it to. A partition that never had a commit — a new one, or one whose records all arrived
while it changed hands — lost those records: the fault test lost the CO-50 denials that were the
first records of a ``claim-denials`` partition (records 0-2 fetched and dropped during a rebalance,
the stream resumed at offset 3). The seek now puts such partitions where the group's reset policy
says (``earliest``: the beginning) and a committed 0 at 0. Changelog partitions are left alone (Faust
positions them itself for recovery and standbys).

A fourth is for messages fetched again after a seek. Faust remembers the last offset it read per
partition and silently drops any fetched message below it, and a skipped range ahead of it is
recorded as a "gap" that counts as acknowledged (meant for transaction markers and compacted
offsets). Around a rebalance, events are fetched, handed to streams whose queues are then cleared,
and fetched again after the seek to the committed offset — and the second delivery was dropped
because the read position had moved past it; the gap then let the commit pass it. The fault test
lost a claim exactly so (``claims-submitted[0]`` offsets 16-32 fetched again with read position 32,
all dropped). Claimflow's inputs have no transaction markers and are not compacted, so the read
position is kept but never used to drop a message or invent a gap: a message fetched twice is
delivered twice, and the idempotent agents recognise the replay.

Installed once by ``ClaimflowApp``; remove them when Faust ships the fixes.

Apart from the fixes, ``BulkRecovery`` (Faust's ``Recovery`` with the table manager that makes it,
``ClaimflowTableManager``) reads the changelogs in bulk at the start of each table recovery
(``streams/runtime/changelog_reader.py``): it overrides ``_build_offsets``, the step where Faust
turns the stores' persisted offsets into its read positions, and lifts Faust's request timeout
around that step only (a year of claims takes longer than one request; a new rebalance or a stop
still cancels it at once, and a revocation stops it before its next batch). It also keeps the
standby partitions of those stores from Faust's record-by-record following (``add_standby``,
``revoke``) and follows them with a ``StandbyReader`` from ``on_recovery_completed`` until the next
revocation, assignment or stop (``on_partitions_revoked``, ``on_rebalance``, ``on_stop``).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import signal
import weakref
from typing import Any

from faust.tables.manager import TableManager
from faust.tables.recovery import RebalanceAgain, Recovery
from faust.transport.consumer import Consumer
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread
from faust.types import TP
from faust.utils.functional import consecutive_numbers
from faust.worker import Worker

from streams.runtime.changelog_reader import StandbyReader, Superseded, bring_up_to_date, consumer_options

_INSTALLED = False
log = logging.getLogger("claimflow.faustfix")


def lowest_in_flight(consumer: Any, tp: TP) -> int | None:
    """The lowest offset of ``tp`` delivered to a stream and not acknowledged yet."""
    for _ in range(3):  # the set is only changed on the event loop; retry if it ever races
        try:
            return min(
                (m.offset for m in consumer._unacked_messages if m.tp == tp and not m.acked),
                default=None,
            )
        except RuntimeError:
            continue
    return None


def new_offset(consumer: Any, tp: TP) -> int | None:
    """``Consumer._new_offset`` that commits only a run of acknowledged offsets starting at the head
    of the partition — the committed offset or, before the first commit, the lowest offset this
    worker was handed — and capped below any message still in flight (otherwise Faust 0.15.3's
    logic). Faust's own head check is off by one and skipped before the first commit, so a message
    dropped from a stream queue by a rebalance (never acknowledged, no longer in flight) could be
    committed past: the fault test lost a CO-50 denial, the first record its worker was handed on a
    never-committed partition, that way."""
    acked: list[int] = consumer._acked[tp]
    if not acked:
        return None
    max_offset = max(acked)
    gap_for_tp = consumer._gap[tp]
    if gap_for_tp:  # offsets known to hold no message (transaction markers, compaction) count as acked
        candidates = sorted(gap_for_tp.overlap(0, max_offset), key=lambda x: x.begin)
        if candidates:
            filled: list[int] = []
            for entry in candidates:
                filled.extend(range(entry.begin, entry.end))
            acked.extend(filled)
            gap_for_tp.chop(0, max(filled[-1], max_offset + 1))
    acked.sort()
    committed = consumer._committed_offset[tp]
    head = committed if committed is not None else first_handed(consumer, tp)
    if head is not None and acked[0] > head:
        return None  # the head is neither acknowledged nor committed: wait (or refetch after a seek)
    batch = next(consecutive_numbers(acked))
    held = lowest_in_flight(consumer, tp)
    if held is not None and held <= batch[-1]:
        batch = batch[: max(0, held - batch[0])]
        if not batch:
            return None
    acked[: len(batch)] = []
    consumer._acked_index[tp].difference_update(batch)
    return int(batch[-1]) + 1


async def final_commit(consumer: Any) -> None:
    """``Consumer.commit_and_end_transactions`` that is never skipped by a commit in flight."""
    for _ in range(3):
        await consumer.maybe_wait_for_commit_to_finish()
        if consumer._commit_fut is None:  # nothing runs now, and nothing starts before commit() does
            committed = await consumer.commit(start_new_transaction=False)
            log.info("final commit: %s", "offsets committed" if committed else "nothing left to commit")
            return
    log.warning("final commit skipped: other commits kept running")


async def seek_committed_or_reset(consumer: Any, skip_topics: set[str], reset: str) -> dict[Any, int | None]:
    """On the consumer thread: aiokafka's ``seek_to_committed``, then the partitions it left alone
    (no committed offset, or 0) to the reset policy's position.

    Synchronous after ``seek_to_committed``, on the partitions assigned at that moment: no await
    lets a rebalance move them, or the fetcher run on, between the check and the seek. ``earliest``
    seeks to offset 0; where retention has removed it, the fetcher's out-of-range handling applies
    the same policy and starts at the first offset kept. (``latest`` has no synchronous form and is
    awaited; claimflow uses ``earliest``.)
    """
    committed: dict[Any, int | None] = await consumer.seek_to_committed()
    assigned = consumer.assignment()
    unset = [
        tp
        for tp, offset in committed.items()
        if not offset and tp in assigned and tp.topic not in skip_topics
    ]
    if not unset:
        return committed
    for tp in unset:
        if reset == "earliest" or committed[tp] == 0:
            consumer.seek(tp, 0)
    if reset == "latest" and (never := [tp for tp in unset if committed[tp] is None]):
        await consumer.seek_to_end(*never)
    log.info(
        "seek: %d partitions without a committed offset start per the reset policy (%s)", len(unset), reset
    )
    return committed


async def seek_to_committed(thread: Any) -> dict[Any, int | None]:
    """``AIOKafkaConsumerThread.seek_to_committed`` that also positions never-committed partitions."""
    app = thread.app
    result: dict[Any, int | None] = await thread.call_thread(
        seek_committed_or_reset,
        thread._ensure_consumer(),
        set(app.tables.changelog_topics),
        str(app.conf.consumer_auto_offset_reset),
    )
    return result


class ReadOffsets(dict[Any, int | None]):
    """Faust's per-partition read positions, recorded but reported as unknown to its fetch loop
    (``_drain_messages``), which then never drops a message fetched again.

    Also keeps the lowest offset handed to a stream per partition (``first``): before a partition's
    first commit, that is where its run of acknowledged offsets must start. And records the gaps
    Faust's loop no longer sees: offsets the fetcher itself skipped between two messages handed in
    a row — a transaction's commit or abort marker (another team's transactional producer), an
    aborted record, a compacted one — hold no message to acknowledge, so the commit may pass them
    (``new_offset`` fills them); without them the commit stopped at the first marker and every
    restart read everything after it again. A move backwards (fetched again after a seek) is no
    gap, and offsets below the committed one are done already.
    """

    def __init__(self, consumer: Any = None) -> None:
        super().__init__()
        self.first: dict[Any, int] = {}
        self._consumer = weakref.ref(consumer) if consumer is not None else None

    def __getitem__(self, tp: Any) -> int | None:
        return None

    def __setitem__(self, tp: Any, offset: int | None) -> None:
        if offset is not None:
            known = self.first.get(tp)
            self.first[tp] = offset if known is None else min(known, offset)
            previous = super().get(tp)
            if previous is not None and offset > previous + 1:
                self._gap(tp, previous + 1, offset)
        super().__setitem__(tp, offset)

    def _gap(self, tp: Any, begin: int, end: int) -> None:
        consumer = self._consumer() if self._consumer is not None else None
        if consumer is None:
            return
        conductor = getattr(getattr(consumer, "app", None), "topics", None)
        if conductor is not None and not conductor.acks_enabled_for(tp.topic):
            return  # a table's changelog (compacted, full of gaps): never committed, so no gaps kept
        committed = consumer._committed_offset[tp]
        begin = max(begin, committed) if committed is not None else begin
        if begin < end:
            consumer._gap[tp].addi(begin, end)


def first_handed(consumer: Any, tp: TP) -> int | None:
    """The lowest offset of ``tp`` handed to a stream by this worker (None if unknown)."""
    read = consumer._read_offset
    return read.first.get(tp) if isinstance(read, ReadOffsets) else None


_consumer_init = Consumer.__init__


def consumer_init(self: Any, *args: Any, **kwargs: Any) -> None:
    _consumer_init(self, *args, **kwargs)
    self._read_offset = ReadOffsets(self)


_create_worker_consumer = AIOKafkaConsumerThread._create_worker_consumer


def create_worker_consumer(self: Any, transport: Any) -> Any:
    """Faust's worker consumer, reading only committed records (``read_committed``): a claim a
    transactional producer aborted was never sent, and must not be scrubbed, billed or tracked.
    Faust reads committed records only when it writes transactions itself (exactly-once), which
    claimflow does not; set before the consumer starts, when aiokafka builds its fetcher."""
    consumer = _create_worker_consumer(self, transport)
    consumer._isolation_level = "read_committed"
    return consumer


def install() -> None:
    """Patch Faust's consumer (idempotent)."""
    global _INSTALLED
    if not _INSTALLED:
        Consumer._new_offset = new_offset  # type: ignore[method-assign,assignment]
        Consumer.commit_and_end_transactions = final_commit  # type: ignore[method-assign,assignment]
        AIOKafkaConsumerThread.seek_to_committed = seek_to_committed  # type: ignore[method-assign,assignment]
        Consumer.__init__ = consumer_init  # type: ignore[method-assign]
        AIOKafkaConsumerThread._create_worker_consumer = create_worker_consumer  # type: ignore[method-assign]
        _INSTALLED = True


# --- reading Faust's state (every use of Faust internals outside the patches above is here) ------


def key_partition(app: Any, topic: str, key: bytes, default_partitions: int) -> int:
    """The partition a producer with Kafka's default partitioner (murmur2: Java, kafka-python,
    aiokafka alike) puts ``key`` in, for a topic this worker consumes."""
    partitions = None
    with contextlib.suppress(Exception):  # not started, or metadata not known yet
        partitions = app.consumer.topic_partitions(topic)
    return _murmur2(key) % (partitions or default_partitions)


@functools.lru_cache(maxsize=65536)
def _murmur2(key: bytes) -> int:
    """Kafka's murmur2 of a key, positive (a claim id's answers come a few times each)."""
    from kafka.partitioner.default import murmur2

    return int(murmur2(key) & 0x7FFFFFFF)


def partition_owner(app: Any, topic: str, partition: int) -> str | None:
    """The listener URL of the group member assigned ``topic[partition]``, from the assignment
    Faust's assignor shares with every member (each member's ``canonical_url``); None before the
    first assignment."""
    urls: dict[Any, str] = getattr(app.assignor, "_external_tps_url", {}) or {}
    return urls.get(TP(topic, partition))


def is_assigned(app: Any, topic: str, partition: int) -> bool:
    """Whether this worker is the active owner of ``topic[partition]`` now."""
    try:
        return TP(topic, partition) in app.assignor.assigned_actives()
    except Exception:
        return False


def read_position(consumer: Any, tp: TP) -> int | None:
    """The next offset this worker reads from ``tp``: after the last one handed to a stream, else
    the committed offset (Faust keeps both privately; the patched read positions are read with
    ``dict.get``, which bypasses the ``ReadOffsets.__getitem__`` that hides them from the fetch
    loop)."""
    read = consumer._read_offset.get(tp)
    if read is not None:
        return int(read) + 1
    committed = consumer._committed_offset.get(tp)
    return int(committed) if committed is not None else None


def tables_recovering(app: Any) -> bool | None:
    """True while table recovery runs, False once done, None before it was ever started."""
    recovery = getattr(app.tables, "recovery", None)
    if recovery is None:
        return None
    return bool(recovery.in_recovery or not recovery.completed.is_set())


def recovery_in_progress(app: Any) -> bool:
    """Table recovery is running now (not: has not started yet)."""
    recovery = getattr(app.tables, "recovery", None)
    return bool(recovery is not None and recovery.in_recovery)


def consumer_partitions(app: Any) -> dict[str, Any]:
    """Where the consumer's partitions stand in Faust and aiokafka (for a stall report): assigned,
    active (fetched) in Faust, paused, held back as buffer-full, with fetched records waiting in
    aiokafka; whether flow is active and a table recovery runs. Best effort: what cannot be read
    is left out."""
    consumer = app.consumer
    state: dict[str, Any] = {}
    with contextlib.suppress(Exception):
        state["assigned"] = set(consumer.assignment())
        state["active"] = set(consumer._active_partitions or ())
        state["paused"] = set(consumer._paused_partitions or ())
        state["buffered"] = set(consumer._buffered_partitions or ())
        state["flow_active"] = bool(consumer.flow_active)
        state["in_recovery"] = recovery_in_progress(app)
        fetcher = consumer._thread._ensure_consumer()._fetcher
        state["fetched_waiting"] = set(fetcher._records)
    return state


def rocksdb_active_dbs(store: Any) -> list[Any]:
    """The RocksDB databases of a Faust RocksDB store's active partitions."""
    return list(store._dbs_for_actives())


def rocksdb_partition_db(store: Any, partition: int) -> Any:
    """The RocksDB database of one partition of a Faust RocksDB store."""
    return store._db_for_partition(partition)


def set_current_event(event: Any) -> None:
    """Make ``event`` Faust's current event: a table write goes to its changelog partition."""
    from faust.streams import _current_event

    _current_event.set(weakref.ref(event))


class HookedWorker(Worker):
    """Faust's worker (mode's) with hooks on two of its private steps: ``after_logging_setup``
    once it has installed its log handlers, ``on_stop_signal`` when a stop signal arrives (first
    time only; a second one is mode's forced exit)."""

    def after_logging_setup(self) -> None:
        """Called once mode has installed its log handlers."""

    def on_stop_signal(self, sig: signal.Signals) -> None:
        """Called when the first stop signal arrives."""

    def _setup_logging(self) -> None:
        super()._setup_logging()
        self.after_logging_setup()

    def _schedule_shutdown(self, sig: signal.Signals) -> None:
        if not self._signal_stop_time:
            self.on_stop_signal(sig)
        super()._schedule_shutdown(sig)


class BulkRecovery(Recovery):
    """Faust's table recovery, which first brings the active changelog partitions whose store takes
    records in bulk up to the changelog's end (see ``streams/runtime/changelog_reader.py``).

    A rebalance starting during the read (partitions revoked or assigned) stops it before its next
    batch — the stores keep a consistent prefix of each changelog — and the recovery of the new
    assignment resumes from there.

    Standby partitions of such stores are kept from Faust (which would follow them through the
    worker's consumer, record by record) and followed by a ``StandbyReader`` once the recovery is
    complete: a cold pod is ready as soon as its own partitions are. The reader is cancelled the
    moment partitions are revoked or assigned, before Faust's recovery of the new assignment reads
    the stores' offsets; the standby partitions still count as the tables' (``on_recovery_completed``
    keeps them) and stay paused in the worker's consumer."""

    #: moved on every revocation and assignment: a read of an older epoch applies nothing more
    _epoch = 0
    #: the next ``_wait`` is the bulk read's: no request timeout (set by the active highwaters step)
    _unbounded = False
    #: standby partitions whose store takes records in bulk (this assignment's), and their reader
    _bulk_standbys: dict[TP, Any] | None = None
    _standby_reader: StandbyReader | None = None

    def on_partitions_revoked(self, revoked: set[TP]) -> None:
        self._epoch += 1
        self._stop_standby_reader()
        super().on_partitions_revoked(revoked)

    async def on_rebalance(
        self, assigned: set[TP], revoked: set[TP], newly_assigned: set[TP], generation_id: int = 0
    ) -> None:
        self._epoch += 1
        self._stop_standby_reader()
        self._bulk_standbys = {}
        await super().on_rebalance(assigned, revoked, newly_assigned, generation_id)

    def add_standby(self, table: Any, tp: TP) -> None:
        if getattr(table.data, "bulk", False):
            if self._bulk_standbys is None:
                self._bulk_standbys = {}
            self._bulk_standbys[tp] = table.data
            self.tp_to_table[tp] = table
            self.standbys_for_table[table].add(tp)
        else:
            super().add_standby(table, tp)

    def revoke(self, tp: TP) -> None:
        if self._bulk_standbys:
            self._bulk_standbys.pop(tp, None)
        super().revoke(tp)

    async def on_recovery_completed(self, generation_id: int = 0) -> None:
        epoch = self._epoch
        await super().on_recovery_completed(generation_id)
        if self._bulk_standbys and epoch == self._epoch and self.app.consumer_generation_id == generation_id:
            self._standby_reader = StandbyReader(consumer_options(self.app), self._bulk_standbys)
            self._standby_reader.start()
            self.tables.on_standbys_ready()  # followed from here on (Faust's flag is informational)

    def _stop_standby_reader(self) -> None:
        reader, self._standby_reader = self._standby_reader, None
        if reader is not None:
            reader.cancel()

    async def on_stop(self) -> None:
        reader, self._standby_reader = self._standby_reader, None
        if reader is not None:
            await reader.stop()
        await super().on_stop()

    async def _build_highwaters(self, consumer: Any, tps: set[TP], destination: Any, title: str) -> None:
        await super()._build_highwaters(consumer, tps, destination, title)
        if title == "active":  # Faust's next step builds the active offsets: the bulk read first
            self._unbounded = True

    async def _build_offsets(self, consumer: Any, tps: set[TP], destination: Any, title: str) -> None:
        if title == "active":
            await self._read_in_bulk()
        await super()._build_offsets(consumer, tps, destination, title)

    async def _read_in_bulk(self) -> None:
        stores: dict[TP, Any] = {}
        for tp in self.active_tps:
            table: Any = self.tp_to_table[tp]
            if getattr(table.data, "bulk", False):
                stores[tp] = table.data
        if not stores:
            return
        epoch = self._epoch
        try:
            read = await bring_up_to_date(
                consumer_options(self.app), stores, current=lambda: self._epoch == epoch
            )
        except Superseded:
            raise RebalanceAgain() from None
        for tp, offset in read.items():
            if self.active_offsets.get(tp) is None or self.active_offsets[tp] < offset:
                self.active_offsets[tp] = offset
            # the highwaters were taken before the read: a record written since is read, not missing
            if self.active_highwaters.get(tp) is None or self.active_highwaters[tp] < offset:
                self.active_highwaters[tp] = offset

    async def _wait(self, coro: Any, timeout: Any = None) -> None:
        if self._unbounded:  # the bulk read: as long as it takes (a rebalance or a stop ends it)
            self._unbounded = False
            timeout = None
        await super()._wait(coro, timeout=timeout)


class ClaimflowTableManager(TableManager):
    """Faust's table manager with ``BulkRecovery`` as its recovery service."""

    @property
    def recovery(self) -> Recovery:
        if self._recovery is None:
            self._recovery = BulkRecovery(self.app, self, beacon=self.beacon, loop=self.loop)
        return self._recovery
