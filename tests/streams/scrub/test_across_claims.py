"""A patient's claims scrubbed one after another, as the scrub agent does (``scrub_in_turn``): the
edits that look across claims — duplicates, repeats, NCCI pairs and MUEs per provider and day,
frequency limits — must not depend on the order the claims arrive in, and only what was billed
counts (reference §1, §3)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from schemas import ClaimSubmitted, ScrubResult
from streams.scrub import PatientHistory, Scrubber, scrub_in_turn
from tests.builders import (
    INVALID_NPI,
    VALID_NPIS,
    claim_dict,
    commercial_patient,
    line,
    make_encounter,
    read_claim,
)

DOS = date(2026, 2, 10)
ACME = {"payer_id": "ACME", "name": "Acme Health", "plan_type": "commercial"}
BLUEPEAK = {"payer_id": "BLUEPEAK", "name": "BluePeak Commercial", "plan_type": "commercial"}
OFFICE, ED = VALID_NPIS[1], VALID_NPIS[2]


def claim(claim_id: str, *lines: dict[str, Any], **overrides: Any) -> ClaimSubmitted:
    """A claim of the same patient without an encounter reference (documentation is a warning)."""
    return read_claim(claim_dict(claim_id=claim_id, encounter_id=None, lines=list(lines), **overrides))


def in_turn(scrubber: Scrubber, claims: Iterable[ClaimSubmitted]) -> list[ScrubResult]:
    stored: dict[str, Any] | None = None
    results = []
    for c in claims:
        turn = scrub_in_turn(scrubber, c, stored, None, limit=200)
        stored = turn.stored if turn.stored is not None else stored
        results.append(turn.result)
    return results


def errors(result: ScrubResult) -> set[str]:
    return {e.rule_id for e in result.edits if e.severity == "error"}


def test_a_held_claim_was_never_billed_so_its_fix_under_a_new_id_is_no_duplicate(scrubber: Scrubber) -> None:
    """Reference §3: a duplicate is a service "already submitted"; a held claim never left."""
    held = claim("C-1", line(1, "93000"), billing_provider_npi=INVALID_NPI)
    fixed = claim("C-2", line(1, "93000"))
    first, second = in_turn(scrubber, [held, fixed])
    assert first.status == "held" and "PROVIDER_NPI_INVALID" in errors(first)
    assert second.status == "clean", second.edits


def test_a_held_screening_ecg_does_not_use_up_the_lifetime_limit(scrubber: Scrubber) -> None:
    """G0403 is once per lifetime (reference §1): a G0403 held for a wrong NPI and sent again
    fixed is the first one billed."""
    ippe = [line(1, "G0402", charge="150.00"), line(2, "G0403")]
    held = claim("S-1", *ippe, billing_provider_npi=INVALID_NPI, diagnoses=["Z00.00"])
    fixed = claim("S-2", *ippe, diagnoses=["Z00.00"])
    first, second = in_turn(scrubber, [held, fixed])
    assert first.status == "held"
    assert not errors(second) & {"DUP_CLAIM", "FREQ_LIMIT_EXCEEDED"}, second.edits


def test_a_replaced_claim_leaves_the_history_with_its_replacement(scrubber: Scrubber) -> None:
    """A replacement (frequency 7) supersedes the claim it names; replacing the replacement again
    is no duplicate of the first (the payer has one claim for the service)."""
    original = claim("R-1", line(1, "93000"), payer=BLUEPEAK, patient=commercial_patient())
    second = claim(
        "R-2", line(1, "93000"), payer=BLUEPEAK, patient=commercial_patient(),
        frequency_code="7", replaces_claim_id="R-1", original_claim_number="PCN-1",
    )  # fmt: skip
    third = claim(
        "R-3", line(1, "93000"), payer=BLUEPEAK, patient=commercial_patient(),
        frequency_code="7", replaces_claim_id="R-2", original_claim_number="PCN-2",
    )  # fmt: skip
    results = in_turn(scrubber, [original, second, third])
    assert [r.status for r in results] == ["clean", "clean", "clean"], [r.edits for r in results]


def test_a_voided_claim_bills_nothing_so_the_service_may_be_billed_again(scrubber: Scrubber) -> None:
    original = claim("V-1", line(1, "93000"), payer=BLUEPEAK, patient=commercial_patient())
    void = claim(
        "V-2", line(1, "93000"), payer=BLUEPEAK, patient=commercial_patient(),
        frequency_code="8", replaces_claim_id="V-1", original_claim_number="PCN-1",
    )  # fmt: skip
    again = claim("V-3", line(1, "93000"), payer=BLUEPEAK, patient=commercial_patient())
    *_, last = in_turn(scrubber, [original, void, again])
    assert "DUP_CLAIM" not in errors(last), last.edits


@pytest.mark.parametrize("repeat_first", [True, False])
def test_which_claim_carries_the_repeat_modifier_does_not_matter(
    scrubber: Scrubber, repeat_first: bool
) -> None:
    """Reference §1: a repeat the same day needs 76 on one of the two; either order is two ECGs."""
    plain, repeat = claim("P-1", line(1, "93000")), claim("P-2", line(1, "93000", modifiers=["76"]))
    results = in_turn(scrubber, [repeat, plain] if repeat_first else [plain, repeat])
    assert all("DUP_CLAIM" not in errors(r) for r in results), [r.edits for r in results]


@pytest.mark.parametrize("ed_first", [True, False])
def test_the_office_ecg_and_the_ed_read_with_77_are_legitimate_in_either_order(
    scrubber: Scrubber, ed_first: bool
) -> None:
    """Reference §1's own example: "office 93000 in the morning, ED 93010-77 by the ED physician
    in the evening" — two tracings, two providers."""
    office = claim("O-1", line(1, "93000"), rendering_provider_npi=OFFICE)
    ed = claim("E-1", line(1, "93010", modifiers=["77"]), rendering_provider_npi=ED, place_of_service="23")
    results = in_turn(scrubber, [ed, office] if ed_first else [office, ed])
    assert [r.status for r in results] == ["clean", "clean"], [r.edits for r in results]


