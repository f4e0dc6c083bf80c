"""The commit fix: Faust never commits past a message that is still being processed."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from aiokafka import TopicPartition
from faust.transport.consumer import Consumer
from faust.types import TP
from intervaltree import IntervalTree

from streams.runtime.faust_internals import ReadOffsets, final_commit, new_offset, seek_committed_or_reset

TP0 = TP("claims-waiting", 0)


@dataclass(eq=False)
class Msg:
    tp: TP
    offset: int
    acked: bool = False


class FakeConsumer(SimpleNamespace):
    """A Faust consumer's commit state (a class of its own: the read positions hold it weakly)."""


def consumer(
    committed: int | None, acked: list[int], in_flight: list[int], handed: list[int] | None = None
) -> Any:
    read = ReadOffsets()
    for offset in handed if handed is not None else [*acked, *in_flight]:
        read[TP0] = offset  # what Faust's fetch loop records as it hands each message to a stream
    return FakeConsumer(
        _read_offset=read,
        _acked=defaultdict(list, {TP0: list(acked)}),
        _acked_index=defaultdict(set, {TP0: set(acked)}),
        _gap=defaultdict(IntervalTree),
        _committed_offset=defaultdict(lambda: None, {TP0: committed}),
        _unacked_messages={Msg(TP0, o) for o in in_flight},
    )


def test_a_message_in_flight_at_the_committed_offset_is_not_skipped() -> None:
    # faust-streaming #606: committed 2585, 2585 still processing, 2586..2589 acknowledged
    c = consumer(2585, [2586, 2587, 2588, 2589], in_flight=[2585])
    assert new_offset(c, TP0) is None


def test_before_the_first_commit_an_in_flight_head_holds_the_commit() -> None:
    c = consumer(None, [1, 2], in_flight=[0])
    assert new_offset(c, TP0) is None
    c._unacked_messages.clear()
    c._acked[TP0].insert(0, 0)
    c._acked_index[TP0].add(0)
    assert new_offset(c, TP0) == 3  # the held offsets are committed once the head is done


def test_the_commit_stops_just_below_an_in_flight_message() -> None:
    c = consumer(10, [10, 11, 13, 14], in_flight=[12])
    assert new_offset(c, TP0) == 12
    assert c._acked[TP0] == [13, 14]


def test_a_head_message_dropped_by_a_rebalance_holds_the_commit() -> None:
    # committed 10; message 10 was handed to a stream whose queue a rebalance cleared: it is neither
    # acknowledged nor in flight any more (Faust's check, off by one, would commit 13)
    c = consumer(10, [11, 12], in_flight=[])
    assert new_offset(c, TP0) is None


def test_before_the_first_commit_the_lowest_offset_handed_out_is_the_head() -> None:
    # the fault test's loss: a never-committed claim-denials partition, offset 4 (the first the
    # worker was handed) dropped by a rebalance, 5 and 6 acknowledged
    c = consumer(None, [5, 6], in_flight=[], handed=[4, 5, 6])
    assert new_offset(c, TP0) is None
    c._acked[TP0].insert(0, 4)  # fetched again after the seek, processed, acknowledged
    c._acked_index[TP0].add(4)
    assert new_offset(c, TP0) == 7


def test_without_messages_in_flight_the_consecutive_run_is_committed() -> None:
    c = consumer(10, [10, 11, 12], in_flight=[])
    assert new_offset(c, TP0) == 13
    assert new_offset(c, TP0) is None


def test_in_flight_messages_of_other_partitions_do_not_hold_this_one() -> None:
    c = consumer(10, [10, 11], in_flight=[])
    c._unacked_messages = {Msg(TP("claims-waiting", 1), 3)}
    assert new_offset(c, TP0) == 12


class CommittingConsumer:
    """What Faust's ``commit()`` and its one-at-a-time fence need, with a recording force_commit."""

    def __init__(self) -> None:
        self.app = SimpleNamespace(client_only=False)
        self.loop = asyncio.get_running_loop()
        self._commit_fut: Any = None
        self.commits: list[str] = []
        self.acked_after_periodic = False
        self.commit = Consumer.commit.__get__(self)
        self.maybe_wait_for_commit_to_finish = Consumer.maybe_wait_for_commit_to_finish.__get__(self)

    async def force_commit(self, topics: Any = None, start_new_transaction: bool = True) -> bool:
        offsets = "with last acks" if self.acked_after_periodic else "before last acks"
        await asyncio.sleep(0.01)  # the commit request to the broker
        self.commits.append(offsets)
        return True


