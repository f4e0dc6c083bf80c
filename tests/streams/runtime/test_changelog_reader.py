"""Table recovery in bulk against the embedded broker: the stores are brought up to the changelogs'
end from their persisted offsets and report the last offset applied, so Faust's recovery reads only
what follows.

Expected values come from what a compacted changelog means — the latest value per key, a
tombstone removes the key — not from the reader's code.
"""

from __future__ import annotations

import asyncio
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from faust.types import TP
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from yarl import URL

from streams.dev.broker import EmbeddedBroker
from streams.runtime.changelog_reader import (
    StandbyReader,
    Superseded,
    bring_up_to_date,
    consumer_options,
    read_changelogs,
)
from streams.runtime.stores import CompactMemoryStore

pytestmark = pytest.mark.broker

PARTITIONS = 3


def fake_app(bootstrap: str) -> Any:
    conf = SimpleNamespace(
        broker=[URL(f"kafka://{bootstrap}")],
        broker_client_id="claimflow-test",
        broker_credentials=None,
        ssl_context=None,
    )
    return SimpleNamespace(conf=conf, in_transaction=False)


def fake_table(topic: str) -> Any:
    return SimpleNamespace(name="claims", changelog_topic=SimpleNamespace(get_topic_name=lambda: topic))


def produce(bootstrap: str, topic: str, writes: list[tuple[int, bytes, bytes | None]]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, batch_size=0)  # one record a request
    for partition, key, value in writes:
        producer.send(topic, key=key, value=value, partition=partition).get(10)
    producer.close()


def changelog(broker: EmbeddedBroker, writes: list[tuple[int, bytes, bytes | None]]) -> str:
    """A changelog topic holding ``writes`` (partition, key, value; None: tombstone), in order."""
    topic = f"app-{uuid.uuid4().hex[:8]}-claims-changelog"
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    admin.create_topics([NewTopic(topic, PARTITIONS, 1)])
    admin.close()
    produce(broker.bootstrap, topic, writes)
    return topic


def year(n: int) -> list[tuple[int, bytes, bytes | None]]:
    """Keys written, rewritten and deleted across partitions."""
    writes: list[tuple[int, bytes, bytes | None]] = []
    for i in range(n):
        writes.append((i % PARTITIONS, b'"C-%d"' % i, b'{"state":"submitted","n":%d,"_w":1.0}' % i))
    for i in range(0, n, 3):
        writes.append((i % PARTITIONS, b'"C-%d"' % i, b'{"state":"paid","n":%d,"_w":2.0}' % i))
    for i in range(0, n, 5):
        writes.append((i % PARTITIONS, b'"C-%d"' % i, None))
    return writes


def latest(writes: list[tuple[int, bytes, bytes | None]]) -> dict[int, dict[bytes, bytes]]:
    out: dict[int, dict[bytes, bytes]] = {p: {} for p in range(PARTITIONS)}
    for partition, key, value in writes:
        if value is None:
            out[partition].pop(key, None)
        else:
            out[partition][key] = value
    return out


def contents(store: CompactMemoryStore, partition: int) -> dict[bytes, bytes]:
    """What the store holds of a changelog partition, decoded as the changelog carried it."""
    return {k: store.packer.unpack(v) for k, v in store.partitions.get(partition, {}).items()}


