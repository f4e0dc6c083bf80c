"""An event sent without its time is dated when it first reached the bus, the same on every
redelivery and on the copies claimflow re-sends (a parked claim, a forwarded event)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

from schemas import ClaimSubmitted
from schemas.codec import decode
from streams.agents.common import BUS_TIME_HEADER, at_bus_time
from tests.builders import claim_dict

#: 2026-03-10T23:50:00Z, ten minutes before midnight
FIRST = datetime(2026, 3, 10, 23, 50, tzinfo=UTC).timestamp()


def event(timestamp: float, headers: list[tuple[str, bytes]] | None = None) -> Any:
    return SimpleNamespace(message=SimpleNamespace(timestamp=timestamp, headers=headers or []))


def claim_without_time() -> ClaimSubmitted:
    data = claim_dict()
    data.pop("occurred_at", None)
    return decode(ClaimSubmitted, json.dumps(data).encode(), 1 << 20)


def test_a_claim_sent_without_its_time_is_dated_when_it_reached_the_bus() -> None:
    """README: a claim redelivered after a crash gets the same result. Without occurred_at it would
    be dated when read: the same bytes read at 23:50 and again at 00:10 would be judged on two days
    (timely filing flips on the last day)."""
    dated = at_bus_time(claim_without_time(), event(FIRST))
    assert dated.occurred_at == datetime.fromtimestamp(FIRST, UTC)
    again = at_bus_time(claim_without_time(), event(FIRST))
    assert again.occurred_at == dated.occurred_at


def test_a_copy_claimflow_resent_keeps_the_time_the_original_reached_the_bus() -> None:
    """A parked claim (claims-waiting) or a forwarded event is a new record, stamped later; it
    carries the first record's time in a header."""
    later = datetime(2026, 3, 11, 0, 10, tzinfo=UTC).timestamp()
    copy = event(later, [("claimflow-deadline", b"1"), (BUS_TIME_HEADER, str(FIRST).encode())])
    assert at_bus_time(claim_without_time(), copy).occurred_at.date() == date(2026, 3, 10)


def test_a_record_stamped_beyond_any_date_leaves_the_event_its_own_time() -> None:
    """A timestamp in microseconds read as milliseconds (the year 57870) is no time to date a
    claim by: the event is read as it came (never an error that stops the agent)."""
    claim = claim_without_time()
    assert at_bus_time(claim, event(1.764e12)).occurred_at == claim.occurred_at
