"""What real files carry, mapped faithfully: coordination of benefits, units and date ranges,
line-level answers, reversals and corrections, provider-level adjustments — and what the tracker
makes of them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from schemas import ClaimStatus, ClaimSubmitted, Denial, ProviderAdjustment, ValidClaim, as_valid
from schemas.pseudonym import pseudonymous_key
from streams.denials.reasons import load_reason_map
from streams.denials.tasks import raises_task, rejected_lines
from streams.lifecycle.events import from_denial, from_lifecycle, from_status, remittance_state, step_for
from streams.lifecycle.machine import ClaimRecord, apply
from streams.scrub import Scrubber
from streams.x12.claim837 import render_837p, unwritable
from streams.x12.ingest import IngestResult, ingest_text
from streams.x12.profile import X12Profile
from streams.x12.segments import parse
from tests.builders import read_claim
from tests.streams.x12.samples import (
    BILLING,
    DATA,
    HEADER_837,
    RENDERING,
    SECRET,
    cob_837p,
    interchange,
    remit_835,
    remit_header,
    units_837p,
    variety,
)

NOT_CARRIED = {"event_id", "replaces_claim_id", "source"}
REASONS = load_reason_map()


def ingest(name: str) -> IngestResult:
    result = ingest_text((DATA / name).read_text(), SECRET)
    assert result.verdict == "accepted", result.problems
    return result


def events(result: IngestResult) -> list:
    return [r.event for r in result.events]


def accepted(text: str) -> list:
    """The events of an X12 text the guide check accepts whole."""
    result = ingest_text(text, SECRET)
    assert result.verdict == "accepted", result.problems
    return events(result)


def rendered(claims: list[ClaimSubmitted], per_transaction: int = 1) -> str:
    valid = [ValidClaim.model_validate(c.model_dump()) for c in claims]
    return render_837p(valid, X12Profile(), 42, datetime(2026, 11, 12, 9, 30, tzinfo=UTC), per_transaction)


# -------------------------------------------------------------------------------------- 837P


def test_coordination_of_benefits_stays_out_of_the_claims_own_fields() -> None:
    secondary, same_subscriber, other_subscriber = events(ingest("cob-837p.x12"))
    assert all(isinstance(c, ValidClaim) for c in (secondary, same_subscriber, other_subscriber))
    assert secondary.payer.payer_id == "ACME" and secondary.payer_responsibility == "S"
    assert secondary.patient.member_id == "XJK000000001" and secondary.patient.first_name == "ALEX"
    assert secondary.original_claim_number is None  # 2330B REF*F8 is the primary payer's claim number
    assert secondary.rendering_provider_npi == RENDERING  # 2330D NM1*82 without an NPI changes nothing
    assert secondary.patient_key == pseudonymous_key("ACME", "XJK000000001", SECRET)
    (primary,) = secondary.other_payers
    assert primary.model_dump(exclude={"adjustments", "line_payments"}) == {
        "payer_id": "MCR-JH",
        "name": "MEDICARE PART B",
        "plan_type": "medicare",
        "responsibility": "P",
        "claim_number": "MCR2611150042",
        "paid_amount": Decimal("60"),
        "patient_responsibility": Decimal("25"),
        "adjudicated_on": date(2026, 11, 15),
        # the primary payer's subscriber (2330A): the patient's spouse, never the claim's subscriber
        "relationship": "01",
        "subscriber_member_id": "1EG4TE5MK73",
        "subscriber_last_name": "SAMPLE",
        "subscriber_first_name": "JORDAN",
    }
    assert [(a.group_code, a.reason_code, a.amount) for a in primary.adjustments] == [
        ("PR", "1", Decimal("20")), ("PR", "2", Decimal("5")), ("CO", "45", Decimal("115")),
    ]  # fmt: skip
    # the next claim of the same subscriber inherits the subscriber and payer, not the other payer
    assert same_subscriber.other_payers == [] and same_subscriber.payer == secondary.payer
    assert same_subscriber.patient == secondary.patient and same_subscriber.rendering_provider_npi == BILLING
    # the next subscriber is who their own loops say
    assert (
        other_subscriber.patient.member_id == "2EG4TE5MK74"
        and other_subscriber.patient.birth_date == date(1950, 4, 1)
    )
    assert other_subscriber.payer.plan_type == "medicare" and other_subscriber.payer_responsibility == "P"


def test_units_keep_their_basis_decimals_and_date_ranges() -> None:
    (claim,) = events(ingest("units-837p.x12"))
    assert isinstance(claim, ValidClaim)
    anesthesia, range_line, half = claim.lines
    assert (anesthesia.unit_basis, anesthesia.units, anesthesia.modifiers) == (
        "MJ",
        Decimal("61"),
        ["QK", "QS"],
    )
    assert (range_line.units, range_line.service_date, range_line.service_end_date) == (
        Decimal("1.5"), date(2026, 11, 3), date(2026, 11, 7),
    )  # fmt: skip
    assert (half.units, half.service_date, half.service_end_date) == (
        Decimal(".5"),
        date(2026, 11, 10),
        date(2026, 11, 10),
    )
    assert [ln.line_control_number for ln in claim.lines] == ["UNITS-001-1", "UNITS-001-2", "UNITS-001-3"]
    # a dependent patient (2000C): their name and birth date, the subscriber's member id
    assert (claim.patient.first_name, claim.patient.birth_date, claim.patient.member_id) == (
        "JAMIE", date(2010, 6, 15), "XJK000000001",
    )  # fmt: skip


def test_a_dependent_stays_the_patient_under_the_subscriber_written_out_and_read_back() -> None:
    """2000C: the child (PAT*19, 2010CA JAMIE, born 2010) is the patient; the parent (2010BA ALEX)
    is the subscriber whose member id and group number (SBR03) the payer knows them by. Written
    back, the child is never made the subscriber with the parent's member id (the payer would match
    the wrong person or reject the claim)."""
    (claim,) = events(ingest("units-837p.x12"))
    assert claim.subscriber is not None
    assert (claim.subscriber.first_name, claim.subscriber.last_name) == ("ALEX", "SAMPLE")
    assert (claim.relationship, claim.group_number) == ("19", "GRP42")
    text = render_837p([claim], X12Profile(), 42, datetime(2026, 11, 12, 9, 30, tzinfo=UTC))
    segments = text.replace("\n", "").split("~")
    # the subscriber's loop (2000B) and the patient's (2000C) come back as the file sent them
    sent = units_837p()
    start, first = segments.index("HL*2*1*22*1"), sent.index("HL*2*1*22*1")
    assert segments[start : start + 10] == sent[first : first + 10]
    assert sent[first + 4 : first + 7] == ["HL*3*2*23*0", "PAT*19", "NM1*QC*1*SAMPLE*JAMIE"]
    (again,) = accepted(text)
    assert again.model_dump(exclude=NOT_CARRIED | {"occurred_at"}) == claim.model_dump(
        exclude=NOT_CARRIED | {"occurred_at"}
    )


def test_a_parent_and_a_child_under_one_member_id_are_two_patients() -> None:
    """Their histories are apart: the child's ECG is no duplicate of the parent's the same day."""
    (child,) = events(ingest("units-837p.x12"))
    assert child.subscriber is not None
    own = child.model_copy(
        update={
            "claim_id": "UNITS-CLM-002",
            "subscriber": None,
            "relationship": None,
            "patient": child.patient.model_copy(
                update={"first_name": "ALEX", "birth_date": date(1971, 3, 9)}
            ),
        }
    )
    (parent,) = accepted(render_837p([own], X12Profile(), 43, datetime(2026, 11, 12, 9, 30, tzinfo=UTC)))
    assert parent.subscriber is None and parent.patient.first_name == "ALEX"
    assert parent.patient.member_id == child.patient.member_id and parent.patient_key != child.patient_key


def test_837p_to_events_to_837p_keeps_every_field_and_the_text() -> None:
    originals = variety()
    text = rendered(originals)
    assert "SV1*HC:00142:QK*45*MJ*61***1~" in text and "SV1*HC:97110*45*UN*1.5***1~" in text
    assert "DTP*472*RD8*20261103-20261107~" in text and "REF*6R*CF-006-3~" in text and "SBR*S*18*" in text
    back = accepted(text)  # the guide check passes
    assert [type(c) for c in back] == [ValidClaim] * len(originals)
    for before, after in zip(originals, back, strict=True):
        assert after.model_dump(exclude=NOT_CARRIED) == before.model_dump(exclude=NOT_CARRIED)
    again = render_837p(back, X12Profile(), 42, datetime(2026, 11, 12, 9, 30, tzinfo=UTC))
    assert again == text


def test_a_batch_of_claims_in_one_transaction_set_maps_back_to_the_same_claims() -> None:
    originals = variety()
    text = rendered(originals, per_transaction=4)
    assert text.count("ST*837*") == 2
    for before, after in zip(originals, accepted(text), strict=True):
        assert after.model_dump(exclude=NOT_CARRIED | {"occurred_at"}) == before.model_dump(
            exclude=NOT_CARRIED | {"occurred_at"}
        )


def test_the_sample_file_renders_back_byte_for_byte() -> None:
    original = (DATA / "claims-837p.x12").read_text()
    claims = events(ingest("claims-837p.x12"))
    again = render_837p(claims, X12Profile(), 101, datetime(2026, 11, 12, 9, 30, tzinfo=UTC))
    assert again == original


def test_a_claim_with_a_typo_is_published_for_the_scrubber_to_hold() -> None:
    text = (
        (DATA / "claims-837p.x12")
        .read_text()
        .replace("SV1*HC:93000*45*UN*1***1~", "SV1*HC:9300*45*UN*1***1~", 1)
    )
    result = ingest_text(text, SECRET)
    assert result.verdict == "accepted" and len(result.events) == 3 and not result.refused
    typo = result.events[0].event
    assert type(typo) is ClaimSubmitted and typo.lines[0].procedure_code == "9300"


# ------------------------------------------------------------------------------------- 277CA


def test_a_rejected_service_line_travels_with_the_claims_status_and_leaves_it_accepted() -> None:
    accepted, rejected = events(ingest("lines-277ca.x12"))
    assert isinstance(accepted, ClaimStatus) and isinstance(rejected, ClaimStatus)
    assert (accepted.claim_id, accepted.category_code, accepted.payer_claim_number) == (
        "LINES-CLM-001", "A2", "ACME261120301",
    )  # fmt: skip
    first, second = accepted.line_statuses
    assert (first.line_control_number, first.category_code, first.procedure_code) == (
        "LINES-001-1",
        "A2",
        "93000",
    )
    assert (second.line_control_number, second.category_code, second.status_code) == (
        "LINES-001-2",
        "A7",
        "453",
    )
    assert (second.units, second.service_date, second.service_end_date, second.modifiers) == (
        Decimal("1.5"), date(2026, 11, 3), date(2026, 11, 7), ["GP"],
    )  # fmt: skip
    assert (rejected.category_code, rejected.line_statuses) == ("A3", [])
    # the tracker: the claim is accepted on the first pass, whatever one of its lines was
    claim = variety()[0]
    record = apply(ClaimRecord(accepted.claim_id), from_lifecycle(step_for(claim, "ready"))).record
    outcome = apply(record, from_status(accepted))
    assert outcome.record.state == "accepted" and outcome.first_pass_decided == "accepted"
    # ... and its rejected line, never filed, asks for a new claim of its own (a line task)
    assert raises_task(accepted, REASONS)
    assert [ls.line_control_number for ls in rejected_lines(accepted)] == ["LINES-001-2"]


# --------------------------------------------------------------------------------------- 835


def test_a_reversal_and_its_correction_are_decisions_the_tracker_applies() -> None:
    paid, reversal, correction, *_plbs = events(ingest("reversal-835.x12"))
    assert isinstance(paid, Denial) and paid.claim_status_code == "1"
    assert isinstance(reversal, Denial) and reversal.claim_status_code == "22"
    assert reversal.paid_amount == Decimal("-80") and reversal.adjustments == []
    assert [(a.group_code, a.reason_code, a.amount, a.line_number) for a in reversal.reversed_adjustments] == [
        ("PR", "2", Decimal("-20"), None), ("CO", "45", Decimal("0"), 1),
    ]  # fmt: skip
    assert isinstance(correction, Denial) and (correction.claim_status_code, correction.paid_amount) == (
        "1",
        70,
    )
    assert reversal.claim_id == correction.claim_id and reversal.event_id != correction.event_id
    # a reversal denies nothing: no task; the claim goes back to adjudication, then the correction
    assert not raises_task(reversal, REASONS)
    # the payment it reverses was made two weeks before (an earlier remittance)
    earlier = reversal.occurred_at - timedelta(days=14)
    record = apply(ClaimRecord("RMT-CLM-002"), from_denial(
        Denial(claim_id="RMT-CLM-002", claim_status_code="1", paid_amount=Decimal("80"), occurred_at=earlier),
        REASONS,
    )).record  # fmt: skip
    assert record.state == "paid"
    after_reversal = apply(record, from_denial(reversal, REASONS))
    assert (after_reversal.result, after_reversal.record.state) == ("applied", "pending")
    after_correction = apply(after_reversal.record, from_denial(correction, REASONS))
    assert (after_correction.result, after_correction.record.state) == ("applied", "paid")
    assert after_correction.record.paid_amount == Decimal("70")


def test_each_plb_is_a_provider_level_adjustment_not_a_claim_denial() -> None:
    result = ingest("reversal-835.x12")
    plbs = [r for r in result.events if r.topic == "provider-adjustments"]
    assert [r.key for r in plbs] == [BILLING, BILLING]
    first, second = (r.event for r in plbs)
    assert isinstance(first, ProviderAdjustment) and isinstance(second, ProviderAdjustment)
    assert (first.payer_id, first.payment_trace_number, first.fiscal_period_end) == (
        "ACME", "EFT261125777", date(2026, 12, 31),
    )  # fmt: skip
    assert [(a.reason_code, a.reference, a.amount) for a in first.adjustments] == [
        ("WO", "ACME260901009", Decimal("45.5")), ("L6", None, Decimal("-2.1")),
    ]  # fmt: skip
    assert [(a.reason_code, a.amount) for a in second.adjustments] == [("72", Decimal("-30"))]
    assert not any(isinstance(r.event, Denial) and r.event.claim_id == BILLING for r in result.events)


def test_a_claim_paid_in_full_becomes_a_paid_status() -> None:
    by_claim = {r.event.claim_id: r for r in ingest("remit-835.x12").events}  # type: ignore[attr-defined]
    paid = by_claim["X12-CLM-004"]
    assert paid.topic == "claim-status" and isinstance(paid.event, ClaimStatus)
    assert (paid.event.category_code, paid.event.amount) == ("F1", 45)
    denied = by_claim["X12-CLM-003"].event
    assert isinstance(denied, Denial) and denied.remark_codes == ["N20", "M80"]
    assert [(a.group_code, a.reason_code, a.line_number) for a in denied.adjustments] == [("CO", "97", 2)]


def test_each_remittance_decision_carries_the_claims_billed_charges() -> None:
    """CLP03 (the charges the decision is about) is the denial rate's denominator by dollars; it is
    read as sent, not rebuilt from the adjustments (this sample's first line has no CAS)."""
    by_claim = {r.event.claim_id: r.event for r in ingest("remit-835.x12").events}  # type: ignore[attr-defined]
    partial, denied = by_claim["X12-CLM-001"], by_claim["X12-CLM-003"]
    assert isinstance(partial, Denial) and partial.charge_amount == Decimal("45")
    assert isinstance(denied, Denial) and denied.charge_amount == Decimal("90")
    _paid, reversal, correction, *_plbs = events(ingest("reversal-835.x12"))
    assert isinstance(reversal, Denial) and reversal.charge_amount == Decimal("-100")
    assert isinstance(correction, Denial) and correction.charge_amount == Decimal("100")


# ----------------------------------------------------------------------------------- event ids


def test_the_same_file_twice_yields_the_same_event_ids() -> None:
    for name in ("cob-837p.x12", "reversal-835.x12", "lines-277ca.x12"):
        text = (DATA / name).read_text()
        assert [r.event.event_id for r in ingest_text(text, SECRET).events] == [
            r.event.event_id for r in ingest_text(text, SECRET).events
        ]


def test_two_remittances_that_reuse_control_numbers_and_claim_ids_never_collide() -> None:
    """Two different 835s, same ISA13/GS06/ST02 and the same patient control numbers (CLP01)."""
    first = interchange([("HP", "005010X221A1", "603", [remit_835()])], "000000603", "ACMEHEALTH")
    second = interchange(
        [("HP", "005010X221A1", "603", [remit_835(paid="140", trace="EFT261202888", claim_paid="70")])],
        "000000603",
        "ACMEHEALTH",
    )
    a, b = ingest_text(first, SECRET), ingest_text(second, SECRET)
    assert a.verdict == b.verdict == "accepted"
    assert [r.event.claim_id for r in a.events if r.topic == "claim-denials"] == [  # type: ignore[attr-defined]
        r.event.claim_id
        for r in b.events
        if r.topic == "claim-denials"  # type: ignore[attr-defined]
    ]
    assert not {r.event.event_id for r in a.events} & {r.event.event_id for r in b.events}


def test_the_same_claim_in_another_interchange_is_another_event() -> None:
    text = (DATA / "claims-837p.x12").read_text()
    again = text.replace("000000101", "000000102")
    assert parse(again).isa.get(13) == "000000102"
    assert not {r.event.event_id for r in ingest_text(text, SECRET).events} & {
        r.event.event_id for r in ingest_text(again, SECRET).events
    }


# ---------------------------------------------------------------- lines named by the payer, referrals


def _claim_837(*body: str) -> ClaimSubmitted:
    text = interchange(
        [
            (
                "HC",
                "005010X222A1",
                "7001",
                [
                    [
                        *HEADER_837,
                        "HL*2*1*22*0",
                        "SBR*P*18*GRP42******MB",
                        "NM1*IL*1*SAMPLE*ALEX****MI*1EG4TE5MK73",
                        "DMG*D8*19510309*F",
                        "NM1*PR*2*MEDICARE PART B*****PI*MCR-JH",
                        "CLM*LINE-CLM-001*90***22:B:1*Y*A*Y*Y",
                        "HI*ABK:R079",
                        *body,
                    ]
                ],
            )
        ]
    )
    (claim,) = accepted(text)
    return claim


def test_the_referring_provider_is_nm1_dn_never_the_primary_care_provider() -> None:
    """837P 2310A repeats: NM1*DN is the referring provider, NM1*P3 the primary care provider
    (which stands in only when no DN is sent)."""
    lines = ["LX*1", "SV1*HC:93010*45*UN*1***1", "DTP*472*D8*20261110"]
    dn, pcp = "1558598797", "1245319599"
    for order in (
        (f"NM1*DN*1*REFER*RAY****XX*{dn}", f"NM1*P3*1*PRIMARY*PAT****XX*{pcp}"),
        (f"NM1*P3*1*PRIMARY*PAT****XX*{pcp}", f"NM1*DN*1*REFER*RAY****XX*{dn}"),
    ):
        assert _claim_837(*order, *lines).referring_provider_npi == dn
    assert _claim_837(f"NM1*P3*1*PRIMARY*PAT****XX*{pcp}", *lines).referring_provider_npi == pcp


def test_a_lines_own_place_of_service_is_read_and_written_back() -> None:
    """SV105: a line performed somewhere else than the claim's place of service (CLM05-1) says
    so; the claim's scrub reads it (a 93000 done in the office on an outpatient-hospital claim)."""
    claim = _claim_837(
        "LX*1",
        "SV1*HC:93000*45*UN*1*11**1",
        "DTP*472*D8*20261110",
        "LX*2",
        "SV1*HC:93010*45*UN*1*22**1",
        "DTP*472*D8*20261110",
    )
    assert claim.place_of_service == "22"
    assert [ln.place_of_service for ln in claim.lines] == ["11", None]  # 22 is the claim's own
    text = rendered([claim])
    assert "SV1*HC:93000*45*UN*1*11**1~" in text and "SV1*HC:93010*45*UN*1***1~" in text


def test_an_835_names_its_lines_by_control_number_not_by_position() -> None:
    """835 loop 2110 REF*6R echoes the 837P's line item control number: a payer may return the
    lines in another order, so a line-level CAS is the line its REF*6R names."""
    text = interchange(
        [
            (
                "HP",
                "005010X221A1",
                "7002",
                [
                    [
                        *remit_header("45", "EFT261125900"),
                        "CLP*LINE-CLM-001*1*90*45**12*ACME261125900*11*1",
                        "NM1*QC*1*SAMPLE*ALEX****MI*1EG4TE5MK73",
                        "SVC*HC:93010*45*45**1",
                        "DTM*472*20261110",
                        "REF*6R*LCN-1",
                        "SVC*HC:93005:GY*45*0**1",
                        "DTM*472*20261110",
                        "CAS*PR*96*45",
                        "REF*6R*LCN-2",
                    ]
                ],
            )
        ]
    )
    (denial,) = accepted(text)
    (adjustment,) = denial.adjustments
    assert (adjustment.line_number, adjustment.line_control_number) == (2, "LCN-2")
    # the claim listed the GY line first: the adjustment is about it, not about its second line
    assert adjustment.applies_to(1, "LCN-2") and not adjustment.applies_to(2, "LCN-1")
    assert adjustment.applies_to(2, None)  # a claim line without a control number: by position


def test_an_835_that_names_its_guide_in_st03_is_read_not_rejected() -> None:
    """The 835 guide marks ST03 not used, yet many payers' ERAs send ST*835*0001*005010X221A1:
    rejecting the whole remittance over the label would lose its payments."""
    plain = interchange([("HP", "005010X221A1", "7003", [remit_835()])])
    named = plain.replace("ST*835*0001~", "ST*835*0001*005010X221A1~")
    assert len(accepted(named)) == len(accepted(plain)) == 5


def test_an_encounter_report_is_not_published_as_a_claim_for_payment_and_the_sender_is_told() -> None:
    """BHT06 RP (reporting): a capitated plan's encounter data, which no payer pays or remits;
    only CH (chargeable) sets are claims claimflow scrubs and tracks. The sender must not read
    "accepted": each claim is refused with the reason (its mapped claim kept for the dead letter)
    and the 999 says accepted with errors noted (E)."""
    plain = interchange([("HC", "005010X222A1", "7004", [units_837p()])])
    reported = plain.replace("*093005*CH~", "*093005*RP~")
    assert reported != plain
    result = ingest_text(reported, SECRET)
    assert result.verdict == "partly accepted"
    assert events(result) == []
    (outcome,) = result.interchanges
    (refusal,) = outcome.refused
    assert refusal.item == "claim UNITS-CLM-001" and "BHT06 RP" in refusal.reason
    assert b"UNITS-CLM-001" in refusal.payload
    assert outcome.ack is not None and "IK5*E" in outcome.ack
    assert len(events(ingest_text(plain, SECRET))) == 1


def test_the_primary_payers_decision_on_each_line_travels_with_a_secondary_claim() -> None:
    """837P loop 2430 (SVD, CAS, DTP*573): what the primary payer paid and adjusted on each line.
    A secondary payer balances each line (charge = paid + adjustments), so a claim rendered
    without it would not balance; read, it is written back as it came."""
    body = cob_837p()
    at = body.index("SV1*HC:93000*200*UN*1***1:2") + 2  # after the line's DTP*472
    body[at:at] = ["SVD*MCR-JH*60*HC:93000**1", "CAS*CO*45*115", "CAS*PR*1*20**2*5", "DTP*573*D8*20261115"]
    secondary = accepted(interchange([("HC", "005010X222A1", "7005", [body])]))[0]
    (primary,) = secondary.other_payers
    (paid,) = primary.line_payments
    assert (paid.line_number, paid.paid_amount, paid.adjudicated_on) == (1, Decimal("60"), date(2026, 11, 15))
    on_line = [(a.group_code, a.reason_code, a.amount) for a in primary.adjustments if a.line_number == 1]
    assert on_line == [("CO", "45", Decimal("115")), ("PR", "1", Decimal("20")), ("PR", "2", Decimal("5"))]
    line = secondary.lines[0]
    assert line.charge == paid.paid_amount + sum(Decimal(a[2]) for a in on_line)  # the line balances
    text = rendered([secondary])
    assert "SVD*MCR-JH*60*HC:93000**1~CAS*CO*45*115~CAS*PR*1*20**2*5~DTP*573*D8*20261115~" in text.replace(
        "\n", ""
    )
    again = events(ingest_text(text, SECRET))[0]
    assert again.other_payers[0].line_payments == primary.line_payments
    assert again.other_payers[0].adjustments == primary.adjustments


def test_a_line_the_primary_paid_in_two_parts_is_written_with_both_payments() -> None:
    """837P 2430 repeats per SVD: a line the primary paid in two parts (a payment and a later one)
    has two line decisions, and the secondary balances the line on both (charge = the SVD02s + the
    CAS amounts). Written back, neither payment is dropped and the claim reads back the same."""
    body = cob_837p()
    at = body.index("SV1*HC:93000*200*UN*1***1:2") + 2  # after the line's DTP*472
    body[at:at] = [
        "SVD*MCR-JH*40*HC:93000**1",
        "CAS*CO*45*115",
        "CAS*PR*1*20**2*5",
        "DTP*573*D8*20261115",
        "SVD*MCR-JH*20*HC:93000**1",
        "DTP*573*D8*20261201",
    ]
    secondary = accepted(interchange([("HC", "005010X222A1", "7015", [body])]))[0]
    (primary,) = secondary.other_payers
    assert [(p.paid_amount, p.adjudicated_on) for p in primary.line_payments] == [
        (Decimal("40"), date(2026, 11, 15)),
        (Decimal("20"), date(2026, 12, 1)),
    ]
    text = rendered([secondary]).replace("\n", "")
    assert "SVD*MCR-JH*40*HC:93000**1~CAS*CO*45*115~CAS*PR*1*20**2*5~DTP*573*D8*20261115~" in text
    assert "DTP*573*D8*20261115~SVD*MCR-JH*20*HC:93000**1~DTP*573*D8*20261201~" in text
    again = events(ingest_text(text, SECRET))[0]
    assert again.other_payers[0].line_payments == primary.line_payments
    assert again.other_payers[0].adjustments == primary.adjustments
    assert rendered([again]).replace("\n", "") == text


def test_another_payers_content_no_claim_field_holds_is_named_and_never_taken_for_the_claims() -> None:
    """X222A1 2320-2330G: another payer's group number (SBR03), its outpatient adjudication remarks
    (MOA), non-covered amount (AMT*A8), the other subscriber's secondary id (2330A REF*SY), that
    payer's own provider ids (2330D) — no claim field holds them, so each is named in the set's
    note (README), and none of them becomes the claim's group number, payer or provider."""
    body = cob_837p()
    body.insert(body.index("AMT*EAF*25"), "AMT*A8*10")
    body.insert(body.index("OI***Y*P**Y") + 1, "MOA***MA18")
    at = body.index("NM1*IL*1*SAMPLE*JORDAN****MI*1EG4TE5MK73") + 1
    body[at:at] = ["N3*12 ELM ST", "N4*RYE*NY*10580", "REF*SY*999001234"]
    result = ingest_text(interchange([("HC", "005010X222A1", "7014", [body])]), SECRET)
    assert result.verdict == "accepted", result.problems
    (note,) = [n for n in result.notes if "not carried into the claims" in n]
    for named in (
        "(2320 SBR03, SBR04)",
        "(MOA)",
        "(AMT*A8)",
        "REF*SY (2330A)",
        "N3 (2330A)",
        "N4 (2330A)",
        "NM1*82 (2330D)",
        "REF*G2 (2330D)",
    ):
        assert named in note, named
    assert "RYE" not in note and "N3*12" not in note  # the other subscriber's address is no qualifier
    secondary = events(result)[0]
    assert (secondary.group_number, secondary.payer.payer_id) == ("GRP42", "ACME")
    assert secondary.rendering_provider_npi == RENDERING
    assert secondary.other_payers[0].payer_id == "MCR-JH"


def test_a_postal_code_with_a_dash_is_written_as_its_digits() -> None:
    (child,) = events(ingest("units-837p.x12"))
    dashed = child.model_copy(
        update={"patient": child.patient.model_copy(update={"postal_code": "62701-0003"})}
    )
    text = render_837p([dashed], X12Profile(), 44, datetime(2026, 11, 12, 9, 30, tzinfo=UTC))
    assert "N4*SPRINGFIELD*IL*627010003~" in text


def _one_claim_835(*claim_segments: str) -> str:
    return interchange(
        [("HP", "005010X221A1", "7003", [[*remit_header("60", "EFT261125901"), *claim_segments]])]
    )


def test_a_primary_payment_short_of_the_charges_with_no_adjustment_is_no_paid_in_full() -> None:
    """X221A1 claim balancing: CLP03 - CAS = CLP04. A CLP02 1 paying 60 of 100 with no CAS leaves 40
    unexplained: it is a decision carrying its charges (the tracker sees the shortfall), never an
    F1 "paid in full" that drops them."""
    (decision,) = accepted(
        _one_claim_835(
            "CLP*SHORT-CLM-1*1*100*60**12*ACME261125901*11*1", "NM1*QC*1*SAMPLE*ALEX****MI*1EG4TE5MK73"
        )
    )
    assert isinstance(decision, Denial)
    assert (decision.charge_amount, decision.paid_amount, decision.adjustments) == (100, 60, [])
    assert remittance_state(decision, REASONS) == "partially_paid"
    (nothing,) = accepted(
        _one_claim_835(
            "CLP*SHORT-CLM-2*1*100*0**12*ACME261125902*11*1", "NM1*QC*1*SAMPLE*ALEX****MI*1EG4TE5MK73"
        )
    )
    assert isinstance(nothing, Denial) and remittance_state(nothing, REASONS) == "denied"


def test_a_payment_with_interest_above_the_charges_is_paid_in_full() -> None:
    """CLP04 includes the interest the payer adds (AMT*I): 102.50 on 100 charged is paid in full."""
    (paid,) = accepted(
        _one_claim_835(
            "CLP*INT-CLM-1*1*100*102.5**12*ACME261125903*11*1",
            "NM1*QC*1*SAMPLE*ALEX****MI*1EG4TE5MK73",
            "AMT*I*2.5",
        )
    )
    assert isinstance(paid, ClaimStatus) and (paid.category_code, paid.amount) == ("F1", Decimal("102.5"))


# ------------------------------------------ what an 837P cannot carry is refused, never written


def crossover(**other: object) -> ClaimSubmitted:
    """The samples' Medicaid-after-Medicare claim, with Medicare's decision changed by ``other``."""
    data = variety()[3].model_dump(mode="json")
    data["other_payers"][0].update(other)
    return read_claim(data)


def test_a_delimiter_in_another_payers_line_decision_is_held_and_never_written(scrubber: Scrubber) -> None:
    """2430 SVD03 carries the code the other payer decided: a segment terminator in it would end
    the SVD and start a segment of its own (X12 has no escape)."""
    line_payment = {"line_number": 1, "paid_amount": "36.00", "units": "1", "adjudicated_on": "2026-11-04"}
    bad = crossover(line_payments=[{**line_payment, "procedure_code": "93000~NM1*PR*2*X"}])
    result = scrubber.scrub(bad, date(2026, 11, 20), None, encounter_feed=False)
    unsafe = [e for e in result.edits if e.rule_id == "CLAIM_X12_UNSAFE"]
    assert result.status == "held" and "other_payers[0].line_payments[0].procedure_code" in unsafe[0].message
    assert any("line_payments[0].procedure_code" in p for p in unwritable(as_valid(bad)))
    mod = crossover(line_payments=[{**line_payment, "procedure_code": "93000", "modifiers": ["2~"]}])
    assert any("modifiers[0]" in p for p in unwritable(as_valid(mod)))


def test_another_payers_relationship_is_one_of_the_guides_codes() -> None:
    """2320 SBR02 (individual relationship code): 18 self, 01 spouse, 19 child, ... A value outside
    the list is left out as unreadable (the scrubber holds the claim naming it), never written."""
    assert crossover(relationship="18").other_payers[0].relationship == "18"
    odd = crossover(relationship="ZZ")
    assert odd.other_payers[0].relationship is None
    assert any("relationship" in name for name, _ in odd.unreadable)


def with_patient(**patient: str) -> ClaimSubmitted:
    data = variety()[1].model_dump(mode="json")
    data["patient"].update(patient)
    return read_claim(data)


def test_an_accent_is_stripped_from_a_name_but_never_from_an_identifier() -> None:
    """X12's basic character set has no accented letters: JOSÉ is written JOSE, as clearinghouses
    do; a member id MÉ1 stripped to ME1 would be another member's id, so it is refused."""
    named = with_patient(first_name="JOSÉ")
    assert unwritable(as_valid(named)) == [] and "*JOSE*" in rendered([named])
    ided = with_patient(member_id="MÉ1")
    assert any(p.startswith("patient.member_id holds a character") for p in unwritable(as_valid(ided)))


def test_another_payer_of_no_known_plan_type_reads_back_as_written() -> None:
    """Written with SBR09 ZZ (mutually defined), it reads back with no plan type, not commercial."""
    unknown = crossover(plan_type=None)
    (back,) = events(ingest_text(rendered([unknown]), SECRET))
    assert back.other_payers[0].plan_type is None
    assert rendered([back]) == rendered([unknown])


def test_a_dependents_subscriber_is_sent_without_demographics() -> None:
    """X222A1 2010BA DMG: required when the subscriber is the patient; otherwise not sent. The
    patient's own DMG is in 2010CA."""
    (dependent,) = events(ingest("units-837p.x12"))
    assert dependent.subscriber is not None
    known = dependent.subscriber.model_copy(update={"birth_date": date(1971, 3, 9), "sex": "F"})
    text = rendered([dependent.model_copy(update={"subscriber": known})])
    subscriber_loop = text.split("HL*2*1*22*1~")[1].split("HL*3*2*23*0~")[0]
    assert "NM1*IL*" in subscriber_loop and "DMG*" not in subscriber_loop
    assert "DMG*D8*20100615*F" in text.split("HL*3*2*23*0~")[1]


# ------------------------------------------- a line's own provider, and what no claim field holds


def with_line_provider(*line_extra: str, drop_rendering: bool = False) -> str:
    """The units sample with segments after its second line's REF*6R (a 2420 loop, an NTE)."""
    body = units_837p()
    if drop_rendering:
        body = [s for s in body if not s.startswith("NM1*82*1*HEART")]
    at = body.index("REF*6R*UNITS-001-2") + 1
    return interchange([("HC", "005010X222A1", "7010", [[*body[:at], *line_extra, *body[at:]]])])


def test_a_line_rendered_by_another_provider_keeps_its_provider_and_goes_out_under_it(
    scrubber: Scrubber,
) -> None:
    """X222A1 2420A: sent when a line's rendering provider differs from the claim's (2310B), as a
    group bills several physicians' services on one claim (CMS-1500 item 24J per line). The line
    keeps its own provider (never billed under the claim's), no provider edit holds the claim, and
    the 837P written back names it again in that line's 2420A."""
    result = ingest_text(with_line_provider("NM1*82*1*JONES*ANN****XX*1660000013"), SECRET)
    assert result.verdict == "accepted", result.problems
    assert result.refused == []
    (claim,) = events(result)
    assert [line.rendering_provider_npi for line in claim.lines][:2] == [None, "1660000013"]
    assert claim.rendering_provider_npi != "1660000013"
    served = max(line.service_date for line in claim.lines)
    scrubbed = scrubber.scrub(claim, served + timedelta(days=3), None, encounter_feed=False)
    assert not [e for e in scrubbed.edits if e.category == "provider"], scrubbed.edits
    written = render_837p([as_valid(claim)], X12Profile(), 45, datetime(2026, 11, 12, 9, 30, tzinfo=UTC))
    segments = [seg.strip().split("*") for seg in written.split("~")]
    second_line = segments[segments.index(["LX", "2"]) : segments.index(["LX", "3"])]
    (named,) = [seg for seg in second_line if seg[0] == "NM1"]
    assert (named[:3], named[-2:]) == (["NM1", "82", "1"], ["XX", "1660000013"])
    (again,) = accepted(written)
    assert [line.rendering_provider_npi for line in again.lines] == [None, "1660000013", None]


def test_a_line_referred_by_another_provider_keeps_it_and_is_written_in_2420f() -> None:
    """2420F names a referring provider other than the claim's (2310A): the line keeps it, and
    the 837P written back carries it on that line."""
    body = units_837p()
    body.insert(body.index("LX*1"), "NM1*DN*1*OTHER*ONE****XX*1982736450")  # the claim's (2310A)
    at = body.index("REF*6R*UNITS-001-2") + 1
    body.insert(at, "NM1*DN*1*REFER*RAY****XX*1245319599")  # line 2's own (2420F)
    sent = ingest_text(interchange([("HC", "005010X222A1", "7012", [body])]), SECRET)
    assert sent.verdict == "accepted", sent.problems
    (claim,) = events(sent)
    assert claim.referring_provider_npi == "1982736450"
    assert [line.referring_provider_npi for line in claim.lines][:2] == [None, "1245319599"]
    written = render_837p([as_valid(claim)], X12Profile(), 46, datetime(2026, 11, 12, 9, 30, tzinfo=UTC))
    (again,) = accepted(written)
    assert (again.referring_provider_npi, [line.referring_provider_npi for line in again.lines]) == (
        "1982736450",
        [None, "1245319599", None],
    )


def test_a_rendering_or_referring_provider_named_alike_on_every_line_is_the_claims() -> None:
    """No 2310B, the same 2420A on every line: that is the claim's rendering provider (not the
    billing group's NPI); likewise a referring provider (2420F) every line names alike."""
    sent = units_837p()
    body = [s for s in sent if not s.startswith("NM1*82*1*HEART")]
    lines_at = [i for i, s in enumerate(body) if s.startswith("REF*6R")]
    for at in reversed(lines_at):
        body.insert(at + 1, "NM1*DN*1*REFER*RAY****XX*1245319599")
        body.insert(at + 1, "NM1*82*1*JONES*ANN****XX*1660000013")
    (claim,) = accepted(interchange([("HC", "005010X222A1", "7011", [body])]))
    assert (claim.rendering_provider_npi, claim.referring_provider_npi) == ("1660000013", "1245319599")
    assert {(ln.rendering_provider_npi, ln.referring_provider_npi) for ln in claim.lines} == {(None, None)}


def test_a_referring_provider_of_one_line_stays_on_that_line() -> None:
    """837P 2420F is the referring provider of its line when it differs from the claim's (2310A,
    here absent): the other lines were referred by no one, so it is not the claim's — read back and
    written again, it stays in that line's 2420F and no 2310A appears."""
    body = units_837p()
    at = body.index("REF*6R*UNITS-001-2") + 1
    body.insert(at, "NM1*DN*1*REFER*RAY****XX*1245319599")
    (claim,) = accepted(interchange([("HC", "005010X222A1", "7014", [body])]))
    assert claim.referring_provider_npi is None
    assert [line.referring_provider_npi for line in claim.lines] == [None, "1245319599", None]
    written = render_837p([as_valid(claim)], X12Profile(), 47, datetime(2026, 11, 12, 9, 30, tzinfo=UTC))
    segments = [seg.strip().split("*") for seg in written.split("~")]
    claim_loop = segments[: segments.index(["LX", "1"])]
    assert not [seg for seg in claim_loop if seg[:2] == ["NM1", "DN"]]
    (again,) = accepted(written)
    assert [line.referring_provider_npi for line in again.lines] == [None, "1245319599", None]


def test_what_no_claim_field_holds_is_named_in_a_note_never_dropped_silently() -> None:
    result = ingest_text(with_line_provider("NTE*ADD*SECOND READ REQUESTED"), SECRET)
    assert result.verdict == "accepted", result.problems
    assert any("not carried into the claims" in n and "notes (NTE)" in n for n in result.notes)


def test_a_lines_procedure_description_is_named_in_a_note_never_dropped_silently() -> None:
    """X222A1 SV101-7: a description of the service, which payers require with unlisted (NOC)
    codes; no claim field holds it, so the note names it (README: never dropped silently)."""
    body = [s.replace("SV1*HC:97110*", "SV1*HC:97110:::::THERAPEUTIC EXERCISE*") for s in units_837p()]
    result = ingest_text(interchange([("HC", "005010X222A1", "7013", [body])]), SECRET)
    assert result.verdict == "accepted", result.problems
    (claim,) = events(result)
    assert [line.procedure_code for line in claim.lines] == ["00142", "97110", "97112"]
    assert any("procedure description (SV101-7)" in n for n in result.notes), result.notes
    assert not any("THERAPEUTIC" in n for n in result.notes)


def test_every_claim_segment_no_field_holds_is_named_even_the_ones_not_listed() -> None:
    """README: what no claim field holds "is named in a note of the set, never dropped silently".
    X222A1 has segments no list names ahead of time — an admission date (2300 DTP*435), condition
    codes (HI*BG), a date last seen (2400 DTP*304), a test result (2400 MEA) — each is named, by
    its id and qualifier when no words are known, and never by a free-text value."""
    body = units_837p()
    body.insert(body.index("HI*ABK:R079"), "DTP*435*D8*20261109")
    body.insert(body.index("HI*ABK:R079") + 1, "HI*BG:01")
    at = body.index("DTP*472*D8*20261110") + 1
    body[at:at] = ["DTP*304*D8*20261101", "MEA*TR*R1*12.5"]
    result = ingest_text(interchange([("HC", "005010X222A1", "7013", [body])]), SECRET)
    assert result.verdict == "accepted", result.problems
    (note,) = [n for n in result.notes if "not carried into the claims" in n]
    for named in (
        "the admission date (DTP*435)",
        "HI codes of qualifier BG",
        "the date last seen (DTP*304)",
        "MEA*TR (2400)",
    ):
        assert named in note, named
    assert "12.5" not in note
    (claim,) = events(result)
    assert list(claim.diagnoses) == ["R07.9"]  # the condition codes beside the diagnoses take nothing


def test_a_claim_the_guide_refuses_as_a_whole_is_never_written() -> None:
    """X222A1: CLM02 is the sum of the lines' SV102, and a replacement or void (CLM05-3 7/8) carries
    the payer's claim number (REF*F8). render-837p leaves such a claim out, naming why (the scrubber
    holds it: CLAIM_TOTAL_MISMATCH, CLAIM_ORIGINAL_NUMBER_REQUIRED)."""
    base = variety()[0]
    wrong_total = as_valid(base).model_copy(update={"total_charge": Decimal("250.00")})
    assert any("total_charge is not the sum" in p for p in unwritable(wrong_total))
    no_number = as_valid(base).model_copy(update={"frequency_code": "7", "original_claim_number": None})
    assert any("REF*F8" in p for p in unwritable(no_number))
    assert unwritable(as_valid(base)) == []


def test_another_payers_subscriber_name_is_a_name_its_accent_is_written_without() -> None:
    """2330A NM103/NM104 are names like the patient's: JOSÉ is written JOSE, never refused; that
    payer's member id is an identifier and keeps being refused with an accent."""
    assert unwritable(as_valid(crossover(subscriber_first_name="JOSÉ"))) == []
    assert any(
        "subscriber_member_id" in p for p in unwritable(as_valid(crossover(subscriber_member_id="MÉ1")))
    )
