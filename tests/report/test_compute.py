"""Report figures from events: first pass, clean-claim rate, denials, tasks and money."""

from __future__ import annotations

from datetime import date
from typing import Any

from streams.denials import load_reason_map
from streams.report.compute import compute, masked

REASONS = load_reason_map()
P = (date(2026, 11, 1), date(2026, 11, 30))


def ev(kind: str, at: str, **body: Any) -> dict[str, Any]:
    return {"event_type": kind, "event_id": f"{kind}-{at}-{sorted(body.items())}", "occurred_at": at, **body}


def scrub(cid: str, status: str, at: str = "2026-11-02T10:00:00+00:00") -> dict[str, Any]:
    return ev("scrub_result", at, claim_id=cid, payer_id="ACME", status=status, edits=[])


def test_first_pass_counts_the_first_decisive_answer_of_original_claims_only() -> None:
    """Reference §6: accepted (first decisive 277CA A2) over original claims that received a first
    acknowledgment; "A1 alone is not acceptance": C4, only received, is in the denominator."""
    events = [
        scrub("C1", "clean"),
        scrub("C2", "clean"),
        scrub("C3", "clean"),
        scrub("C4", "clean"),
        ev("claim_status", "2026-11-03T00:00:00+00:00", claim_id="C4", category_code="A1"),
        ev("claim_status", "2026-11-03T00:00:00+00:00", claim_id="C1", category_code="A1"),
        ev("claim_status", "2026-11-03T01:00:00+00:00", claim_id="C1", category_code="A2"),
        ev("claim_status", "2026-11-03T00:00:00+00:00", claim_id="C2", category_code="A7"),
        ev("claim_status", "2026-11-04T00:00:00+00:00", claim_id="C2", category_code="A2"),  # after the fix
        ev(
            "denial",
            "2026-11-05T00:00:00+00:00",
            claim_id="C3",
            claim_status_code="1",
            paid_amount="45",
            adjustments=[],
        ),
    ]
    report = compute(events, *P, REASONS)
    assert report.totals["first_pass_acknowledged"] == 4
    assert (report.totals["first_pass_accepted"], report.totals["first_pass_rejected"]) == (2, 1)
    assert report.totals["first_pass_acceptance"] == 0.5
    assert report.totals["clean_claim_rate"] == 1.0


def paid(
    cid: str, at: str, amount: str, *adjustments: tuple[str, str, str], status: str = "1"
) -> dict[str, Any]:
    return ev(
        "denial",
        at,
        claim_id=cid,
        claim_status_code=status,
        paid_amount=amount,
        adjustments=[{"group_code": g, "reason_code": r, "amount": a} for g, r, a in adjustments],
    )


def test_first_pass_resolution_is_paid_on_the_first_adjudication_with_no_co_denial_and_no_resubmission() -> (
    None
):
    """Reference §6: "finalized paid with no CO denial and no resubmission". A contractual
    write-down (CO-45) is no denial; a patient-responsibility denial (PR-49 with GY) is not CO."""
    ready = [
        ev("lifecycle", f"2026-11-02T0{i}:00:00+00:00", claim_id=c, stage="ready")
        for i, c in enumerate(["R1", "R2", "R3", "R4", "R5", "R6"])
    ]
    events = [
        *[scrub(c, "clean") for c in ("R1", "R2", "R3", "R4", "R5", "R6")],
        *ready,
        paid("R1", "2026-11-10T00:00:00+00:00", "80", ("CO", "45", "20")),  # resolved
        paid("R2", "2026-11-10T00:00:00+00:00", "40", ("PR", "49", "25")),  # resolved: PR, not CO
        paid("R3", "2026-11-10T00:00:00+00:00", "40", ("CO", "97", "25")),  # partly denied under CO
        paid("R4", "2026-11-10T00:00:00+00:00", "0", ("CO", "50", "100"), status="4"),  # denied
        # denied, appealed, paid: the first adjudication is the one that counts
        paid("R5", "2026-11-10T00:00:00+00:00", "0", ("CO", "50", "100"), status="4"),
        paid("R5", "2026-12-20T00:00:00+00:00", "100"),
        # sent twice (a second ready step) before it was paid
        ev("lifecycle", "2026-11-03T00:00:00+00:00", claim_id="R6", stage="ready", n=2),
        paid("R6", "2026-11-10T00:00:00+00:00", "100"),
    ]
    report = compute(events, *P, REASONS)
    assert (report.totals["first_pass_resolved"], report.totals["first_pass_unresolved"]) == (2, 4)
    assert report.totals["first_pass_resolution"] == round(2 / 6, 4)


