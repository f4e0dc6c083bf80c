"""Denial classification and resubmission tasks (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from schemas import Adjustment, ClaimStatus, Denial
from streams.denials import (
    PlanContext,
    attempt_of,
    load_reason_map,
    plan_for_denial,
    plan_for_denials,
    plan_for_rejection,
)
from streams.lifecycle.events import remittance_state
from streams.scrub import Scrubber
from tests.builders import (
    DEFAULT_AS_OF,
    FIXED_TIME,
    MEDICARE_DECISION_FOR_COB,
    commercial_patient,
    commercial_payer,
    line,
    make_claim,
    make_encounter,
)

REASONS = load_reason_map()


def ctx(scrubber: Scrubber, claim, payer_id: str = "BLUEPEAK", plan: str = "commercial", **kw) -> PlanContext:
    defaults = dict(
        claim_id=claim.claim_id if claim else "C1",
        payer=scrubber.payers.get(payer_id, plan),
        claim=claim,
        payer_claim_number="PCN-1",
        as_of=DEFAULT_AS_OF,
        now=FIXED_TIME,
        reasons=REASONS,
        pack=scrubber.pack,
        max_resubmissions=3,
        rescrub=lambda c: scrubber.scrub(c, DEFAULT_AS_OF, make_encounter()).edits,
    )
    defaults.update(kw)
    return PlanContext(**defaults)


def deny(*adjustments: tuple[str, str, str], paid: str = "0", clp02: str = "4", remarks=()) -> Denial:
    return Denial(
        claim_id="C1",
        claim_status_code=clp02,
        paid_amount=paid,
        remark_codes=list(remarks),
        adjustments=[{"group_code": g, "reason_code": r, "amount": a} for g, r, a in adjustments],
        occurred_at=FIXED_TIME,
    )


def commercial_claim(*codes: str, mods: dict[int, list[str]] | None = None):
    return make_claim(
        payer=commercial_payer(),
        patient=commercial_patient(),
        lines=[line(i, c, modifiers=(mods or {}).get(i)) for i, c in enumerate(codes, start=1)],
    )


@pytest.mark.parametrize(
    ("adjustments", "paid", "clp02", "state"),
    [
        ([], "45.00", "1", "paid"),
        ([("PR", "1", "20.00")], "25.00", "1", "paid"),  # deductible is patient share
        ([("CO", "45", "5.00")], "40.00", "1", "paid"),  # contractual write-down
        ([("CO", "97", "20.00")], "45.00", "1", "partially_paid"),
        ([("CO", "50", "45.00")], "0", "1", "denied"),
        ([("CO", "50", "45.00")], "0", "4", "denied"),
        ([], "0", "22", "pending"),
        ([], "0", "4", "denied"),  # denied, nothing says why
        ([("PR", "1", "45.00")], "0", "4", "paid"),  # all to the deductible: processed, not denied
        ([("OA", "23", "45.00")], "0", "4", "paid"),  # the prior payer's adjudication covers it
        ([("OA", "252", "45.00")], "0", "4", "denied"),  # an OA code the map does not know explains nothing
    ],
)
def test_remittance_decides_the_state(adjustments, paid, clp02, state) -> None:
    assert remittance_state(deny(*adjustments, paid=paid, clp02=clp02), REASONS) == state


def test_patient_share_raises_no_task(scrubber: Scrubber) -> None:
    assert (
        plan_for_denial(deny(("PR", "2", "9.00"), paid="36.00", clp02="1"), ctx(scrubber, make_claim()))
        is None
    )


def test_co50_becomes_an_appeal(scrubber: Scrubber) -> None:
    task = plan_for_denial(deny(("CO", "50", "45.00")), ctx(scrubber, make_claim(), "MCR-JH", "medicare"))
    assert task is not None and task.action == "appeal" and task.category == "medical_necessity"
    assert task.due_date == date(2026, 3, 1).fromordinal(FIXED_TIME.date().toordinal() + 120)
    assert task.reason_codes == ["CO-50"] and task.recoverable and not task.patient_billable


def line_denial(
    carc: str,
    line_number: int,
    amount: str = "20.00",
    paid: str = "45.00",
    group: str = "CO",
    remarks: tuple[str, ...] = (),
) -> Denial:
    return Denial(
        claim_id="C1",
        claim_status_code="1",
        paid_amount=paid,
        adjustments=[
            {"group_code": group, "reason_code": carc, "amount": amount, "line_number": line_number}
        ],
        remark_codes=list(remarks),
        occurred_at=FIXED_TIME,
    )


def group_claim(plan: str, lines: list[dict]):
    """A group's claim of ``lines`` to a commercial payer (BluePeak) or to Medicare."""
    if plan == "commercial":
        return make_claim(payer=commercial_payer(), patient=commercial_patient(), lines=lines)
    return make_claim(lines=lines)


@pytest.mark.parametrize(("payer", "plan"), [("BLUEPEAK", "commercial"), ("MCR-JH", "medicare")])
@pytest.mark.parametrize("carc", ["97", "236"])
def test_a_component_denied_beside_its_global_is_written_off(
    scrubber: Scrubber, carc: str, payer: str, plan: str
) -> None:
    """Reference §1: 93000 with 93010 by the same provider is "never payable"; §5 CO-97 "write
    off, or modifier if the pair allows", CO-236 "modifier if allowed, else write off". The 93000
    was paid: a corrected claim without the 93010 (or a reopening) recovers nothing."""
    claim = (
        commercial_claim("93000", "93010")
        if plan == "commercial"
        else make_claim(lines=[line(1, "93000"), line(2, "93010")])
    )
    task = plan_for_denial(line_denial(carc, 2), ctx(scrubber, claim, payer, plan))
    assert task is not None and task.action == "write_off" and task.corrected_claim is None
    assert not task.recoverable and not task.patient_billable
    assert "Write off" in task.instructions


@pytest.mark.parametrize(
    ("payer", "plan", "action", "words"),
    [
        ("BLUEPEAK", "commercial", "replacement_claim", "corrected claim"),
        ("MCR-JH", "medicare", "reopening", "reopening"),
    ],
)
def test_a_pair_a_modifier_may_override_is_a_correction_for_a_person(
    scrubber: Scrubber, payer: str, plan: str, action: str, words: str
) -> None:
    """Reference §1: 93005 with 93042 is a verified NCCI pair with modifier indicator 1 (a rhythm
    strip at a separate documented time takes 59/X): "modifier if the pair allows" — a person adds
    it if the services were separate; no mechanical correction (the record must show it)."""
    lines = [line(1, "93005"), line(2, "93042")]
    claim = commercial_claim("93005", "93042") if plan == "commercial" else make_claim(lines=lines)
    task = plan_for_denial(line_denial("97", 2), ctx(scrubber, claim, payer, plan))
    assert task is not None and task.action == action and task.recoverable and task.corrected_claim is None
    assert (
        "59" in task.instructions
        and words in task.instructions
        and "otherwise write off" in task.instructions
    )


