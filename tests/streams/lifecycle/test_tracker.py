"""The claim tracker without a broker: parked answers, tasks, redelivery, follow-ups, facts.

Expected values come from the reference: a 277CA A1/A2 acknowledges/accepts, an 835 with CLP02=1
and no denial adjustment pays; CO-50 is provider liability (appeal, never a patient bill); CO-4 on a
93000-26 is a code/modifier mismatch whose mechanical fix is the interpretation code 93010 without
the modifier; OA-23 (a prior payer's adjudication) is not a denial.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from schemas import ClaimStatus, Denial, LifecycleEvent, ValidClaim
from schemas.ids import derived_event_id
from streams.denials import load_reason_map
from streams.lifecycle.events import step_for
from streams.lifecycle.tracker import ClaimEntry, Tracked, Tracker
from tests.builders import (
    FIXED_TIME,
    MEDICARE_DECISION_FOR_COB,
    commercial_patient,
    commercial_payer,
    line,
    make_claim,
    make_encounter,
)

REASONS = load_reason_map()


def ready(claim: ValidClaim | None = None) -> LifecycleEvent:
    claim = claim or ValidClaim.model_validate(make_claim(claim_id="C1").model_dump())
    return step_for(claim, "ready", snapshot=True, encounter=make_encounter())


def ready_again(minutes: int) -> LifecycleEvent:
    """The same claim sent again under its id (a coder fixed it): its own step."""
    claim = ValidClaim.model_validate(
        make_claim(
            claim_id="C1", occurred_at=(FIXED_TIME + timedelta(minutes=minutes)).isoformat()
        ).model_dump()
    )
    step = step_for(claim, "ready", snapshot=True, encounter=make_encounter())
    return step.model_copy(update={"event_id": derived_event_id(step.event_id, "again")})


def status(category: str, minutes: int) -> ClaimStatus:
    return ClaimStatus(
        claim_id="C1",
        category_code=category,
        payer_claim_number="PCN-1",
        occurred_at=FIXED_TIME + timedelta(minutes=minutes),
    )


def remit(
    *adjustments: tuple[str, str, str],
    paid: str = "0",
    clp02: str = "4",
    minutes: int = 600,
    number: str = "PCN-1",
) -> Denial:
    return Denial(
        claim_id="C1",
        claim_status_code=clp02,
        paid_amount=paid,
        payer_claim_number=number,
        adjustments=[{"group_code": g, "reason_code": r, "amount": a} for g, r, a in adjustments],
        occurred_at=FIXED_TIME + timedelta(minutes=minutes),
    )


def run(tracker: Tracker, *events: LifecycleEvent | ClaimStatus | Denial) -> list[Tracked]:
    entry = ClaimEntry.new("C1")
    out = []
    for event in events:
        tracked = tracker.track(entry, event)
        entry = tracked.entry
        out.append(tracked)
    return out


def test_a_claim_acknowledged_accepted_and_paid_is_first_pass_with_no_task(tracker: Tracker) -> None:
    steps = run(tracker, ready(), status("A1", 5), status("A2", 60), remit(paid="45.00", clp02="1"))
    record = steps[-1].entry.record
    assert record.state == "paid" and record.first_pass == "accepted"
    assert all(not s.tasks for s in steps)
    # reference §6 on the state record: acknowledged (the A1) and paid on the first pass
    state = steps[-1].state
    assert state is not None and state.acknowledged and state.first_pass_resolution == "resolved"
    assert [o.first_acknowledged for s in steps for o, _ in s.outcomes] == [False, True, False, False]
    # every payer answer is acted on (counted) once the claim is known
    assert [len(s.answers) for s in steps] == [0, 1, 1, 1]
    # the payment is an adjudication of a claim whose line is known: one fact, not denied
    assert [(f.procedure_code, f.denied) for f in steps[-1].facts] == [("93000", False)]
    assert steps[1].facts == [] and steps[2].facts == []  # acknowledgments adjudicate nothing


def test_co50_raises_an_appeal_task_never_a_patient_bill(tracker: Tracker) -> None:
    *_, denied = run(tracker, ready(), status("A2", 60), remit(("CO", "50", "45.00")))
    assert denied.entry.record.state == "denied"
    [task] = denied.tasks
    assert task.action == "appeal" and not task.patient_billable
    assert task.occurred_at == denied.entry.record.adjudicated_at  # dated by the payer's answer
    [fact] = denied.facts
    assert fact.denied and fact.categories


def test_an_answer_before_the_claim_is_known_is_parked_then_acted_on(tracker: Tracker) -> None:
    early, known = run(tracker, remit(("CO", "50", "45.00")), ready())
    assert early.tasks == [] and early.answers == [] and len(early.entry.parked) == 1
    assert early.entry.record.state == "denied"  # the state moves at once
    assert [t.action for t in known.tasks] == ["appeal"]
    assert [type(a) for a in known.answers] == [Denial]  # counted now that the payer is known
    assert known.entry.parked == []


def test_parked_answers_are_bounded(tracker: Tracker) -> None:
    bounded = Tracker(REASONS, tracker.planner, parked_keep=3)
    steps = run(bounded, *(status("P1", i) for i in range(10)))
    assert len(steps[-1].entry.parked) == 3


def test_a_redelivered_denial_resends_the_same_task_and_plans_nothing(tracker: Tracker) -> None:
    denial = remit(("CO", "50", "45.00"))
    *_, first, again = run(tracker, ready(), denial, denial)
    assert not again.changed and again.tasks == [] and again.outcome.result == "duplicate"
    assert [t.task_id for t in again.resend] == [t.task_id for t in first.tasks]
    assert again.entry.record == first.entry.record


def test_co4_on_93000_26_sends_a_corrected_93010_and_moves_the_claim_to_resubmitted(
    tracker: Tracker,
) -> None:
    claim = ValidClaim.model_validate(
        make_claim(
            claim_id="C1", payer=commercial_payer(), lines=[line(1, "93000", modifiers=["26"])]
        ).model_dump()
    )
    denial = remit(("CO", "4", "45.00"))
    *_, denied, again = run(tracker, ready(claim), status("A2", 60), denial, denial)
    [task] = denied.tasks
    assert task.corrected_claim is not None
    [corrected] = task.corrected_claim.lines
    assert corrected.procedure_code == "93010" and list(corrected.modifiers) == []
    # the denial; the task stays open until the corrected claim is sent (the scrubber may hold it)
    assert [o.became for o, _ in denied.outcomes] == ["denied"]
    assert [t["action"] for t in denied.entry.open_tasks] == ["replacement_claim"]
    # redelivered: the same corrected claim again
    assert [t.corrected_claim for t in again.resend] == [task.corrected_claim]
    assert len(again.outcomes) == 1 and again.entry.record.state == "denied"
    # held by the scrubber (a duplicate of another claim, say): the claim it replaces stays as it is
    held = tracker.track(
        ClaimEntry.new(task.corrected_claim.claim_id), step_for(task.corrected_claim, "held")
    )
    assert held.steps == []
    # sent: its ready step names the claim it replaces, whose own step moves it on
    sent = tracker.track(
        ClaimEntry.new(task.corrected_claim.claim_id), step_for(task.corrected_claim, "ready")
    )
    (replaced,) = sent.steps
    moved = tracker.track(again.entry, replaced)
    assert moved.entry.record.state == "resubmitted" and moved.entry.open_tasks == []


def test_a_prior_payer_adjustment_is_not_a_denial(tracker: Tracker) -> None:
    *_, paid = run(tracker, ready(), remit(("OA", "23", "30.00"), paid="15.00", clp02="2"))
    assert paid.tasks == [] and paid.entry.record.state == "paid"


def test_a_rejection_raises_a_fix_task(tracker: Tracker) -> None:
    *_, rejected = run(tracker, ready(), status("A7", 5))
    assert rejected.entry.record.state == "rejected" and rejected.entry.record.first_pass == "rejected"
    assert [t.action for t in rejected.tasks] == ["fix_and_resubmit"]


def test_the_entry_round_trips_through_its_stored_form(tracker: Tracker) -> None:
    *_, last = run(tracker, remit(("CO", "50", "45.00")), ready(), status("A2", 60))
    stored = last.entry.encode()
    assert set(stored) == {"record", "claim", "encounter", "outbox", "parked", "open_tasks"}
    again = ClaimEntry.decode(stored, "C1")
    assert again.encode() == stored
    claim = again.claim()
    assert claim is not None and claim.total_charge == Decimal("45.00")
    assert again.encounter() is not None


def test_an_entry_stored_before_open_tasks_existed_still_decodes(tracker: Tracker) -> None:
    *_, last = run(tracker, ready(), status("A2", 60))
    stored = last.entry.encode()
    del stored["open_tasks"]
    stored["claim"] = json.loads(stored["claim"])  # snapshots were stored as objects
    stored["encounter"] = json.loads(stored["encounter"])
    for item in stored["record"]["history"]:  # history items before from/to states were kept
        for key in ("from_state", "to_state", "amount", "first_pass"):
            del item[key]
    again = ClaimEntry.decode(stored, "C1")
    assert again.record.state == "accepted" and again.open_tasks == []
    claim = again.claim()
    assert claim is not None and claim.claim_id == "C1" and again.encounter() is not None


def test_an_unknown_claim_decodes_as_a_new_entry() -> None:
    entry = ClaimEntry.decode(None, "C9")
    assert entry.record.claim_id == "C9" and entry.record.state is None and entry.claim() is None


# --- transitions and the state record (claim-transitions, claim-states) ---------------------------


def _moves(tracked: Tracked) -> list[tuple[str | None, str | None, str]]:
    return [(t.from_state, t.to_state, t.result) for t in tracked.transitions]


def test_every_applied_event_is_one_transition_and_the_state_follows(tracker: Tracker) -> None:
    steps = run(tracker, ready(), status("A1", 5), status("A2", 60), remit(paid="45.00", clp02="1"))
    assert [_moves(s) for s in steps] == [
        [(None, "ready", "applied")],
        [("ready", "acknowledged", "applied")],
        [("acknowledged", "accepted", "applied")],
        [("accepted", "paid", "applied")],
    ]
    assert steps[2].transitions[0].first_pass == "accepted"  # the A2 decides first pass
    assert steps[3].transitions[0].paid_amount == Decimal("45.00")
    state = steps[-1].state
    assert state is not None and state.state == "paid" and state.first_pass == "accepted"
    assert state.original and state.known and state.open_tasks == []
    assert [(h.cause_code, h.to_state) for h in state.history] == [
        ("ready", "ready"),
        ("A1", "acknowledged"),
        ("A2", "accepted"),
        ("CLP02=1", "paid"),
    ]


def test_a_redelivered_answer_publishes_the_same_transition_not_a_second_one(tracker: Tracker) -> None:
    a2 = status("A2", 60)
    *_, first, again = run(tracker, ready(), a2, a2)
    assert [t.event_id for t in again.transitions] == [t.event_id for t in first.transitions]
    assert again.transitions == first.transitions
    assert again.state is not None and first.state is not None
    assert again.state.model_dump() == first.state.model_dump()


def test_an_answer_that_came_late_is_a_transition_recorded_as_late(tracker: Tracker) -> None:
    entry = ClaimEntry.new("C1")
    for event, on_bus in ((ready(), 1.0), (remit(paid="45.00", clp02="1", minutes=600), 2.0)):
        entry = tracker.track(entry, event, on_bus).entry
    late = tracker.track(entry, status("A2", 60), 3.0)  # older than the 835, sent after it
    assert _moves(late) == [("paid", "paid", "late")] and not late.transitions[0].changed


def test_a_denial_leaves_its_task_open_until_the_claim_moves_on(tracker: Tracker) -> None:
    appealed = step_for(ValidClaim.model_validate(make_claim(claim_id="C1").model_dump()), "appealed")
    appealed = appealed.model_copy(update={"occurred_at": FIXED_TIME + timedelta(days=3)})
    *_, denied, after = run(tracker, ready(), remit(("CO", "50", "45.00")), appealed)
    assert denied.state is not None
    assert [(t.action, t.reason_codes) for t in denied.state.open_tasks] == [("appeal", ["CO-50"])]
    assert after.state is not None and after.state.state == "appealed" and after.state.open_tasks == []


def test_a_corrected_claim_sent_back_resolves_its_task_unless_resubmission_is_off(tracker: Tracker) -> None:
    claim = ValidClaim.model_validate(
        make_claim(
            claim_id="C1", payer=commercial_payer(), lines=[line(1, "93000", modifiers=["26"])]
        ).model_dump()
    )
    denial = remit(("CO", "4", "45.00"))
    *_, auto = run(tracker, ready(claim), denial)
    assert _moves(auto) == [("ready", "denied", "applied")]
    (task,) = auto.tasks
    assert task.corrected_claim is not None
    sent = tracker.track(
        ClaimEntry.new(task.corrected_claim.claim_id), step_for(task.corrected_claim, "ready")
    )
    moved = tracker.track(auto.entry, sent.steps[0])
    assert _moves(moved) == [("denied", "resubmitted", "applied")]
    assert moved.state is not None and moved.state.open_tasks == []
    manual_tracker = Tracker(REASONS, tracker.planner, auto_resubmit=False)
    *_, manual = run(manual_tracker, ready(claim), denial)
    assert _moves(manual) == [("ready", "denied", "applied")]
    assert manual.state is not None and [t.action for t in manual.state.open_tasks] == ["replacement_claim"]


PHI_FIELDS = {
    "patient",
    "member_id",
    "first_name",
    "last_name",
    "birth_date",
    "diagnoses",
    "payer_claim_number",
}


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_transitions_and_state_records_carry_no_phi(tracker: Tracker) -> None:
    steps = run(tracker, ready(), status("A2", 60), remit(("CO", "50", "45.00")))
    for tracked in steps:
        assert tracked.state is not None
        published = [
            tracked.state.model_dump(mode="json"),
            *(t.model_dump(mode="json") for t in tracked.transitions),
        ]
        assert not (_keys(published) & PHI_FIELDS)
        text = str(published)
        assert "PCN-1" not in text and "TEST" not in text and "R07.9" not in text


def test_published_records_read_back_through_their_contracts(tracker: Tracker) -> None:
    from schemas.claim_state import ClaimStateRecord, ClaimTransition
    from schemas.codec import decode, encode

    steps = run(tracker, ready(), status("A1", 5), status("A2", 60), remit(("CO", "50", "45.00")))
    for tracked in steps:
        for t in tracked.transitions:
            assert decode(ClaimTransition, encode(t), 1 << 20) == t
        assert tracked.state is not None
        assert decode(ClaimStateRecord, encode(tracked.state), 1 << 20) == tracked.state
    # claim-states carries the newest steps; GET /claims shows all the tracker keeps
    assert [h.cause_code for h in steps[-1].state.history] == ["ready", "A1", "A2", "CLP02=4"]


def reversal(paid: str, *taken_back: tuple[str, str, str], minutes: int) -> Denial:
    """An 835 reversal (CLP02 22): the payer takes its decision back, amounts negated."""
    return Denial(
        claim_id="C1",
        claim_status_code="22",
        paid_amount=paid,
        payer_claim_number="PCN-1",
        reversed_adjustments=[{"group_code": g, "reason_code": r, "amount": a} for g, r, a in taken_back],
        occurred_at=FIXED_TIME + timedelta(minutes=minutes),
    )


def test_a_reversed_payment_takes_the_money_back_and_the_corrected_denial_is_the_fact(
    tracker: Tracker,
) -> None:
    *_, paid, reversed_, corrected = run(
        tracker,
        ready(),
        status("A2", 60),
        remit(paid="45.00", clp02="1"),
        reversal("-45.00", minutes=800),
        remit(("CO", "50", "45.00"), minutes=801),
    )
    assert paid.entry.record.paid_amount == Decimal("45.00")
    record = reversed_.entry.record
    assert record.state == "pending" and record.paid_amount == 0 and record.anomalies == 0
    # a reversal decides nothing: no trend fact, no task
    assert reversed_.facts == [] and reversed_.tasks == []
    assert corrected.entry.record.state == "denied"
    assert [t.action for t in corrected.tasks] == ["appeal"]
    assert [f.denied for f in corrected.facts] == [True]


def test_a_reversed_denial_reopens_adjudication_and_closes_the_denials_task(tracker: Tracker) -> None:
    *_, denied, reversed_, paid = run(
        tracker,
        ready(),
        status("A2", 60),
        remit(("CO", "50", "45.00")),
        reversal("0", ("CO", "50", "-45.00"), minutes=800),
        remit(paid="45.00", clp02="1", minutes=801),
    )
    assert denied.state is not None and [t.action for t in denied.state.open_tasks] == ["appeal"]
    assert reversed_.entry.record.state == "pending" and reversed_.entry.record.anomalies == 0
    assert reversed_.state is not None and reversed_.state.open_tasks == []
    assert reversed_.tasks == [] and reversed_.facts == []
    assert paid.entry.record.state == "paid" and paid.entry.record.paid_amount == Decimal("45.00")


def test_a_line_rejected_in_an_accepted_claim_raises_a_task_for_that_line_only(tracker: Tracker) -> None:
    lines = [line(1, "93005", charge="30.00"), line(2, "93010", charge="15.00")]
    lines[1]["line_control_number"] = "LN-2"
    claim = ValidClaim.model_validate(
        make_claim(claim_id="C1", lines=lines, total_charge="45.00").model_dump()
    )
    accepted = ClaimStatus(
        claim_id="C1",
        category_code="A2",
        payer_claim_number="PCN-1",
        occurred_at=FIXED_TIME + timedelta(minutes=60),
        line_statuses=[
            {
                "line_control_number": "LN-2",
                "procedure_code": "93010",
                "category_code": "A7",
                "status_code": "454",
            }
        ],
    )
    _, acked, paid = run(tracker, ready(claim), accepted, remit(paid="30.00", clp02="1"))
    record = acked.entry.record
    assert record.state == "accepted" and record.first_pass == "accepted"  # the claim was not rejected
    [task] = acked.tasks
    assert task.action == "fix_and_resubmit" and task.category == "line_rejection"
    assert task.reason_codes == ["A7:454"] and task.amount_at_stake == Decimal("15.00")
    assert "line 2 93010" in task.root_cause and not task.patient_billable
    assert task.corrected_claim is None  # billed on a new original claim, not a replacement
    # the rejected line still waits for its new claim after the accepted lines are paid
    assert paid.entry.record.state == "paid"
    assert paid.state is not None and [t.category for t in paid.state.open_tasks] == ["line_rejection"]


def test_a_rejected_line_without_its_control_number_is_found_by_what_the_status_repeats(
    tracker: Tracker,
) -> None:
    """A 277CA line status (2220D) names its line by REF*FJ when the claim sent REF*6R; without
    it, by the SVC it echoes — code, modifiers, charge. A group's claim with two 93010 reads,
    Dr B's with 77: the status naming 93010-77 is about line 2 alone, and the task says so."""
    lines = [
        line(1, "93010", charge="15.00"),
        {**line(2, "93010", modifiers=["77"], charge="15.00"), "rendering_provider_npi": "1245319599"},
    ]
    claim = ValidClaim.model_validate(
        make_claim(claim_id="C1", lines=lines, total_charge="30.00").model_dump()
    )
    accepted = ClaimStatus(
        claim_id="C1",
        category_code="A2",
        occurred_at=FIXED_TIME + timedelta(minutes=60),
        line_statuses=[
            {"procedure_code": "93010", "modifiers": ["77"], "category_code": "A7", "status_code": "454"}
        ],
    )
    _, acked = run(tracker, ready(claim), accepted)
    [task] = acked.tasks
    assert "line 2 93010" in task.root_cause, task.root_cause