def state(cid: str, at: str, state: str, first_pass: str | None, **body: Any) -> dict[str, Any]:
    return ev(
        "claim_state",
        at,
        claim_id=cid,
        state=state,
        first_pass=first_pass,
        original=True,
        updated_at=at,
        submitted_at="2026-11-02T09:00:00+00:00",
        **body,
    )


def test_first_pass_and_states_come_from_the_trackers_state_records_when_present() -> None:
    events = [
        scrub("C1", "clean"),
        scrub("C2", "clean"),
        # the answers alone would say C2 was accepted: the tracker's record is the source
        ev("claim_status", "2026-11-03T00:00:00+00:00", claim_id="C2", category_code="A2"),
        state("C1", "2026-11-03T01:00:00+00:00", "accepted", "accepted"),
        state("C1", "2026-11-05T00:00:00+00:00", "paid", "accepted"),
        state("C2", "2026-11-04T00:00:00+00:00", "rejected", "rejected"),
        state("C2", "2026-11-03T00:00:00+00:00", "ready", None),  # an older record read later
    ]
    report = compute(events, *P, REASONS)
    assert report.totals["first_pass_source"] == "claim-states"
    assert report.totals["first_pass_acknowledged"] == 2 and report.totals["first_pass_accepted"] == 1
    assert report.totals["claims_by_state"] == {"paid": 1, "rejected": 1}


def test_denials_exclude_contractual_and_patient_share_and_are_ranked() -> None:
    adj = [
        {"group_code": "CO", "reason_code": "45", "amount": "5"},
        {"group_code": "PR", "reason_code": "2", "amount": "7"},
        {"group_code": "CO", "reason_code": "97", "amount": "45"},
    ]
    events = [
        scrub("C1", "clean"),
        ev("denial", "2026-11-05T00:00:00+00:00", claim_id="C1", claim_status_code="4", paid_amount="0", adjustments=adj),
        ev("denial", "2026-11-06T00:00:00+00:00", claim_id="C1", claim_status_code="4", paid_amount="0",
           adjustments=[{"group_code": "CO", "reason_code": "97", "amount": "45"}, {"group_code": "CO", "reason_code": "11", "amount": "45"}]),
    ]  # fmt: skip
    report = compute(events, *P, REASONS)
    assert [(r["reason"], r["count"]) for r in report.denials_by_reason] == [("CO-97", 2), ("CO-11", 1)]
    assert report.denials_by_reason[-1]["cumulative_share"] == 1.0
    assert [{k: r[k] for k in ("payer", "count", "amount")} for r in report.denials_by_payer] == [
        {"payer": "ACME", "count": 3, "amount": 135.0}
    ]
    assert report.totals["money_at_risk"] == 0.0  # at risk is what tasks have at stake: none raised


def test_a_task_is_recovered_when_its_claim_is_paid_afterwards() -> None:
    task = ev(
        "resubmission_task",
        "2026-11-10T00:00:00+00:00",
        task_id="T1",
        claim_id="C1",
        action="appeal",
        amount_at_stake="45",
    )
    events = [
        scrub("C1", "clean"),
        task,
        ev(
            "resubmission_task",
            "2026-11-10T00:00:00+00:00",
            task_id="T2",
            claim_id="C2",
            action="write_off",
            amount_at_stake="9",
        ),
        ev(
            "denial",
            "2026-11-20T00:00:00+00:00",
            claim_id="C1",
            claim_status_code="1",
            paid_amount="45",
            adjustments=[],
        ),
    ]
    report = compute(events, *P, REASONS)
    by_action = {t["action"]: t for t in report.tasks}
    assert by_action["appeal"]["recovered"] == 1 and by_action["write_off"]["written_off"] == 1
    assert report.totals["money_recovered"] == 45.0


