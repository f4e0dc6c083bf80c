"""The tracker reads three topics (claim-lifecycle, claim-status, claim-denials), so a claim's
answers reach it in any order; what a claim comes to must not depend on it.

Expected values from the reference: first-pass acceptance is decided by the claim's *first* 277CA
status — first by the payer's time, not by when the tracker happens to read it (§6); first-pass
resolution by its first adjudication; liability by group code (§5). A secondary payer's 835 (CLP02
2, "processed as secondary") after the primary's decision is coordination of benefits, not the
primary changing its mind (§4); an 835 paid in full is an adjudication like any other.
"""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

from schemas import ClaimStatus, Denial, LifecycleEvent, ValidClaim
from schemas.ids import derived_event_id
from streams.lifecycle.tracker import Tracked, Tracker
from tests.builders import FIXED_TIME, commercial_payer, line, make_claim
from tests.streams.lifecycle.test_tracker import paid_in_full, ready, ready_again, remit, run, status

Event = LifecycleEvent | ClaimStatus | Denial
HOUR = 60


def replaced_step(minutes: int) -> LifecycleEvent:
    """The step the tracker publishes for C1 when a replacement naming it is sent (C1-B, freq. 7)."""
    return LifecycleEvent(
        claim_id="C1",
        stage="resubmitted",
        payer_id="ACME",
        occurred_at=FIXED_TIME + timedelta(minutes=minutes),
    )


def resent(denial: Denial) -> Denial:
    """The same remittance in a new interchange: new event id, same content."""
    return denial.model_copy(update={"event_id": derived_event_id(denial.event_id, "resent")})


def reversal(paid: str, minutes: int) -> Denial:
    """An 835 reversal (CLP02 22): the payer takes its decision back, the payment negated."""
    return remit(paid=paid, clp02="22", minutes=minutes)


def summary(steps: list[Tracked]) -> dict[str, Any]:
    entry = steps[-1].entry
    r = entry.record
    return {
        "state": r.state,
        "first_pass": r.first_pass,
        "resolution": r.first_pass_resolution,
        "paid": r.paid_amount,
        "open": sorted((t["category"], tuple(t["reason_codes"])) for t in entry.open_tasks),
    }


def net_counts(steps: list[Tracked]) -> Counter[str]:
    """What the worker's counters add up to (claimflow_first_pass_total and _resolution_total as
    the recording rules read them): each outcome once, revisions moving it."""
    net: Counter[str] = Counter()
    for step in steps:
        for outcome, _ in step.outcomes:
            if outcome.first_pass_decided:
                net[f"first_pass:{outcome.first_pass_decided}"] += 1
            if outcome.first_pass_revised:
                new = outcome.first_pass_revised
                old = "rejected" if new == "accepted" else "accepted"
                net[f"first_pass:{new}"] += 1
                net[f"first_pass:{old}"] -= 1
            if outcome.resolution_decided in ("resolved", "unresolved"):
                net[f"resolution:{outcome.resolution_decided}"] += 1
            elif outcome.resolution_decided in ("resubmitted", "reversed"):
                net["resolution:resolved"] -= 1
                net["resolution:unresolved"] += 1
            if outcome.resolution_revised:
                new = outcome.resolution_revised
                old = "unresolved" if new == "resolved" else "resolved"
                net[f"resolution:{new}"] += 1
                net[f"resolution:{old}"] -= 1
    return +net


def every_order(tracker: Tracker, events: list[Event]) -> list[tuple[tuple[int, ...], list[Tracked]]]:
    return [
        (order, run(tracker, *(events[i] for i in order)))
        for order in itertools.permutations(range(len(events)))
    ]


# --- first pass: the earliest answer by the payer's time ----------------------------------------