def test_the_final_commit_waits_for_a_running_commit_and_commits_again() -> None:
    async def scenario() -> list[str]:
        consumer = CommittingConsumer()
        running = asyncio.ensure_future(consumer.commit())  # the periodic commit, offsets computed
        await asyncio.sleep(0)
        assert consumer._commit_fut is not None
        consumer.acked_after_periodic = True  # the streams acknowledge their last events meanwhile
        await final_commit(consumer)
        await running
        return consumer.commits

    # Faust's own commit_and_end_transactions returns once the running commit is done
    assert asyncio.run(scenario()) == ["before last acks", "with last acks"]


class FakeAioConsumer:
    """aiokafka's consumer as the seek sees it: committed offsets, the assignment, the seeks asked."""

    def __init__(
        self, committed: dict[TopicPartition, int | None], assigned: set[TopicPartition] | None = None
    ):
        self.committed = committed
        self.assigned = set(committed) if assigned is None else assigned
        self.seeks: list[tuple[str, TopicPartition, int | None]] = []

    async def seek_to_committed(self) -> dict[TopicPartition, int | None]:
        for tp, offset in self.committed.items():
            if offset and offset > 0:  # what aiokafka does: None and 0 are left where they are
                self.seeks.append(("committed", tp, offset))
        return dict(self.committed)

    def assignment(self) -> set[TopicPartition]:
        return self.assigned

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.seeks.append(("offset", tp, offset))

    async def seek_to_beginning(self, *tps: TopicPartition) -> None:
        self._check_assigned(tps)
        self.seeks.extend(("beginning", tp, None) for tp in tps)

    async def seek_to_end(self, *tps: TopicPartition) -> None:
        self._check_assigned(tps)
        self.seeks.extend(("end", tp, None) for tp in tps)

    def _check_assigned(self, tps: tuple[TopicPartition, ...]) -> None:
        if set(tps) - self.assigned:  # aiokafka raises IllegalStateError
            raise AssertionError(f"seek on unassigned partitions {set(tps) - self.assigned}")


DENIALS = [TopicPartition("claim-denials", p) for p in range(3)]
CHANGELOG = TopicPartition("cf-claims-changelog", 0)


def seeks_for(
    committed: dict[TopicPartition, int | None], reset: str, assigned: set[TopicPartition] | None = None
) -> list[tuple[str, TopicPartition, int | None]]:
    consumer = FakeAioConsumer(committed, assigned)
    asyncio.run(seek_committed_or_reset(consumer, {CHANGELOG.topic}, reset))
    return consumer.seeks


def test_a_partition_never_committed_starts_at_its_beginning_after_a_rebalance() -> None:
    # the fault test's loss: records 0-2 fetched and dropped while the partition changed hands,
    # and aiokafka's seek_to_committed left the position at 3
    seeks = seeks_for({DENIALS[0]: None, DENIALS[1]: 7, CHANGELOG: None}, "earliest")
    assert ("offset", DENIALS[0], 0) in seeks
    assert ("committed", DENIALS[1], 7) in seeks
    assert not [s for s in seeks if s[1] == CHANGELOG]  # Faust positions changelogs itself


def test_a_committed_zero_is_sought_to_zero_not_ignored() -> None:
    assert seeks_for({DENIALS[2]: 0}, "earliest") == [("offset", DENIALS[2], 0)]


def test_a_partition_revoked_meanwhile_is_left_alone() -> None:
    assert seeks_for({DENIALS[0]: None, DENIALS[1]: 0}, "earliest", assigned=set()) == []


def test_the_reset_policy_decides_where_a_never_committed_partition_starts() -> None:
    assert seeks_for({DENIALS[0]: None}, "latest") == [("end", DENIALS[0], None)]
    assert seeks_for({DENIALS[0]: None}, "none") == []