def test_money_recovered_is_what_a_later_decision_paid_at_most_the_tasks_stake() -> None:
    """A partial payment that raised a task (CO-97 on one line, the other line paid) recovers
    nothing by itself; the corrected claim's payment counts up to what the task had at stake."""
    partial = ev(
        "denial", "2026-11-10T00:00:00+00:00", claim_id="C1", claim_status_code="1", paid_amount="150",
        adjustments=[{"group_code": "CO", "reason_code": "97", "amount": "45", "line_number": 2}],
    )  # fmt: skip
    task = ev(
        "resubmission_task", "2026-11-10T00:00:00+00:00", task_id="T1", claim_id="C1",
        action="replacement_claim", amount_at_stake="45", cause_event_id=partial["event_id"],
        corrected_claim={"claim_id": "C1-R1"},
    )  # fmt: skip
    corrected_paid = ev(
        "denial", "2026-11-25T00:00:00+00:00", claim_id="C1-R1", claim_status_code="1", paid_amount="195",
        adjustments=[],
    )  # fmt: skip
    report = compute([scrub("C1", "clean"), partial, task], *P, REASONS)
    assert report.tasks[0]["open"] == 1 and report.totals["money_recovered"] == 0.0
    assert report.totals["money_at_risk"] == 45.0
    report = compute([scrub("C1", "clean"), partial, task, corrected_paid], *P, REASONS)
    assert report.tasks[0]["recovered"] == 1 and report.totals["money_recovered"] == 45.0


def test_a_recovery_the_payer_reverses_is_not_money_recovered() -> None:
    """X12 835 CLP02 22 takes a payment back (its amount signed or not): the task whose claim was
    paid and then reversed and denied again has recovered nothing; a reversal followed by a new
    payment recovers what the new payment paid."""
    task = ev(
        "resubmission_task", "2026-11-10T00:00:00+00:00", task_id="T1", claim_id="C1",
        action="appeal", amount_at_stake="100",
    )  # fmt: skip
    paid_later = ev(
        "denial", "2026-11-20T00:00:00+00:00", claim_id="C1", claim_status_code="1", paid_amount="100",
        adjustments=[], payer_claim_number="PCN1",
    )  # fmt: skip
    reversal = ev(
        "denial", "2026-11-25T09:00:00+00:00", claim_id="C1", claim_status_code="22", paid_amount="100",
        adjustments=[], payer_claim_number="PCN1",
    )  # fmt: skip
    denied_again = ev(
        "denial", "2026-11-25T09:00:01+00:00", claim_id="C1", claim_status_code="4", paid_amount="0",
        adjustments=[{"group_code": "CO", "reason_code": "50", "amount": "100"}], payer_claim_number="PCN1",
    )  # fmt: skip
    report = compute([scrub("C1", "clean"), task, paid_later, reversal, denied_again], *P, REASONS)
    assert report.tasks[0]["open"] == 1 and report.totals["money_recovered"] == 0.0
    paid_again = ev(
        "denial", "2026-11-28T00:00:00+00:00", claim_id="C1", claim_status_code="1", paid_amount="60",
        adjustments=[], payer_claim_number="PCN1",
    )  # fmt: skip
    report = compute([scrub("C1", "clean"), task, paid_later, reversal, paid_again], *P, REASONS)
    assert report.tasks[0]["recovered"] == 1 and report.totals["money_recovered"] == 60.0


def test_events_outside_the_period_are_left_out() -> None:
    report = compute([scrub("C1", "held", at="2026-10-01T00:00:00+00:00")], *P, REASONS)
    assert report.totals["claims_scrubbed"] == 0 and report.daily == []


