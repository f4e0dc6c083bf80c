"""Denial-trend windows: counting once, bounded buckets, trends against each key's own baseline."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from streams.trends import TrendConfig, add_fact, detect, learned_rate, mark_alerted, published_rate
from streams.trends.windows import KEEP_DAYS, NECESSITY

D = date(2026, 11, 27)
CONFIG = TrendConfig(window_days=7, baseline_days=23, factor=2.0, min_denials=5)


def feed(value: dict[str, Any] | None, day: date, paid: int, denied: int, start: int = 0) -> dict[str, Any]:
    for i in range(paid + denied):
        is_denied = i >= paid
        out = add_fact(
            value,
            f"{day}-{start + i}",
            day,
            ["diagnosis"] if is_denied else [],
            ["CO-11"] if is_denied else [],
        )
        assert out is not None
        value = out
    assert value is not None
    return value


def test_a_redelivered_fact_is_not_counted_twice() -> None:
    value = add_fact(None, "f-1", D, ["diagnosis"], ["CO-11"])
    assert value is not None
    assert add_fact(value, "f-1", D, ["diagnosis"], ["CO-11"]) is None


def test_buckets_older_than_thirty_days_are_dropped() -> None:
    value = feed(None, D - timedelta(days=40), paid=3, denied=0)
    value = feed(value, D, paid=1, denied=0, start=10)
    assert list(value["days"]) == [D.isoformat()]
    assert len(value["days"]) <= KEEP_DAYS


def test_a_payer_that_starts_denying_raises_a_trend() -> None:
    value = None
    for k in range(8, 30, 2):  # baseline: paid, a denial now and then
        value = feed(value, D - timedelta(days=k), paid=3, denied=0, start=k * 10)
    value = feed(value, D - timedelta(days=20), paid=0, denied=1, start=999)
    value = feed(value, D - timedelta(days=2), paid=2, denied=6, start=2000)
    (trend,) = detect(value, D, CONFIG)
    assert (trend.group, trend.denied, trend.adjudicated) == ("diagnosis", 6, 8)
    assert trend.baseline_denied == 1 and trend.top_reasons == ["CO-11"]


def test_a_steady_denial_rate_is_not_a_trend() -> None:
    value = None
    for k in range(0, 30):
        value = feed(value, D - timedelta(days=k), paid=2, denied=2, start=k * 10)
    assert value is not None
    assert detect(value, D, CONFIG) == []


def test_too_few_denials_are_not_a_trend() -> None:
    value = feed(None, D, paid=0, denied=4)
    assert detect(value, D, CONFIG) == []


def test_a_trend_is_raised_once_per_window() -> None:
    value = feed(None, D, paid=1, denied=6)
    (trend,) = detect(value, D, CONFIG)
    value = mark_alerted(value, trend.group, D)
    value = feed(value, D, paid=0, denied=3, start=100)
    assert detect(value, D, CONFIG) == []
    assert detect(value, D + timedelta(days=8), CONFIG) == []  # nothing left in the new window


def test_the_learned_rate_covers_the_last_thirty_days() -> None:
    value = None
    for k, (paid, denied) in enumerate([(3, 1), (2, 2)]):
        for i in range(paid + denied):
            is_denied = i >= paid
            value = add_fact(
                value,
                f"{k}-{i}",
                D - timedelta(days=k),
                [NECESSITY] if is_denied else [],
                ["CO-11"] if is_denied else [],
            )
    assert value is not None
    learned = learned_rate(value, D)
    assert (learned.adjudicated, learned.denied, learned.days, learned.top_reasons) == (8, 3, 30, ["CO-11"])
    assert learned.rate == 3 / 8


def test_the_published_rate_covers_the_keys_last_thirty_days_whatever_order_the_answers_came_in() -> None:
    """README: the scrubber reads "the payer × code × diagnoses rates of the last 30 days", days by
    the 835's date. Answers of one key come from claims on several partitions, and a payer's older
    835 may be read late: the rate is the 30 days up to the key's newest decision either way."""
    facts = [(f"f{i}", D - timedelta(days=i), i % 2 == 0) for i in range(12)]  # 6 denied of 12
    in_order = None
    for fid, day, denied in sorted(facts, key=lambda f: f[1]):
        in_order = add_fact(in_order, fid, day, [NECESSITY] if denied else [], ["CO-11"] if denied else [])
    late_oldest = None
    for fid, day, denied in sorted(facts, key=lambda f: f[1], reverse=True):
        late_oldest = add_fact(
            late_oldest, fid, day, [NECESSITY] if denied else [], ["CO-11"] if denied else []
        )
    assert in_order is not None and late_oldest is not None
    expected = {"adjudicated": 12, "denied": 6, "days": 30, "top_reasons": ["CO-11"], "as_of": D.isoformat()}
    assert published_rate(in_order) == expected
    assert published_rate(late_oldest) == expected
