"""The broadcast table keeps the latest JSON value per key; an empty value deletes the key."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from streams.runtime.broadcast import BroadcastTable


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


def test_the_learned_rates_index_says_which_payer_and_code_have_anything_learned() -> None:
    from streams.agents.trends import LearnedRateLookup, _payer_and_code

    t = table()
    t.index = _payer_and_code
    lookup = LearnedRateLookup(t)
    rate = b'{"adjudicated": 20, "denied": 6, "days": 30, "top_reasons": ["CO-11"]}'
    t.apply(b"ACME|93000|I10", rate)
    t.apply(b"ACME|93000|I10", rate)  # an update is not a second entry
    t.apply(b"ACME|93000|I10+R07.9", rate)
    assert lookup.covers("ACME", "93000") and not lookup.covers("ACME", "93010")
    assert lookup("ACME|93000|I10") is not None and lookup("ACME|93000|R00.2") is None
    t.apply(b"ACME|93000|I10", None)
    assert lookup.covers("ACME", "93000")  # one key of the group is left
    t.apply(b"ACME|93000|I10+R07.9", None)
    t.apply(b"ACME|93000|I10+R07.9", None)  # deleting twice does not go below zero
    assert not lookup.covers("ACME", "93000") and t.groups == {}