def test_an_edits_example_words_carry_no_dates_or_other_claims() -> None:
    """Dates of service are HIPAA identifiers: the report's example of an edit masks them, and the
    ids of the patient's other claims."""
    edit = {
        "rule_id": "DUP_CLAIM",
        "category": "duplicate",
        "severity": "error",
        "message": "93000 on 2026-10-09 was already billed on claim SIM-7-000192 for this patient.",
        "fix": "Do not send it twice.",
    }
    result = ev(
        "scrub_result",
        "2026-11-02T10:00:00+00:00",
        claim_id="C1",
        payer_id="ACME",
        status="held",
        edits=[edit],
    )
    report = compute([result], *P, REASONS)
    (top,) = report.top_edits
    assert top["message"] == "93000 on [date] was already billed on claim [claim] for this patient."


def test_masking_takes_claim_ids_out_and_leaves_the_words_after_claim() -> None:
    assert (
        masked("this claim bills 1 unit; claims C1 and INVALID")
        == "this claim bills 1 unit; claims [claim] and INVALID"
    )
    assert masked("billed on claim INVALID, claim E2E-CLEAN") == "billed on claim [claim], claim [claim]"


def test_the_clean_claim_rate_counts_each_original_claim_once_by_its_first_scrub() -> None:
    # reference §6: claims passing every edit with no manual touch ÷ claims scrubbed. C2 was held,
    # fixed by a coder and scrubbed again (clean): one claim, touched. C3 is a replacement claim
    # (frequency 7): a resubmission, not a claim of its own in the rate.
    events = [
        scrub("C1", "clean"),
        scrub("C2", "held", at="2026-11-02T10:00:00+00:00"),
        scrub("C2", "clean", at="2026-11-03T15:00:00+00:00"),
        ev("claim_submitted", "2026-11-04T09:00:00+00:00", claim_id="C3", frequency_code="7"),
        scrub("C3", "clean", at="2026-11-04T09:00:01+00:00"),
    ]
    report = compute(events, *P, REASONS)
    assert report.totals["claims_scrubbed"] == 2
    assert report.totals["clean_claim_rate"] == 0.5
    per_day = {d["day"]: d for d in report.daily}
    assert per_day["2026-11-02"]["scrubbed"] == 2 and per_day["2026-11-02"]["clean"] == 1
    assert "2026-11-03" not in per_day or per_day["2026-11-03"]["scrubbed"] == 0


def test_a_remittance_re_sent_under_another_event_id_is_one_denial() -> None:
    """An ERA sent again in a new interchange (same claim, CLP02, payment, date and payer claim
    number; a new event id) is one decision — as the worker counts it (reference §6: denial rate
    by count and by dollars)."""
    denial = paid("C1", "2026-11-05T00:00:00+00:00", "0", ("CO", "50", "45"), status="4")
    again = {**denial, "event_id": "the-same-era-re-sent"}
    report = compute([scrub("C1", "clean"), denial, again], *P, REASONS)
    assert [(r["reason"], r["count"], r["amount"]) for r in report.denials_by_reason] == [("CO-50", 1, 45.0)]
    assert [{k: r[k] for k in ("payer", "count", "amount")} for r in report.denials_by_payer] == [
        {"payer": "ACME", "count": 1, "amount": 45.0}
    ]


