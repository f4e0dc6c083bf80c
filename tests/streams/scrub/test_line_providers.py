"""A claim whose lines name their own rendering provider (837P 2420A; CMS-1500 item 24J).

A group — a hospital's ECG reading group, a cardiology practice — bills several physicians'
services on one claim; each line with its own rendering provider is that provider's service.
Reference §1: bundling, NCCI pairs and MUE units apply **per provider**; a second physician's read
of the same day needs 77 (a repeat without it is a duplicate), and two reads of the same tracing
are the problem, not two physicians. These expectations come from the reference, not the code.
"""

from __future__ import annotations

from streams.scrub import Scrubber
from tests.builders import INVALID_NPI, VALID_NPIS, line
from tests.streams.scrub.helpers import MISSING, fired, scrub_case

DR_A = VALID_NPIS[1]  # the claim's rendering provider (2310B)
DR_B = VALID_NPIS[2]  # a second cardiologist of the group, named on a line (2420A)
DR_C = "1982736450"  # a third, valid NPI
NO_CLINICAL_FEED = {"encounter": MISSING, "encounter_feed": False}


def by(npi: str, body: dict[str, object]) -> dict[str, object]:
    return {**body, "rendering_provider_npi": npi}


def reading_group(*lines: dict[str, object], **claim: object) -> dict[str, object]:
    """A hospital reading group's claim (inpatient, POS 21) with no encounter feed."""
    return {"encounter_id": None, "place_of_service": "21", "lines": list(lines), **claim}


def errors(result: object) -> list[tuple[str, int | None]]:
    return [(e.rule_id, e.line_number) for e in result.edits if e.severity == "error"]  # type: ignore[attr-defined]


def test_a_second_cardiologists_77_read_on_its_own_line_is_clean(scrubber: Scrubber) -> None:
    result = scrub_case(
        scrubber,
        claim=reading_group(line(1, "93010"), by(DR_B, line(2, "93010", modifiers=["77"]))),
        **NO_CLINICAL_FEED,
    )
    assert errors(result) == [] and result.status != "held", result.edits


def test_a_second_cardiologists_read_without_77_is_held_once_on_the_later_line(scrubber: Scrubber) -> None:
    """Reference §1: a repeat on the same day needs 76/77, otherwise it is a duplicate."""
    result = scrub_case(
        scrubber,
        claim=reading_group(line(1, "93010"), by(DR_B, line(2, "93010"))),
        **NO_CLINICAL_FEED,
    )
    assert [(e.rule_id, e.line_number) for e in result.edits if e.rule_id.startswith("DUP_")] == [
        ("DUP_REPEAT_OTHER_PROVIDER", 2)
    ]
    (edit,) = [e for e in result.edits if e.rule_id == "DUP_REPEAT_OTHER_PROVIDER"]
    assert "line 1" in edit.message and result.status == "held"


def test_a_second_read_of_the_same_tracing_with_77_is_a_warning_to_document_it(scrubber: Scrubber) -> None:
    """Both lines from one encounter documenting one ECG: the same tracing read twice, which
    Medicare pays once — with 77, a warning to document the unusual circumstances (reference §1)."""
    result = scrub_case(
        scrubber,
        claim=reading_group(
            line(1, "93010"), by(DR_B, line(2, "93010", modifiers=["77"])), encounter_id="ENC-0001"
        ),
        encounter={"place_of_service": "21", "ecg_fields": {"repeat_count": 1}},
    )
    assert "DUP_SECOND_READ_DOCUMENTED" in fired(result)
    assert "DUP_SECOND_READ" not in fired(result)
    # the record's one ECG is the tracing both read: the first read does not use it up (as when
    # the first read is on another claim)
    assert "MOD_REPEAT_UNDOCUMENTED" not in fired(result)