def test_the_worker_installs_every_fix() -> None:
    from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

    from streams.runtime import faust_internals as faustfix

    faustfix.install()
    assert Consumer._new_offset is faustfix.new_offset
    assert Consumer.commit_and_end_transactions is faustfix.final_commit
    assert AIOKafkaConsumerThread.seek_to_committed is faustfix.seek_to_committed
    assert AIOKafkaConsumerThread._create_worker_consumer is faustfix.create_worker_consumer


def test_a_message_fetched_again_behind_the_read_position_is_delivered_again() -> None:
    from streams.runtime.faust_internals import ReadOffsets

    # the fault test's loss: offsets 16-32 fetched, their queues cleared by a rebalance, fetched
    # again after the seek to the committed offset 16 while the read position said 32
    read = ReadOffsets()
    read[TP0] = 32
    r_offset = read[TP0]  # what Faust's fetch loop asks
    offset = 20
    delivered = r_offset is None or offset >= r_offset
    gap_recorded = (offset - (r_offset or 0)) > 1 and bool(r_offset)
    assert delivered and not gap_recorded
    assert dict(read) == {TP0: 32}  # still recorded for whoever inspects it


def test_faust_consumers_are_created_with_never_skipping_read_offsets() -> None:
    from streams.runtime import faust_internals as faustfix

    faustfix.install()
    assert Consumer.__init__ is faustfix.consumer_init


def test_the_library_behaviours_the_fixes_rely_on_are_still_there() -> None:
    """Pins what the fixes patch around: if Faust or aiokafka change these, a fix may stop working
    silently (or become unnecessary) — this fails first."""
    import inspect

    from aiokafka import AIOKafkaConsumer

    # Faust's fetch loop reads positions through __getitem__ (ReadOffsets answers None there)
    assert "get_read_offset = self._read_offset.__getitem__" in inspect.getsource(Consumer._drain_messages)
    # aiokafka's seek_to_committed leaves committed None and 0 where they are
    assert "if offset and offset > 0:" in inspect.getsource(AIOKafkaConsumer.seek_to_committed)
    # aiokafka builds its fetcher at start() from the isolation level the consumer holds then
    assert "isolation_level=self._isolation_level" in inspect.getsource(AIOKafkaConsumer.start)
    # Faust's commit() still returns without committing while another commit runs
    assert "maybe_wait_for_commit_to_finish" in inspect.getsource(Consumer.commit)


def test_offsets_the_fetcher_skipped_between_two_messages_are_committed_past() -> None:
    """A transaction's commit marker (another team's transactional producer) holds offset 1 between
    claims at 0 and 2: no message to acknowledge, so once 0 and 2 are done the commit reaches 3 —
    it stopped at 1, and every restart read everything after it again (producerreview F3)."""
    c = consumer(None, [], in_flight=[], handed=[])
    c._read_offset = read = ReadOffsets(c)
    for offset in (0, 2):
        read[TP0] = offset
    c._acked[TP0].extend([0, 2])
    assert new_offset(c, TP0) == 3


def test_a_message_fetched_again_after_a_seek_back_is_no_gap() -> None:
    """Fetched again from the committed offset after a rebalance (read position 32, now 16): no
    offset is taken as skipped, and a later message dropped from a queue still holds the commit."""
    c = consumer(16, [], in_flight=[], handed=[])
    c._read_offset = read = ReadOffsets(c)
    for offset in (30, 31, 32, 16, 17, 18):  # 17 handed to a stream whose queue a rebalance cleared
        read[TP0] = offset
    c._acked[TP0].extend([16, 18])
    assert new_offset(c, TP0) == 17  # 16 done; 17 neither acknowledged nor a gap: the commit waits


def test_a_tables_changelog_keeps_no_gaps() -> None:
    """A changelog is compacted (gaps everywhere) and never committed by the group: recording its
    gaps would only grow the consumer's memory (Faust records gaps for acking topics only)."""
    c = consumer(None, [], in_flight=[], handed=[])
    c.app = SimpleNamespace(
        topics=SimpleNamespace(acks_enabled_for=lambda topic: topic != "claims-changelog")
    )
    c._read_offset = read = ReadOffsets(c)
    changelog = TP("claims-changelog", 0)
    for offset in (0, 5, 9):
        read[changelog] = offset
        read[TP0] = offset
    assert not c._gap[changelog] and len(c._gap[TP0]) == 2