def test_from_the_answers_a_paid_claim_reversed_and_denied_or_replaced_is_not_resolved() -> None:
    """Reference §6, "finalized paid with no CO denial and no resubmission", read from the payer's
    answers alone (no claim-states): a payment the payer reversed (CLP02 22) and decided again
    without paying, and a paid claim replaced by a claim of its own (frequency 7), were not paid on
    the first pass — as the tracker counts them."""
    events = [
        *[scrub(c, "clean") for c in ("P1", "P2", "P3")],
        *[ev("lifecycle", "2026-11-02T00:00:00+00:00", claim_id=c, stage="ready") for c in ("P1", "P2", "P3")],
        paid("P1", "2026-11-10T00:00:00+00:00", "45"),
        paid("P1", "2026-11-12T00:00:00+00:00", "-45", status="22"),
        paid("P1", "2026-11-12T00:00:00+00:00", "0", ("CO", "50", "45"), status="4"),
        paid("P2", "2026-11-10T00:00:00+00:00", "45"),
        ev("claim_submitted", "2026-11-15T00:00:00+00:00", claim_id="P2-R1", frequency_code="7",
           replaces_claim_id="P2", payer={"payer_id": "ACME"}),
        paid("P3", "2026-11-10T00:00:00+00:00", "45"),  # resolved
    ]  # fmt: skip
    report = compute(events, *P, REASONS)
    assert report.totals["first_pass_source"] == "answers"
    assert (report.totals["first_pass_resolved"], report.totals["first_pass_unresolved"]) == (1, 2)


def test_the_denial_rate_is_given_by_count_and_by_dollars_per_payer_and_category() -> None:
    """Reference §6: denial rate by count and by dollars, by reason category and by payer. DR1
    (200 charged) is denied CO-50 100 and CO-97 45 and paid 55; DR2 (100) is paid in full: one of
    two decisions denies something (0.5), 145 of 300 charged is denied (0.4833)."""
    dr1 = {
        **paid("DR1", "2026-11-05T00:00:00+00:00", "55", ("CO", "50", "100"), ("CO", "97", "45")),
        "charge_amount": "200",
    }
    dr2 = {**paid("DR2", "2026-11-06T00:00:00+00:00", "100"), "charge_amount": "100"}
    report = compute([scrub("DR1", "clean"), scrub("DR2", "clean"), dr1, dr2], *P, REASONS)
    totals = report.totals
    assert (totals["claims_decided"], totals["claims_denied"], totals["denial_rate"]) == (2, 1, 0.5)
    assert totals["denial_rate_dollars"] == 0.4833
    (acme,) = report.denials_by_payer
    assert (acme["denial_rate"], acme["denial_rate_dollars"]) == (0.5, 0.4833)
    by_category = {c["category"]: c for c in report.denials_by_category}
    assert by_category["medical_necessity"]["denial_rate_dollars"] == round(100 / 300, 4)


def test_an_estimate_and_another_payers_remittance_are_no_denial_of_the_claims_payer() -> None:
    """A predetermination (CLP02 25) decides nothing; a crossover's 835 (CLP02 2 after the claim's
    payer's CLP02 1, under its own claim number) is the next payer's, never counted under this one."""
    estimate = paid("E1", "2026-11-05T00:00:00+00:00", "0", ("CO", "50", "100"), status="25")
    primary = {**paid("X1", "2026-11-05T00:00:00+00:00", "64", ("CO", "45", "20"), ("PR", "2", "16")),
               "payer_claim_number": "MCR1"}  # fmt: skip
    crossover = {**paid("X1", "2026-11-09T00:00:00+00:00", "0", ("CO", "50", "16"), status="2"),
                 "payer_claim_number": "GAP1"}  # fmt: skip
    report = compute([scrub("E1", "clean"), scrub("X1", "clean"), estimate, primary, crossover], *P, REASONS)
    assert report.denials_by_reason == [] and report.totals["claims_denied"] == 0
    assert report.totals["claims_decided"] == 1  # Medicare's decision of X1 only


def test_an_edits_fix_in_the_report_names_no_other_claim() -> None:
    """The report holds no claim's values: a fix that names the claim to correct is masked too."""
    edit = {"rule_id": "BUNDLE_NCCI_SENT_MODIFIER_NEEDED", "category": "bundling", "severity": "error",
            "message": "NCCI bundles 93041, already billed on claim OTHERCLM-991 ...",
            "fix": "If 93041 was a separate service, correct claim OTHERCLM-991 to carry XU."}  # fmt: skip
    held = ev(
        "scrub_result",
        "2026-11-02T10:00:00+00:00",
        claim_id="C9",
        payer_id="ACME",
        status="held",
        edits=[edit],
    )
    (top,) = compute([held], *P, REASONS).top_edits
    assert "OTHERCLM-991" not in top["message"] + top["fix"]