def test_a_status_whose_lines_are_all_accepted_raises_nothing(tracker: Tracker) -> None:
    accepted = ClaimStatus(
        claim_id="C1",
        category_code="A2",
        occurred_at=FIXED_TIME + timedelta(minutes=60),
        line_statuses=[{"procedure_code": "93000", "category_code": "A2"}],
    )
    _, acked = run(tracker, ready(), accepted)
    assert acked.tasks == [] and acked.entry.record.state == "accepted"


def tracing_and_read() -> ValidClaim:
    """93005 (30.00) and 93010 (15.00) on one claim."""
    lines = [line(1, "93005", charge="30.00"), line(2, "93010", charge="15.00")]
    return ValidClaim.model_validate(
        make_claim(claim_id="C1", lines=lines, total_charge="45.00").model_dump()
    )


def accepted_with_a_line_rejected(procedure_code: str, status_code: str) -> ClaimStatus:
    """A 277CA accepting the claim (A2) and rejecting one line (A7) it names by its code."""
    return ClaimStatus(
        claim_id="C1",
        category_code="A2",
        occurred_at=FIXED_TIME + timedelta(minutes=60),
        line_statuses=[{"procedure_code": procedure_code, "category_code": "A7", "status_code": status_code}],
    )


def test_a_rejected_lines_task_stays_open_beside_a_later_denials_task(tracker: Tracker) -> None:
    claim = tracing_and_read()
    accepted = accepted_with_a_line_rejected("93010", "454")
    *_, denied = run(tracker, ready(claim), accepted, remit(("CO", "50", "30.00")))
    assert denied.state is not None
    assert sorted(t.category for t in denied.state.open_tasks) == ["line_rejection", "medical_necessity"]