def test_an_older_acceptance_read_after_a_rejection_revises_the_first_pass(tracker: Tracker) -> None:
    """The clearinghouse's A2 (minute 2) then the payer's A3 (minute 3): the first 277CA status is
    the A2 — read last, it still decides, and the count taken for the A3 is revised."""
    steps = run(tracker, ready(), status("A3", 3), status("A2", 2))
    assert steps[1].outcome.first_pass_decided == "rejected"
    assert steps[2].outcome.first_pass_revised == "accepted"
    assert steps[2].entry.record.first_pass == "accepted"
    assert net_counts(steps)["first_pass:accepted"] == 1 and net_counts(steps)["first_pass:rejected"] == 0


def test_an_acceptance_read_after_the_835_that_returned_the_claim_decides_the_first_pass(
    tracker: Tracker,
) -> None:
    """A2 at minute 3, an 835 returning the claim as unprocessable (MA130) the next day: accepted
    on the first pass, whichever topic the tracker reads first."""
    unprocessable = remit(("CO", "16", "45.00"), minutes=24 * HOUR).model_copy(
        update={"remark_codes": ["MA130"]}
    )
    for order in (("A2", "835"), ("835", "A2")):
        answers = {"A2": status("A2", 3), "835": unprocessable}
        steps = run(tracker, ready(), *(answers[k] for k in order))
        assert steps[-1].entry.record.first_pass == "accepted", order
        assert +net_counts(steps) == Counter({"first_pass:accepted": 1, "resolution:unresolved": 1}), order


def test_the_first_adjudication_by_time_decides_resolution(tracker: Tracker) -> None:
    """A CO-16 denial on day 1, the claim reprocessed and paid on day 3: not paid on the first
    pass (reference §6: "no CO denial"), also when the payment is read first."""
    denied = remit(("CO", "16", "45.00"), minutes=24 * HOUR)
    paid = remit(paid="45.00", clp02="1", minutes=72 * HOUR)
    for events in ((denied, paid), (paid, denied)):
        steps = run(tracker, ready(), status("A2", 3), *events)
        record = steps[-1].entry.record
        assert (record.state, record.first_pass_resolution) == ("paid", "unresolved")
        assert (
            net_counts(steps)["resolution:resolved"] == 0 and net_counts(steps)["resolution:unresolved"] == 1
        )
        assert steps[-1].entry.open_tasks == []  # the payment closed the denial's fix


# --- a claim sent again under its id, answered before its step is read --------------------------


def test_a_resubmission_accepted_and_paid_before_its_ready_step_is_read_ends_paid(tracker: Tracker) -> None:
    """A3 at minute 3; the coder fixed the claim and sent it again (minute 5); the payer's A2
    (minute 6) and its payment are read before the resubmission's own ready step. The claim is paid,
    the rejection's fix task closed — not left rejected with the payment refused."""
    steps = run(
        tracker,
        ready(),
        status("A1", 2),
        status("A3", 3),
        status("A2", 6),
        ready_again(5),
        remit(paid="45.00", clp02="1", minutes=24 * HOUR),
    )
    record = steps[-1].entry.record
    assert (record.state, record.paid_amount) == ("paid", Decimal("45.00"))
    assert steps[-1].entry.open_tasks == []
    assert record.first_pass == "rejected" and record.first_pass_resolution == "unresolved"
    assert record.anomalies == 0


def test_a_stale_acceptance_does_not_undo_a_request_for_information(tracker: Tracker) -> None:
    """P3 (minute 7, the payer asks for documentation) read before the older A2 (minute 3): the
    claim stays pending and its send-information task open."""
    steps = run(tracker, ready(), status("P3", 7), status("A2", 3))
    assert steps[-1].entry.record.state == "pending"
    assert [t["action"] for t in steps[-1].entry.open_tasks] == ["send_information"]


# --- answers parked until the claim is known ------------------------------------------------------