def test_an_event_whose_values_cannot_be_read_is_left_out_and_counted() -> None:
    """One malformed record in an export (an amount 'abc', a date 'yesterday') is no reason to lose
    the month's report."""
    bad_amount = paid("B1", "2026-11-05T00:00:00+00:00", "abc")
    bad_date = {
        **paid("B2", "2026-11-05T00:00:00+00:00", "0", ("CO", "50", "45")),
        "occurred_at": "yesterday",
    }
    good = paid("G1", "2026-11-05T00:00:00+00:00", "0", ("CO", "50", "45"), status="4")
    report = compute([scrub("G1", "clean"), bad_amount, bad_date, good], *P, REASONS)
    assert report.totals["unreadable_events"] == 2
    assert [(r["reason"], r["count"]) for r in report.denials_by_reason] == [("CO-50", 1)]


def ready_step(
    cid: str, at: str, payer: str, responsibility: str = "P", others: tuple[str, ...] = ()
) -> dict[str, Any]:
    """claimflow's ready step with the claim sent (only what the report reads of it)."""
    claim = {"payer_responsibility": responsibility, "other_payers": [{"payer_id": o} for o in others]}
    return ev("lifecycle", at, claim_id=cid, stage="ready", payer_id=payer, claim=claim)


def test_a_claim_billed_on_to_the_secondary_under_its_id_is_counted_as_the_trackers_does() -> None:
    """A secondary claim sent under the primary's claim id (CLM01 reused, SBR01 S, Medicare's
    decision among its other payers) is coordination of benefits: not a resubmission, and the
    secondary's CO-96 under its own claim number is no denial of Medicare's (README, lifecycle)."""
    primary = {
        **paid("X1", "2026-11-05T00:00:00+00:00", "36", ("CO", "45", "5")),
        "payer_claim_number": "MCR1",
    }
    secondary_denial = {
        **paid("X1", "2026-11-12T00:00:00+00:00", "0", ("CO", "96", "4"), status="4"),
        "payer_claim_number": "BLUE77",
    }
    events = [
        ev("claim_submitted", "2026-11-02T09:00:00+00:00", claim_id="X1", payer={"payer_id": "MCR-JH"}),
        scrub("X1", "clean"),
        ready_step("X1", "2026-11-02T10:00:00+00:00", "MCR-JH"),
        ev("claim_status", "2026-11-03T00:00:00+00:00", claim_id="X1", category_code="A2"),
        primary,
        ev("claim_submitted", "2026-11-06T09:00:00+00:00", claim_id="X1", payer={"payer_id": "BLUEPEAK"}),
        ready_step("X1", "2026-11-06T10:00:00+00:00", "BLUEPEAK", "S", ("MCR-JH",)),
        secondary_denial,
    ]
    report = compute(events, *P, REASONS)
    assert report.denials_by_reason == [] and report.totals["claims_denied"] == 0
    assert report.totals["claims_decided"] == 1
    assert report.totals["first_pass_resolved"] == 1 and report.totals["first_pass_unresolved"] == 0


def test_another_payers_reversal_is_no_recovery_taken_back() -> None:
    """Medicare denied (CO-50) and an appeal was raised; the Medigap plan's 835 (CLP02 2, under its
    own claim number) pays 4 and then reverses it (22, the same number): that is the Medigap's
    money both ways. Medicare's later payment of 10 is the appeal's recovery, whole."""
    denied = {
        **paid("C1", "2026-11-05T00:00:00+00:00", "0", ("CO", "50", "10"), status="4"),
        "payer_claim_number": "PCN1",
    }
    task = ev("resubmission_task", "2026-11-06T00:00:00+00:00", task_id="T1", claim_id="C1", action="appeal",
              amount_at_stake="10", cause_event_id=denied["event_id"])  # fmt: skip
    gap_pays = {**paid("C1", "2026-11-12T00:00:00+00:00", "4", status="2"), "payer_claim_number": "GAP9"}
    medicare_pays = {
        **paid("C1", "2026-11-20T00:00:00+00:00", "10", status="1"),
        "payer_claim_number": "PCN1",
    }
    gap_reverses = {
        **paid("C1", "2026-11-22T00:00:00+00:00", "-4", status="22"),
        "payer_claim_number": "GAP9",
    }
    report = compute([scrub("C1", "clean"), denied, task, gap_pays, medicare_pays, gap_reverses], *P, REASONS)
    assert report.totals["money_recovered"] == 10.0


