"""The claim state machine: transitions, idempotency, order tolerance, first pass."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.lifecycle.machine import (
    ALLOWED,
    STATES,
    STATUS_CATEGORY_STATE,
    Change,
    ClaimRecord,
    apply,
)

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def ready(
    event_id: str = "l-ready", at: datetime = T0, frequency: str = "1", replaces: str | None = None
) -> Change:
    return Change(
        event_id,
        "lifecycle",
        at,
        "ready",
        "ready",
        payer_id="MCR-JH",
        plan_type="medicare",
        frequency_code=frequency,
        submitted_at=at,
        replaces_claim_id=replaces,
    )


def status(category: str, minutes: int, event_id: str | None = None) -> Change:
    return Change(
        event_id or f"s-{category}-{minutes}",
        "status",
        T0 + timedelta(minutes=minutes),
        STATUS_CATEGORY_STATE.get(category),
        category,
        payer_claim_number="PCN-1",
    )


def run(*changes: Change) -> ClaimRecord:
    record = ClaimRecord("C1")
    for change in changes:
        record = apply(record, change).record
    return record


def test_happy_path_reaches_paid_with_first_pass_accepted() -> None:
    record = run(ready(), status("A1", 1), status("A2", 2), status("F1", 60))
    assert record.state == "paid" and record.first_pass == "accepted"
    assert record.submission_count == 1 and record.payer_claim_number == "PCN-1"
    assert [h.target for h in record.history] == ["ready", "acknowledged", "accepted", "paid"]


def test_acknowledgment_a1_alone_is_not_acceptance() -> None:
    record = run(ready(), status("A1", 1))
    assert record.state == "acknowledged" and record.first_pass is None


@pytest.mark.parametrize("category", ["A3", "A6", "A7", "A8"])
def test_rejection_categories_reject_and_decide_first_pass(category: str) -> None:
    record = run(ready(), status(category, 1))
    assert record.state == "rejected" and record.first_pass == "rejected"


def test_redelivered_event_changes_nothing() -> None:
    record = run(ready(), status("A2", 1, event_id="dup"))
    outcome = apply(record, status("A2", 1, event_id="dup"))
    assert outcome.result == "duplicate" and outcome.record == record
    assert outcome.first_pass_decided is None and outcome.became is None


def test_payment_before_acceptance_gives_paid_and_first_pass_accepted() -> None:
    record = ClaimRecord("C1")
    record = apply(record, ready()).record
    paid = apply(record, status("F1", 60))
    assert paid.became == "paid" and paid.first_pass_decided == "accepted"
    late = apply(paid.record, status("A2", 2))
    assert late.result == "late" and late.record.state == "paid" and late.first_pass_decided is None


def test_answers_before_the_claim_is_known_decide_first_pass_when_it_is() -> None:
    first = apply(ClaimRecord("C1"), status("A2", 2))
    assert first.first_pass_decided is None and first.record.state == "accepted"
    known = apply(first.record, ready(at=T0))
    assert known.first_pass_decided == "accepted"
    # claimflow's own step behind the payer's answer is expected ordering, not an anomaly
    assert known.result == "caught_up" and known.record.state == "accepted"
    assert known.record.anomalies == 0


def test_resubmission_is_never_first_pass() -> None:
    record = run(ready(frequency="7", replaces="C0"), status("A2", 1))
    assert record.state == "accepted" and record.first_pass is None


def test_claim_fixed_and_resent_after_rejection_keeps_its_first_pass_answer() -> None:
    record = run(ready(), status("A7", 1), ready("l-ready-2", T0 + timedelta(hours=1)), status("A2", 90))
    assert record.first_pass == "rejected" and record.state == "accepted" and record.submission_count == 2


def test_newer_contradicting_event_is_impossible_and_counted() -> None:
    record = run(ready(), status("A2", 1), status("F1", 60))
    outcome = apply(record, status("A7", 120))
    assert outcome.result == "impossible" and outcome.record.state == "paid" and outcome.record.anomalies == 1


def test_status_codes_that_change_no_state_are_noted() -> None:
    outcome = apply(run(ready()), status("E0", 1))
    assert outcome.result == "noted" and outcome.record.state == "ready"


def test_history_and_seen_ids_are_bounded() -> None:
    record = run(ready())
    for i in range(100):
        record = apply(record, status("P1", i + 1), max_seen=16, max_history=8).record
    assert len(record.history) == 8 and len(record.seen_event_ids) == 16


def test_every_state_has_a_transition_row() -> None:
    assert set(STATES) <= {s for s in ALLOWED if s is not None}


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([*sorted(STATUS_CATEGORY_STATE), "A0", "E1"]), st.integers(0, 500), st.booleans()
        ),
        max_size=20,
    )
)
def test_any_sequence_of_answers_never_crashes_and_stays_in_known_states(
    events: list[tuple[str, int, bool]],
) -> None:
    record = apply(ClaimRecord("C1"), ready()).record
    decided = 0
    for i, (category, minute, redeliver) in enumerate(events):
        change = status(category, minute, event_id=f"e{i}")
        outcome = apply(record, change)
        decided += outcome.first_pass_decided is not None
        record = outcome.record
        if redeliver:
            again = apply(record, change)
            assert again.result == "duplicate" and again.record == record
    assert record.state in STATES
    assert decided <= 1


def _on_bus(change: Change, at: float, topic: str = "claim-status") -> Change:
    return replace(change, received_at=at, received_on=topic)


def test_an_older_answer_that_reached_the_bus_later_is_late_and_counted() -> None:
    paid = run(ready(), _on_bus(status("F1", 60), 100.0))
    outcome = apply(paid, _on_bus(status("A2", 2), 101.0))  # sent after the 835 it precedes
    assert outcome.result == "late" and outcome.record.state == "paid"


def test_an_older_answer_on_the_bus_before_the_applied_one_is_only_reordered() -> None:
    """The tracker reads claim-status and claim-denials together: an A2 written before the 835 can
    be read after it. Expected, not an anomaly (a millisecond tie across topics is no evidence of
    lateness)."""
    paid = run(
        ready(),
        _on_bus(
            Change("r-1", "remittance", T0 + timedelta(minutes=60), "paid", "CLP02=1"), 100.0, "claim-denials"
        ),
    )
    for on_bus in (99.0, 100.0):
        outcome = apply(paid, _on_bus(status("A2", 2, event_id=f"a2-{on_bus}"), on_bus))
        assert outcome.result == "reordered" and outcome.record.state == "paid"
        assert outcome.record.anomalies == 0


def test_on_one_topic_a_millisecond_tie_still_follows_bus_order() -> None:
    """Same topic, same millisecond: the A2 was written after the F1 (later offset), so it is late."""
    paid = run(ready(), _on_bus(status("F1", 60), 100.0))
    assert apply(paid, _on_bus(status("A2", 2), 100.0)).result == "late"


@pytest.mark.parametrize("category", ["A0", "D0", "F3F", "F3N", "E1", "A4"])
def test_a_status_the_tracker_does_not_act_on_is_noted_state_unchanged(category: str) -> None:
    accepted = run(ready(), status("A2", 1))
    outcome = apply(accepted, status(category, 5))
    assert outcome.result == "noted" and outcome.record.state == "accepted" and outcome.became is None


@pytest.mark.parametrize(
    ("answers", "expected", "acknowledged", "resolution"),
    [
        (("A1", "A2"), "accepted", True, None),
        (("A1",), None, True, None),  # "A1 alone is not acceptance": acknowledged, not accepted
        (("A4",), None, False, None),  # the payer does not find the claim: no acknowledgment
        (("P1",), None, False, None),
        (("F0", "A2"), "accepted", True, None),  # F0 decides nothing: the A2 after it does
        (("F4", "A7"), "rejected", True, "unresolved"),
        (("A3",), "rejected", True, "unresolved"),
        (("F1",), "accepted", True, "resolved"),  # an adjudication before any 277CA proves acceptance
        (("A2", "F2"), "accepted", True, "unresolved"),
        (("A2", "F2", "F1"), "accepted", True, "unresolved"),  # paid only after the first decision
    ],
)
def test_the_tracker_and_the_shared_definition_agree_on_first_pass(
    answers: tuple[str, ...], expected: str | None, acknowledged: bool, resolution: str | None
) -> None:
    from streams.lifecycle.first_pass import Answer, FirstPass, first_pass

    record = run(ready(), *(status(code, i) for i, code in enumerate(answers, start=1)))
    shared = first_pass(True, [Answer("status", code, STATUS_CATEGORY_STATE.get(code)) for code in answers])
    assert shared == FirstPass(acknowledged, expected, resolution)
    assert (record.first_pass_acknowledged, record.first_pass, record.first_pass_resolution) == shared


def test_a_reversal_and_a_denial_before_any_277_through_both_definitions() -> None:
    from streams.lifecycle.first_pass import Answer, first_pass

    reversal = Change("r-22", "remittance", T0, "pending", "CLP02=22")
    denied = Change("d-4", "remittance", T0 + timedelta(minutes=5), "denied", "CLP02=4")
    record = run(ready(), reversal)
    assert (
        record.first_pass
        is None
        == first_pass(True, [Answer("remittance", "CLP02=22", "pending")]).acceptance
    )
    record = run(ready(), denied)
    shared = first_pass(True, [Answer("remittance", "CLP02=4", "denied")])
    assert (record.first_pass, record.first_pass_resolution) == ("accepted", "unresolved") == shared[1:]


# --- first-pass acknowledgment and resolution (reference §6) ---------------------------------


def test_a_claim_only_received_enters_the_acceptance_denominator_once() -> None:
    """ "Original claims that received a first acknowledgment" is the denominator and "A1 alone is
    not acceptance": counted at the A1, not again at the A2 that accepts it."""
    known = apply(ClaimRecord("C1"), ready())
    assert not known.first_acknowledged
    a1 = apply(known.record, status("A1", 1))
    assert a1.first_acknowledged and a1.first_pass_decided is None
    a2 = apply(a1.record, status("A2", 2))
    assert not a2.first_acknowledged and a2.first_pass_decided == "accepted"
    assert not apply(a2.record, status("A1", 3, event_id="again")).first_acknowledged