def test_a_parked_denial_superseded_by_a_payment_sends_no_corrected_claim(tracker: Tracker) -> None:
    """The payer's answers reach the tracker before claimflow's ready step: A2, a payment on day 3
    and an older CO-4 on day 1 on a 93000-26. The claim is paid: the CO-4 is history — no corrected
    claim (a replacement of a paid claim), no task."""
    claim = ValidClaim.model_validate(
        make_claim(
            claim_id="C1", payer=commercial_payer(), lines=[line(1, "93000", modifiers=["26"])]
        ).model_dump()
    )
    steps = run(
        tracker,
        status("A2", 3),
        remit(paid="45.00", clp02="1", minutes=72 * HOUR),
        remit(("CO", "4", "45.00"), minutes=24 * HOUR),
        ready(claim),
    )
    assert steps[-1].tasks == [] and steps[-1].entry.record.state == "paid"
    assert steps[-1].entry.open_tasks == []


def test_a_parked_request_for_information_answered_by_a_payment_raises_no_task(tracker: Tracker) -> None:
    steps = run(
        tracker, status("A2", 3), status("R4", 10), remit(paid="45.00", clp02="1", minutes=24 * HOUR), ready()
    )
    assert steps[-1].tasks == [] and steps[-1].entry.open_tasks == []


def test_an_era_resent_while_the_claim_is_unknown_is_counted_and_tasked_once(tracker: Tracker) -> None:
    denial = remit(("CO", "50", "45.00"), minutes=24 * HOUR)
    steps = run(tracker, status("A2", 3), denial, resent(denial), ready())
    known = steps[-1]
    assert [t.reason_codes for t in known.tasks] == [["CO-50"]]
    # the A2 and the denial are counted; the re-sent copy is not
    assert [type(a).__name__ for a in known.answers] == ["ClaimStatus", "Denial"]
    assert [f.denied for f in known.facts] == [True]


def test_a_parked_decision_is_an_adjudication_fact_once_the_claim_is_known(tracker: Tracker) -> None:
    steps = run(tracker, status("A2", 3), remit(("CO", "50", "45.00"), minutes=24 * HOUR), ready())
    assert [(f.procedure_code, f.denied) for f in steps[-1].facts] == [("93000", True)]


# --- replaced before the payer decided -----------------------------------------------------------


def test_a_claim_replaced_before_its_payment_is_read_stays_replaced_with_the_payment(
    tracker: Tracker,
) -> None:
    """The payer paid C1 on day 1; the billing office's replacement C1-B (day 2) is read first. C1
    is replaced — sent again, so not paid on the first pass — and keeps the payment it got."""
    steps = run(
        tracker,
        ready(),
        status("A2", 3),
        replaced_step(48 * HOUR),
        remit(paid="45.00", clp02="1", minutes=24 * HOUR),
    )
    record = steps[-1].entry.record
    assert (record.state, record.paid_amount) == ("resubmitted", Decimal("45.00"))
    assert record.first_pass_resolution == "unresolved" and record.anomalies == 0
    assert steps[-1].outcome.decision == "paid" and steps[-1].tasks == []


def test_a_denial_of_a_claim_already_replaced_raises_no_task(tracker: Tracker) -> None:
    steps = run(
        tracker,
        ready(),
        status("A2", 3),
        replaced_step(48 * HOUR),
        remit(("CO", "50", "45.00"), minutes=24 * HOUR),
    )
    assert steps[-1].tasks == [] and steps[-1].entry.open_tasks == []


# --- every order ----------------------------------------------------------------------------------