def test_a_distinct_service_modifier_bypasses_a_pair_on_the_same_providers_earlier_claim(
    scrubber: Scrubber,
) -> None:
    """NCCI pairs apply per provider and day, across claims (reference §1): 93005 (column 1) then a
    rhythm strip at a separate documented time, 93041-XU (column 2, indicator 1), on a second claim
    is the pair bypassed — not a modifier that "overrides nothing on this claim"."""
    tracing = claim("T-1", line(1, "93005"))
    strip = claim("T-2", line(1, "93041", modifiers=["XU"]))
    _, second = in_turn(scrubber, [tracing, strip])
    assert not errors(second) & {"MOD_OVERRIDE_WITHOUT_PAIR", "BUNDLE_NCCI_MODIFIER_NEEDED"}, second.edits


def test_an_ncci_pair_is_held_whichever_of_its_codes_the_provider_billed_first(scrubber: Scrubber) -> None:
    """Reference §1: 93005/93041 is an NCCI pair (93005 column 1, indicator 1) and the edits apply
    per provider and date, across claims. A rhythm strip sent first and the 12-lead tracing after it
    are the same pair as the other way round: the later claim is held, and the fix names the earlier
    claim to correct (its 93041 needs the modifier, or comes off)."""
    strip = claim("R-1", line(1, "93041"))
    tracing = claim("R-2", line(1, "93005"))
    first, second = in_turn(scrubber, [strip, tracing])
    assert first.status == "clean", first.edits
    assert errors(second) == {"BUNDLE_NCCI_SENT_MODIFIER_NEEDED"}, second.edits
    (edit,) = [e for e in second.edits if e.severity == "error"]
    assert "R-1" in edit.fix and "93041" in edit.fix
    # the other order, held as before
    _, later_strip = in_turn(scrubber, [tracing, strip])
    assert "BUNDLE_NCCI_MODIFIER_NEEDED" in errors(later_strip)