def test_an_acknowledgment_before_the_claim_is_known_is_counted_when_it_is_and_never_for_a_resubmission() -> (
    None
):
    early = apply(ClaimRecord("C1"), status("A1", 1))
    assert not early.first_acknowledged  # the claim's origin is not known yet
    assert apply(early.record, ready()).first_acknowledged
    replacement = apply(ClaimRecord("C2"), ready(frequency="7", replaces="C0")).record
    assert not apply(replacement, status("A1", 1)).first_acknowledged


@pytest.mark.parametrize(
    ("decision", "expected"),
    [
        (("paid", "100", False), "resolved"),
        # CO-45 is a contractual write-down, not a denial: paid with no CO denial
        (("paid", "80", False), "resolved"),
        # PR-49 with GY: the patient's, not a CO denial — the claim is paid on first pass
        (("partially_paid", "40", False), "resolved"),
        (("partially_paid", "40", True), "unresolved"),  # a line denied under CO (CO-97)
        (("paid", "100", True), "unresolved"),
        (("denied", "0", True), "unresolved"),
        (("denied", "0", False), "unresolved"),  # PR-204: nothing paid
    ],
)
def test_first_pass_resolution_is_a_first_adjudication_that_paid_with_no_co_denial(
    decision: tuple[str, str, bool], expected: str
) -> None:
    target, amount, co = decision
    outcome = apply(
        run(ready(), status("A2", 1)), remittance(target, 60, amount, event_id="r1", co_denial=co)
    )
    assert outcome.resolution_decided == expected == outcome.record.first_pass_resolution