def test_a_denial_older_than_the_payment_in_force_raises_no_task(tracker: Tracker) -> None:
    """An answer older than the decision already applied is history: a CO-50 dated before the
    payment the claim already has asks nobody to appeal a paid claim."""
    *_, paid, older = run(
        tracker,
        ready(),
        status("A2", 60),
        remit(paid="45.00", clp02="1", minutes=600),
        remit(("CO", "50", "45.00"), minutes=300),
    )
    assert paid.entry.record.state == "paid" and older.outcome.result in ("late", "reordered")
    assert older.tasks == [] and older.entry.record.paid_amount == Decimal("45.00")
    assert len(older.answers) == 1  # still counted: the payer did decide so, once


@pytest.mark.parametrize("category", ["R4", "R9", "P3"])
def test_a_request_for_information_raises_a_task_to_answer_it(tracker: Tracker, category: str) -> None:
    """Reference 4: R0-R16 are requests for information (R4 documentation, R9 medical
    necessity), P3 waits for the provider's information: someone must send it."""
    *_, asked = run(tracker, ready(), status("A2", 60), status(category, 120))
    [task] = asked.tasks
    assert task.action == "send_information" and task.category == "information_request"
    assert not task.patient_billable and task.reason_codes == [category]
    # Medicare (the claim's payer): an additional documentation request is answered within 45 days
    assert task.due_date == (FIXED_TIME + timedelta(minutes=120)).date() + timedelta(days=45)
    assert asked.entry.record.state == "pending"
    # the decision that follows closes it
    paid = run(tracker, ready(), status("A2", 60), status(category, 120), remit(paid="45.00", clp02="1"))[-1]
    assert paid.entry.open_tasks == []