DR_B = "1245319599"  # a second physician of the group, named on a line (837P 2420A)


@pytest.mark.parametrize(("payer", "plan"), [("BLUEPEAK", "commercial"), ("MCR-JH", "medicare")])
@pytest.mark.parametrize("second", [line(2, "93010", modifiers=["77"]), line(2, "93005")])
def test_a_line_bundled_with_another_physicians_service_is_appealed_not_written_off(
    scrubber: Scrubber, payer: str, plan: str, second: dict
) -> None:
    """Reference §1: 93000 with its own component is never payable by the **same provider**; NCCI
    edits apply per provider, and across providers the services are legitimate (a second read with
    77). A group's claim: Dr A's 93000, Dr B's 93010-77 (or 93005) on his own line. CO-97 on
    Dr B's line bundles two physicians' services: recoverable, an appeal naming both lines — not a
    write-off of a payable service."""
    lines = [line(1, "93000"), {**second, "rendering_provider_npi": DR_B}]
    claim = group_claim(plan, lines)
    task = plan_for_denial(line_denial("97", 2), ctx(scrubber, claim, payer, plan))
    assert task is not None and task.action == "appeal" and task.recoverable, task
    assert not task.patient_billable
    assert "line 2" in task.instructions and DR_B in task.instructions and "line 1" in task.instructions
    assert "per provider" in task.instructions


@pytest.mark.parametrize(
    ("payer", "plan", "action"),
    [("BLUEPEAK", "commercial", "replacement_claim"), ("MCR-JH", "medicare", "reopening")],
)
def test_an_unmarked_second_read_bundled_with_another_physicians_global_asks_for_77(
    scrubber: Scrubber, payer: str, plan: str, action: str
) -> None:
    """Dr B's 93010 without 77 beside Dr A's 93000: not bundled per provider, but a second read the
    same day needs 77 (reference §1) — an appeal of the line as billed cannot succeed. The task
    asks a person to add 77 where the record documents the separate read: a corrected claim
    (Medicare: a reopening), else a write-off."""
    lines = [line(1, "93000"), {**line(2, "93010"), "rendering_provider_npi": DR_B}]
    claim = group_claim(plan, lines)
    task = plan_for_denial(line_denial("97", 2), ctx(scrubber, claim, payer, plan))
    assert task is not None and task.action == action and task.corrected_claim is None, task
    assert "add 77" in task.instructions and "otherwise write off" in task.instructions


@pytest.mark.parametrize(
    ("payer", "plan", "action"),
    [("BLUEPEAK", "commercial", "replacement_claim"), ("MCR-JH", "medicare", "reopening")],
)
@pytest.mark.parametrize(("group", "carc"), [("CO", "97"), ("OA", "18")])
def test_76_on_another_physicians_read_is_corrected_to_77_not_appealed(
    scrubber: Scrubber, payer: str, plan: str, action: str, group: str, carc: str
) -> None:
    """Reference §1: 76 is a repeat by the same physician, 77 by another. Dr B's 93010-76 beside
    Dr A's 93000 names the wrong physician: a bundling (CO-97) or duplicate (OA-18) denial of it
    is fixed by 77 in place of 76 (a corrected claim; Medicare a reopening) — an appeal of the
    line as billed cannot succeed."""
    lines = [line(1, "93000"), {**line(2, "93010", modifiers=["76"]), "rendering_provider_npi": DR_B}]
    claim = group_claim(plan, lines)
    task = plan_for_denial(line_denial(carc, 2, group=group), ctx(scrubber, claim, payer, plan))
    assert task is not None and task.action == action, task
    assert "77" in task.instructions and "76" in task.instructions and not task.patient_billable


def test_a_whole_claim_denied_as_a_duplicate_is_written_off_even_with_76_77_lines(scrubber: Scrubber) -> None:
    """OA-18 on the claim (no line): the claim itself was sent twice — the lines' modifiers do not
    make it a repeat (reference §5: write off)."""
    lines = [{**line(1, "93010", modifiers=["77"]), "rendering_provider_npi": DR_B}]
    claim = group_claim("commercial", lines)
    task = plan_for_denial(deny(("OA", "18", "45.00")), ctx(scrubber, claim))
    assert task is not None and task.action == "write_off"


def test_a_line_bundled_with_its_own_providers_global_is_still_written_off_on_a_group_claim(
    scrubber: Scrubber,
) -> None:
    """The same group claim, but Dr B billed both the 93000 and the 93010 (its own component):
    never payable together (reference §1) — a write-off, as on a one-provider claim."""
    lines = [
        line(1, "93000"),
        {**line(2, "93000"), "rendering_provider_npi": DR_B},
        {**line(3, "93010"), "rendering_provider_npi": DR_B},
    ]
    claim = group_claim("commercial", lines)
    task = plan_for_denial(line_denial("97", 3), ctx(scrubber, claim))
    assert task is not None and task.action == "write_off" and not task.recoverable


def test_a_medicare_code_correction_names_the_line_its_provider_and_keeps_its_other_modifiers(
    scrubber: Scrubber,
) -> None:
    """Reference §5 CO-4: 26 on an ECG code is fixed by changing the code (93000-26 → 93010);
    Medicare takes no corrected claim, so a person re-keys the change in a reopening. On a group
    claim where Dr A's line is also 93000, "93000; 93010" would read as downcoding Dr A's global:
    the task names line 2, Dr B, and the result with its 77 kept."""
    lines = [line(1, "93000"), {**line(2, "93000", modifiers=["26", "77"]), "rendering_provider_npi": DR_B}]
    claim = make_claim(lines=lines)
    task = plan_for_denial(line_denial("4", 2, amount="45.00"), ctx(scrubber, claim, "MCR-JH", "medicare"))
    assert task is not None and task.action == "reopening", task
    assert f"line 2 (93000-26-77, rendering NPI {DR_B}) → 93010-77" in task.instructions
    assert "line 1" not in task.instructions


def test_a_line_denial_names_the_line_and_its_own_rendering_provider(scrubber: Scrubber) -> None:
    """CO-16 with N290 (rendering provider id missing or invalid, reference §5) on Dr B's line of
    a group claim: the NPI to fix is that line's (2420A), not the claim's — the task says which."""
    lines = [line(1, "93000"), {**line(2, "93010", modifiers=["77"]), "rendering_provider_npi": DR_B}]
    claim = group_claim("commercial", lines)
    task = plan_for_denial(line_denial("16", 2, remarks=("N290",)), ctx(scrubber, claim))
    assert task is not None
    assert f"line 2 (93010-77, rendering NPI {DR_B})" in task.instructions