HISTORIES: dict[str, list[Event]] = {
    "accepted then paid": [
        ready(),
        status("A1", 2),
        status("A2", 3),
        remit(paid="45.00", clp02="1", minutes=24 * HOUR),
    ],
    "two 277s, the payer's rejection last": [ready(), status("A2", 2), status("A3", 3)],
    "denied, then reprocessed and paid": [
        ready(),
        status("A2", 3),
        remit(("CO", "16", "45.00"), minutes=24 * HOUR),
        remit(paid="45.00", clp02="1", minutes=72 * HOUR),
    ],
    "rejected, sent again, paid": [
        ready(),
        status("A3", 3),
        ready_again(5),
        status("A2", 6),
        remit(paid="45.00", clp02="1", minutes=24 * HOUR),
    ],
    "pending request, then denied": [
        ready(),
        status("A2", 3),
        status("P3", 7),
        remit(("CO", "50", "45.00"), minutes=24 * HOUR),
    ],
    "replaced, the original paid": [
        ready(),
        status("A2", 3),
        remit(paid="45.00", clp02="1", minutes=24 * HOUR),
        replaced_step(48 * HOUR),
    ],
    "a denial and its re-sent copy": [
        ready(),
        status("A2", 3),
        remit(("CO", "50", "45.00"), minutes=24 * HOUR),
        resent(remit(("CO", "50", "45.00"), minutes=24 * HOUR)),
    ],
    # the payer pays, takes the payment back (CLP02 22) and decides again: the newest decision is
    # in force whatever order the three 835s are read in; an older one read last moves no money
    "paid, reversed, then denied": [
        ready(),
        status("A2", 3),
        remit(paid="45.00", clp02="1", minutes=24 * HOUR),
        reversal("-45.00", minutes=50 * HOUR),
        remit(("CO", "50", "45.00"), minutes=70 * HOUR),
    ],
    "paid, reversed, then paid in part with CO-97": [
        ready(),
        status("A2", 3),
        remit(paid="45.00", clp02="1", minutes=24 * HOUR),
        reversal("-45.00", minutes=50 * HOUR),
        remit(("CO", "97", "9.00"), paid="36.00", clp02="1", minutes=70 * HOUR),
    ],
}


def test_a_claim_comes_to_the_same_state_tasks_and_first_pass_in_every_reading_order(
    tracker: Tracker,
) -> None:
    """For each history, every order of its events: the same state, paid amount, open tasks,
    first-pass outcome and resolution as in time order, and the counters net to one outcome each."""
    for name, events in HISTORIES.items():
        natural = run(tracker, *events)
        want = summary(natural)
        want_counts = net_counts(natural)
        for order, steps in every_order(tracker, events):
            assert summary(steps) == want, (name, order)
            assert net_counts(steps) == want_counts, (name, order)


# --- another payer's remittance, and a payment in full ------------------------------------------


def medicare_partial() -> Denial:
    """Medicare pays 93000 (16.00 after CO-45 and the PR-2 coinsurance) and denies 93010 CO-97."""
    return Denial(
        claim_id="C1",
        claim_status_code="1",
        paid_amount="16.00",
        charge_amount="90.00",
        payer_claim_number="PCN-1",
        adjustments=[
            {"group_code": "CO", "reason_code": "45", "amount": "25.00", "line_number": 1},
            {"group_code": "PR", "reason_code": "2", "amount": "4.00", "line_number": 1},
            {"group_code": "CO", "reason_code": "97", "amount": "45.00", "line_number": 2},
        ],
        occurred_at=FIXED_TIME + timedelta(days=1),
    )


def medigap_crossover() -> Denial:
    """The Medigap plan the claim was crossed over to pays the coinsurance: processed as secondary."""
    return Denial(
        claim_id="C1",
        claim_status_code="2",
        paid_amount="4.00",
        charge_amount="90.00",
        payer_claim_number="MEDIGAP-9",
        adjustments=[
            {"group_code": "OA", "reason_code": "23", "amount": "41.00", "line_number": 1},
            {"group_code": "OA", "reason_code": "23", "amount": "45.00", "line_number": 2},
        ],
        occurred_at=FIXED_TIME + timedelta(days=5),
    )