@pytest.mark.parametrize("category", ["A1", "P1", "A0", "D0"])
def test_statuses_that_ask_nothing_raise_no_task(tracker: Tracker, category: str) -> None:
    *_, answered = run(tracker, ready(), status(category, 60))
    assert answered.tasks == []


def test_an_answer_the_machine_refuses_raises_no_task_and_leaves_open_tasks_alone(tracker: Tracker) -> None:
    *_, paid, refused = run(
        tracker, ready(), status("A2", 60), remit(paid="45.00", clp02="1", minutes=600), status("A7", 900)
    )
    assert refused.outcome.result == "impossible" and refused.tasks == []
    assert refused.entry.open_tasks == paid.entry.open_tasks


def test_a_new_request_keeps_the_tasks_already_open(tracker: Tracker) -> None:
    """Denied with an appeal open, then the payer asks for documentation: both wait."""
    *_, denied, asked = run(
        tracker, ready(), status("A2", 60), remit(("CO", "50", "45.00")), status("R4", 700)
    )
    assert [t["action"] for t in denied.entry.open_tasks] == ["appeal"]
    assert [t["action"] for t in asked.entry.open_tasks] == ["appeal", "send_information"]


def test_the_same_request_again_under_another_id_opens_no_second_task(tracker: Tracker) -> None:
    *_, first, again = run(tracker, ready(), status("A7", 60), status("A7", 61))
    assert len(first.tasks) == 1 and again.tasks == []
    assert len(again.entry.open_tasks) == 1


