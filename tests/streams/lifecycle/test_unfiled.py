"""Lines a 277CA rejected were never filed: the new claim that bills them is no duplicate.

From the X12 277CA guide and reference §3: a claim rejected at the front end (A3/A6/A7/A8) never
entered adjudication, and a service line rejected in an accepted claim (loop 2220D) goes on
without the claim — each is corrected and billed on a new original claim (the task says so). A
duplicate is a service *already submitted*: the lines rejected are not, the lines accepted are.
The tracker names the rejected lines (``ClaimUnfiled``) and the scrub agent takes them out of the
patient's history; these tests run the same pure steps the two agents run, in their order.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from schemas import ClaimStatus, ClaimSubmitted, Denial, ValidClaim
from streams.denials.tasks import unfiled_by
from streams.lifecycle.events import step_for
from streams.lifecycle.tracker import ClaimEntry, Tracked, Tracker
from streams.scrub import PatientHistory, Scrubber, scrub_in_turn
from tests.builders import FIXED_TIME, VALID_NPIS, claim_dict, line, read_claim

PK = "pk-unfiled"


def claim(claim_id: str, *codes: str, minutes: int = 0, **fields: Any) -> ClaimSubmitted:
    """A Medicare claim of ``codes`` (one line each, 2026-02-10, the same rendering physician)."""
    lines = [line(i, code, charge="45.00") for i, code in enumerate(codes, start=1)]
    return read_claim(
        claim_dict(
            claim_id=claim_id,
            encounter_id=None,
            patient_key=PK,
            lines=lines,
            occurred_at=(FIXED_TIME + timedelta(minutes=minutes)).isoformat(),
            **fields,
        )
    )


def sent(scrubber: Scrubber, history: dict[str, Any] | None, c: ClaimSubmitted) -> dict[str, Any]:
    """Scrub ``c`` as the scrub agent does; it must be clean (billed), and is recorded."""
    turn = scrub_in_turn(scrubber, c, history, None, limit=50)
    assert turn.result.status == "clean", [e.rule_id for e in turn.result.edits]
    assert turn.stored is not None
    return turn.stored


def errors(scrubber: Scrubber, history: dict[str, Any] | None, c: ClaimSubmitted) -> list[str]:
    turn = scrub_in_turn(scrubber, c, history, None, limit=50)
    return [e.rule_id for e in turn.result.edits if e.severity == "error"]


def track(tracker: Tracker, c: ClaimSubmitted, *answers: ClaimStatus | Denial) -> list[Tracked]:
    valid = ValidClaim.model_validate(c.model_dump())
    entry = ClaimEntry.new(c.claim_id)
    out = []
    for event in (step_for(valid, "ready", snapshot=True), *answers):
        tracked = tracker.track(entry, event)
        entry = tracked.entry
        out.append(tracked)
    return out


def answer(
    claim_id: str, category: str, minutes: int, lines: list[dict[str, Any]] | None = None
) -> ClaimStatus:
    return ClaimStatus(
        claim_id=claim_id,
        category_code=category,
        status_code="" if lines else "454",
        occurred_at=FIXED_TIME + timedelta(minutes=minutes),
        line_statuses=lines or [],
    )


def unfile(history: dict[str, Any], tracked: Tracked) -> dict[str, Any]:
    past = PatientHistory.decode(history)
    for unfiled in tracked.unfiled:
        past = past.without(unfiled)
    return past.encode()


def test_a_line_rejected_in_an_accepted_claim_is_rebilled_on_a_new_claim_without_a_duplicate_hold(
    scrubber: Scrubber, tracker: Tracker
) -> None:
    first = claim("UF-1", "93000", "71046")
    history = sent(scrubber, None, first)
    rebill = claim("UF-1B", "71046", minutes=120)  # the task: "bill them on a new original claim"
    assert "DUP_CLAIM" in errors(scrubber, history, rebill)  # before the rejection is known

    rejected_71046 = [{"procedure_code": "71046", "category_code": "A7", "status_code": "454"}]
    _, acked = track(tracker, first, answer("UF-1", "A2", 60, rejected_71046))
    assert [t.category for t in acked.tasks] == ["line_rejection"]
    [unfiled] = acked.unfiled
    assert not unfiled.whole_claim and unfiled.patient_key == PK
    assert [(u.procedure_code, u.rendering_provider_npi) for u in unfiled.lines] == [("71046", VALID_NPIS[1])]

    history = unfile(history, acked)
    assert errors(scrubber, history, rebill) == []
    # the accepted 93000 was filed: billing it again is still a duplicate
    assert "DUP_CLAIM" in errors(scrubber, history, claim("UF-1C", "93000", minutes=130))


def test_a_claim_rejected_whole_is_resubmitted_under_a_new_claim_id_without_a_duplicate_hold(
    scrubber: Scrubber, tracker: Tracker
) -> None:
    first = claim("UF-2", "93000")
    history = sent(scrubber, None, first)
    _, rejected = track(tracker, first, answer("UF-2", "A7", 30))
    [task] = rejected.tasks
    assert task.category == "rejection" and task.action == "fix_and_resubmit"
    [unfiled] = rejected.unfiled
    assert unfiled.whole_claim and [u.procedure_code for u in unfiled.lines] == ["93000"]
    history = unfile(history, rejected)
    assert errors(scrubber, history, claim("UF-2B", "93000", minutes=60)) == []


def test_a_rejection_read_after_the_payer_decided_the_claim_unfiles_nothing(tracker: Tracker) -> None:
    """An A7 sent before the payer's 835 paid the claim (read after it) no longer stands: the claim
    was filed and decided, so billing its service again is a duplicate."""
    first = claim("UF-3", "93000")
    paid = Denial(
        claim_id="UF-3",
        claim_status_code="1",
        paid_amount="36.00",
        adjustments=[{"group_code": "CO", "reason_code": "45", "amount": "9.00"}],
        occurred_at=FIXED_TIME + timedelta(minutes=90),
    )
    steps = track(tracker, first, paid, answer("UF-3", "A7", 30))
    assert steps[-1].tasks == [] and steps[-1].unfiled == []


def test_a_redelivered_rejection_names_the_same_lines_again(tracker: Tracker) -> None:
    first = claim("UF-4", "93000")
    rejection = answer("UF-4", "A7", 30)
    _, once, again = track(tracker, first, rejection, rejection)
    assert not again.changed
    assert once.unfiled == again.unfiled and len(again.unfiled) == 1


def test_a_rejected_replacement_or_void_unfiles_nothing() -> None:
    """The claim a replacement (7) or void (8) supersedes was adjudicated and stands billed."""
    for frequency in ("7", "8"):
        c = claim(
            "UF-5B",
            "93000",
            frequency_code=frequency,
            original_claim_number="PCN-5",
            replaces_claim_id="UF-5",
        )
        valid = ValidClaim.model_validate(c.model_dump())
        assert unfiled_by(answer("UF-5B", "A7", 30), valid) is None


def test_a_rejection_older_than_the_claim_sent_answers_an_earlier_submission() -> None:
    valid = ValidClaim.model_validate(claim("UF-6", "93000", minutes=60).model_dump())
    assert unfiled_by(answer("UF-6", "A7", 30), valid) is None
    assert unfiled_by(answer("UF-6", "A7", 90), valid) is not None


def test_a_resend_under_the_same_claim_id_stays_billed_when_the_rejection_is_applied_after_it(
    scrubber: Scrubber, tracker: Tracker
) -> None:
    """The scrub agent may read the resend before the rejection's lines (two topics): only the lines
    the rejected claim event recorded go; the resend's stay, and a third copy is still a duplicate."""
    first = claim("UF-7", "93000")
    history = sent(scrubber, None, first)
    _, rejected = track(tracker, first, answer("UF-7", "A7", 30))
    history = sent(scrubber, history, claim("UF-7", "93000", minutes=60))  # corrected, same id
    history = unfile(history, rejected)
    assert "DUP_CLAIM" in errors(scrubber, history, claim("UF-7B", "93000", minutes=90))


def test_only_the_rejected_lines_go_when_a_claim_bills_the_same_code_twice(
    scrubber: Scrubber, tracker: Tracker
) -> None:
    """93000 at 09:00 and 93000-76 later the same day; the 277CA rejects the 76 line only: the
    morning's 93000 stays billed."""
    first = read_claim(
        claim_dict(
            claim_id="UF-8",
            encounter_id=None,
            patient_key=PK,
            lines=[line(1, "93000"), line(2, "93000", modifiers=["76"])],
        )
    )
    history = sent(scrubber, None, first)
    rejected_76 = [
        {"procedure_code": "93000", "modifiers": ["76"], "category_code": "A7", "status_code": "454"}
    ]
    _, acked = track(tracker, first, answer("UF-8", "A2", 60, rejected_76))
    [unfiled] = acked.unfiled
    assert [(u.procedure_code, u.modifiers) for u in unfiled.lines] == [("93000", ["76"])]
    left = PatientHistory.decode(unfile(history, acked)).entries()
    assert [(e.procedure_code, e.modifiers) for e in left] == [("93000", ())]