def test_first_pass_resolution_is_decided_once_by_the_first_adjudication() -> None:
    denied = apply(run(ready(), status("A2", 1)), remittance("denied", 60, "0", "4", "r1", co_denial=True))
    assert denied.resolution_decided == "unresolved"
    # the appeal wins: paid, but not on the first pass — and not counted again
    paid = apply(denied.record, remittance("paid", 600, "100", event_id="r2"))
    assert paid.record.state == "paid" and paid.resolution_decided is None
    assert paid.record.first_pass_resolution == "unresolved"
    again = apply(paid.record, remittance("paid", 600, "100", event_id="r2"))
    assert again.result == "duplicate" and again.resolution_decided is None


def test_a_claim_sent_again_before_its_first_adjudication_is_not_resolved() -> None:
    """ "No resubmission": rejected (A7), fixed and sent again, then paid in full."""
    record = run(ready(), status("A7", 1))
    assert record.first_pass_resolution == "unresolved"
    resent = run(
        ready(), ready("l-ready-2", T0 + timedelta(hours=1)), remittance("paid", 120, "100", event_id="r1")
    )
    assert resent.submission_count == 2 and resent.first_pass_resolution == "unresolved"


def test_a_payment_read_before_the_claim_is_known_resolves_it_when_it_is() -> None:
    early = apply(ClaimRecord("C1"), remittance("paid", 60, "100", event_id="r1"))
    assert early.resolution_decided is None and early.record.first_adjudication == "paid"
    known = apply(early.record, ready())
    assert known.resolution_decided == "resolved" and known.first_acknowledged
    replacement = run(ready(frequency="7", replaces="C0"), remittance("paid", 60, "100", event_id="r1"))
    assert replacement.first_pass_resolution is None