def test_the_interpreter_check_reads_each_lines_own_provider(scrubber: Scrubber) -> None:
    """The record names DR_B as the reader: the line billed under DR_B is right, the one under the
    claim's DR_A is the mismatch."""
    result = scrub_case(
        scrubber,
        claim={
            "place_of_service": "21",
            "lines": [by(DR_B, line(1, "93010"))],
        },
        encounter={"place_of_service": "21", "ecg_fields": {"interpreting_provider_npi": DR_B}},
    )
    assert "PROVIDER_INTERPRETER_MISMATCH" not in fired(result)
    other = scrub_case(
        scrubber,
        claim={"place_of_service": "21", "lines": [line(1, "93010")]},
        encounter={"place_of_service": "21", "ecg_fields": {"interpreting_provider_npi": DR_B}},
    )
    assert "PROVIDER_INTERPRETER_MISMATCH" in fired(other)


def test_a_global_and_its_component_by_one_provider_on_one_claim_are_still_held(scrubber: Scrubber) -> None:
    """Reference §1: 93000 with 93010 by the same provider, same patient and day: never payable —
    the line naming the claim's own provider is that provider's."""
    result = scrub_case(
        scrubber,
        claim={"place_of_service": "11", "lines": [line(1, "93000"), by(DR_A, line(2, "93010"))]},
        **NO_CLINICAL_FEED,
    )
    assert "BUNDLE_GLOBAL_WITH_COMPONENT" in fired(result)


def test_an_office_global_and_another_physicians_77_read_in_the_ed_are_two_services(
    scrubber: Scrubber,
) -> None:
    """Reference §1's own example: office 93000 in the morning, ED 93010-77 by the ED physician in
    the evening — legitimate across different providers (no bundling, no duplicate)."""
    ed_read = {**by(DR_B, line(2, "93010", modifiers=["77"])), "place_of_service": "23"}
    result = scrub_case(
        scrubber,
        claim={"encounter_id": None, "place_of_service": "11", "lines": [line(1, "93000"), ed_read]},
        **NO_CLINICAL_FEED,
    )
    assert not {r for r in fired(result) if r.startswith(("BUNDLE_", "DUP_", "UNITS_"))}, result.edits
    assert errors(result) == [], result.edits


def test_mue_units_are_summed_per_provider_not_per_claim(scrubber: Scrubber) -> None:
    """Reference §1: 93005 MUE 5 (MAI 3): all units of the code for the same provider and date are
    summed. Three by each of two providers is within it; six by one is not."""
    two = scrub_case(
        scrubber,
        claim={
            "place_of_service": "11",
            "lines": [line(1, "93005", units=3), by(DR_B, line(2, "93005", modifiers=["77"], units=3))],
        },
        **NO_CLINICAL_FEED,
    )
    assert "UNITS_MUE_EXCEEDED" not in fired(two)
    one = scrub_case(
        scrubber,
        claim={
            "place_of_service": "11",
            "lines": [line(1, "93005", units=3), by(DR_A, line(2, "93005", modifiers=["76"], units=3))],
        },
        **NO_CLINICAL_FEED,
    )
    assert "UNITS_MUE_EXCEEDED" in fired(one)


def test_a_later_claim_is_judged_against_the_provider_of_each_earlier_line(scrubber: Scrubber) -> None:
    """The group's claim had DR_A's 93010 and DR_B's 93010-77. A 93000 the same day on a later
    claim by DR_A, or by DR_B, is a global with a component that provider already billed (held,
    naming the claim); a third physician's 93000 is not that provider's component."""
    earlier = {
        "claim_id": "GROUP-1",
        **reading_group(line(1, "93010"), by(DR_B, line(2, "93010", modifiers=["77"]))),
    }
    later = {
        "claim_id": "LATER-1",
        "encounter_id": None,
        "place_of_service": "11",
        "lines": [line(1, "93000")],
    }
    same = scrub_case(scrubber, claim=later, history=[earlier], **NO_CLINICAL_FEED)
    (edit,) = [e for e in same.edits if e.rule_id == "BUNDLE_GLOBAL_WITH_COMPONENT_SENT"]
    assert "GROUP-1" in edit.message
    second = scrub_case(
        scrubber, claim={**later, "rendering_provider_npi": DR_B}, history=[earlier], **NO_CLINICAL_FEED
    )
    (edit,) = [e for e in second.edits if e.rule_id == "BUNDLE_GLOBAL_WITH_COMPONENT_SENT"]
    assert "GROUP-1" in edit.message
    third = scrub_case(
        scrubber, claim={**later, "rendering_provider_npi": DR_C}, history=[earlier], **NO_CLINICAL_FEED
    )
    assert not {r for r in fired(third) if r.startswith("BUNDLE_")}, third.edits