def offsets_per_partition(writes: list[tuple[int, bytes, bytes | None]]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for partition, _, _ in writes:
        counts[partition] = counts.get(partition, 0) + 1
    return {p: c - 1 for p, c in counts.items()}


def test_a_memory_store_is_brought_up_to_date_whole_and_then_reports_its_last_offsets(
    broker: EmbeddedBroker,
) -> None:
    writes = year(60)
    topic = changelog(broker, writes)
    store = CompactMemoryStore("memory://", fake_app(broker.bootstrap), fake_table(topic))
    applied: list[int] = []
    store.on_applied = applied.append
    tps = {TP(topic, p) for p in range(PARTITIONS)}

    read = asyncio.run(
        bring_up_to_date(consumer_options(fake_app(broker.bootstrap)), dict.fromkeys(tps, store))
    )

    expected = latest(writes)
    for p in range(PARTITIONS):
        assert contents(store, p) == expected[p]
    assert sum(applied) == len(writes)
    last = offsets_per_partition(writes)
    assert {tp.partition: offset for tp, offset in read.items()} == last
    assert {tp.partition: store.persisted_offset(tp) for tp in tps} == last  # Faust resumes after these

    # up to date: a second recovery reads nothing
    applied.clear()
    asyncio.run(bring_up_to_date(consumer_options(fake_app(broker.bootstrap)), dict.fromkeys(tps, store)))
    assert applied == []


def test_a_store_holding_part_of_a_changelog_reads_only_what_follows(broker: EmbeddedBroker) -> None:
    writes = year(30)
    topic = changelog(broker, writes)
    app = fake_app(broker.bootstrap)
    store = CompactMemoryStore("memory://", app, fake_table(topic))
    tps = {TP(topic, p) for p in range(PARTITIONS)}
    asyncio.run(bring_up_to_date(consumer_options(app), dict.fromkeys(tps, store)))
    # more written while this worker was away (a cut-short read resumes the same way)
    more = [(i % PARTITIONS, b'"C-%d"' % i, b'{"state":"denied","_w":3.0}') for i in range(0, 30, 2)]
    more += [(1, b'"C-1"', None)]
    produce(broker.bootstrap, topic, more)
    applied: list[int] = []
    store.on_applied = applied.append

    asyncio.run(bring_up_to_date(consumer_options(app), dict.fromkeys(tps, store)))

    assert sum(applied) == len(more)
    expected = latest(writes + more)
    for p in range(PARTITIONS):
        assert contents(store, p) == expected[p]


def test_a_partition_assigned_again_is_read_afresh_not_merged_with_what_it_held() -> None:
    store = CompactMemoryStore("memory://", fake_app("127.0.0.1:1"), fake_table("t"))
    store.partitions[0] = {b'"C-stale"': store.packer.pack(b'{"_w":1.0}')}
    store.set_persisted_offset(TP("t", 0), 41)
    # dropped when the worker no longer holds it, with its offset (nothing survives the process)
    asyncio.run(store.on_recovery_completed(set(), set()))
    assert 0 not in store.partitions and store.persisted_offset(TP("t", 0)) is None
    # held across a rebalance it keeps what it has; assigned anew it starts empty, from offset 0
    store.partitions[1] = {b'"C-kept"': store.packer.pack(b'{"_w":1.0}')}
    store.set_persisted_offset(TP("t", 1), 7)
    store.partitions[2] = {b'"C-stale"': store.packer.pack(b'{"_w":1.0}')}
    store.set_persisted_offset(TP("t", 2), 9)
    asyncio.run(store.on_rebalance({TP("t", 1), TP("t", 2)}, set(), {TP("t", 2)}))
    assert b'"C-kept"' in store.partitions[1] and store.persisted_offset(TP("t", 1)) == 7
    assert store.partitions[2] == {} and store.persisted_offset(TP("t", 2)) is None


def test_a_read_from_an_offset_applies_only_the_records_after_it(broker: EmbeddedBroker) -> None:
    writes = year(30)
    topic = changelog(broker, writes)
    got: list[tuple[int, int]] = []

    def apply(tp: TP, records: Any) -> None:
        got.extend((tp.partition, r.offset) for r in records)

    last = offsets_per_partition(writes)
    starts: dict[TP, int | None] = {TP(topic, 0): 5, TP(topic, 1): None}
    read = asyncio.run(read_changelogs(consumer_options(fake_app(broker.bootstrap)), starts, apply))

    assert [o for p, o in got if p == 0] == list(range(5, last[0] + 1))
    assert [o for p, o in got if p == 1] == list(range(last[1] + 1))
    assert not [o for p, o in got if p == 2]  # not asked for
    assert read == {TP(topic, 0): last[0], TP(topic, 1): last[1]}


def test_a_read_superseded_by_a_rebalance_stops_with_each_store_holding_a_prefix_up_to_its_offset(
    broker: EmbeddedBroker,
) -> None:
    writes = year(60)
    topic = changelog(broker, writes)
    app = fake_app(broker.bootstrap)
    store = CompactMemoryStore("memory://", app, fake_table(topic))
    tps = {TP(topic, p) for p in range(PARTITIONS)}
    answers = iter([True])  # the assignment stands for one batch, then a rebalance starts

    with pytest.raises(Superseded):
        asyncio.run(
            bring_up_to_date(
                consumer_options(app), dict.fromkeys(tps, store), current=lambda: next(answers, False)
            )
        )

    held = [p for p in range(PARTITIONS) if store.partitions.get(p)]
    assert len(held) == 1  # one batch applied, nothing after the change
    for p in range(PARTITIONS):
        offset = store.persisted_offset(TP(topic, p))
        mine = [w for w in writes if w[0] == p]
        expected = latest(mine[: offset + 1])[p] if offset is not None else {}
        assert contents(store, p) == expected


async def until(condition: Any, timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


def test_a_standby_copy_follows_its_changelog_as_written_and_applies_nothing_once_cancelled(
    broker: EmbeddedBroker,
) -> None:
    before = year(30)
    topic = changelog(broker, before)
    app = fake_app(broker.bootstrap)
    store = CompactMemoryStore("memory://", app, fake_table(topic))
    applied: list[int] = []
    store.on_applied = applied.append
    tps = {TP(topic, p) for p in range(PARTITIONS)}
    # the other worker goes on writing while this one keeps the standby copy
    during = [(i % PARTITIONS, b'"C-%d"' % i, b'{"state":"appealed","_w":4.0}') for i in range(0, 30, 4)]
    during += [(2, b'"C-2"', None), (0, b'"C-new"', b'{"state":"submitted","_w":5.0}')]
    after = [(p, b'"C-late-%d"' % p, b'{"state":"submitted","_w":6.0}') for p in range(PARTITIONS)]

    def holds(writes: list[tuple[int, bytes, bytes | None]]) -> bool:
        last = offsets_per_partition(writes)
        return all(store.persisted_offset(TP(topic, p)) == last[p] for p in last)

    async def scenario() -> StandbyReader:
        reader = StandbyReader(consumer_options(app), dict.fromkeys(tps, store))
        reader.start()
        await until(lambda: holds(before))  # a new standby copy: read from the beginning
        await asyncio.to_thread(produce, broker.bootstrap, topic, during)
        await until(lambda: holds(before + during))
        assert reader.cancel() is not None
        await asyncio.to_thread(produce, broker.bootstrap, topic, after)
        await asyncio.sleep(1.5)  # longer than a standby fetch waits
        return reader

    reader = asyncio.run(scenario())

    expected = latest(before + during)  # nothing of ``after``: applied only while it ran
    for p in range(PARTITIONS):
        assert contents(store, p) == expected[p]
    assert sum(applied) == reader.records == len(before) + len(during)
    # promoted to active by the rebalance that cancelled it: the recovery reads only the tail
    applied.clear()
    asyncio.run(bring_up_to_date(consumer_options(app), dict.fromkeys(tps, store)))
    assert sum(applied) == len(after)
    for p in range(PARTITIONS):
        assert store.packer.unpack(store.partitions[p][b'"C-late-%d"' % p]) == after[p][2]


def test_a_standby_reader_that_fails_starts_again_from_the_stores_offsets(broker: EmbeddedBroker) -> None:
    writes = year(12)
    topic = changelog(broker, writes)
    app = fake_app(broker.bootstrap)
    store = CompactMemoryStore("memory://", app, fake_table(topic))
    tps = {TP(topic, p) for p in range(PARTITIONS)}
    calls = {"n": 0}
    apply = store.apply_records

    def failing_once(partition: int, records: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("disk full")
        apply(partition, records)

    store.apply_records = failing_once  # type: ignore[method-assign]

    async def scenario() -> None:
        reader = StandbyReader(consumer_options(app), dict.fromkeys(tps, store))
        reader.start()
        last = offsets_per_partition(writes)
        await until(lambda: all(store.persisted_offset(TP(topic, p)) == last[p] for p in last), timeout=60)
        await reader.stop()

    asyncio.run(scenario())
    expected = latest(writes)
    for p in range(PARTITIONS):
        assert contents(store, p) == expected[p]