# --- answers in the order real payers and clearinghouses send them ---------------------------


def remittance(
    target: str,
    minutes: int,
    amount: str,
    clp02: str = "1",
    event_id: str | None = None,
    co_denial: bool = False,
) -> Change:
    return Change(
        event_id or f"r-{clp02}-{minutes}",
        "remittance",
        T0 + timedelta(minutes=minutes),
        target,  # type: ignore[arg-type]
        f"CLP02={clp02}",
        amount=Decimal(amount),
        co_denial=co_denial,
    )


@pytest.mark.parametrize("category", ["P1", "P3", "R4", "R9"])
def test_a_pending_or_information_request_status_never_reopens_a_decided_claim(category: str) -> None:
    """Reference 4: P* is pending, R* a request for information; only a reversal (CLP02 22) takes
    a decision back. A newer one is recorded, an older one is late: the claim stays paid."""
    paid = run(ready(), status("A2", 1), remittance("paid", 60, "45.00"))
    newer = apply(paid, status(category, 120))
    assert (newer.result, newer.record.state, newer.record.paid_amount) == ("noted", "paid", Decimal("45.00"))
    older = apply(paid, status(category, 30))
    assert (
        older.result == "late" and older.record.state == "paid" and older.record.anomalies == 1
    )  # late: an anomaly, as the metric counts it


def test_a_decision_the_machine_refuses_moves_no_money() -> None:
    paid = run(ready(), status("A2", 1), remittance("paid", 60, "45.00"))
    outcome = apply(paid, status("A7", 120))
    assert outcome.result == "impossible" and outcome.record.paid_amount == Decimal("45.00")
    older = apply(paid, remittance("partially_paid", 30, "10.00", clp02="2"))
    assert older.result != "applied" and older.record.paid_amount == Decimal("45.00")