def test_the_next_payers_denial_after_a_forwarded_decision_leaves_that_decision_in_force(
    tracker: Tracker,
) -> None:
    """CLP02 19: Medicare processed the claim as primary and forwarded it (crossover). The Medigap
    plan's own 835 for it — here a denial, CLP02 4, under its own claim number — is the next payer's
    answer: Medicare's payment stands (a payer changes its own decision only by a reversal, 22)."""

    def decision(clp02: str, paid: str, number: str, group: str, carc: str, days: int) -> Denial:
        return Denial(
            claim_id="C1",
            claim_status_code=clp02,
            paid_amount=paid,
            charge_amount="100.00",
            payer_claim_number=number,
            adjustments=[{"group_code": group, "reason_code": carc, "amount": "20.00"}],
            occurred_at=FIXED_TIME + timedelta(days=days),
        )

    forwarded = decision("19", "80.00", "PCN-1", "PR", "2", days=20)  # the coinsurance crossed over
    medigap_denial = decision("4", "0", "MEDIGAP-77", "CO", "96", days=35)
    *_, primary, nextpayer = run(tracker, ready(), status("A2", 3), forwarded, medigap_denial)
    assert (primary.entry.record.state, primary.entry.record.paid_amount) == ("paid", Decimal("80.00"))
    record = nextpayer.entry.record
    assert nextpayer.outcome.result == "noted"
    assert (record.state, record.paid_amount, record.payer_claim_number) == (
        "paid",
        Decimal("80.00"),
        "PCN-1",
    )
    assert record.first_pass_resolution == "resolved"
    assert nextpayer.tasks == [] and nextpayer.entry.open_tasks == []


def two_lines() -> ValidClaim:
    return ValidClaim.model_validate(
        make_claim(
            claim_id="C1", lines=[line(1, "93000", charge="45.00"), line(2, "93010", charge="45.00")]
        ).model_dump()
    )


def test_a_secondary_payers_835_after_the_primarys_decision_leaves_that_decision_in_force(
    tracker: Tracker,
) -> None:
    """The primary's partial payment (a CO-97 line write-off) stands when the secondary's 835
    arrives: state, payment, payer claim number (a reopening names the primary's) and the open task
    unchanged; the secondary's answer is noted, neither counted under the primary payer nor a fact."""
    *_, primary, secondary = run(
        tracker, ready(two_lines()), status("A2", 3), medicare_partial(), medigap_crossover()
    )
    assert primary.entry.record.state == "partially_paid" and primary.entry.open_tasks
    record = secondary.entry.record
    assert secondary.outcome.result == "noted"
    assert (record.state, record.paid_amount, record.payer_claim_number) == (
        "partially_paid",
        Decimal("16.00"),
        "PCN-1",
    )
    assert secondary.entry.open_tasks == primary.entry.open_tasks
    assert secondary.answers == [] and secondary.facts == [] and secondary.tasks == []


def test_a_claim_sent_to_its_secondary_payer_is_decided_by_that_payers_835(tracker: Tracker) -> None:
    """Billed to the secondary (SBR01 S): the 835 processed as secondary is the claim's own decision."""
    claim = ValidClaim.model_validate(make_claim(claim_id="C1", payer_responsibility="S").model_dump())
    *_, first, second = run(
        tracker,
        ready(claim),
        remit(paid="40.00", clp02="2", minutes=24 * HOUR),
        remit(paid="45.00", clp02="2", minutes=48 * HOUR),
    )
    assert first.entry.record.state == "paid" and second.outcome.result == "applied"
    assert second.entry.record.paid_amount == Decimal("45.00")


def test_a_claim_paid_in_full_on_its_835_is_an_adjudication_fact(tracker: Tracker) -> None:
    """The denial trends' denominators: a clean payment is a decision (not denied), like any other."""
    steps = run(tracker, ready(), status("A2", 5), paid_in_full())
    assert [(f.procedure_code, f.denied) for f in steps[-1].facts] == [("93000", False)]
    # a 277 F1 (the status, not the remittance) is no fact: its 835 is
    summary_f1 = status("F1", 500)
    assert run(tracker, ready(), status("A2", 5), summary_f1)[-1].facts == []


# --- after a rejection ------------------------------------------------------------------------------