def test_a_predetermination_is_an_estimate_not_a_decision(tracker: Tracker) -> None:
    """835 CLP02 25 (predetermination pricing only): the payer prices a service before it is
    done; the claim's state, tasks and denial trends do not move."""
    *_, estimate = run(tracker, ready(), status("A2", 60), remit(("CO", "50", "45.00"), clp02="25"))
    assert estimate.outcome.result == "noted" and estimate.entry.record.state == "accepted"
    assert estimate.tasks == [] and estimate.facts == []


def test_the_same_remittance_resent_under_another_id_is_counted_and_learnt_from_once(
    tracker: Tracker,
) -> None:
    """An ERA re-sent in a new interchange carries the same decision under new event ids: the
    payer decided once (reference §6: the denial rate counts decisions by claim and dollars)."""
    first, again = remit(("CO", "50", "45.00")), remit(("CO", "50", "45.00"))
    assert first.event_id != again.event_id
    *_, denied, resent = run(tracker, ready(), status("A2", 60), first, again)
    assert len(denied.answers) == 1 and len(denied.facts) == 1 and len(denied.tasks) == 1
    assert resent.outcome.result == "noted" and resent.entry.record.state == "denied"
    assert resent.answers == [] and resent.facts == [] and resent.tasks == []


def test_a_reprocessed_decision_under_a_new_payer_claim_number_is_no_repeat(tracker: Tracker) -> None:
    """Same date, same CLP02 and payment, but the payer reprocessed the claim (a new CLP07): a new
    decision, applied and counted, with its own task."""
    first = remit(("CO", "16", "45.00"))
    again = remit(("CO", "50", "45.00")).model_copy(update={"payer_claim_number": "PCN-2"})
    *_, reprocessed = run(tracker, ready(), status("A2", 60), first, again)
    assert reprocessed.outcome.result == "applied" and len(reprocessed.answers) == 1
    assert [t.category for t in reprocessed.tasks] == ["medical_necessity"]


def test_a_finalized_status_is_no_adjudication_fact_its_835_is(tracker: Tracker) -> None:
    """A 277 F2 says denied but not why; the 835 that follows is the decision: one fact, denied
    (not a fact marked not denied for the F2 and a second one for the 835)."""
    *_, f2, remittance = run(
        tracker, ready(), status("A2", 60), status("F2", 500), remit(("CO", "50", "45.00"))
    )
    assert f2.entry.record.state == "denied" and f2.facts == []
    assert [f.denied for f in remittance.facts] == [True]


def test_a_reversal_and_its_correction_in_one_835_leave_the_correction_whatever_the_order(
    tracker: Tracker,
) -> None:
    """Reference §4: CLP02 22 is a reversal: it takes back the earlier decision, not the
    correction that comes with it. One 835 dates both alike; the tracker may read either first."""
    paid = remit(paid="45.00", clp02="1", minutes=600)
    correction = remit(("CO", "45", "5.00"), paid="40.00", clp02="1", minutes=700)
    taken_back = reversal("-45.00", minutes=700)
    for order in ((taken_back, correction), (correction, taken_back)):
        *_, last = run(tracker, ready(), status("A2", 60), paid, *order)
        record = last.entry.record
        assert (record.state, record.paid_amount) == ("paid", Decimal("40.00")), order


def test_a_payment_read_after_the_reversal_that_took_it_back_stays_taken_back(tracker: Tracker) -> None:
    """The reversal (newer) was read before the payment it reverses (older): the payment is
    history, the claim waits for the corrected decision with nothing paid."""
    *_, older_payment = run(
        tracker,
        ready(),
        status("A2", 60),
        reversal("-45.00", minutes=700),
        remit(paid="45.00", clp02="1", minutes=600),
    )
    record = older_payment.entry.record
    assert older_payment.outcome.result == "late"
    assert record.state != "paid" and record.paid_amount == 0