def test_a_payer_rejection_after_a_clearinghouse_acceptance_rejects_the_claim() -> None:
    """A3/A6/A7/A8 are rejections, not in adjudication: an A7 newer than the A2 leaves the claim
    rejected (first pass stays what the first decisive answer said). An older A7 read after a
    newer A2: with no resubmission between them the claim was never filed — rejected, as in time
    order (the A2 says nothing more); after the claim was sent again (a newer ready step) it is
    late, history."""
    record = run(ready(), status("A2", 1), status("A7", 5))
    assert (record.state, record.first_pass, record.anomalies) == ("rejected", "accepted", 0)
    record = run(ready(), status("P1", 1), status("A7", 5))
    assert (record.state, record.first_pass) == ("rejected", "rejected")
    outcome = apply(run(ready(), status("A2", 5)), status("A7", 1))
    assert outcome.result == "applied" and outcome.record.state == "rejected"
    assert outcome.record.first_pass == "rejected"
    sent_again = run(ready(), ready("l-ready-2", T0 + timedelta(minutes=3)), status("A2", 5))
    outcome = apply(sent_again, status("A7", 1))
    assert outcome.result == "late" and outcome.record.state == "accepted"


def test_claimflows_ready_step_read_after_the_rejection_leaves_the_claim_rejected() -> None:
    rejected = run(status("A7", 5))
    behind = apply(rejected, ready())
    assert (behind.result, behind.record.state, behind.record.first_pass) == (
        "caught_up",
        "rejected",
        "rejected",
    )
    # the coder's fix, sent again under the same claim id, is a newer ready step
    again = apply(behind.record, ready("l-ready-2", T0 + timedelta(hours=2)))
    assert (again.result, again.record.state, again.record.submission_count) == ("applied", "ready", 2)


@pytest.mark.parametrize("category", ["F0", "F4"])
def test_a_finalized_status_without_payment_closes_an_accepted_or_pending_claim(category: str) -> None:
    assert run(ready(), status("A2", 1), status(category, 60)).state == "closed"
    assert run(ready(), status("P1", 1), status(category, 60)).state == "closed"


def test_the_same_answer_again_under_another_id_is_noted_not_an_anomaly() -> None:
    twice = run(ready(), status("A2", 1), status("A2", 2))
    assert twice.state == "accepted" and twice.anomalies == 0 and twice.history[-1].result == "noted"
    rejected_twice = run(ready(), status("A7", 1), status("A6", 2))
    assert rejected_twice.state == "rejected" and rejected_twice.anomalies == 0
    # a 277 F2 (denied), then the 835 with the denial's details
    denied = run(ready(), status("A2", 1), status("F2", 50), remittance("denied", 60, "0", clp02="4"))
    assert denied.state == "denied" and denied.anomalies == 0


def test_a_corrected_remittance_is_the_decision_in_force_and_an_older_reversal_takes_nothing_back() -> None:
    """Paid 45; the payer reverses (t+700) and corrects to 30 (t+701); the tracker reads the
    correction before the reversal."""
    paid = run(ready(), status("A2", 1), remittance("paid", 60, "45.00"))
    corrected = apply(paid, remittance("paid", 701, "30.00", event_id="r-correction"))
    assert (corrected.result, corrected.record.paid_amount) == ("applied", Decimal("30.00"))
    reversal = apply(corrected.record, remittance("pending", 700, "-45.00", clp02="22"))
    assert reversal.result == "late"
    assert (reversal.record.state, reversal.record.paid_amount) == ("paid", Decimal("30.00"))
    # in order, the reversal takes the payment back and the correction puts it right
    in_order = run(
        ready(),
        status("A2", 1),
        remittance("paid", 60, "45.00"),
        remittance("pending", 700, "-45.00", clp02="22"),
        remittance("paid", 701, "30.00", event_id="r-correction"),
    )
    assert (in_order.state, in_order.paid_amount) == ("paid", Decimal("30.00"))


