"""Hopping windows over day buckets, kept in one JSON value per key (a table entry).

A value holds, per day of adjudication, ``[adjudicated, {group: denied}, {reason: count}]`` for
the last ``KEEP_DAYS`` days (older buckets are dropped when a newer day arrives: bounded), the ids
of the facts it counted (bounded; a redelivered fact is not counted twice) and the day each group
last raised a trend (one alert per group per window).

Two scopes share this shape:

* ``payer|code`` — groups are the reason *categories* of the denials (diagnosis, modifier, …);
* ``payer|code|dx+dx`` — the line's pointed diagnoses; the one group ``necessity`` counts the
  denials for necessity-type reasons (CO-11, CO-50, CO-167). The scrubber's ``denial_risk`` rules
  read these rates.

The current window is the last ``window_days`` days up to ``as_of``; the baseline is the
``baseline_days`` before it. A trend fires when the current window has at least ``min_denials``
denials in a group and its rate is at least ``factor`` times the baseline rate (floored at
``floor``, so a group that never used to be denied needs a real rate, not a single denial).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

KEEP_DAYS = 30
SEEN_KEEP = 512
NECESSITY_CARCS = frozenset({"11", "50", "167"})
NECESSITY = "necessity"


def category_key(payer_id: str, code: str) -> str:
    return f"{payer_id}|{code}"


def diagnosis_key(payer_id: str, code: str, diagnoses: Iterable[str]) -> str:
    return f"{payer_id}|{code}|{'+'.join(sorted(diagnoses))}"


@dataclass(frozen=True)
class TrendConfig:
    window_days: int = 7
    baseline_days: int = 23
    factor: float = 2.0
    min_denials: int = 5
    floor: float = 0.02


@dataclass(frozen=True)
class TrendFound:
    group: str
    adjudicated: int
    denied: int
    baseline_adjudicated: int
    baseline_denied: int
    top_reasons: list[str]

    @property
    def rate(self) -> float:
        return self.denied / self.adjudicated if self.adjudicated else 0.0

    @property
    def baseline_rate(self) -> float:
        return self.baseline_denied / self.baseline_adjudicated if self.baseline_adjudicated else 0.0


@dataclass(frozen=True)
class LearnedRate:
    """What the scrubber is told: ``denied`` of ``adjudicated`` in the last ``days`` days."""

    adjudicated: int
    denied: int
    days: int
    top_reasons: list[str]

    @property
    def rate(self) -> float:
        return self.denied / self.adjudicated if self.adjudicated else 0.0


def add_fact(
    value: dict[str, Any] | None,
    fact_id: str,
    day: date,
    denied_groups: Iterable[str],
    reasons: Iterable[str],
) -> dict[str, Any] | None:
    """The value with one adjudication counted, or None when this fact was counted already."""
    value = {"days": {}, "seen": [], "alerted": {}} if value is None else value
    if fact_id in value["seen"]:
        return None
    days: dict[str, Any] = {k: [v[0], dict(v[1]), dict(v[2])] for k, v in value["days"].items()}
    bucket = days.setdefault(day.isoformat(), [0, {}, {}])
    bucket[0] += 1
    for group in set(denied_groups):
        bucket[1][group] = bucket[1].get(group, 0) + 1
    for reason in reasons:
        bucket[2][reason] = bucket[2].get(reason, 0) + 1
    newest = max(date.fromisoformat(k) for k in days)
    cutoff = (newest - timedelta(days=KEEP_DAYS - 1)).isoformat()
    return {
        "days": {k: v for k, v in sorted(days.items()) if k >= cutoff},
        "seen": [*value["seen"], fact_id][-SEEN_KEEP:],
        "alerted": dict(value.get("alerted", {})),
    }


def _window(value: dict[str, Any], first: date, last: date) -> tuple[int, Counter[str], Counter[str]]:
    n, denied, reasons = 0, Counter[str](), Counter[str]()
    lo, hi = first.isoformat(), last.isoformat()
    for day, (count, groups, why) in value["days"].items():
        if lo <= day <= hi:
            n += count
            denied.update(groups)
            reasons.update(why)
    return n, denied, reasons


def detect(value: dict[str, Any], as_of: date, config: TrendConfig) -> list[TrendFound]:
    """Groups whose current-window denial rate rose above their baseline (not alerted yet)."""
    start = as_of - timedelta(days=config.window_days - 1)
    n, denied, reasons = _window(value, start, as_of)
    base_end = start - timedelta(days=1)
    bn, bdenied, _ = _window(value, base_end - timedelta(days=config.baseline_days - 1), base_end)
    found = []
    for group, d in sorted(denied.items()):
        if d < config.min_denials or not n:
            continue
        alerted = value.get("alerted", {}).get(group)
        if alerted and alerted >= start.isoformat():
            continue
        base_rate = bdenied.get(group, 0) / bn if bn else 0.0
        if d / n >= config.factor * max(base_rate, config.floor):
            top = [r for r, _ in reasons.most_common(3)]
            found.append(TrendFound(group, n, d, bn, bdenied.get(group, 0), top))
    return found


def mark_alerted(value: dict[str, Any], group: str, as_of: date) -> dict[str, Any]:
    return {**value, "alerted": {**value.get("alerted", {}), group: as_of.isoformat()}}


def learned_rate(value: dict[str, Any], as_of: date, days: int = KEEP_DAYS) -> LearnedRate:
    n, denied, reasons = _window(value, as_of - timedelta(days=days - 1), as_of)
    return LearnedRate(n, denied.get(NECESSITY, 0), days, [r for r, _ in reasons.most_common(3)])


def published_rate(value: dict[str, Any]) -> dict[str, Any]:
    """The learned rate of a ``payer|code|dx`` value as ``denial-rates`` carries it: the last
    ``KEEP_DAYS`` days up to the newest day of adjudication the value counts — whatever order the
    answers were read in (an older 835 read late, or answers of one key arriving from several
    partitions, never move the window back)."""
    newest = date.fromisoformat(max(value["days"]))
    learned = learned_rate(value, newest)
    return {
        "adjudicated": learned.adjudicated,
        "denied": learned.denied,
        "days": learned.days,
        "top_reasons": learned.top_reasons,
        "as_of": newest.isoformat(),
    }
