"""The broadcast table keeps the latest JSON value per key; an empty value deletes the key."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from streams.broadcast import BroadcastTable


def table() -> BroadcastTable:
    topic = SimpleNamespace(get_topic_name=lambda: "denial-rates")
    app: Any = SimpleNamespace(topic=lambda logical: topic)
    return BroadcastTable(app, "denial-rates")


def test_the_latest_value_per_key_wins_and_an_empty_value_deletes() -> None:
    t = table()
    t.apply(b"ACME|93000|I10", b'{"denied": 1}')
    t.apply(b"ACME|93000|I10", b'{"denied": 2}')
    t.apply(b"ACME|93005|I10", b'{"denied": 9}')
    assert t.get("ACME|93000|I10") == {"denied": 2}
    t.apply(b"ACME|93005|I10", None)
    assert t.get("ACME|93005|I10") is None


def test_records_without_a_key_or_with_broken_json_are_ignored() -> None:
    t = table()
    t.apply(None, b'{"denied": 1}')
    t.apply(b"K", b"not json")
    assert t.values == {}