def test_a_reversal_takes_the_money_back_from_a_replaced_written_off_or_closed_claim() -> None:
    """The payer reverses the original when it pays the replacement (frequency 7): the original,
    already resubmitted, keeps its state and gives the money back."""
    paid = run(ready(), status("A2", 1), remittance("partially_paid", 60, "45.00"))
    for follow_up in ("resubmitted", "written_off", "closed"):
        settled = apply(
            paid, Change(f"l-{follow_up}", "lifecycle", T0 + timedelta(minutes=61), follow_up, follow_up)
        )
        assert settled.record.state == follow_up
        reversed_ = apply(settled.record, remittance("pending", 700, "-45.00", clp02="22"))
        assert reversed_.result == "applied" and reversed_.record.anomalies == 0
        assert (reversed_.record.state, reversed_.record.paid_amount) == (follow_up, Decimal("0"))


@pytest.mark.parametrize("settled", ["written_off", "closed"])
def test_a_payment_after_a_write_off_or_a_close_is_recovered_money(settled: str) -> None:
    denied = run(ready(), status("A2", 1), remittance("denied", 60, "0", clp02="4"))
    off = apply(denied, Change("l-off", "lifecycle", T0 + timedelta(minutes=90), settled, settled)).record
    paid = apply(off, remittance("paid", 900, "45.00", event_id="r-late-payment"))
    assert (paid.result, paid.record.state, paid.record.paid_amount) == ("applied", "paid", Decimal("45.00"))
    older = apply(off, remittance("paid", 30, "45.00", event_id="r-older"))
    assert older.result == "late" and older.record.state == settled


def test_an_appeal_step_older_than_the_decision_in_force_is_caught_up() -> None:
    """The clerk's appeal step (day 4) read after the payer's new decision (day 34)."""
    denied = run(ready(), status("A2", 1), remittance("denied", 60, "0", clp02="4"))
    overturned = apply(denied, remittance("paid", 60 * 24 * 34, "45.00", event_id="r-overturned")).record
    step = Change("l-appealed", "lifecycle", T0 + timedelta(days=4), "appealed", "appealed")
    outcome = apply(overturned, step)
    assert (outcome.result, outcome.record.state) == ("caught_up", "paid")


def test_an_acceptance_after_the_payment_is_noted() -> None:
    paid = run(ready(), status("A2", 1), remittance("paid", 60, "45.00"))
    outcome = apply(paid, status("A2", 120, event_id="s-A2-again"))
    assert (outcome.result, outcome.record.state, outcome.record.anomalies) == ("noted", "paid", 0)


def scrub_step(
    stage: str, event_id: str, minutes: int = 0, frequency: str = "1", scrubbed: bool = True
) -> Change:
    at = T0 + timedelta(minutes=minutes)
    return Change(
        event_id,
        "lifecycle",
        at,
        stage,  # type: ignore[arg-type]
        stage,
        payer_id="MCR-JH",
        frequency_code=frequency,
        submitted_at=at,
        scrubbed=scrubbed,
    )


def test_a_claim_held_and_then_fixed_counts_once_in_the_clean_claim_rate_as_held() -> None:
    # reference §6: passing every edit "with no manual touch" — the fixed resubmission is the
    # same claim, touched
    held = apply(ClaimRecord("C1"), scrub_step("held", "l-held"))
    assert held.first_scrub_decided == "held" and held.record.first_scrub == "held"
    fixed = apply(held.record, scrub_step("ready", "l-ready-2", minutes=90))
    assert fixed.first_scrub_decided is None and fixed.record.first_scrub == "held"
    assert fixed.record.state == "ready" and fixed.record.submission_count == 1


def test_a_claim_passing_its_first_scrub_is_clean_once_even_when_its_step_is_redelivered() -> None:
    step = scrub_step("ready", "l-ready")
    first = apply(ClaimRecord("C1"), step)
    assert first.first_scrub_decided == "clean"
    again = apply(first.record, step)
    assert again.result == "duplicate" and again.first_scrub_decided is None