def test_a_newer_acceptance_without_a_resubmission_leaves_the_rejection_and_its_task(
    tracker: Tracker,
) -> None:
    """A3 at minute 3, then the clearinghouse's A2 about the same submission stamped minute 5 and
    no second ready step: the claim was never filed — still rejected, its fix task open."""
    steps = run(tracker, ready(), status("A3", 3), status("A2", 5))
    entry = steps[-1].entry
    assert entry.record.state == "rejected" and [t["action"] for t in entry.open_tasks] == [
        "fix_and_resubmit"
    ]
    assert steps[-1].outcome.result == "noted" and entry.record.anomalies == 0


def test_the_resubmissions_acceptance_read_before_its_ready_step_takes_effect_with_it(
    tracker: Tracker,
) -> None:
    steps = run(tracker, ready(), status("A3", 3), status("A2", 6), ready_again(5))
    entry = steps[-1].entry
    assert entry.record.state == "accepted" and entry.open_tasks == []


def test_an_older_rejection_read_after_the_resubmissions_acknowledgment_raises_nothing(
    tracker: Tracker,
) -> None:
    """A3 (minute 3), the claim sent again (5) and acknowledged (A1, 6); the A3 read last is history."""
    events = [ready(), status("A3", 3), ready_again(5), status("A1", 6)]
    for order in ((0, 2, 3, 1), (0, 1, 2, 3), (1, 3, 0, 2)):
        steps = run(tracker, *(events[i] for i in order))
        entry = steps[-1].entry
        assert entry.record.state == "acknowledged" and entry.open_tasks == [], order
        assert entry.record.first_pass == "rejected", order


def test_a_rejection_before_the_payment_read_after_it_leaves_the_claim_unresolved(tracker: Tracker) -> None:
    """The clearinghouse's A2 (2), the payer's A3 (3), then a payment (day 1): rejected before its
    first adjudication — not paid on the first pass (reference §6), whatever is read first."""
    events = [ready(), status("A2", 2), status("A3", 3), remit(paid="45.00", clp02="1", minutes=24 * HOUR)]
    for order in ((0, 1, 2, 3), (0, 1, 3, 2), (1, 3, 2, 0)):
        steps = run(tracker, *(events[i] for i in order))
        assert steps[-1].entry.record.first_pass_resolution == "unresolved", order
        assert net_counts(steps)["resolution:resolved"] == 0, order


def test_an_older_denial_read_after_a_newer_information_request_leaves_the_request_open(
    tracker: Tracker,
) -> None:
    """CO-50 on day 1, then the payer's R4 on day 2 asking for documentation: both ask for
    something, read in either order (a move closes only the tasks raised before it)."""
    denial = remit(("CO", "50", "45.00"), minutes=24 * HOUR)
    request = status("R4", 48 * HOUR)
    for answers in ((denial, request), (request, denial)):
        steps = run(tracker, ready(), status("A2", 3), *answers)
        assert sorted(t["action"] for t in steps[-1].entry.open_tasks) == ["appeal", "send_information"]


def test_a_replacement_sent_before_the_payment_it_is_read_after_still_replaces_the_claim(
    tracker: Tracker,
) -> None:
    """The replacement (day 1) was sent before the payer paid the original (day 1.5); its step is
    read after the payment: the claim is replaced — not counted paid on the first pass."""
    steps = run(
        tracker,
        ready(),
        status("A2", 3),
        remit(paid="45.00", clp02="1", minutes=36 * HOUR),
        replaced_step(24 * HOUR),
    )
    record = steps[-1].entry.record
    assert (record.state, record.paid_amount) == ("resubmitted", Decimal("45.00"))
    assert net_counts(steps)["resolution:resolved"] == 0 and net_counts(steps)["resolution:unresolved"] == 1


def test_a_remittance_resent_and_read_late_is_counted_once(tracker: Tracker) -> None:
    denial = remit(("CO", "16", "45.00"), minutes=24 * HOUR)
    paid = remit(paid="45.00", clp02="1", minutes=72 * HOUR)
    steps = run(tracker, ready(), status("A2", 3), paid, denial, resent(denial))
    assert steps[-1].outcome.result == "noted" and steps[-1].answers == [] and steps[-1].facts == []
    again = paid_in_full(600)
    twice = run(
        tracker,
        ready(),
        status("A2", 3),
        again,
        again.model_copy(update={"event_id": derived_event_id(again.event_id, "resent")}),
    )
    assert twice[-1].answers == [] and twice[-1].facts == []


