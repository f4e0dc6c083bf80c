"""claimflow's memory store keeps values as compressed bytes: round trips, stamps, the sweep."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace
from typing import Any

from faust.types import TP

from streams.runtime.stores import DICTIONARY_SAMPLES, CompactMemoryStore, Packer, stamp
from streams.runtime.tables import RetainedTable


def value(i: int, written: float | None = 1000.0) -> bytes:
    body: dict[str, Any] = {"record": {"claim_id": f"C-{i}", "state": "paid", "history": list(range(i % 7))}}
    if written is not None:
        body |= {"_p": 0, "_w": written}
    return json.dumps(body, separators=(",", ":")).encode()


def test_values_round_trip_plain_then_against_the_learnt_dictionary() -> None:
    packer = Packer()
    values = [value(i, 1000.0 + i) for i in range(3 * DICTIONARY_SAMPLES)]
    blobs = [packer.pack(v) for v in values]
    assert packer.dictionary is not None
    assert [packer.unpack(b) for b in blobs] == values
    assert [stamp(b) for b in blobs] == [1000.0 + i for i in range(len(values))]
    primed = blobs[-1]
    assert len(primed) < len(Packer().pack(values[-1]))  # the dictionary pays
    assert math.isnan(stamp(packer.pack(value(1, written=None))))


class FakeTable:
    name = "claims"

    def __init__(self) -> None:
        self.sent: list[tuple[int, Any, Any]] = []
        self.changelog_topic = SimpleNamespace(get_topic_name=lambda: "app-claims-changelog")
        self.data: CompactMemoryStore | None = None

    def send_changelog(self, partition: int, key: Any, value: Any, **serializers: str) -> None:
        self.sent.append((partition, key, value))


def changelog_event(partition: int, key: bytes, raw: bytes | None, offset: int = 0) -> Any:
    message = SimpleNamespace(
        partition=partition, key=key, value=raw, topic="t", offset=offset, tp=TP("t", partition)
    )
    return SimpleNamespace(message=message)


def test_recovered_entries_are_found_in_any_partition_and_expire_by_their_stamp() -> None:
    table = FakeTable()
    store = CompactMemoryStore("memory://", SimpleNamespace(), table)
    table.data = store
    batch = [
        changelog_event(i % 2, b'"C-%d"' % i, value(i, 1000.0 if i % 3 == 0 else 1950.0)) for i in range(30)
    ]
    store.apply_changelog_batch(batch, None, None)
    store.apply_changelog_batch([changelog_event(1, b'"C-1"', None)], None, None)  # a tombstone
    assert store._size() == 29
    assert store._get(b'"C-4"') == value(4, 1950.0)  # no current event: every partition is searched
    assert store._get(b'"C-1"') is None
    retained = RetainedTable(table, retention_seconds=100, sweep_budget=6)
    assigned = [TP("app-claims-changelog", 0), TP("app-claims-changelog", 1)]
    evicted = sum(retained.sweep(assigned, now=2000.0) for _ in range(5))
    assert evicted == 10  # C-0, C-3, ..., C-27
    assert {k for _, k, v in table.sent if v is None} == {b'"C-%d"' % i for i in range(0, 30, 3)}
    assert store._size() == 19


def test_faust_recovery_and_the_bulk_read_store_the_same_records_alike() -> None:
    # the same changelog, interleaved across two partitions, with rewrites, a tombstone and a record
    # without a key (no table entry: skipped by both)
    records = [
        (i % 2, (b'"C-%d"' % (i % 5)) if i != 7 else None, value(i, 1950.0) if i != 11 else None, i // 2)
        for i in range(12)
    ]
    through_faust = CompactMemoryStore("memory://", SimpleNamespace(), FakeTable())
    through_faust.apply_changelog_batch([changelog_event(*r) for r in records], None, None)  # type: ignore[arg-type]
    in_bulk = CompactMemoryStore("memory://", SimpleNamespace(), FakeTable())
    for partition in (0, 1):
        mine = [
            SimpleNamespace(topic="t", key=k, value=v, offset=o) for p, k, v, o in records if p == partition
        ]
        in_bulk.apply_records(partition, mine)  # type: ignore[arg-type]

    def held(store: CompactMemoryStore) -> dict[int, dict[bytes, bytes]]:
        return {
            p: {k: store.packer.unpack(b) for k, b in part.items()} for p, part in store.partitions.items()
        }

    assert held(through_faust) == held(in_bulk)
    assert b'"C-1"' not in held(in_bulk)[1]  # written by record 1, removed by record 11's tombstone
    assert held(in_bulk)[1][b'"C-3"'] == value(3, 1950.0)
    for partition in (0, 1):
        tp = TP("t", partition)
        assert through_faust.persisted_offset(tp) == in_bulk.persisted_offset(tp) == 5