@pytest.mark.parametrize(("payer", "plan"), [("BLUEPEAK", "commercial"), ("MCR-JH", "medicare")])
def test_a_duplicate_denial_of_a_line_marked_as_a_repeat_is_appealed(
    scrubber: Scrubber, payer: str, plan: str
) -> None:
    """Reference §5 OA-18 (exact duplicate): "write off, or add 76/77 with times and reopen". Dr
    B's second read already carries 77: there is nothing to add — the payer overlooked the
    modifier, and the way to payment is an appeal with the documented times, due in the appeal
    window. The same denial of a line without 76/77 stays a write-off."""
    marked = [line(1, "93010"), {**line(2, "93010", modifiers=["77"]), "rendering_provider_npi": DR_B}]
    plain = [line(1, "93010"), line(2, "93010")]
    for lines, action in ((marked, "appeal"), (plain, "write_off")):
        claim = group_claim(plan, lines)
        denial = line_denial("18", 2, paid="20.00", group="OA")
        task = plan_for_denial(denial, ctx(scrubber, claim, payer, plan))
        assert task is not None and task.action == action, (lines, task)
        assert not task.patient_billable
        if action == "appeal":
            assert task.recoverable and "already carries 76/77" in task.instructions
            assert task.due_date is not None


def test_a_pair_denial_without_the_claim_is_a_write_off_that_names_the_modifier_route(
    scrubber: Scrubber,
) -> None:
    task = plan_for_denial(line_denial("97", 2), ctx(scrubber, None))
    assert task is not None and task.action == "write_off"
    assert "modifier" in task.instructions


def test_co4_on_93000_26_corrects_the_code_to_93010_never_keeps_the_global(scrubber: Scrubber) -> None:
    claim = commercial_claim("93000", mods={1: ["26"]})
    task = plan_for_denial(deny(("CO", "4", "45.00")), ctx(scrubber, claim))
    assert task is not None and task.corrected_claim is not None
    corrected = task.corrected_claim.lines[0]
    assert corrected.procedure_code == "93010" and list(corrected.modifiers) == []
    assert task.corrected_claim.total_charge <= claim.total_charge


def test_split_components_are_never_merged_into_the_global(scrubber: Scrubber) -> None:
    """93005 + 93010 denied as included: billing 93000 instead would be a code the payer was not
    sent — for a person, never a mechanical correction."""
    claim = commercial_claim("93005", "93010")
    task = plan_for_denial(deny(("CO", "97", "20.00"), paid="25.00", clp02="1"), ctx(scrubber, claim))
    assert task is not None and task.corrected_claim is None


def test_co96_is_a_write_off_never_a_patient_bill(scrubber: Scrubber) -> None:
    task = plan_for_denial(deny(("CO", "96", "45.00")), ctx(scrubber, make_claim(), "MCR-JH", "medicare"))
    assert task is not None and task.action == "write_off" and not task.patient_billable


def medicare_claim(*modifiers: str):
    return make_claim(lines=[line(1, "93000", modifiers=list(modifiers))])


def test_pr96_after_an_abn_bills_the_patient(scrubber: Scrubber) -> None:
    claim = medicare_claim("GA")
    task = plan_for_denial(deny(("PR", "96", "45.00")), ctx(scrubber, claim, "MCR-JH", "medicare"))
    assert task is not None and task.action == "bill_patient" and task.patient_billable


def test_pr50_with_an_abn_bills_the_patient_co50_appeals(scrubber: Scrubber) -> None:
    claim = medicare_claim("GA")
    pr = plan_for_denial(deny(("PR", "50", "45.00")), ctx(scrubber, claim, "MCR-JH", "medicare"))
    assert pr is not None and pr.action == "bill_patient" and pr.patient_billable
    co = plan_for_denial(deny(("CO", "50", "45.00")), ctx(scrubber, make_claim(), "MCR-JH", "medicare"))
    assert co is not None and co.action == "appeal" and not co.patient_billable


def test_an_oa23_prior_payer_adjustment_raises_no_task(scrubber: Scrubber) -> None:
    remit = deny(("OA", "23", "30.00"), paid="15.00", clp02="2")
    assert plan_for_denial(remit, ctx(scrubber, make_claim())) is None


@pytest.mark.parametrize(
    "adjustments",
    [
        [("OA", "23", "45.00")],  # the prior payer's adjudication explains the whole amount
        [("OA", "23", "40.00"), ("PR", "2", "5.00")],
    ],
)
def test_a_denied_status_whose_adjustments_are_no_denial_raises_no_task(
    scrubber: Scrubber, adjustments
) -> None:
    """Reference 5: an unmapped OA adjustment (OA-23) is not a denial and raises no task, whatever
    CLP02 says; a CLP02 4 with no adjustment at all still asks a person (nothing explains it)."""
    from streams.denials.tasks import raises_task

    assert plan_for_denial(deny(*adjustments, clp02="4"), ctx(scrubber, make_claim())) is None
    assert not raises_task(deny(*adjustments, clp02="4"), REASONS)
    unexplained = plan_for_denial(deny(clp02="4"), ctx(scrubber, make_claim()))
    assert unexplained is not None and unexplained.category == "unclassified"
    assert raises_task(deny(clp02="4"), REASONS)
    # an OA code the map does not know (OA-252: documentation needed) explains nothing either
    unknown = plan_for_denial(deny(("OA", "252", "45.00"), clp02="4"), ctx(scrubber, make_claim()))
    assert unknown is not None and unknown.category == "unclassified"


@pytest.mark.parametrize("carc", ["16", "119", "204"])
def test_a_patient_responsibility_adjustment_never_reads_as_a_write_off(
    scrubber: Scrubber, carc: str
) -> None:
    """Liability follows the group code: under PR the task bills the patient, and its words must
    not tell the coder the patient cannot be billed (the CO wording of the same reason code)."""
    task = plan_for_denial(deny(("PR", carc, "45.00")), ctx(scrubber, make_claim()))
    assert task is not None and task.action == "bill_patient" and task.patient_billable
    assert "cannot be billed" not in task.instructions and "Write off" not in task.instructions


@pytest.mark.parametrize(("carc", "modifier"), [("49", "GY"), ("50", "GA")])
def test_a_patient_bill_names_the_modifier_to_check_not_one_the_claim_may_lack(
    scrubber: Scrubber, carc: str, modifier: str
) -> None:
    """PR-49/PR-50 make the patient liable only with GY / a signed ABN (GA): the task asks to check
    it rather than stating the claim was billed with it."""
    task = plan_for_denial(deny(("PR", carc, "45.00")), ctx(scrubber, None, "MCR-JH", "medicare"))
    assert task is not None and task.action == "bill_patient"
    assert f"Billed with {modifier}" not in task.instructions and modifier in task.instructions
    assert "check" in task.instructions.lower()


@pytest.mark.parametrize("carc", ["146", "181", "182", "4"])
def test_a_medicare_reopening_is_never_worded_as_a_corrected_claim(scrubber: Scrubber, carc: str) -> None:
    """Reference 5: Medicare Part B accepts no corrected claims; these CARCs are fixed by a
    reopening there, and the words must say so."""
    task = plan_for_denial(deny(("CO", carc, "45.00")), ctx(scrubber, make_claim(), "MCR-JH", "medicare"))
    assert task is not None and task.action == "reopening"
    assert "reopening" in task.instructions
    assert "corrected claim" not in task.instructions.replace("takes no corrected claims", "")


