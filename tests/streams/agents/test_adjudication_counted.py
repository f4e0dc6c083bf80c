"""Claims adjudicated are counted once per decision under the claim's payer, even when the
payer's answer is read before claimflow's own step makes the claim (and its payer) known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from streams.agents.lifecycle import adjudication_counted
from streams.lifecycle.machine import Change, ClaimRecord, apply

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def ready(event_id: str = "l-ready", minutes: int = 0) -> Change:
    at = T0 + timedelta(minutes=minutes)
    return Change(
        event_id, "lifecycle", at, "ready", "ready", payer_id="MCR-JH", plan_type="medicare", submitted_at=at
    )


def paid(minutes: int) -> Change:
    return Change(
        f"r-{minutes}", "remittance", T0 + timedelta(minutes=minutes), "paid", "CLP02=1", amount=Decimal("45")
    )


def test_a_decision_on_a_known_claim_is_counted_when_it_is_made() -> None:
    known = apply(ClaimRecord("C1"), ready()).record
    outcome = apply(known, paid(60))
    assert adjudication_counted(outcome, payer_was_known=True) == "paid"


def test_a_decision_read_first_is_counted_once_under_the_payer_the_own_step_brings() -> None:
    first = apply(ClaimRecord("C1"), paid(60))
    assert adjudication_counted(first, payer_was_known=False) is None  # never under "unknown"
    caught_up = apply(first.record, ready(minutes=0))
    assert caught_up.result == "caught_up"
    assert adjudication_counted(caught_up, payer_was_known=False) == "paid"
    again = apply(caught_up.record, ready("l-ready-again", minutes=1))
    assert adjudication_counted(again, payer_was_known=True) is None  # counted already