def test_a_typo_in_a_lines_own_npi_is_held_naming_the_line(scrubber: Scrubber) -> None:
    """Reference §3: an NPI failing its check digit or with 9 digits is the coder's to fix: held
    with an edit naming the field — here the line's own provider."""
    result = scrub_case(
        scrubber,
        claim=reading_group(line(1, "93010"), by(INVALID_NPI, line(2, "93010", modifiers=["77"]))),
        **NO_CLINICAL_FEED,
    )
    (edit,) = [e for e in result.edits if e.rule_id == "PROVIDER_NPI_INVALID"]
    assert edit.line_number == 2 and "line 2 rendering" in edit.message
    short = scrub_case(
        scrubber,
        claim=reading_group(line(1, "93010"), by("123456789", line(2, "93010", modifiers=["77"]))),
        **NO_CLINICAL_FEED,
    )
    (edit,) = [e for e in short.edits if e.rule_id == "PROVIDER_NPI_FORMAT"]
    assert edit.line_number == 2 and "line 2 rendering" in edit.message
    assert "CLAIM_CONTRACT_INVALID" not in fired(short)


# --- 76 is the same physician's repeat, 77 another physician's (reference §1) -------------------


def test_77_on_the_same_physicians_repeat_is_held_asking_for_76(scrubber: Scrubber) -> None:
    """Reference §1: a repeat on the same day needs 76 (same physician) or 77 (another physician).
    Dr A read two ECGs in the hospital that day; the second read carries 77 under Dr A — whether
    the line names Dr A or inherits the claim's provider, it is the same physician's repeat."""
    for second in (line(2, "93010", modifiers=["77"]), by(DR_A, line(2, "93010", modifiers=["77"]))):
        result = scrub_case(scrubber, claim=reading_group(line(1, "93010"), second), **NO_CLINICAL_FEED)
        assert errors(result) == [("MOD_77_SAME_PROVIDER", 2)], result.edits
        (edit,) = [e for e in result.edits if e.rule_id == "MOD_77_SAME_PROVIDER"]
        assert "76" in edit.fix and "line 1" in edit.message
        assert result.status == "held"


def test_the_same_physicians_repeat_with_76_is_clean(scrubber: Scrubber) -> None:
    result = scrub_case(
        scrubber,
        claim=reading_group(line(1, "93010"), line(2, "93010", modifiers=["76"])),
        **NO_CLINICAL_FEED,
    )
    assert errors(result) == [], result.edits


def test_77_repeating_the_same_physicians_read_on_an_earlier_claim_is_a_warning(scrubber: Scrubber) -> None:
    """Dr A's 93010 went out on an earlier claim; the group's later claim (its own provider Dr B)
    bills Dr A's 93010 with 77: Dr A's own repeat (76) — or the same read sent again (a line the
    payer rejected, a replacement whose link X12 does not carry). The earlier claim cannot tell
    which: a warning naming it, not a hold."""
    earlier = {"claim_id": "GROUP-1", **reading_group(line(1, "93010"))}
    later = {
        "claim_id": "GROUP-2",
        **reading_group(by(DR_A, line(1, "93010", modifiers=["77"]))),
        "rendering_provider_npi": DR_B,
    }
    result = scrub_case(scrubber, claim=later, history=[earlier], **NO_CLINICAL_FEED)
    assert errors(result) == [], result.edits
    (edit,) = [e for e in result.edits if e.rule_id == "MOD_77_SAME_PROVIDER_SENT"]
    assert edit.severity == "warning" and "GROUP-1" in edit.message and "76" in edit.fix