def test_an_earlier_column_2_code_with_its_modifier_or_by_another_provider_holds_nothing(
    scrubber: Scrubber,
) -> None:
    """The strip sent first at a separate documented time (93041-XU) bypasses the pair; another
    provider's strip is no pair at all (NCCI edits apply per provider)."""
    tracing = claim("R-2", line(1, "93005"))
    with_modifier = claim("R-1", line(1, "93041", modifiers=["XU"]))
    assert in_turn(scrubber, [with_modifier, tracing])[1].status == "clean"
    elsewhere = claim("R-3", line(1, "93041"), rendering_provider_npi=ED)
    assert in_turn(scrubber, [elsewhere, tracing])[1].status == "clean"


def test_an_ippe_after_the_same_days_e_m_without_25_goes_out_and_names_the_claim_to_correct(
    scrubber: Scrubber,
) -> None:
    """Reference §1: an E/M billed the same day as the IPPE (G0402) needs 25. Sent first without it,
    the E/M is the line the payer denies; the IPPE claim after it is right (not held), and its
    warning names the E/M's claim to correct. The other order holds the E/M (as before)."""
    visit = claim("V-1", line(1, "99213", charge="110.00"), diagnoses=["R07.9"])
    ippe = claim("V-2", line(1, "G0402", charge="170.00"), diagnoses=["Z00.00"])
    _, second = in_turn(scrubber, [visit, ippe])
    assert second.status == "clean", second.edits
    (warning,) = [e for e in second.edits if e.rule_id == "MOD_25_MISSING_ON_SENT_EM"]
    assert warning.severity == "warning" and "V-1" in warning.fix and "99213" in warning.fix
    _, later_visit = in_turn(scrubber, [ippe, visit])
    assert "MOD_25_REQUIRED_WITH_VISIT" in errors(later_visit)


def test_a_period_limit_counts_the_services_billed_after_the_claims_date_too(scrubber: Scrubber) -> None:
    """Acme allows two 93000 in 365 days. Claims need not arrive in date order: services on day
    80 and day 40 already billed, a claim for day 0 makes three within one year."""
    d0 = date(2026, 3, 1)
    sent_at = datetime(2026, 5, 25, 12, 0, tzinfo=UTC)

    def acme(claim_id: str, day: date) -> ClaimSubmitted:
        return claim(
            claim_id, line(1, "93000", service_date=day), payer=ACME, patient=commercial_patient(),
            occurred_at=sent_at.isoformat(),
        )  # fmt: skip

    results = in_turn(
        scrubber, [acme("F-80", d0 + timedelta(80)), acme("F-40", d0 + timedelta(40)), acme("F-0", d0)]
    )
    assert [r.status for r in results[:2]] == ["clean", "clean"], [r.edits for r in results]
    assert "FREQ_LIMIT_EXCEEDED" in errors(results[2])


def test_a_period_limit_is_not_broken_by_services_a_year_apart_on_either_side(scrubber: Scrubber) -> None:
    """Services 200 days before and 200 days after are never in one 365-day period together."""
    d0 = date(2025, 6, 1)
    days = [d0 - timedelta(200), d0 + timedelta(200), d0]
    sent_at = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    claims = [
        claim(f"Y-{i}", line(1, "93000", service_date=day), payer=ACME, patient=commercial_patient(),
              occurred_at=sent_at.isoformat())
        for i, day in enumerate(days)
    ]  # fmt: skip
    last = in_turn(scrubber, claims)[-1]
    assert "FREQ_LIMIT_EXCEEDED" not in errors(last), last.edits


def test_the_same_services_sent_on_to_the_secondary_payer_are_not_more_units(scrubber: Scrubber) -> None:
    """MUE 93005 = 5 per day (MAI 3: all the provider's units summed, reference §1). Three units
    billed to the primary and the same three sent to the secondary, which lists the primary's
    adjudication, are three units; three more units billed to another payer are six."""
    primary = claim("M-1", line(1, "93005", units=3), payer=BLUEPEAK, patient=commercial_patient())
    cob = {
        "payer_id": "BLUEPEAK", "name": "BluePeak Commercial", "responsibility": "P",
        "subscriber_member_id": "X1", "subscriber_last_name": "P", "paid_amount": "20.00",
    }  # fmt: skip
    secondary = claim(
        "M-2", line(1, "93005", units=3), payer=ACME, patient=commercial_patient(),
        payer_responsibility="S", other_payers=[cob],
    )  # fmt: skip
    other = claim("M-3", line(1, "93005", units=3), payer=ACME, patient=commercial_patient())
    _, as_secondary = in_turn(scrubber, [primary, secondary])
    assert "UNITS_MUE_EXCEEDED" not in errors(as_secondary), as_secondary.edits
    _, more = in_turn(scrubber, [primary, other])
    assert "UNITS_MUE_EXCEEDED" in errors(more)