def test_the_resubmission_limit_allows_that_many_corrected_claims_then_stops(scrubber: Scrubber) -> None:
    """CLAIMFLOW_MAX_RESUBMISSIONS=3: R1, R2 and R3 may be sent; a denial of R3 goes to a person."""
    third = corrected_claim("CLM-0001-R2", replaces="CLM-0001-R1")
    task = plan_for_denial(deny(("CO", "4", "45.00")), ctx(scrubber, third, claim_id="CLM-0001-R2"))
    assert task is not None and task.corrected_claim is not None
    assert task.corrected_claim.claim_id == "CLM-0001-R3"
    fourth = corrected_claim("CLM-0001-R3", replaces="CLM-0001-R2")
    task = plan_for_denial(deny(("CO", "4", "45.00")), ctx(scrubber, fourth, claim_id="CLM-0001-R3"))
    assert task is not None and task.corrected_claim is None and task.attempt == 4
    assert "Resubmission limit (3) reached" in task.instructions


def corrected_claim(claim_id: str, replaces: str):
    return commercial_claim("93000", mods={1: ["26"]}).model_copy(
        update={"claim_id": claim_id, "frequency_code": "7", "replaces_claim_id": replaces}
    )


def test_an_original_claim_is_the_first_attempt_whatever_its_id(scrubber: Scrubber) -> None:
    """A practice's own claim id may end like claimflow's corrected ones (INV-2026-R3): an original
    claim (frequency 1, replacing nothing) is the first attempt, and its corrected claim is named
    after its whole id — never after another claim's (INV-2026-R2 may be a real one)."""
    original = commercial_claim("93000", mods={1: ["26"]}).model_copy(update={"claim_id": "INV-2026-R3"})
    task = plan_for_denial(deny(("CO", "4", "45.00")), ctx(scrubber, original, claim_id="INV-2026-R3"))
    assert task is not None and task.attempt == 1 and task.corrected_claim is not None
    assert task.corrected_claim.claim_id == "INV-2026-R3-R1"


def test_ma130_turns_the_task_into_a_new_claim(scrubber: Scrubber) -> None:
    task = plan_for_denial(
        deny(("CO", "16", "45.00"), remarks=["MA130"]), ctx(scrubber, make_claim(), "MCR-JH", "medicare")
    )
    assert task is not None and task.action == "new_claim"


def test_ma130_after_the_filing_limit_warns_that_the_new_claim_is_too_late(scrubber: Scrubber) -> None:
    """Reference §3: an unprocessable claim "was never filed", so the new claim MA130 asks for must
    itself be filed in time. Medicare's limit is one year from the date of service: a service of
    2025-02-01 answered 2026-03-01 is past it, and the task says the new claim meets CO-29."""
    claim = make_claim(service_date=date(2025, 2, 1))
    task = plan_for_denial(
        deny(("CO", "16", "45.00"), remarks=["MA130"]), ctx(scrubber, claim, "MCR-JH", "medicare")
    )
    assert task is not None and task.action == "new_claim"
    assert "filing limit" in task.instructions and "CO-29" in task.instructions
    in_time = plan_for_denial(
        deny(("CO", "16", "45.00"), remarks=["MA130"]), ctx(scrubber, make_claim(), "MCR-JH", "medicare")
    )
    assert in_time is not None and "CO-29" not in in_time.instructions


def test_a_new_claim_with_one_late_line_is_due_by_the_other_lines_limit(scrubber: Scrubber) -> None:
    """42 CFR 424.44: the limit runs per service. MA130 answered 2026-03-01 on a claim with a line
    of 2025-02-01 (its limit passed 2026-02-01) and one of 2025-03-20 (limit 2026-03-20): the new
    claim is due by 2026-03-20 and leaves line 1 out — not a task already overdue that writes off
    the claim."""
    claim = make_claim(
        lines=[
            line(1, "93000", service_date=date(2025, 2, 1)),
            line(2, "93000", service_date=date(2025, 3, 20)),
        ]
    )
    task = plan_for_denial(
        deny(("CO", "16", "45.00"), remarks=["MA130"]), ctx(scrubber, claim, "MCR-JH", "medicare")
    )
    assert task is not None and task.action == "new_claim"
    assert task.due_date == date(2026, 3, 20)
    assert "line(s) 1" in task.instructions and "other lines" in task.instructions


def test_ma130_words_the_task_as_a_new_claim_not_the_reopening_it_replaced(scrubber: Scrubber) -> None:
    """Reference §5: "a claim rejected with MA130 is fixed and sent as a new claim" — not the
    reopening Medicare's CO-4 would otherwise ask for; the code correction still travels with it."""
    claim = medicare_claim("26")
    task = plan_for_denial(
        deny(("CO", "4", "45.00"), remarks=["MA130"]), ctx(scrubber, claim, "MCR-JH", "medicare")
    )
    assert task is not None and task.action == "new_claim"
    assert "reopening" not in task.instructions.replace("not as a corrected claim or a reopening", "")
    assert "new claim" in task.instructions and "93010" in task.instructions


@pytest.mark.parametrize(
    ("adjustment", "remarks"),
    [
        (("PR", "97", "45.00"), []),  # 93010 included in 93000: a PTP denial
        (("PR", "236", "45.00"), []),  # an NCCI pair
        (("PR", "234", "45.00"), []),
        (("PR", "29", "45.00"), []),  # timely filing: the provider's failure (reference §5)
        (("PR", "151", "45.00"), ["N362"]),  # units over the maximum: an MUE denial
        (("PR", "50", "45.00"), ["N20"]),  # not payable with a same-day service
    ],
)
@pytest.mark.parametrize("modifier", ["GA", None])
def test_ptp_mue_and_timely_filing_denials_are_never_billed_to_the_patient(
    scrubber: Scrubber, adjustment, remarks, modifier
) -> None:
    """Reference §1: "PTP and MUE denials cannot be billed to the patient, even with an advance
    beneficiary notice" — whatever the group code (an exception to liability by group code)."""
    claim = make_claim(lines=[line(1, "93000", modifiers=[modifier] if modifier else None), line(2, "93010")])
    for payer, plan in (("MCR-JH", "medicare"), ("BLUEPEAK", "commercial")):
        task = plan_for_denial(deny(adjustment, remarks=remarks), ctx(scrubber, claim, payer, plan))
        assert task is not None and task.action != "bill_patient" and not task.patient_billable


