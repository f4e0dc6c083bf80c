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


def status(category: str, minutes: int, *, itemised: bool) -> Change:
    target = {"F1": "paid", "F2": "denied"}[category]
    return Change(
        f"s-{category}",
        "status",
        T0 + timedelta(minutes=minutes),
        target,
        category,
        itemised=itemised,  # type: ignore[arg-type]
    )


def test_a_277_f_status_announces_a_decision_and_its_835_is_counted_once() -> None:
    """claimflow_claims_adjudicated_total counts remittance decisions: a 277 F1 then its 835
    (paid in part: a line bundled) is one decision, partially paid — not paid and partially paid."""
    known = apply(ClaimRecord("C1"), ready()).record
    f1 = apply(known, status("F1", 30, itemised=False))
    assert adjudication_counted(f1, payer_was_known=True) is None
    era = apply(
        f1.record,
        Change(
            "r-60",
            "remittance",
            T0 + timedelta(minutes=60),
            "partially_paid",
            "CLP02=1",
            amount=Decimal("30"),
        ),
    )
    assert adjudication_counted(era, payer_was_known=True) == "partially_paid"
    # an 835 paid in full arrives as an F1 of the 835 itself: a decision
    bridged = apply(known, status("F1", 60, itemised=True))
    assert adjudication_counted(bridged, payer_was_known=True) == "paid"