def test_a_claim_returned_as_unprocessable_is_no_first_pass_acceptance(tracker: Tracker) -> None:
    """Reference §3/§5: "A claim rejected as unprocessable was never filed"; MA130 (unprocessable,
    no appeal rights) is fixed and sent as a new claim. An 835 denial with MA130 and no A2 before it
    decides first pass as rejected, not accepted; an ordinary denial still proves acceptance."""
    unprocessable = remit(("CO", "16", "45.00"))
    unprocessable = unprocessable.model_copy(update={"remark_codes": ["MA130"]})
    *_, returned = run(tracker, ready(), status("A1", 5), unprocessable)
    assert returned.entry.record.first_pass == "rejected"
    *_, denied = run(tracker, ready(), status("A1", 5), remit(("CO", "16", "45.00")))
    assert denied.entry.record.first_pass == "accepted"
    *_, accepted_first = run(tracker, ready(), status("A2", 5), unprocessable)
    assert accepted_first.entry.record.first_pass == "accepted"  # the first decisive answer stands


# --- a 277 F-status and its 835 (reference §4: F1 paid, F2 denied; §5: the 835's CAS say why) ---


def test_the_835_read_after_a_277_f1_is_the_decision_in_force_and_raises_its_task(tracker: Tracker) -> None:
    """A 277 F1 says the claim was paid; the 835 that follows itemises it — here $15 of the claim
    bundled (CO-97). The 835 is applied (it was refused as an impossible paid → partially_paid, and
    its CO-97 got no task); first-pass resolution waits for it ("no CO denial")."""
    steps = run(
        tracker,
        ready(),
        status("A2", 5),
        status("F1", 300),
        remit(("CO", "97", "15"), paid="30", clp02="1", minutes=600),
    )
    f1, era = steps[2], steps[3]
    assert f1.entry.record.state == "paid" and f1.entry.record.first_pass_resolution is None
    assert f1.outcome.decision is None  # a 277 status announces a decision, the 835 makes it
    assert era.outcome.result == "applied" and era.entry.record.state == "partially_paid"
    assert era.outcome.decision == "partially_paid" and era.entry.record.anomalies == 0
    assert [t.reason_codes[0] for t in era.tasks] == ["CO-97"]
    assert era.entry.record.first_pass_resolution == "unresolved"


def test_a_277_f1_read_after_its_835_leaves_the_835s_decision(tracker: Tracker) -> None:
    steps = run(
        tracker,
        ready(),
        status("A2", 5),
        remit(("CO", "97", "15"), paid="30", clp02="1", minutes=600),
        status("F1", 300),
    )
    assert steps[-1].outcome.result == "noted" and steps[-1].entry.record.state == "partially_paid"
    assert steps[-1].entry.record.first_pass_resolution == "unresolved"


def test_a_277_f2_then_its_835_counts_the_denial_once(tracker: Tracker) -> None:
    """The 835 after a 277 F2 is the payer's itemised decision (counted in the denial metrics and
    learnt by the trends), not a re-sent remittance."""
    steps = run(tracker, ready(), status("A2", 5), status("F2", 300), remit(("CO", "50", "45"), minutes=600))
    era = steps[-1]
    assert era.outcome.result == "applied" and era.outcome.decision == "denied"
    assert len(era.answers) == 1 and [f.denied for f in era.facts] == [True]
    assert era.entry.record.first_pass_resolution == "unresolved"


def paid_in_full(minutes: int = 600) -> ClaimStatus:
    """An 835 claim paid in full without adjustments, as the X12 bridge publishes it: an F1 of the 835."""
    return ClaimStatus(
        claim_id="C1",
        category_code="F1",
        payer_claim_number="PCN-1",
        amount="45.00",
        source="835",
        occurred_at=FIXED_TIME + timedelta(minutes=minutes),
    )


def test_an_835_paid_in_full_bridged_as_f1_resolves_the_claim(tracker: Tracker) -> None:
    steps = run(tracker, ready(), status("A2", 5), paid_in_full())
    assert steps[-1].outcome.decision == "paid"
    assert steps[-1].entry.record.first_pass_resolution == "resolved"


def test_an_older_denial_read_after_an_835_paid_in_full_does_not_replace_it(tracker: Tracker) -> None:
    """An 835 paid in full comes as an F1 of the 835 itself: an itemised decision, not a 277
    summary — a denial dated before it and read after it is history, not its detail. It was still
    a decision of the payer's: counted once among the adjudications, as in the payer's order (the
    denial, then the payment), and the first adjudication it was makes the claim unresolved."""
    steps = run(tracker, ready(), status("A2", 5), paid_in_full(), remit(("CO", "50", "45"), minutes=300))
    assert steps[-1].outcome.result in ("late", "reordered") and steps[-1].entry.record.state == "paid"
    assert steps[-1].entry.record.paid_amount == Decimal("45")
    assert steps[-1].outcome.decision == "denied"
    assert steps[-1].entry.record.first_pass_resolution == "unresolved"


# --- a replacement sent by the billing office moves the claim it replaces on --------------------


def replacement_ready(claim_id: str = "C1-B", replaces: str = "C1") -> LifecycleEvent:
    claim = ValidClaim.model_validate(
        make_claim(
            claim_id=claim_id,
            payer=commercial_payer(),
            patient=commercial_patient(),
            frequency_code="7",
            original_claim_number="PCN-1",
            replaces_claim_id=replaces,
            occurred_at=(FIXED_TIME + timedelta(days=2)).isoformat(),
        ).model_dump()
    )
    return step_for(claim, "ready", snapshot=True, encounter=make_encounter())


