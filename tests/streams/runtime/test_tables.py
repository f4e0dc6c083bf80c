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

    def send_changelog(self, partition: int, key: Any, value: Any, value_serializer: str = "") -> None:
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
