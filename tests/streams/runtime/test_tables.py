"""Bounded table state: entries expire after the retention period, only on active partitions,
and each eviction leaves a tombstone in the changelog."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from faust.types import TP

from streams.runtime.tables import PARTITION, WRITTEN, RetainedTable


class FakeTable:
    name = "claims"

    def __init__(self) -> None:
        self.data: dict[Any, Any] = {}
        self.sent: list[tuple[int, Any, Any]] = []
        self.changelog_topic = SimpleNamespace(get_topic_name=lambda: "app-claims-changelog")

    def get(self, key: Any, default: Any = None) -> Any:
        return self.data.get(key, default)

    def __setitem__(self, key: Any, value: Any) -> None:
        self.data[key] = value

    def send_changelog(self, partition: int, key: Any, value: Any, **serializers: str) -> None:
        self.sent.append((partition, key, value))


def entry(partition: int, written: float) -> dict[str, Any]:
    return {"record": {}, PARTITION: partition, WRITTEN: written}


def test_a_write_outside_an_event_is_stamped_with_its_time() -> None:
    table = RetainedTable(FakeTable(), retention_seconds=100)
    table["C-1"] = {"record": {"state": "paid"}}
    value = table.get("C-1")
    assert value["record"] == {"state": "paid"} and value[WRITTEN] > 0 and value[PARTITION] is None


def test_entries_older_than_the_retention_are_evicted_with_a_tombstone() -> None:
    fake = FakeTable()
    fake.data = {"old": entry(0, 1000.0), "fresh": entry(0, 1950.0)}
    table = RetainedTable(fake, retention_seconds=100)
    assert table.sweep([TP("app-claims-changelog", 0)], now=2000.0) == 1
    assert set(fake.data) == {"fresh"}
    assert fake.sent == [(0, "old", None)]


def test_only_this_workers_active_partitions_are_swept() -> None:
    fake = FakeTable()
    fake.data = {"mine": entry(0, 0.0), "theirs": entry(1, 0.0)}
    table = RetainedTable(fake, retention_seconds=100)
    assigned = [TP("app-claims-changelog", 0), TP("claims-submitted", 1)]  # another topic's partition 1
    assert table.sweep(assigned, now=2000.0) == 1
    assert set(fake.data) == {"theirs"}


def test_entries_without_a_stamp_are_kept() -> None:
    fake = FakeTable()
    fake.data = {"legacy": {"record": {}}}
    table = RetainedTable(fake, retention_seconds=1)
    assert table.sweep([TP("app-claims-changelog", 0)], now=2000.0) == 0


def test_the_write_stamp_is_read_from_stored_bytes_without_decoding() -> None:
    from streams.runtime.tables import written_at

    assert written_at(b'{"record": {"_w": 1}, "_p": 2, "_w": 1700000000.25}') == 1700000000.25
    assert written_at(b'{"a":1,"_w":12}') == 12.0
    assert written_at(b'{"a": 1}') is None
    assert written_at(None) is None


class FakeRocksStore:
    """The parts of faust's RocksDB store the sweep uses, over real rocksdict databases."""

    offset_key = b"__faust\0offset__"

    def __init__(self, path: Any) -> None:
        from rocksdict import Options, Rdict

        self.dbs = {p: Rdict(str(path / f"p{p}"), options=Options(raw_mode=True)) for p in range(2)}

    def _db_for_partition(self, partition: int) -> Any:
        return self.dbs[partition]


def test_the_rocksdb_sweep_resumes_where_it_stopped_and_tombstones_expired_entries(
    tmp_path: Any, monkeypatch: Any
) -> None:
    import json

    import streams.runtime.tables as tables

    store = FakeRocksStore(tmp_path)
    fake = FakeTable()
    table = RetainedTable(fake, retention_seconds=100, sweep_budget=10)
    monkeypatch.setattr(tables.RetainedTable, "rocksdb", property(lambda self: store))
    for p, db in store.dbs.items():
        db[store.offset_key] = b"41"
        for i in range(12):
            old = i % 3 == 0  # 4 expired per partition
            value = {"record": {}, PARTITION: p, WRITTEN: 1000.0 if old else 1950.0}
            db[json.dumps(f"C-{p}-{i:02d}").encode()] = json.dumps(value).encode()
    assigned = [TP("app-claims-changelog", 0), TP("app-claims-changelog", 1)]
    total = 0
    for _ in range(3):  # 5 entries per partition per sweep: 3 sweeps cover 12 (+ the offset key)
        total += table.sweep(assigned, now=2000.0)
    assert total == 8
    assert {(p, k) for p, k, v in fake.sent if v is None} == {
        (p, json.dumps(f"C-{p}-{i:02d}").encode()) for p in range(2) for i in range(0, 12, 3)
    }
    for db in store.dbs.values():
        assert db[store.offset_key] == b"41"  # never touched
        assert len(list(db.keys())) == 1 + 8
    for db in store.dbs.values():
        db.close()