@pytest.mark.parametrize(
    ("carc", "modifiers", "billable", "action"),
    [
        ("50", ["GA"], True, "bill_patient"),  # a signed ABN on file: the patient is liable
        ("50", [], False, "appeal"),  # no ABN: the provider is liable (appeal or write off)
        ("50", ["GZ"], False, "appeal"),  # GZ: expected denial without an ABN, provider liable
        ("49", ["GY"], True, "bill_patient"),  # statutory exclusion billed with GY
        ("49", [], False, "write_off"),
        ("96", ["GA"], True, "bill_patient"),  # "PR-96 only with an ABN"
        ("96", [], False, "write_off"),
    ],
)
def test_a_medicare_pr_denial_bills_the_patient_only_with_the_modifier_that_makes_them_liable(
    scrubber: Scrubber, carc: str, modifiers: list[str], billable: bool, action: str
) -> None:
    """Reference §5: CO-50 "PR only with a valid ABN (GA)", PR-49 "(with GY)", "PR-96 only with
    an ABN"; §1: "GZ = expected denial, no ABN (provider liable)"."""
    claim = medicare_claim(*modifiers)
    task = plan_for_denial(deny(("PR", carc, "45.00")), ctx(scrubber, claim, "MCR-JH", "medicare"))
    assert task is not None
    assert (task.patient_billable, task.action) == (billable, action)
    if not billable:
        assert "provider is liable" in task.instructions and "bill the patient" not in task.instructions
        assert not task.instructions.lower().startswith("under co")  # PR: liable for want of the modifier


def test_gz_on_the_denied_line_keeps_a_commercial_pr50_off_the_patient(scrubber: Scrubber) -> None:
    claim = commercial_claim("93000", "93040", mods={1: ["GZ"]})
    gz_line = Denial.model_validate(
        deny(("PR", "50", "45.00")).model_dump()
        | {"adjustments": [{"line_number": 1, "group_code": "PR", "reason_code": "50", "amount": "45.00"}]}
    )
    task = plan_for_denial(gz_line, ctx(scrubber, claim))
    assert task is not None and not task.patient_billable and task.action == "appeal"
    other_line = Denial.model_validate(
        deny(("PR", "50", "45.00")).model_dump()
        | {"adjustments": [{"line_number": 2, "group_code": "PR", "reason_code": "50", "amount": "45.00"}]}
    )
    task = plan_for_denial(other_line, ctx(scrubber, claim))  # a commercial plan: the contract decides
    assert task is not None and task.patient_billable and task.action == "bill_patient"


def test_unappealable_remark_turns_appeal_into_write_off(scrubber: Scrubber) -> None:
    task = plan_for_denial(deny(("CO", "50", "45.00"), remarks=["N211"]), ctx(scrubber, make_claim()))
    assert task is not None and task.action == "write_off"


def test_unmapped_carc_on_a_commercial_claim_is_a_replacement_or_an_appeal(scrubber: Scrubber) -> None:
    """Reference §5: an adjudicated claim is corrected by a replacement claim (frequency 7 +
    REF*F8) on a commercial payer; resending it as if never filed draws a duplicate denial."""
    task = plan_for_denial(deny(("CO", "B7", "45.00")), ctx(scrubber, make_claim()))
    assert task is not None and task.category == "unclassified" and task.action == "replacement_claim"
    assert "appeal" in task.instructions and "carc.yaml" in task.instructions


def test_a_reason_code_without_a_carcs_shape_is_never_repeated_by_the_task(scrubber: Scrubber) -> None:
    """claim-states and the claim query carry no PHI (README): a payer system's free-text field
    in CAS02 (SMITH) is no CARC (1-3 digits, or a letter and 1-2 digits); the task names it
    CO-other. A new code of the CARC shape (B7, 300) is kept: the code set is open."""
    task = plan_for_denial(deny(("CO", "SMITH", "45.00")), ctx(scrubber, make_claim()))
    assert task is not None and task.reason_codes == ["CO-other"]
    assert "SMITH" not in task.model_dump_json()
    kept = plan_for_denial(deny(("CO", "300", "45.00")), ctx(scrubber, make_claim()))
    assert kept is not None and kept.reason_codes == ["CO-300"]


@pytest.mark.parametrize("adjustments", [(("CO", "252", "45.00"),), ()])
def test_an_unexplained_medicare_denial_is_a_reopening_due_by_the_appeal_window(
    scrubber: Scrubber, adjustments: tuple[tuple[str, str, str], ...]
) -> None:
    """Reference §5: Medicare Part B takes no corrected claims — once processed, a reopening
    (1 year) or a redetermination (120 days). An unmapped CARC, or CLP02 4 with no reason at all,
    must not be due by the filing limit: the appeal right would lapse first."""
    task = plan_for_denial(deny(*adjustments), ctx(scrubber, make_claim(), "MCR-JH", "medicare"))
    assert task is not None and task.action == "reopening" and not task.patient_billable
    assert task.due_date == FIXED_TIME.date() + timedelta(days=120)
    assert "corrected claim (frequency 7" not in task.instructions


def test_rejection_becomes_fix_and_resubmit_due_by_timely_filing(scrubber: Scrubber) -> None:
    st = ClaimStatus(claim_id="CLM-0001", category_code="A7", status_code="562", occurred_at=FIXED_TIME)
    task = plan_for_rejection(st, ctx(scrubber, make_claim(), "MCR-JH", "medicare"))
    assert task is not None and task.action == "fix_and_resubmit" and task.category == "rejection"
    assert task.due_date == date(2027, 2, 10)  # DOS 2026-02-10 + one calendar year (Medicare)
    assert (
        plan_for_rejection(ClaimStatus(claim_id="C", category_code="A2"), ctx(scrubber, make_claim())) is None
    )


def test_a_rejection_after_the_filing_limit_says_a_resubmission_will_be_denied(scrubber: Scrubber) -> None:
    """A rejected claim was never filed: once the payer's limit from the date of service has
    passed (Medicare: one calendar year), resending it earns CO-29, which the task must say."""
    late = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)  # DOS 2026-02-10: the limit was 2027-02-10
    st = ClaimStatus(claim_id="CLM-0001", category_code="A7", status_code="562", occurred_at=late)
    task = plan_for_rejection(st, ctx(scrubber, make_claim(), "MCR-JH", "medicare", now=late))
    assert task is not None and task.due_date == date(2027, 2, 10)
    assert "CO-29" in task.instructions and "2027-02-10" in task.instructions
    in_time = plan_for_rejection(
        ClaimStatus(claim_id="CLM-0001", category_code="A7", occurred_at=FIXED_TIME),
        ctx(scrubber, make_claim(), "MCR-JH", "medicare"),
    )
    assert in_time is not None and "CO-29" not in in_time.instructions


def test_a_medicare_reopening_is_due_one_calendar_year_after_the_decision(scrubber: Scrubber) -> None:
    """Reference 5: a reopening within 1 year of the initial determination (calendar, as timely
    filing: a decision of 2027-06-01 may be reopened until 2028-06-01, a leap year between)."""
    decided = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)
    denial = deny(("CO", "146", "45.00")).model_copy(update={"occurred_at": decided})
    task = plan_for_denial(denial, ctx(scrubber, make_claim(), "MCR-JH", "medicare", now=decided))
    assert task is not None and task.action == "reopening" and task.due_date == date(2028, 6, 1)


