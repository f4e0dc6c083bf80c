"""A patient's history as the scrub agent stores it: lines encode and decode themselves."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from schemas import Encounter, as_valid
from streams.scrub import HistoryEntry, PatientHistory, Scrubber, engine, scrub_in_turn
from streams.scrub.encounter_store import latest, stored_with, version
from streams.scrub.rules.claim_format import _scrubbable
from tests.builders import claim_dict, encounter_dict, line, make_claim, read_claim


def test_an_entry_round_trips_through_its_row() -> None:
    entry = HistoryEntry(
        "C1", "MCR-JH", "93010", date(2026, 2, 10), "1558598797", ("26",), Decimal("1"), "E1"
    )
    assert HistoryEntry.decode(entry.encode()) == entry


def test_a_row_written_before_the_encounter_id_decodes_without_it() -> None:
    row = ["C1", "MCR-JH", "93000", "2026-02-10", "1558598797", [], "1"]
    assert HistoryEntry.decode(row).encounter_id is None


def test_a_claim_is_remembered_and_its_event_seen() -> None:
    claim = make_claim(claim_id="C1")
    history = PatientHistory.decode(None).with_claim(claim, limit=10)
    assert history.has_seen(str(claim.event_id))
    assert [(e.claim_id, e.procedure_code) for e in history.entries()] == [("C1", "93000")]
    assert PatientHistory.decode(history.encode()) == history


def test_a_corrected_resend_replaces_the_claims_earlier_lines() -> None:
    first = make_claim(claim_id="C1", lines=[line(1, "93000", modifiers=["26"])])
    corrected = make_claim(claim_id="C1", lines=[line(1, "93010")])
    history = PatientHistory().with_claim(first, 10).with_claim(corrected, 10)
    assert [e.procedure_code for e in history.entries()] == ["93010"]


def test_the_newest_lines_by_date_of_service_are_kept() -> None:
    history = PatientHistory()
    for i, day in enumerate((20, 5, 12, 1)):
        claim = make_claim(claim_id=f"C{i}", lines=[line(1, "93000", service_date=date(2026, 1, day))])
        history = history.with_claim(claim, limit=2)
    assert [e.service_date.day for e in history.entries()] == [12, 20]


def test_a_claim_event_remembered_in_full_before_is_still_recognised() -> None:
    claim = make_claim(claim_id="C1")
    stored = {"entries": [], "seen": [str(claim.event_id)]}  # how history was stored before
    assert PatientHistory.decode(stored).has_seen(str(claim.event_id))
    assert not PatientHistory.decode(stored).has_seen(str(make_claim().event_id))


def test_a_clean_claim_carries_the_ready_claim_it_sends(scrubber: Scrubber) -> None:
    claim = read_claim(claim_dict(encounter_id=None, patient_key="pk-ready"))
    turn = scrub_in_turn(scrubber, claim, None, None, limit=10)
    assert turn.result.status == "clean", turn.result.edits
    assert turn.valid == as_valid(claim)


def test_a_claim_the_rules_pass_but_the_ready_contract_refuses_is_held_not_billed(
    scrubber: Scrubber, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guide: a readable claim with wrong values is held with an edit naming the field, never a
    dead letter. Should a rule ever miss a value the ready claim refuses (here the format rules are
    switched off and the claim carries a field no contract knows), the claim is still held —
    with CLAIM_CONTRACT_INVALID naming the field — and is not recorded as billed."""
    monkeypatch.setattr(engine, "examine", lambda claim: ([], _scrubbable(claim)))
    claim = read_claim(claim_dict(encounter_id=None, patient_key="pk-guard", clearinghouse_note="x"))
    turn = scrub_in_turn(scrubber, claim, None, None, limit=10)
    assert turn.result.status == "held" and turn.valid is None
    (edit,) = [e for e in turn.result.edits if e.severity == "error"]
    assert edit.rule_id == "CLAIM_CONTRACT_INVALID" and "clearinghouse_note" in edit.message
    history = PatientHistory.decode(turn.stored)
    assert history.has_seen(str(claim.event_id)) and history.entries() == []


# --- a redelivered claim meets the encounter version it first met --------------------------------


def _encounter(signed: bool, event: str, at: str = "2026-02-11T09:00:00+00:00") -> Encounter:
    fields = {"ecg_fields": {"report_signed": signed}, "event_id": event, "occurred_at": at}
    return Encounter.model_validate(encounter_dict(**fields))


V1 = "00000000-0000-4000-8000-000000000001"
V2 = "00000000-0000-4000-8000-000000000002"


def test_a_claim_redelivered_after_its_encounter_was_corrected_gets_the_same_result(
    scrubber: Scrubber,
) -> None:
    """README, delivery guarantees: a redelivered event (a crash before its offset was committed)
    gets the same result and no second, different output. Held for an unsigned report, then the
    report is signed (the encounter sent again): the claim event read again is scrubbed against
    the version it met — held again, never sent as ready beside its held result."""
    claim = make_claim(claim_id="C1", encounter_id="ENC-0001")
    unsigned, signed = _encounter(False, V1), _encounter(True, V2, "2026-02-12T09:00:00+00:00")
    first = scrub_in_turn(scrubber, claim, None, unsigned, 50, as_of=date(2026, 3, 1))
    assert first.result.status == "held" and first.stored is not None
    versions = {V1: unsigned, V2: signed}
    again = scrub_in_turn(
        scrubber,
        claim,
        first.stored,
        signed,
        50,
        as_of=date(2026, 3, 1),
        encounter_version=lambda event_id, whose: versions.get(event_id),
    )
    assert again.redelivered and again.stored is None
    assert again.result == first.result and again.valid is None