def test_a_replacement_sent_moves_the_claim_it_replaces_to_resubmitted(tracker: Tracker) -> None:
    """Reference §5: "Commercial payers take replacement claims (frequency 7 + REF*F8)". A coder's
    replacement under a new claim id names the claim it replaces: that claim's record moves on to
    resubmitted (its open task closes), by a step on its own key, the same for a redelivery."""
    replacement = replacement_ready()
    sent = tracker.track(ClaimEntry.new("C1-B"), replacement)
    assert [(s.claim_id, s.stage) for s in sent.steps] == [("C1", "resubmitted")]
    again = tracker.track(sent.entry, replacement)
    assert again.outcome.result == "duplicate" and [s.event_id for s in again.steps] == [
        s.event_id for s in sent.steps
    ]
    assert tracker.track(ClaimEntry.new("C1"), ready()).steps == []  # an original replaces nothing

    denied = run(tracker, ready(), status("A2", 5), remit(("CO", "16", "45.00"), minutes=600))
    entry = denied[-1].entry
    assert entry.record.state == "denied" and entry.open_tasks
    moved = tracker.track(entry, sent.steps[0])
    assert moved.entry.record.state == "resubmitted" and moved.entry.open_tasks == []


def test_a_paid_claim_replaced_is_resolved_no_more(tracker: Tracker) -> None:
    paid = run(tracker, ready(), status("A2", 5), paid_in_full())
    assert paid[-1].entry.record.first_pass_resolution == "resolved"
    step = tracker.track(ClaimEntry.new("C1-B"), replacement_ready()).steps[0]
    moved = tracker.track(paid[-1].entry, step)
    assert moved.outcome.result == "applied" and moved.entry.record.state == "resubmitted"
    assert moved.outcome.resolution_decided == "resubmitted"


def test_a_claim_whose_charge_all_went_to_the_deductible_is_resolved_on_the_first_pass(
    tracker: Tracker,
) -> None:
    """Reference §6, "finalized paid with no CO denial and no resubmission": PR-1 is the patient's
    share (§5: "not a denial"), so a claim the payer finalized at 0.00 to the deductible needs no
    rework — resolved; a denial under CO is not."""
    deductible = run(tracker, ready(), status("A2", 5), remit(("PR", "1", "45.00"), clp02="1"))
    assert deductible[-1].entry.record.state == "paid"
    assert deductible[-1].entry.record.first_pass_resolution == "resolved"
    denied = run(tracker, ready(), status("A2", 5), remit(("CO", "50", "45.00")))
    assert denied[-1].entry.record.first_pass_resolution == "unresolved"


def test_a_277ca_whose_codes_are_free_text_never_repeats_them_in_the_task(tracker: Tracker) -> None:
    """No PHI in what a task says: a status code is digits (STC01-2) and a procedure code has its
    shape; a field holding anything else (a birth date typed as the status, a name as the code) is
    not copied into the task's root cause or reason codes (which the claim-states record carries)."""
    claim = tracing_and_read()
    accepted = accepted_with_a_line_rejected("ZQXCANARY", "19310801")
    _, acked = run(tracker, ready(claim), accepted)
    [task] = acked.tasks
    assert "ZQXCANARY" not in task.root_cause and "19310801" not in task.root_cause
    assert task.reason_codes == ["A7:?"]
    rejected = ClaimStatus(
        claim_id="C1",
        category_code="A3",
        status_code="19310801",
        entity_code="DOE",
        occurred_at=FIXED_TIME + timedelta(minutes=60),
    )
    [whole] = run(tracker, ready(claim), rejected)[-1].tasks
    assert "19310801" not in whole.root_cause + whole.instructions and whole.reason_codes == ["A3:?:DOE"]


def test_a_reversal_sent_unsigned_takes_the_payment_back_never_pays_it_twice(tracker: Tracker) -> None:
    """X221A1: a reversal (CLP02 22) negates the original amounts. A payer that sends CLP04 +80
    still takes the 80 back: the claim is in adjudication again with nothing paid, not 160."""
    paid = remit(("CO", "45", "20.00"), paid="80.00", clp02="1", minutes=600)
    unsigned = remit(paid="80.00", clp02="22", minutes=6000)
    *_, after = run(tracker, ready(), status("A2", 5), paid, unsigned)
    assert after.entry.record.state == "pending" and after.entry.record.paid_amount == Decimal("0")


# --- a claim billed on to the next payer under its own id (coordination of benefits) -----------


def billed_on(minutes: int = 2000) -> LifecycleEvent:
    """The practice bills the secondary payer under the same claim id (CLM01, its patient control
    number), SBR01 S, carrying Medicare's decision (2320/2330B): claimflow's ready step for it."""
    claim = ValidClaim.model_validate(
        make_claim(
            claim_id="C1",
            occurred_at=(FIXED_TIME + timedelta(minutes=minutes)).isoformat(),
            payer=commercial_payer(),
            payer_responsibility="S",
            other_payers=[{**MEDICARE_DECISION_FOR_COB, "claim_number": "PCN-1"}],
        ).model_dump()
    )
    step = step_for(claim, "ready", snapshot=True, encounter=make_encounter())
    return step.model_copy(update={"event_id": derived_event_id(step.event_id, "secondary")})


def secondary_decision(
    clp02: str, paid: str, *adjustments: tuple[str, str, str], minutes: int = 4000
) -> Denial:
    """The secondary payer's 835 for the claim, under its own payer claim number."""
    return remit(*adjustments, paid=paid, clp02=clp02, minutes=minutes, number="BLUE-77")


def test_a_claim_billed_on_to_the_secondary_under_its_id_is_no_resubmission(tracker: Tracker) -> None:
    """Reference §6: first-pass resolution is "paid on the first adjudication, with no CO denial
    and no resubmission". A secondary claim is coordination of benefits, not the claim sent again:
    Medicare's payment stands, the claim stays Medicare's, resolved, sent once."""
    *_, on = run(
        tracker, ready(), status("A2", 5), remit(("CO", "45", "5.00"), paid="36.00", clp02="1"), billed_on()
    )
    assert on.outcome.result == "noted" and on.outcome.billed_on
    record = on.entry.record
    assert (record.state, record.paid_amount, record.payer_id) == ("paid", Decimal("36.00"), "MCR-JH")
    assert record.submission_count == 1 and record.first_pass_resolution == "resolved"
    assert on.outcome.resolution_decided is None
    claim = on.entry.claim()
    assert claim is not None and claim.payer.payer_id == "MCR-JH"  # what a Medicare correction starts from