def test_another_payers_835_paid_in_full_is_no_recovery_of_the_claims_payer() -> None:
    """An 835 CLP02 1 with no adjustments is bridged as an F1 status: after Medicare forwarded the
    claim (CLP02 19), the Medigap's paid-in-full 835 under its own number is the Medigap's money."""
    forwarded = {
        **paid("C1", "2026-11-05T00:00:00+00:00", "0", ("CO", "50", "10"), status="19"),
        "payer_claim_number": "PCN1",
    }
    task = ev("resubmission_task", "2026-11-06T00:00:00+00:00", task_id="T1", claim_id="C1", action="appeal",
              amount_at_stake="10", cause_event_id=forwarded["event_id"])  # fmt: skip
    gap_f1 = ev("claim_status", "2026-11-21T00:00:00+00:00", claim_id="C1", category_code="F1", amount="4.00",
                source="835", payer_claim_number="GAP9")  # fmt: skip
    report = compute([scrub("C1", "clean"), forwarded, task, gap_f1], *P, REASONS)
    assert report.totals["money_recovered"] == 0.0 and report.totals["claims_decided"] == 1


def test_a_secondary_claims_own_payer_deciding_after_its_denial_is_its_decision() -> None:
    """The tracker's rule: after a denial (CLP02 4, no order stated) the order it was processed in
    is the claim's SBR01 — a claim billed as secondary (S), denied, then paid by the same payer as
    secondary (CLP02 2) is that payer deciding again, not another payer: the recovery counts."""
    denial = {
        **paid("S1", "2026-11-05T00:00:00+00:00", "0", ("CO", "16", "8"), status="4"),
        "payer_claim_number": "B1",
    }
    task = ev("resubmission_task", "2026-11-06T00:00:00+00:00", task_id="T1", claim_id="S1", action="replacement_claim",
              amount_at_stake="8", cause_event_id=denial["event_id"])  # fmt: skip
    paid_after = {**paid("S1", "2026-11-20T00:00:00+00:00", "8", status="2"), "payer_claim_number": "B1"}
    events = [
        scrub("S1", "clean"),
        ready_step("S1", "2026-11-02T10:00:00+00:00", "BLUEPEAK", "S", ("MCR-JH",)),
        denial,
        task,
        paid_after,
    ]
    report = compute(events, *P, REASONS)
    assert report.totals["money_recovered"] == 8.0 and report.totals["claims_decided"] == 2


def test_a_time_written_without_its_offset_is_utc_whatever_the_machines_zone(monkeypatch: Any) -> None:
    """README: a time written without an offset is read as UTC. A claim submitted on 11-30 at 22:00
    (no offset) is November's, on a report machine in New York as in UTC."""
    import time

    events = [
        {**scrub("C1", "clean", at="2026-11-30T22:00:00"), "event_type": "scrub_result"},
        ev("claim_status", "2026-12-01T10:00:00+00:00", claim_id="C1", category_code="A2"),
    ]
    figures = []
    for zone in ("UTC", "America/New_York", "Pacific/Kiritimati"):
        monkeypatch.setenv("TZ", zone)
        time.tzset()
        figures.append(compute(events, *P, REASONS).totals["clean_claim_rate"])
    monkeypatch.delenv("TZ")
    time.tzset()
    assert figures == [1.0, 1.0, 1.0]