def test_a_claim_scrubbed_without_its_encounter_is_so_again_when_redelivered(scrubber: Scrubber) -> None:
    """The grace ended before the encounter came: held, the encounter missing. The encounter then
    arrives and the claim event is read again: the same held result, not a ready claim."""
    claim = make_claim(claim_id="C1", encounter_id="ENC-0001")
    first = scrub_in_turn(scrubber, claim, None, None, 50, as_of=date(2026, 3, 1))
    assert first.result.status == "held"
    late = _encounter(True, V1)
    again = scrub_in_turn(
        scrubber,
        claim,
        first.stored,
        late,
        50,
        as_of=date(2026, 3, 1),
        encounter_version=lambda event_id, whose: {V1: late}.get(event_id),
    )
    assert again.result == first.result


def test_an_encounter_read_again_never_replaces_its_correction() -> None:
    """Two versions stamped alike: the later read is the correction; the first read again (a
    redelivery) changes nothing. An older version read late is never in force. The versions a
    claim may have met stay readable."""
    unsigned, signed = _encounter(False, V1), _encounter(True, V2)
    stored = stored_with(None, unsigned)
    stored = stored_with(stored, signed)
    assert stored is not None and latest(stored) == signed
    assert stored_with(stored, unsigned) is None  # the redelivery
    assert version(stored, V1) == unsigned and version(stored, V2) == signed
    older = _encounter(False, "00000000-0000-4000-8000-000000000003", "2026-02-01T09:00:00+00:00")
    after_older = stored_with(stored, older)
    assert after_older is not None and latest(after_older) == signed


def test_a_claim_checked_against_another_patients_encounter_meets_it_again_when_redelivered(
    scrubber: Scrubber,
) -> None:
    """Its own encounter never came; another patient's of that id (a mistyped id) held it. Its own
    arrives, then the claim event is read again: it meets the encounter it first met, stored under
    that other patient — the same held result."""
    claim = make_claim(claim_id="C1", encounter_id="ENC-0001")
    others = Encounter.model_validate(
        encounter_dict(event_id=V1, patient_key="pk-someone-else", occurred_at="2026-02-11T09:00:00+00:00")
    )
    first = scrub_in_turn(scrubber, claim, None, others, 50, as_of=date(2026, 3, 1))
    assert first.result.status == "held"
    own = _encounter(True, V2)
    kept = {("pk-someone-else", V1): others, (claim.patient_key, V2): own}
    again = scrub_in_turn(
        scrubber,
        claim,
        first.stored,
        own,
        50,
        as_of=date(2026, 3, 1),
        encounter_version=lambda event_id, whose: kept.get((whose or claim.patient_key, event_id)),
    )
    assert again.result == first.result


@pytest.mark.parametrize(
    ("occurred_at", "dos", "rule", "fires"),
    [
        # Medicare: DOS 2025-03-10, last filing day 2026-03-10 (42 CFR 424.44, calendar year)
        ("2026-03-10T23:30:00-05:00", "2025-03-10", "TF_EXPIRED", False),  # New York evening
        ("2026-03-10T20:30:00-08:00", "2025-03-10", "TF_EXPIRED", False),  # Los Angeles evening
        ("2026-03-11T00:10:00-05:00", "2025-03-10", "TF_EXPIRED", True),  # after its midnight
        # this morning's visit in Guam (UTC is still on the day before)
        ("2026-03-10T08:00:00+10:00", "2026-03-10", "CLAIM_FUTURE_SERVICE_DATE", False),
        ("2026-03-10T08:00:00+10:00", "2026-03-11", "CLAIM_FUTURE_SERVICE_DATE", True),
    ],
)
def test_a_claim_is_judged_on_the_senders_calendar_day(
    occurred_at: str, dos: str, rule: str, fires: bool
) -> None:
    """The day a claim is filed is the practice's own (the offset it wrote in occurred_at), not
    UTC's: a Medicare claim sent at 23:30 in New York on the last day of its calendar year is
    timely, and a claim for this morning's visit in Guam is no future date of service."""
    claim = read_claim(
        claim_dict(occurred_at=occurred_at, lines=[line(1, "93000", service_date=date.fromisoformat(dos))])
    )
    turn = scrub_in_turn(Scrubber.load(), claim, None, make_encounter_for(claim), limit=10)
    assert (rule in {e.rule_id for e in turn.result.edits if e.severity == "error"}) is fires


def make_encounter_for(claim: object) -> Encounter:
    c: Any = claim
    return Encounter.model_validate(
        encounter_dict(
            encounter_id=c.encounter_id,
            patient_key=c.patient_key,
            service_date=c.lines[0].service_date.isoformat(),
        )
    )