def test_the_secondarys_denial_never_takes_the_primarys_payment_back(tracker: Tracker) -> None:
    """CARC 96 under CO from the secondary payer, under its own claim number: that payer's answer,
    noted beside Medicare's decision — the claim stays paid 36.00, no task (reference §5: liability
    follows the group code of the payer that decided; a payer changes its own decision only by a
    reversal under its own claim number)."""
    steps = run(
        tracker,
        ready(),
        status("A2", 5),
        remit(("CO", "45", "5.00"), paid="36.00", clp02="1"),
        billed_on(),
        secondary_decision("4", "0", ("CO", "96", "4.00")),
    )
    last = steps[-1]
    assert last.outcome.result == "noted"
    assert (last.entry.record.state, last.entry.record.paid_amount) == ("paid", Decimal("36.00"))
    assert last.entry.record.payer_claim_number == "PCN-1"
    assert last.tasks == [] and last.entry.open_tasks == [] and last.facts == []


def test_the_secondarys_payment_and_its_reversal_leave_the_primarys_decision(tracker: Tracker) -> None:
    steps = run(
        tracker,
        ready(),
        remit(("CO", "45", "5.00"), paid="36.00", clp02="1"),
        billed_on(),
        secondary_decision("2", "4.00", ("OA", "23", "41.00")),
        secondary_decision("22", "-4.00", minutes=5000),
    )
    assert [s.outcome.result for s in steps[-2:]] == ["noted", "noted"]
    assert (steps[-1].entry.record.state, steps[-1].entry.record.paid_amount) == ("paid", Decimal("36.00"))


def test_the_primarys_own_reversal_and_new_decision_still_apply_after_billing_on(tracker: Tracker) -> None:
    """Medicare takes its payment back (CLP02 22 under its own number) and decides again under a
    new claim number: the claim payer's own decisions, applied."""
    steps = run(
        tracker,
        ready(),
        remit(("CO", "45", "5.00"), paid="36.00", clp02="1"),
        billed_on(),
        remit(paid="-36.00", clp02="22", minutes=3000),
        Denial(
            claim_id="C1",
            claim_status_code="1",
            paid_amount="40.00",
            payer_claim_number="PCN-2",
            adjustments=[{"group_code": "CO", "reason_code": "45", "amount": "5.00"}],
            occurred_at=FIXED_TIME + timedelta(minutes=3001),
        ),
    )
    assert steps[3].outcome.result == "applied" and steps[3].entry.record.paid_amount == Decimal("0")
    assert steps[4].outcome.result == "applied"
    assert (steps[4].entry.record.state, steps[4].entry.record.paid_amount) == ("paid", Decimal("40.00"))


def test_the_same_claim_sent_again_to_its_own_payer_is_still_a_resubmission(tracker: Tracker) -> None:
    """The control: the claim sent again to Medicare under its id (a corrected claim) is a
    resubmission, counted as one."""
    steps = run(tracker, ready(), remit(("CO", "16", "45.00")), ready_again(2000))
    assert steps[-1].entry.record.submission_count == 2 and not steps[-1].outcome.billed_on


def test_a_secondarys_answers_stay_its_own_after_the_primary_takes_its_decision_back(
    tracker: Tracker,
) -> None:
    """Once an answer under the secondary's claim number was the secondary's, every later one under
    it is too — also after the primary's own reversal, when the claim is the primary's to decide
    again (reference §5: liability follows the payer that decided)."""
    steps = run(
        tracker,
        ready(),
        remit(("CO", "45", "5.00"), paid="36.00", clp02="1"),
        billed_on(),
        secondary_decision("2", "4.00", ("OA", "23", "41.00")),
        remit(paid="-36.00", clp02="22", minutes=4500),
        secondary_decision("4", "0", ("CO", "96", "4.00"), minutes=5000),
    )
    assert steps[-2].outcome.result == "applied"  # the primary's reversal, under its own number
    last = steps[-1]
    assert last.outcome.result == "noted" and last.tasks == [] and last.facts == []
    assert last.entry.record.payer_claim_number == "PCN-1"


def test_a_crossovers_reversal_never_takes_the_primarys_payment_back(tracker: Tracker) -> None:
    """CLP02 19: Medicare paid and forwarded the claim. The Medigap plan reverses its own payment
    (CLP02 22 under its claim number): Medicare's payment stands (a payer changes its decision only
    by a reversal under its own number) — whether or not its payment was read first."""
    forwarded = Denial(
        claim_id="C1",
        claim_status_code="19",
        paid_amount="32.00",
        payer_claim_number="PCN-1",
        adjustments=[{"group_code": "PR", "reason_code": "2", "amount": "8.00"}],
        occurred_at=FIXED_TIME + timedelta(days=20),
    )

    def medigap(clp02: str, paid: str, days: int) -> Denial:
        return Denial(
            claim_id="C1",
            claim_status_code=clp02,
            paid_amount=paid,
            payer_claim_number="MEDIGAP-9",
            adjustments=[],
            occurred_at=FIXED_TIME + timedelta(days=days),
        )

    for answers in ([medigap("2", "8.00", 25), medigap("22", "-8.00", 30)], [medigap("22", "-8.00", 30)]):
        steps = run(tracker, ready(), status("A2", 3), forwarded, *answers)
        record = steps[-1].entry.record
        assert steps[-1].outcome.result == "noted"
        assert (record.state, record.paid_amount, record.payer_claim_number) == (
            "paid",
            Decimal("32.00"),
            "PCN-1",
        )