def test_a_replacement_resending_a_77_read_is_not_its_own_repeat(scrubber: Scrubber) -> None:
    """Reference §4: frequency 7 replaces the claim its REF*F8 names — its lines are that claim's
    services sent again, not repeats of them (an 837P replacement carries no link to the earlier
    claim's id)."""
    earlier = {"claim_id": "ED-1", **reading_group(by(DR_B, line(1, "93010", modifiers=["77"])))}
    replacement = {
        "claim_id": "ED-1-FIX",
        **reading_group(by(DR_B, line(1, "93010", modifiers=["77"]))),
        "frequency_code": "7",
        "original_claim_number": "PCN-12345",
    }
    result = scrub_case(scrubber, claim=replacement, history=[earlier], **NO_CLINICAL_FEED)
    assert not {r for r in fired(result) if r.startswith("MOD_77")}, result.edits


def test_a_physicians_77_read_and_his_own_76_repeat_of_it_are_clean(scrubber: Scrubber) -> None:
    """Dr B read a tracing whose first read (Dr A's office 93000) went through another billing
    office — 77 — and then repeated his own read — 76 (and 77, as a repeat of the day's test by
    another physician than its first). The 76 line is the repeat, not the service the 77 line
    repeats: nothing to hold, whichever claims are in sight."""
    for second in (["76", "77"], ["76"]):
        result = scrub_case(
            scrubber,
            claim=reading_group(
                by(DR_B, line(1, "93010", modifiers=["77"])), by(DR_B, line(2, "93010", modifiers=second))
            ),
            **NO_CLINICAL_FEED,
        )
        assert not {r for r in fired(result) if r.startswith("MOD_77")}, (second, result.edits)


def test_77_is_right_when_another_physician_billed_the_test_that_day(scrubber: Scrubber) -> None:
    """Dr B read the morning ECG; Dr A read the morning one too (the first line) and then a
    repeat in the evening with 77 — another physician's service of the test is on record, so 77
    is not questioned (which read is whose is the record's business, not a guess)."""
    result = scrub_case(
        scrubber,
        claim=reading_group(
            line(1, "93010", modifiers=["77"]), by(DR_B, line(2, "93010")), line(3, "93010", modifiers=["76"])
        ),
        **NO_CLINICAL_FEED,
    )
    assert "MOD_77_SAME_PROVIDER" not in fired(result), result.edits


def test_a_second_read_of_one_tracing_is_flagged_whichever_claim_arrives_first(scrubber: Scrubber) -> None:
    """Reference §1: Medicare pays one interpretation per ECG; a second read needs 77 and
    documented unusual circumstances. Dr B's 93010-77 arrives before Dr A's 93010 of the same
    encounter: the pair is the same second read as in the other order — a warning, not a hold."""
    enc = {"place_of_service": "21", "ecg_fields": {"repeat_count": 1}}
    b_first = {
        "claim_id": "ED-READ",
        **reading_group(by(DR_B, line(1, "93010", modifiers=["77"])), encounter_id="ENC-0001"),
    }
    a_later = {"claim_id": "CARDIO-READ", **reading_group(line(1, "93010"), encounter_id="ENC-0001")}
    result = scrub_case(scrubber, claim=a_later, history=[b_first], encounter=enc)
    assert "DUP_SECOND_READ_DOCUMENTED" in fired(result), result.edits
    assert not {"DUP_SECOND_READ", "DUP_REPEAT_OTHER_PROVIDER"} & fired(result)
    (edit,) = [e for e in result.edits if e.rule_id == "DUP_SECOND_READ_DOCUMENTED"]
    assert "ED-READ" in edit.message and edit.severity == "warning"
    # the other order, for comparison: the same warning
    a_first = {"claim_id": "CARDIO-READ", **reading_group(line(1, "93010"), encounter_id="ENC-0001")}
    b_later = {
        "claim_id": "ED-READ",
        **reading_group(by(DR_B, line(1, "93010", modifiers=["77"])), encounter_id="ENC-0001"),
    }
    other_order = scrub_case(scrubber, claim=b_later, history=[a_first], encounter=enc)
    assert "DUP_SECOND_READ_DOCUMENTED" in fired(other_order), other_order.edits