def test_replacements_and_claims_claimflow_never_scrubbed_are_not_in_the_clean_claim_rate() -> None:
    replacement = apply(ClaimRecord("C1-R1"), scrub_step("ready", "l-r", frequency="7"))
    assert replacement.first_scrub_decided is None and replacement.record.first_scrub == "clean"
    # a practice's own system sent it and posted its ready step: no scrub of claimflow's
    direct = apply(ClaimRecord("C2"), scrub_step("ready", "l-d", scrubbed=False))
    assert direct.first_scrub_decided is None and direct.record.first_scrub is None
    # the tracker's own "received" step (a claim parked for its encounter) is no scrub result
    parked = apply(ClaimRecord("C3"), scrub_step("received", "l-p"))
    assert parked.first_scrub_decided is None


def test_a_payer_rejection_after_a_clearinghouse_acceptance_is_not_resolved() -> None:
    """Reference §4: A3 is "returned as unprocessable … not in adjudication": a claim the
    clearinghouse accepted (A2) and the payer then rejected is paid, if ever, only when sent again."""
    record = run(ready(), status("A2", 1), status("A3", 30))
    assert (record.state, record.first_pass, record.first_pass_resolution) == (
        "rejected",
        "accepted",
        "unresolved",
    )


def test_a_resolved_claim_sent_again_is_resolved_no_more() -> None:
    """ "No resubmission": a paid claim replaced later under its own id (frequency 7) leaves the
    resolved claims once; it stays an original claim (its first step said so)."""
    paid = run(ready(), status("A2", 1), remittance("paid", 60, "100"))
    assert paid.first_pass_resolution == "resolved"
    again = apply(paid, ready("l-ready-7", T0 + timedelta(days=30), frequency="7"))
    assert again.resolution_decided == "resubmitted" and again.record.first_pass_resolution == "unresolved"
    assert again.record.is_original and again.record.frequency_code == "1"
    assert again.record.first_pass_acknowledged  # the denominator does not lose it either
    later = apply(again.record, ready("l-ready-7b", T0 + timedelta(days=31), frequency="7"))
    assert later.resolution_decided is None  # taken out once


def test_a_resolved_claim_moved_on_by_a_corrected_claim_is_resolved_no_more() -> None:
    """Paid with a PR-49 line (resolved: no CO denial), then a corrected claim is sent for that
    line: a resubmission after all."""
    paid = run(ready(), status("A2", 1), remittance("partially_paid", 60, "40"))
    assert paid.first_pass_resolution == "resolved"
    follow = Change("r-60:resubmitted", "lifecycle", T0 + timedelta(minutes=61), "resubmitted", "resubmitted")
    moved = apply(paid, follow)
    assert moved.record.state == "resubmitted" and moved.resolution_decided == "resubmitted"


@pytest.mark.parametrize(
    ("redecided", "co", "expected"), [("paid", False, None), ("denied", True, "reversed")]
)
def test_a_resolved_claim_whose_payment_the_payer_reverses_and_denies_is_resolved_no_more(
    redecided: str, co: bool, expected: str | None
) -> None:
    """Paid on the first adjudication, then reversed (CLP02 22): re-paid, it stays paid on the
    first pass; re-decided without payment (CO-97), it was not paid after all."""
    paid = run(ready(), status("A2", 1), remittance("paid", 60, "45"))
    assert paid.first_pass_resolution == "resolved"
    reversed_ = apply(paid, remittance("pending", 600, "-45", "22"))
    assert reversed_.resolution_decided is None and reversed_.record.state == "pending"
    again = apply(
        reversed_.record, remittance(redecided, 601, "45" if redecided == "paid" else "0", co_denial=co)
    )
    assert again.resolution_decided == expected
    assert again.record.first_pass_resolution == ("resolved" if expected is None else "unresolved")