def test_a_documented_repeat_ecg_is_not_the_screening_ecg_billed_twice(scrubber: Scrubber) -> None:
    """G0403 and 93000 for one tracing: one of them (reference §1). A 93000-76 is a second
    tracing, whichever of the two claims arrives first."""
    repeat = claim("G-1", line(1, "93000", modifiers=["76"]))
    ippe = claim("G-2", line(1, "G0402", charge="150.00"), line(2, "G0403"), diagnoses=["Z00.00"])
    _, second = in_turn(scrubber, [repeat, ippe])
    assert "BUNDLE_SAME_SERVICE_TWO_CODES" not in errors(second), second.edits


def test_a_76_repeat_after_the_ippe_screening_ecg_is_documented_by_the_days_two_records(
    scrubber: Scrubber,
) -> None:
    """Reference §1: a repeat ECG on the same day needs 76 (same physician) with the times
    documented; 93000 and G0403 are one of them *per tracing*. The morning IPPE's screening ECG
    (its own encounter, 09:00) and the afternoon's 93000-76 for chest pain (another encounter,
    16:00, one ECG recorded) are two tracings, each documented: the afternoon claim is clean —
    the screening ECG is the day's first ECG, whatever code billed it. Likewise its tracing only
    (G0404) before a 93005-76."""
    for screening, repeat in (("G0403", "93000"), ("G0404", "93005")):
        morning = read_claim(
            claim_dict(
                claim_id="IPPE-1",
                encounter_id="ENC-AM",
                diagnoses=["Z00.00"],
                lines=[line(1, "G0402", charge="150.00"), line(2, screening)],
            )
        )
        afternoon = read_claim(
            claim_dict(claim_id="CP-1", encounter_id="ENC-PM", lines=[line(1, repeat, modifiers=["76"])])
        )
        encounters = [
            make_encounter(encounter_id="ENC-AM", diagnoses=["Z00.00"], symptoms=[]),
            make_encounter(encounter_id="ENC-PM"),
        ]
        stored: dict[str, Any] | None = None
        results = []
        for c, enc in zip((morning, afternoon), encounters, strict=True):
            turn = scrub_in_turn(scrubber, c, stored, enc, limit=200)
            stored = turn.stored if turn.stored is not None else stored
            results.append(turn.result)
        first, second = results
        assert not errors(first), first.edits
        assert not errors(second), (screening, repeat, second.edits)


def test_a_same_day_visit_on_another_claim_needs_25_where_the_payer_asks_for_it(scrubber: Scrubber) -> None:
    """Acme's rule (a payer rule, reference §1): a same-day E/M billed with a diagnostic test needs
    25 — also when the test went out on the provider's earlier claim of the day."""
    ecg = claim("E-1", line(1, "93000"), payer=ACME, patient=commercial_patient())
    visit = claim("E-2", line(1, "99213", charge="90.00"), payer=ACME, patient=commercial_patient())
    _, second = in_turn(scrubber, [ecg, visit])
    assert "MOD_25_REQUIRED" in errors(second)
    with_25 = claim(
        "E-3", line(1, "99213", modifiers=["25"], charge="90.00"), payer=ACME, patient=commercial_patient()
    )
    _, fixed = in_turn(scrubber, [ecg, with_25])
    assert "MOD_25_REQUIRED" not in errors(fixed)