def test_a_group_claims_xu_on_a_pair_split_between_its_physicians_is_not_held(scrubber: Scrubber) -> None:
    """Reference §1: 93005 with 93042 is an NCCI pair of modifier indicator 1, which XU may bypass.
    On a group's claim the tracing is Dr A's and the rhythm strip Dr B's: NCCI needs no modifier
    across providers, and a group adds XU because a payer may edit the claim as a whole — the pair
    is on this claim, so the XU is no misused modifier and the claim is not held for it."""
    result = scrub_case(
        scrubber,
        claim={
            "encounter_id": None,
            "lines": [line(1, "93005"), by(DR_B, line(2, "93042", modifiers=["XU"]))],
        },
        **NO_CLINICAL_FEED,
    )
    assert not {"MOD_OVERRIDE_WITHOUT_PAIR", "MOD_OVERRIDE_PAIR_UNVERIFIED"} & fired(result), result.edits
    assert result.status != "held", result.edits


def test_a_lines_unreadable_or_unknown_field_is_listed_with_that_line(scrubber: Scrubber) -> None:
    """A readable claim with a wrong value is held with an edit naming the field — and a line's
    field belongs to that line, so a work queue that groups edits by line shows it there. The
    line's own NPI sent as a boolean: the claim is held (never dead-lettered), the edit on line 2.
    A line that could not be read at all moves the later ones up: the edits still name the lines
    by their numbers as sent."""
    result = scrub_case(
        scrubber,
        claim=reading_group(
            line(1, "93010"), {**line(2, "93010", modifiers=["77"]), "rendering_provider_npi": True}
        ),
        **NO_CLINICAL_FEED,
    )
    assert result.status == "held"
    (edit,) = [e for e in result.edits if e.rule_id == "CLAIM_FIELD_UNREADABLE"]
    assert edit.line_number == 2 and "lines.2.rendering_provider_npi" in edit.message
    moved = scrub_case(
        scrubber,
        claim=reading_group(
            ["not a line"],
            line(2, "93010"),
            {**line(3, "93010", modifiers=["76"]), "units": "one"},
            {**line(4, "93010", modifiers=["76"]), "shelf": "B"},
            total_charge="75.00",
        ),
        **NO_CLINICAL_FEED,
    )
    by_rule = {e.rule_id: e for e in moved.edits}
    assert by_rule["CLAIM_FIELD_UNREADABLE"].line_number is None  # the line that is not a line
    units = [
        e
        for e in moved.edits
        if e.rule_id in ("CLAIM_FIELD_UNREADABLE", "CLAIM_UNITS_INVALID") and e.line_number == 3
    ]
    assert units, moved.edits
    assert by_rule["CLAIM_UNKNOWN_FIELD"].line_number == 4


def test_xu_beside_another_physicians_code_is_unverified_against_the_bundled_ptp_not_held(
    scrubber: Scrubber,
) -> None:
    """README (repeats and frequency): a 59/X-modifier with no overridable pair found is held only
    when the official PTP file says so or nothing else is billed that day; against the bundled
    excerpt (which lacks most pairs) it is a warning to check. Another physician's code billed that
    day on the claim is something else billed: Dr A's 93000 and Dr B's 93040-XU go out with the
    warning, as they would under one provider."""
    result = scrub_case(
        scrubber,
        claim={
            "encounter_id": None,
            "lines": [line(1, "93000"), by(DR_B, line(2, "93040", modifiers=["XU"]))],
        },
        **NO_CLINICAL_FEED,
    )
    assert "MOD_OVERRIDE_WITHOUT_PAIR" not in fired(result), result.edits
    assert "MOD_OVERRIDE_PAIR_UNVERIFIED" in fired(result)