def test_task_ids_are_deterministic_for_a_redelivered_denial(scrubber: Scrubber) -> None:
    d = deny(("CO", "50", "45.00"))
    a = plan_for_denial(d, ctx(scrubber, make_claim()))
    b = plan_for_denial(d, ctx(scrubber, make_claim()))
    assert a is not None and b is not None and a.task_id == b.task_id and a.event_id == b.event_id


def test_priority_reflects_money_and_recoverability(scrubber: Scrubber) -> None:
    write_off = plan_for_denial(deny(("CO", "29", "45.00")), ctx(scrubber, make_claim()))
    assert write_off is not None and write_off.priority == "low" and write_off.due_date is None


def test_a_patient_statement_is_not_made_urgent_by_a_deadline_no_payer_set(scrubber: Scrubber) -> None:
    """A PR-204 patient bill of $45 has no payer window (its due date is the billing office's):
    it ranks by money, below nothing a payer's clock makes urgent."""
    bill = plan_for_denial(deny(("PR", "204", "45.00")), ctx(scrubber, make_claim(), "MCR-JH", "medicare"))
    assert bill is not None and bill.action == "bill_patient" and bill.priority == "normal"


def test_attempt_numbers_follow_corrected_claim_ids() -> None:
    assert attempt_of("C1") == 1 and attempt_of("C1-R1") == 2 and attempt_of("C1-R2") == 3


def test_only_rejections_and_denials_raise_tasks() -> None:
    from streams.denials.tasks import raises_task

    assert raises_task(ClaimStatus(claim_id="C", category_code="A7"), REASONS)
    assert not raises_task(ClaimStatus(claim_id="C", category_code="A2"), REASONS)
    assert raises_task(deny(("CO", "50", "45.00")), REASONS)
    assert not raises_task(deny(("PR", "2", "9.00"), paid="36.00", clp02="1"), REASONS)


@pytest.mark.parametrize(
    ("payer", "plan", "words", "not_words"),
    [
        ("MCR-JH", "medicare", "reopening", "send a corrected claim"),
        ("BLUEPEAK", "commercial", "corrected claim", "reopening"),
    ],
)
def test_a_duplicate_or_missing_information_is_worded_for_the_payer(
    scrubber: Scrubber, payer: str, plan: str, words: str, not_words: str
) -> None:
    """Reference §5: Medicare Part B accepts no corrected claims (a processed claim is fixed by a
    reopening; MA130 by a new claim); commercial payers take replacement claims."""
    for carc, group in (("18", "OA"), ("16", "CO")):
        task = plan_for_denial(deny((group, carc, "45.00")), ctx(scrubber, make_claim(), payer, plan))
        assert task is not None and words in task.instructions and not_words not in task.instructions
    medicare16 = plan_for_denial(
        deny(("CO", "16", "45.00")), ctx(scrubber, make_claim(), "MCR-JH", "medicare")
    )
    assert medicare16 is not None and medicare16.action == "reopening"


@pytest.mark.parametrize(("frequency", "kind"), [("7", "replacement"), ("8", "void")])
def test_a_rejected_replacement_or_void_is_sent_again_as_one_never_as_an_original(
    scrubber: Scrubber, frequency: str, kind: str
) -> None:
    """Reference §4: 7 replacement and 8 void need the payer's claim number (REF*F8); only the
    rejected replacement was never filed — the original was adjudicated, so an original claim
    would bill the services again (or re-bill a claim the practice meant to cancel)."""
    claim = commercial_claim("93000").model_copy(
        update={"claim_id": "CLM-0001-R1", "frequency_code": frequency, "original_claim_number": "PCN-1"}
    )
    rejected = ClaimStatus(
        claim_id="CLM-0001-R1", category_code="A7", status_code="21", occurred_at=FIXED_TIME
    )
    task = plan_for_rejection(rejected, ctx(scrubber, claim, claim_id="CLM-0001-R1"))
    assert task is not None and task.action == "fix_and_resubmit"
    assert f"as a {kind}" in task.instructions and f"frequency {frequency}" in task.instructions
    assert "as an original claim" not in task.instructions.replace("Never resend it as an original claim", "")


def test_the_denied_line_is_the_one_the_payer_names_by_control_number(scrubber: Scrubber) -> None:
    """The 835 may return lines in another order: its REF*6R names the claim's line. PR-96 on
    the GY line (the payer's second line, the claim's first) bills the patient; on the other
    line it does not."""
    claim = make_claim(lines=[line(1, "93040", modifiers=["GY"]), line(2, "93010")])
    claim = claim.model_copy(
        update={
            "lines": [
                ln.model_copy(update={"line_control_number": lcn})
                for ln, lcn in zip(claim.lines, ("L1", "L2"), strict=True)
            ]
        }
    )

    def pr96_on(lcn: str) -> Denial:
        adjustment = {"line_number": 2, "line_control_number": lcn, "group_code": "PR", "reason_code": "96"}
        return Denial.model_validate(
            deny().model_dump() | {"adjustments": [adjustment | {"amount": "45.00"}]}
        )

    on_gy = plan_for_denial(pr96_on("L1"), ctx(scrubber, claim, "MCR-JH", "medicare"))
    assert on_gy is not None and on_gy.patient_billable and on_gy.action == "bill_patient"
    on_other = plan_for_denial(pr96_on("L2"), ctx(scrubber, claim, "MCR-JH", "medicare"))
    assert on_other is not None and not on_other.patient_billable


def test_a_denial_without_any_reason_code_asks_to_read_the_remittance_not_to_map_a_code(
    scrubber: Scrubber,
) -> None:
    task = plan_for_denial(deny(clp02="4"), ctx(scrubber, make_claim()))
    assert task is not None and "carc.yaml" not in task.instructions and "remittance" in task.instructions


@pytest.mark.parametrize(("carc", "modifier"), [("50", "GA"), ("49", "GY")])
def test_a_claim_level_pr_denial_over_a_line_without_the_modifier_bills_no_patient(
    scrubber: Scrubber, carc: str, modifier: str
) -> None:
    """Reference §1/§5: on Medicare only GA (an ABN) or GY (an exclusion) makes the patient liable
    for the line that carries it. A claim-level PR-50/PR-49 over a GA/GY line and a line without
    cannot be split: none of it may go on a patient statement."""
    claim = make_claim(lines=[line(1, "93000", modifiers=[modifier]), line(2, "93040")])
    task = plan_for_denial(deny(("PR", carc, "80.00")), ctx(scrubber, claim, "MCR-JH", "medicare"))
    assert task is not None and task.action != "bill_patient" and not task.patient_billable
    assert "line(s) 2 do not carry" in task.instructions
    # the same adjustment on the modified line alone stays the patient's
    on_line = deny(("PR", carc, "80.00")).model_copy(
        update={"adjustments": [Adjustment(line_number=1, group_code="PR", reason_code=carc, amount="80.00")]}
    )
    task = plan_for_denial(on_line, ctx(scrubber, claim, "MCR-JH", "medicare"))
    assert task is not None and task.action == "bill_patient" and task.patient_billable