def test_a_redelivered_claim_meets_the_history_it_first_met(scrubber: Scrubber) -> None:
    """At-least-once delivery: a claim event redelivered after a crash is scrubbed to the same
    result, not against claims recorded after it (it would be its own later duplicate)."""
    first = claim("D-1", line(1, "93000"))
    later = claim("D-2", line(1, "93000", modifiers=["76"]))
    stored: dict[str, Any] | None = None
    results = []
    for c in (first, later, first):
        turn = scrub_in_turn(scrubber, c, stored, None, limit=200)
        stored = turn.stored if turn.stored is not None else stored
        results.append(turn)
    assert results[2].redelivered and results[2].stored is None
    assert results[2].result.edits == results[0].result.edits
    history = PatientHistory.decode(stored)
    assert {e.claim_id for e in history.entries()} == {"D-1", "D-2"}
    assert {e.claim_id for e in history.entries(redelivered=str(first.event_id))} == {"D-1"}


@pytest.mark.parametrize(
    ("component", "modifier"), [("93010", "76"), ("93005", "76"), ("93010", "77"), ("93010", "")]
)
def test_a_global_with_its_own_component_by_one_provider_is_held_whatever_modifier(
    scrubber: Scrubber, component: str, modifier: str
) -> None:
    """Reference §1: 93000 with 93005 or 93010 by the same provider, patient and date: "never
    payable" (global plus its own component; NCCI per provider). 76/77 do not bypass NCCI pairs
    (59 may not bill a repeat either): the claim is held, on one claim or across two."""
    part = line(2, component, modifiers=[modifier] if modifier else [])
    (together,) = in_turn(scrubber, [claim("B-1", line(1, "93000"), part)])
    assert "BUNDLE_GLOBAL_WITH_COMPONENT" in errors(together), together.edits
    first = claim("B-2", {**part, "line_number": 1})
    _, across = in_turn(scrubber, [first, claim("B-3", line(1, "93000"))])
    assert "BUNDLE_GLOBAL_WITH_COMPONENT_SENT" in errors(across), across.edits


def test_two_complete_ecgs_with_76_are_two_tests_not_a_global_with_its_component(scrubber: Scrubber) -> None:
    (result,) = in_turn(scrubber, [claim("B-4", line(1, "93000"), line(2, "93000", modifiers=["76"]))])
    assert not errors(result) & {"BUNDLE_GLOBAL_WITH_COMPONENT", "BUNDLE_SPLIT_COMPONENTS"}, result.edits


def test_the_screening_ecg_is_once_per_lifetime_whole_or_in_parts(scrubber: Scrubber) -> None:
    """Reference §1: G0403 complete / G0404 tracing / G0405 interpretation — the screening ECG
    with the IPPE, once per lifetime. A G0405 years after a G0403 reads a second screening ECG;
    G0404 by one provider and G0405 by another the same day are one."""
    ippe = line(1, "G0402", charge="150.00")
    first = claim("L-1", ippe, line(2, "G0403"), diagnoses=["Z00.00"])
    later = claim(
        "L-2", line(1, "G0405", service_date=date(2028, 1, 10)), diagnoses=["Z00.00"],
        occurred_at="2028-01-20T12:00:00+00:00",
    )  # fmt: skip
    _, second = in_turn(scrubber, [first, later])
    assert "FREQ_LIMIT_EXCEEDED" in errors(second), second.edits
    tracing = claim("L-3", ippe, line(2, "G0404"), diagnoses=["Z00.00"], rendering_provider_npi=OFFICE)
    read = claim("L-4", line(1, "G0405"), diagnoses=["Z00.00"], rendering_provider_npi=ED)
    results = in_turn(scrubber, [tracing, read])
    assert all("FREQ_LIMIT_EXCEEDED" not in errors(r) for r in results), [r.edits for r in results]
    # the interpretation years after the tracing reads another tracing: a second screening ECG
    years_later = claim(
        "L-5", line(1, "G0405", service_date=date(2028, 1, 10)), diagnoses=["Z00.00"],
        rendering_provider_npi=ED, occurred_at="2028-01-20T12:00:00+00:00",
    )  # fmt: skip
    _, again = in_turn(scrubber, [tracing, years_later])
    assert "FREQ_LIMIT_EXCEEDED" in errors(again), again.edits