def test_a_tertiary_crossover_after_the_secondary_payers_decision_is_noted_read_before_the_claim(
    tracker: Tracker,
) -> None:
    """A claim billed to its secondary payer (SBR01 S) decided CLP02 2; the tertiary's CLP02 3
    crossover read before claimflow's ready step: the secondary's decision stays in force."""
    claim = ValidClaim.model_validate(make_claim(claim_id="C1", payer_responsibility="S").model_dump())
    secondary = remit(paid="30.00", clp02="2", minutes=24 * HOUR)
    tertiary = remit(paid="2.00", clp02="3", minutes=48 * HOUR).model_copy(
        update={"payer_claim_number": "TERT-1"}
    )
    steps = run(tracker, secondary, tertiary, ready(claim))
    record = steps[-1].entry.record
    assert (record.state, record.paid_amount, record.payer_claim_number) == (
        "paid",
        Decimal("30.00"),
        "PCN-1",
    )


def test_a_rejection_or_a_request_dated_like_the_acceptance_is_never_lost(tracker: Tracker) -> None:
    """277CA status dates are days: the clearinghouse's A2 and the payer's A3 (or P3) of the same
    day carry the same time. Whichever is read first, the rejection (or the documentation
    request) stands with its task — losing it costs the claim; one taken by mistake costs a look."""
    for asks, state, action in (
        ("A3", "rejected", "fix_and_resubmit"),
        ("P3", "pending", "send_information"),
    ):
        for first in ("A2", asks):
            second = asks if first == "A2" else "A2"
            later = status(second, 600).model_copy(
                update={"event_id": derived_event_id(status(second, 600).event_id, "x")}
            )
            steps = run(tracker, ready(), status(first, 600), later)
            entry = steps[-1].entry
            assert entry.record.state == state, (asks, first)
            assert [t["action"] for t in entry.open_tasks] == [action], (asks, first)
    steps = run(tracker, ready(), status("A1", 600), status("A3", 600))
    assert steps[-1].entry.record.state == "rejected"


def test_an_era_with_a_reversal_and_its_correction_re_sent_changes_nothing(tracker: Tracker) -> None:
    """An 835 reversing a payment (CLP02 22, the old payer claim number) and deciding it again
    (CLP02 1, a new one) arrives again in a new interchange. The re-sent reversal is history
    (late); the re-sent correction is the decision in force again — recorded, not applied twice:
    no second adjudication fact for the denial trends, the claim number in force unchanged."""
    at = FIXED_TIME + timedelta(minutes=2000)
    reversal = Denial(
        claim_id="C1", claim_status_code="22", paid_amount="-80.00", payer_claim_number="PCN-1",
        reversed_adjustments=[{"group_code": "CO", "reason_code": "45", "amount": "-20.00"}], occurred_at=at,
    )  # fmt: skip
    correction = Denial(
        claim_id="C1", claim_status_code="1", paid_amount="70.00", payer_claim_number="PCN-2",
        adjustments=[{"group_code": "CO", "reason_code": "45", "amount": "30.00"}], occurred_at=at,
    )  # fmt: skip
    paid = remit(paid="80.00", clp02="1")
    steps = run(
        tracker, ready(), status("A2", 3), paid, reversal, correction, resent(reversal), resent(correction)
    )
    once, again = steps[4], steps[-2:]
    assert once.entry.record.state == "paid" and len(once.facts) == 1
    assert [s.entry.record.history[-1].result for s in again] == ["late", "noted"]
    assert all(not s.facts and not s.tasks for s in again)
    record = steps[-1].entry.record
    assert (record.state, record.paid_amount, record.payer_claim_number) == (
        "paid",
        Decimal("70.00"),
        "PCN-2",
    )