def test_a_pr50_on_a_gy_line_names_the_abn_it_lacks_not_the_gy_it_has(scrubber: Scrubber) -> None:
    task = plan_for_denial(
        deny(("PR", "50", "45.00")), ctx(scrubber, medicare_claim("GY"), "MCR-JH", "medicare")
    )
    assert task is not None and not task.patient_billable
    assert "does not carry GA (a signed ABN)" in task.instructions and "GY" not in task.instructions


def test_medicare_b15_is_a_reopening(scrubber: Scrubber) -> None:
    task = plan_for_denial(deny(("CO", "B15", "45.00")), ctx(scrubber, make_claim(), "MCR-JH", "medicare"))
    assert task is not None and task.action == "reopening" and "reopening" in task.instructions


@pytest.mark.parametrize("carc", ["11", "167"])
def test_recode_or_appeal_is_due_when_the_appeal_window_closes(scrubber: Scrubber, carc: str) -> None:
    """Reference §5: CO-11/CO-167 "recode from documentation or appeal"; Medicare "a reopening
    (within 1 year) or a redetermination appeal (within 120 days)". The task offers both: it is due
    by the earlier, and names the appeal date."""
    task = plan_for_denial(deny(("CO", carc, "45.00")), ctx(scrubber, make_claim(), "MCR-JH", "medicare"))
    appeal_by = FIXED_TIME.date() + timedelta(days=120)
    assert task is not None and task.action == "reopening" and task.due_date == appeal_by
    assert appeal_by.isoformat() in task.instructions


def test_a_denial_for_missing_information_is_a_replacement_claim_for_a_commercial_payer(
    scrubber: Scrubber,
) -> None:
    """Reference §5: "Commercial payers take replacement claims (frequency 7 + REF*F8)": CO-16
    (N290, the rendering provider) on an adjudicated claim is not sent again as a new original
    (which would be denied as a duplicate)."""
    task = plan_for_denial(
        deny(("CO", "16", "45.00"), remarks=["N290"]), ctx(scrubber, commercial_claim("93000"))
    )
    assert task is not None and task.action == "replacement_claim"


# --- several reasons in one remittance: one task each ------------------------------------------


def line_adjustment(group: str, carc: str, amount: str, line_number: int) -> dict[str, object]:
    return {"group_code": group, "reason_code": carc, "amount": amount, "line_number": line_number}


def two_reasons(*adjustments: dict[str, object], paid: str = "0", remarks: tuple[str, ...] = ()) -> Denial:
    return Denial(
        claim_id="C1",
        claim_status_code="1" if paid != "0" else "4",
        paid_amount=paid,
        remark_codes=list(remarks),
        adjustments=adjustments,
        occurred_at=FIXED_TIME,
    )


def test_a_remittance_denying_two_lines_for_two_reasons_raises_a_task_for_each(scrubber: Scrubber) -> None:
    """Reference §5: CO-4 on 93000-26 is corrected (93010, a replacement claim); CO-50 on the
    rhythm strip is appealed with the records. One task for the largest alone left the appeal —
    and its money — with no work item."""
    claim = commercial_claim("93000", "93042", mods={1: ["26"]})
    answer = two_reasons(line_adjustment("CO", "4", "45.00", 1), line_adjustment("CO", "50", "20.00", 2))
    tasks = plan_for_denials(answer, ctx(scrubber, claim))
    assert [(t.action, t.reason_codes, t.amount_at_stake) for t in tasks] == [
        ("replacement_claim", ["CO-4"], Decimal("45.00")),
        ("appeal", ["CO-50"], Decimal("20.00")),
    ]
    assert tasks[0].corrected_claim is not None and tasks[1].corrected_claim is None
    assert tasks[0].task_id != tasks[1].task_id
    assert tasks[1].due_date == FIXED_TIME.date() + timedelta(days=180)  # the commercial appeal window
    # the same remittance again (redelivered): the same tasks
    assert [t.task_id for t in plan_for_denials(answer, ctx(scrubber, claim))] == [t.task_id for t in tasks]


def test_the_mechanical_correction_is_kept_when_a_larger_reason_has_none(scrubber: Scrubber) -> None:
    """Reference §5 CO-4: 93000-26 is corrected to 93010. When a larger CO-50 on the other line
    leads the decision (an appeal, nothing mechanical), the CO-4 task still carries the corrected
    claim — the fix must not vanish behind a task that has none."""
    claim = commercial_claim("93000", "93042", mods={1: ["26"]})
    answer = two_reasons(line_adjustment("CO", "4", "20.00", 1), line_adjustment("CO", "50", "45.00", 2))
    tasks = plan_for_denials(answer, ctx(scrubber, claim))
    assert [(t.action, t.reason_codes) for t in tasks] == [
        ("appeal", ["CO-50"]),
        ("replacement_claim", ["CO-4"]),
    ]
    assert tasks[0].corrected_claim is None
    corrected = tasks[1].corrected_claim
    assert corrected is not None and corrected.frequency_code == "7"
    assert (corrected.lines[0].procedure_code, corrected.lines[0].modifiers) == ("93010", [])


def test_on_medicare_the_two_reasons_are_a_reopening_and_a_redetermination(scrubber: Scrubber) -> None:
    claim = make_claim(lines=[line(1, "93000", modifiers=["26"]), line(2, "93042")])
    answer = two_reasons(line_adjustment("CO", "4", "45.00", 1), line_adjustment("CO", "50", "20.00", 2))
    tasks = plan_for_denials(answer, ctx(scrubber, claim, "MCR-JH", "medicare"))
    assert [t.action for t in tasks] == ["reopening", "appeal"]
    assert tasks[1].due_date == FIXED_TIME.date() + timedelta(days=120)


def test_a_patient_liable_line_beside_a_provider_denial_is_billed_to_the_patient(scrubber: Scrubber) -> None:
    """PR-49 on the GY line (a statutory exclusion: the patient's) and CO-50 on the other line."""
    claim = make_claim(lines=[line(1, "93000", modifiers=["GY"]), line(2, "93040")])
    answer = two_reasons(line_adjustment("PR", "49", "45.00", 1), line_adjustment("CO", "50", "20.00", 2))
    tasks = plan_for_denials(answer, ctx(scrubber, claim, "MCR-JH", "medicare"))
    assert [(t.action, t.patient_billable) for t in tasks] == [("bill_patient", True), ("appeal", False)]


def test_one_reason_on_two_lines_and_a_claim_returned_whole_are_one_task(scrubber: Scrubber) -> None:
    claim = make_claim(lines=[line(1, "93000"), line(2, "93040")])
    same = two_reasons(line_adjustment("CO", "50", "45.00", 1), line_adjustment("CO", "50", "20.00", 2))
    tasks = plan_for_denials(same, ctx(scrubber, claim, "MCR-JH", "medicare"))
    assert len(tasks) == 1 and tasks[0].amount_at_stake == Decimal("65.00")
    # MA130: the whole claim is unprocessable and sent again as a new claim: one task
    whole = two_reasons(
        line_adjustment("CO", "16", "45.00", 1), line_adjustment("CO", "50", "20.00", 2), remarks=("MA130",)
    )
    tasks = plan_for_denials(whole, ctx(scrubber, claim, "MCR-JH", "medicare"))
    assert [t.action for t in tasks] == ["new_claim"]


def test_a_tasks_reasons_are_its_denials_not_the_write_down_or_patient_share_beside_them(
    scrubber: Scrubber,
) -> None:
    """A line paid with CO-45 (contractual) and PR-2 (coinsurance) beside a CO-97 denial: the task
    is for the CO-97; the write-down and the patient's share are no reason for it (reference §5)."""
    claim = make_claim(lines=[line(1, "93000"), line(2, "93010")])
    denial = deny(("CO", "45", "25.00"), ("PR", "2", "4.00"), ("CO", "97", "45.00"), paid="16.00", clp02="1")
    [task] = plan_for_denials(denial, ctx(scrubber, claim))
    assert task.reason_codes == ["CO-97"] and task.action == "write_off"


def test_a_corrected_secondary_claim_keeps_the_primarys_decision_about_the_code_it_decided(
    scrubber: Scrubber,
) -> None:
    """Billed second after Medicare: the secondary payer denies 93000-26 CO-4 and the correction
    bills 93010. Medicare decided 93000-26: its line decision (2430 SVD03) stays about that code,
    never relabelled as a decision on 93010 it never saw."""
    base = commercial_claim("93000", mods={1: ["26"]})
    medicare = MEDICARE_DECISION_FOR_COB
    claim = make_claim(**{**base.model_dump(), "payer_responsibility": "S", "other_payers": [medicare]})
    task = plan_for_denial(deny(("CO", "4", "4.00")), ctx(scrubber, claim))
    assert task is not None and task.corrected_claim is not None, task and task.instructions
    (line_decision,) = task.corrected_claim.other_payers[0].line_payments
    assert task.corrected_claim.lines[0].procedure_code == "93010"
    assert (line_decision.procedure_code, line_decision.modifiers) == ("93000", ["26"])


def test_a_decision_the_payer_says_cannot_be_appealed_offers_no_appeal(scrubber: Scrubber) -> None:
    """Reference §5: N211 "not appealable". CO-11 on Medicare is a recode through a reopening (1
    year) or an appeal (120 days): with N211 only the reopening is left — due by its year, not by a
    window the payer has closed. CO-50 with N211 is written off, and its words offer no appeal."""
    recode = plan_for_denial(
        deny(("CO", "11", "45.00"), remarks=("N211",)), ctx(scrubber, make_claim(), "MCR-JH", "medicare")
    )
    assert recode is not None and recode.action == "reopening"
    assert recode.due_date == date(FIXED_TIME.year + 1, FIXED_TIME.month, FIXED_TIME.day)
    assert "appeal with" not in recode.instructions and "To appeal instead" not in recode.instructions
    assert "cannot be appealed" in recode.instructions
    necessity = plan_for_denial(
        deny(("CO", "50", "45.00"), remarks=("N211",)), ctx(scrubber, make_claim(), "MCR-JH", "medicare")
    )
    assert necessity is not None and necessity.action == "write_off" and not necessity.patient_billable
    assert not necessity.instructions.startswith("Appeal") and "Not appealable" in necessity.instructions


def short_payment(paid: str, *adjustments: tuple[str, str, str], charge: str = "45.00") -> Denial:
    return deny(*adjustments, paid=paid, clp02="1").model_copy(update={"charge_amount": Decimal(charge)})


def test_a_payment_short_of_the_charges_with_no_adjustment_asks_the_payer_why(scrubber: Scrubber) -> None:
    """X221A1 balancing: CLP03 - CAS = CLP04. Paid 27.00 of 45.00 with no CAS leaves 18.00 nobody
    explained: not paid in full, and a person asks the payer (never a patient bill)."""
    short = short_payment("27.00")
    assert remittance_state(short, REASONS) == "partially_paid"
    task = plan_for_denial(short, ctx(scrubber, commercial_claim("93000")))
    assert task is not None and not task.patient_billable
    assert task.amount_at_stake == Decimal("18.00") and "ask the payer" in task.instructions
    # balanced: a contractual write-down explains the rest, so it is paid and nothing is asked
    balanced = short_payment("27.00", ("CO", "45", "18.00"))
    assert remittance_state(balanced, REASONS) == "paid"
    assert plan_for_denial(balanced, ctx(scrubber, commercial_claim("93000"))) is None


def test_the_unexplained_rest_of_a_split_decision_goes_with_its_largest_reason_once(
    scrubber: Scrubber,
) -> None:
    """CO-50 20.00 and CO-97 5.00 on 45.00 charged, 10.00 paid: 10.00 more is unexplained. It is
    counted once, with the largest reason's task, not once per task."""
    split = short_payment("10.00", ("CO", "50", "20.00"), ("CO", "97", "5.00"))
    claim = commercial_claim("93000")
    tasks = plan_for_denials(split, ctx(scrubber, claim))
    assert [t.reason_codes for t in tasks] == [["CO-50"], ["CO-97"]]
    assert [t.amount_at_stake for t in tasks] == [Decimal("30.00"), Decimal("5.00")]


@pytest.mark.parametrize("carc", ["29", "197", "B20"])
def test_a_decision_that_cannot_be_appealed_offers_no_route_through_an_appeal(
    scrubber: Scrubber, carc: str
) -> None:
    """N211 ("not appealable") closes the appeal: CO-29 with proof of timely filing, CO-197 with a
    retro-authorization and CO-B20 with the performing provider's records all run through one, so
    each is written off — never a task that tells a person to appeal."""
    task = plan_for_denial(
        deny(("CO", carc, "45.00"), remarks=["N211"]), ctx(scrubber, commercial_claim("93000"))
    )
    assert task is not None and task.action == "write_off" and not task.patient_billable
    assert "appeal with" not in task.instructions.lower() and task.due_date is None


def test_the_reason_with_the_most_at_stake_leads_the_decisions_tasks(scrubber: Scrubber) -> None:
    """README: one task per reason, "each with its own window and stake — the largest first": CO-50
    on two lines (60.00) before CO-4 on one (50.00); the corrected claim still rides with CO-4."""
    claim = commercial_claim("93000", "93040", "93040", mods={1: ["26"]})
    denial = deny(("CO", "4", "50.00"), ("CO", "50", "30.00"), ("CO", "50", "30.00"), paid="0", clp02="4")
    lines = [1, 2, 3]
    denial = denial.model_copy(
        update={
            "adjustments": [
                a.model_copy(update={"line_number": n})
                for a, n in zip(denial.adjustments, lines, strict=True)
            ]
        }
    )
    tasks = plan_for_denials(denial, ctx(scrubber, claim))
    assert [t.reason_codes[0] for t in tasks] == ["CO-50", "CO-4"]
