"""Shapes found in other projects' public X12 samples and in the implementation guides' own
examples, which the bridge once refused or misread (written here from the shape, with fake
people): a remark code newer than pyx12's code list, a payer's 277CA without provider-level status,
further statuses in STC10/STC11, a remittance processed as secondary or forwarded, ICD-9 codes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from schemas import ClaimStatus, ClaimSubmitted, Denial, ValidClaim
from streams.denials import PlanContext, load_reason_map, plan_for_rejection
from streams.denials.tasks import raises_task
from streams.lifecycle.events import from_denial, from_lifecycle, step_for
from streams.lifecycle.machine import ClaimRecord, apply
from streams.scrub import Scrubber
from streams.x12.claim837 import render_837p, unwritable
from streams.x12.ingest import IngestResult, ingest_text
from streams.x12.profile import X12Profile
from tests.builders import DEFAULT_AS_OF, FIXED_TIME
from tests.streams.x12.samples import AT, BILLING, DATA, SECRET, interchange, remit_header, variety

REASONS = load_reason_map()


def accepted(text: str) -> IngestResult:
    result = ingest_text(text, SECRET)
    assert result.verdict == "accepted", result.problems
    return result


def remittance(*claim_loops: list[str]) -> str:
    body = remit_header("100", "EFT261125900")
    for loop in claim_loops:
        body.extend(loop)
    return interchange([("HP", "005010X221A1", "901", [body])], "000000901")


def claim_loop(claim_id: str, clp02: str, paid: str, *extra: str, cas: str | None = None) -> list[str]:
    return [
        f"CLP*{claim_id}*{clp02}*100*{paid}**12*ACME26112590{claim_id[-1]}*11*1",
        *([cas] if cas else []),
        "NM1*QC*1*SAMPLE*ALEX****MI*XJK000000001",
        *extra,
        f"SVC*HC:93000*100*{paid}**1",
        "DTM*472*20261110",
    ]


# --------------------------------------------------------------------------------------- 835


def test_a_remark_code_newer_than_pyx12s_list_is_read_not_a_reason_to_refuse_the_remittance() -> None:
    """RARCs are republished three times a year (N781 has been in use since 2017; pyx12's list
    ends at N734): refusing the 835 would lose every claim and payment in it."""
    text = remittance(claim_loop("RARC-1", "4", "0", "MOA***N781", cas="CAS*CO*16*100"))
    (denial,) = [r.event for r in accepted(text).events]
    assert isinstance(denial, Denial) and denial.remark_codes == ["N781"]


@pytest.mark.parametrize(
    ("clp02", "meaning"),
    [("2", "processed as secondary"), ("3", "processed as tertiary"), ("19", "primary, forwarded")],
)
def test_a_claim_paid_in_full_otherwise_than_as_sole_primary_keeps_its_remittance_status(
    clp02: str, meaning: str
) -> None:
    """CLP02 says whether the next payer was billed already (19-21: the payer forwarded the claim):
    the decision keeps it, and the tracker still reads a payment in full."""
    (event,) = [r.event for r in accepted(remittance(claim_loop("FWD-1", clp02, "100"))).events]
    assert isinstance(event, Denial), meaning
    assert (event.claim_status_code, event.paid_amount, event.adjustments) == (clp02, Decimal("100"), [])
    record = apply(ClaimRecord("FWD-1"), from_lifecycle(step_for(variety()[0], "ready"))).record
    assert apply(record, from_denial(event, REASONS)).record.state == "paid"
    assert not raises_task(event, REASONS)  # a payment in full asks nothing of anyone


# ------------------------------------------------------------------------------------- 277CA

ANSWER_TOP = [
    "BHT*0085*08*277CA901*20261120*0930*TH",
    "HL*1**20*1",
    "NM1*PR*2*ACME HEALTH*****PI*ACME",
    "TRN*1*901",
    "DTP*050*D8*20261120",
    "DTP*009*D8*20261120",
    "HL*2*1*21*1",
    "NM1*41*2*DEMO BILLING SERVICE*****46*SUBMIT01",
    "TRN*2*20261120BATCH9",
    "STC*A1:20*20261120*WQ*100",
    "QTY*90*1",
    "AMT*YU*100",
    "HL*3*2*19*1",
    f"NM1*85*2*DEMO CARDIOLOGY GROUP*****XX*{BILLING}",
]
PATIENT = [
    "HL*4*3*PT",
    "NM1*QC*1*SAMPLE*ALEX****MI*XJK000000001",
]


def answer(provider_level: list[str], claim_level: list[str]) -> str:
    body = [*ANSWER_TOP, *provider_level, *PATIENT, *claim_level]
    return interchange([("HN", "005010X214", "902", [body])], "000000902")


@pytest.mark.parametrize(
    "provider_level",
    [
        [],  # the guide's own examples: no 2200C at all
        ["TRN*1*1107000000000135FF"],  # a state Medicaid payer's: the trace without a status
        ["TRN*1*0", "STC*A1:19**WQ*100"],  # the full loop
    ],
    ids=["no-2200C", "trace-only", "trace-and-status"],
)
def test_a_277ca_without_a_provider_level_status_is_read(provider_level: list[str]) -> None:
    claim_level = [
        "TRN*2*RT-CLM-001",
        "STC*A2:20*20261120*WQ*100",
        "REF*1K*ACME261120901",
        "DTP*472*D8*20261110",
    ]
    (status,) = [r.event for r in accepted(answer(provider_level, claim_level)).events]
    assert isinstance(status, ClaimStatus)
    assert (status.claim_id, status.category_code, status.payer_claim_number) == (
        "RT-CLM-001",
        "A2",
        "ACME261120901",
    )


def test_further_statuses_and_whom_they_are_about_reach_the_rejection_task(scrubber: Scrubber) -> None:
    """STC01-3 names the entity (82: the rendering provider) and STC10/STC11 add statuses (here
    what exactly was wrong with it): the coder's task carries all of them."""
    claim_level = [
        "TRN*2*RT-CLM-002",
        "STC*A3:21:82*20261120*U*100*******A3:153:82",
        "DTP*472*D8*20261110",
        "SVC*HC:93000*100*****1",
        "STC*A3:122*20261120*U*******A3:153:82*A3:562",
        "DTP*472*D8*20261110",
    ]
    (status,) = [r.event for r in accepted(answer([], claim_level)).events]
    assert isinstance(status, ClaimStatus)
    assert (status.category_code, status.status_code, status.entity_code) == ("A3", "21", "82")
    assert [(s.category_code, s.status_code, s.entity_code) for s in status.more_statuses] == [
        ("A3", "153", "82")
    ]
    (line,) = status.line_statuses
    assert [(s.category_code, s.status_code, s.entity_code) for s in line.more_statuses] == [
        ("A3", "153", "82"),
        ("A3", "562", None),
    ]
    ctx = PlanContext(
        claim_id="RT-CLM-002",
        payer=scrubber.payers.get("ACME", "commercial"),
        claim=None,
        payer_claim_number=None,
        as_of=DEFAULT_AS_OF,
        now=FIXED_TIME,
        reasons=REASONS,
        pack=scrubber.pack,
        max_resubmissions=3,
    )
    task = plan_for_rejection(status, ctx)
    assert task is not None and task.action == "fix_and_resubmit"
    assert task.reason_codes == ["A3:21:82", "A3:153:82"]
    assert "rendering provider" in task.root_cause


def test_an_earlier_277ca_without_entity_or_further_statuses_reads_as_before() -> None:
    text = (DATA / "lines-277ca.x12").read_text()
    statuses = [r.event for r in accepted(text).events]
    assert all(isinstance(s, ClaimStatus) and s.entity_code is None and not s.more_statuses for s in statuses)


# --------------------------------------------------------------------------------------- 837P


def test_icd9_diagnoses_are_kept_as_sent_and_held_never_reshaped_as_icd10(scrubber: Scrubber) -> None:
    """HI qualifiers BK/BF carry ICD-9-CM. An ICD-9 E-code such as E849.0 (place of occurrence),
    sent undotted as E8490, has the shape of an ICD-10-CM code (it would read E84.90, a cystic
    fibrosis code): the claim must say the code set is wrong, not carry a diagnosis nobody made."""
    text = (DATA / "claims-837p.x12").read_text()
    first_hi = next(seg for seg in text.split("~") if seg.strip().startswith("HI*"))
    text = text.replace(first_hi, first_hi.split("HI*")[0] + "HI*BK:4280*BF:E8490", 1)
    result = accepted(text)
    claim = result.events[0].event
    assert type(claim) is ClaimSubmitted
    assert claim.diagnoses == ["ICD-9 4280", "ICD-9 E8490"]
    outcome = scrubber.scrub(claim, DEFAULT_AS_OF, None)
    assert outcome.status == "held"
    icd9 = [e for e in outcome.edits if e.rule_id == "CODE_ICD9"]
    assert len(icd9) == 2 and all("ICD-10-CM" in e.fix for e in icd9)
    assert not any(e.rule_id == "CODE_ICD_MALFORMED" for e in outcome.edits)


# ------------------------------------------------------------------------------ 837P written out


def test_an_837p_written_out_numbers_its_lines_from_one_and_carries_f8_only_on_replacements() -> None:
    """2400 LX01 counts the lines of the claim from 1; 2300 REF*F8 (the payer's claim number) goes
    with frequency 7 or 8 only."""
    base = variety()[1]  # three lines
    lines = [ln.model_copy(update={"line_number": n}) for ln, n in zip(base.lines, (3, 1, 5), strict=True)]
    original = ValidClaim.model_validate(
        {**base.model_dump(), "lines": [ln.model_dump() for ln in lines], "original_claim_number": "PCN-OLD"}
    )
    text = render_837p([original], X12Profile(), 7, AT)
    assert [seg for seg in text.replace("\n", "").split("~") if seg.startswith("LX*")] == [
        "LX*1",
        "LX*2",
        "LX*3",
    ]
    assert "REF*F8*" not in text and ":B:1*" in text
    replacement = original.model_copy(update={"frequency_code": "7"})
    assert "REF*F8*PCN-OLD~" in render_837p([replacement], X12Profile(), 8, AT)
    assert accepted(text).verdict == "accepted"


def test_accented_names_are_written_without_accents_and_delimiters_are_never_written() -> None:
    base = variety()[0]
    accented = base.model_copy(
        update={
            "patient": base.patient.model_copy(update={"first_name": "JOSÉ", "last_name": "MÜLLER-ÉLISE"})
        }
    )
    text = render_837p([accented], X12Profile(), 9, AT)
    assert "*MULLER-ELISE*JOSE*" in text and text.isascii()
    (claim,) = [r.event for r in accepted(text).events]
    assert (claim.patient.first_name, claim.patient.last_name) == ("JOSE", "MULLER-ELISE")
    starred = base.model_copy(update={"patient": base.patient.model_copy(update={"last_name": "STAR*NAME"})})
    assert unwritable(starred) == ["patient.last_name holds a character an 837P cannot carry"]
    with pytest.raises(ValueError, match=r"patient\.last_name"):
        render_837p([starred], X12Profile(), 10, AT)


def test_a_secondary_claim_goes_out_with_the_primary_payers_adjudication() -> None:
    """2320/2330A/2330B are required when another payer has adjudicated the claim: without them
    the secondary payer cannot coordinate benefits and denies. Written out and read back, the
    other payer's decision is unchanged."""
    claims = [
        ValidClaim.model_validate(r.event.model_dump())
        for r in accepted((DATA / "cob-837p.x12").read_text()).events
    ]
    secondary = claims[0]
    (primary,) = secondary.other_payers
    assert (primary.subscriber_member_id, primary.subscriber_last_name, primary.relationship) == (
        "1EG4TE5MK73",
        "SAMPLE",
        "01",
    )
    text = render_837p([secondary], X12Profile(), 11, AT)
    segments = [seg for seg in text.replace("\n", "").split("~")]
    cob = segments[segments.index("SBR*P*01*******MB") : segments.index("LX*1")]
    assert cob == [
        "SBR*P*01*******MB",
        "CAS*PR*1*20**2*5",
        "CAS*CO*45*115",
        "AMT*D*60",
        "AMT*EAF*25",
        "OI***Y***Y",
        "NM1*IL*1*SAMPLE*JORDAN****MI*1EG4TE5MK73",
        "NM1*PR*2*MEDICARE PART B*****PI*MCR-JH",
        "DTP*573*D8*20261115",
        "REF*F8*MCR2611150042",
    ]
    (again,) = [r.event for r in accepted(text).events]
    assert again.other_payers == secondary.other_payers
    # without the other subscriber's identity (2330A) the loops cannot be written: left out
    anonymous = secondary.model_copy(
        update={"other_payers": [primary.model_copy(update={"subscriber_member_id": None})]}
    )
    assert unwritable(anonymous) == ["other_payers[0] lacks what its COB loops need: subscriber_member_id"]


def test_trailing_separators_in_a_remittance_are_noted_and_its_denials_read() -> None:
    """``SVC*HC:97001*385.21*0.01*0424*1*~`` (a real payer's 835 ends segments with separators): an
    X12 syntax error that changes nothing the segment says. Refusing the 835 would lose its
    denials; it is read as if the empty elements were left out, and the 999 notes the error
    (IK3 code 8, IK5 E: accepted, errors noted)."""
    clean = claim_loop("TRAIL-1", "4", "0", cas="CAS*CO*50*100")
    trailing = [seg + "*" if seg.startswith(("SVC", "CAS")) else seg for seg in clean]
    expected = [r.event for r in accepted(remittance(clean)).events]
    result = ingest_text(remittance(trailing), SECRET)
    assert result.verdict == "accepted", result.problems
    (denial,) = [r.event for r in result.events]
    assert isinstance(denial, Denial) and denial.claim_status_code == "4"
    assert [(a.group_code, a.reason_code, a.amount) for a in denial.adjustments] == [
        ("CO", "50", Decimal("100"))
    ]
    assert denial.model_dump(exclude={"event_id"}) == expected[0].model_dump(exclude={"event_id"})
    (outcome,) = result.interchanges
    assert outcome.ack is not None and "IK5*E" in outcome.ack and "IK3*SVC*" in outcome.ack
    assert any("ends with element separators" in note for note in result.notes)


def test_a_segment_of_separators_only_is_still_refused() -> None:
    """Only trailing empties are forgiven: a segment with nothing in it is still an error."""
    loop = claim_loop("EMPTY-1", "4", "0", cas="CAS*CO*50*100")
    loop.insert(2, "REF***")
    assert ingest_text(remittance(loop), SECRET).verdict == "rejected"


def test_a_long_remittance_keeps_its_decision_whole() -> None:
    """60 service lines, each with a CAS and the same two line remarks (LQ*HE): the claim's
    decision carries every adjustment and each remark once, never refused for its size."""
    lines: list[str] = []
    for _ in range(60):
        lines += ["SVC*HC:93005*10*8**1", "DTM*472*20261110", "CAS*CO*45*2", "LQ*HE*N30", "LQ*HE*MA01"]
    loop = [
        "CLP*LONG-1*1*600*480**12*ACME261125999*11*1",
        "NM1*QC*1*SAMPLE*ALEX****MI*XJK000000001",
        *lines,
    ]
    (decision,) = [r.event for r in accepted(remittance(loop)).events]
    assert isinstance(decision, Denial)
    assert len(decision.adjustments) == 60 and decision.remark_codes == ["N30", "MA01"]


def test_a_batch_or_provider_rejected_above_the_claims_is_read_and_said() -> None:
    """X214: a payer rejecting the whole batch at the information receiver (2000B HL04 0, no
    billing provider below) or one billing provider (2000C HL04 0, no patient below) lists no
    claim: the answer is read, and the rejection is reported (the worker counts and logs it: no
    claim's state can say it) — those claims never entered adjudication."""
    batch = [
        *ANSWER_TOP[:6],
        "HL*2*1*21*0",
        "NM1*41*2*DEMO BILLING SERVICE*****46*SUBMIT01",
        "TRN*2*20261120BATCH9",
        "STC*A3:24:41*20261120*U*100",
        "QTY*AA*1",
        "AMT*YY*100",
    ]
    result = accepted(interchange([("HN", "005010X214", "903", [batch])], "000000903"))
    assert result.events == []
    (group,) = result.groups_rejected
    assert group.level == "batch"
    assert "whole batch" in group.description and "A3:24:41" in group.description
    assert "trace 20261120BATCH9" in group.description  # the 837's BHT03: which batch to resend
    provider = [
        *ANSWER_TOP[:12],
        "HL*3*2*19*0",
        f"NM1*85*2*DEMO CARDIOLOGY GROUP*****XX*{BILLING}",
        "TRN*1*0",
        "STC*A3:24:85**U*100",
        "HL*4*2*19*1",
        "NM1*85*2*OTHER GROUP*****XX*1558598797",
        "HL*5*4*PT",
        "NM1*QC*1*SAMPLE*ALEX****MI*XJK000000001",
        "TRN*2*RT-CLM-009",
        "STC*A2:20*20261120*WQ*100",
        "DTP*472*D8*20261110",
    ]
    result = accepted(interchange([("HN", "005010X214", "904", [provider])], "000000904"))
    assert [(e.event.claim_id, e.event.category_code) for e in result.events] == [("RT-CLM-009", "A2")]
    (group,) = result.groups_rejected
    assert group.level == "provider" and "A3:24:85" in group.description


def medicaid_after_medicare() -> ValidClaim:
    """The samples' crossover: Medicaid billed second, Medicare's decision whole on it."""
    return ValidClaim.model_validate(variety()[3].model_dump())


def test_a_line_decision_carries_its_date_and_the_code_the_other_payer_decided() -> None:
    """2430 DTP*573 is required: a line decision without its own date takes the payer's (2330B
    DTP*573). SVD03 is the code the other payer decided — after a correction changed the line's
    code (93000-26 corrected to 93010), Medicare's decision stays about 93000-26."""
    claim = medicaid_after_medicare()
    (medicare,) = claim.other_payers
    (paid,) = medicare.line_payments
    undated = paid.model_copy(update={"adjudicated_on": None, "procedure_code": "93000", "modifiers": ["26"]})
    claim = claim.model_copy(
        update={"other_payers": [medicare.model_copy(update={"line_payments": [undated]})]}
    )
    segments = render_837p([claim], X12Profile(), 12, AT).replace("\n", "").split("~")
    start = next(i for i, s in enumerate(segments) if s.startswith("SVD*"))
    assert segments[start : start + 4] == [
        "SVD*MCR-JH*36*HC:93000:26**1",
        "CAS*CO*45*5",
        "CAS*PR*2*4",
        "DTP*573*D8*20261104",
    ]
    (again,) = [r.event for r in accepted(render_837p([claim], X12Profile(), 12, AT)).events]
    (back,) = again.other_payers[0].line_payments
    assert (back.procedure_code, back.modifiers) == ("93000", ["26"])


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        # a primary claim listing another primary (the claim's own order of payment)
        ({"payer_responsibility": "P"}, "has the claim's own order of payment (P;"),
        # the claim's own payer and policy among the other payers
        (
            {
                "payer": {"payer_id": "MCR-JH", "name": "MEDICARE PART B", "plan_type": "medicare"},
                "patient": {**medicaid_after_medicare().patient.model_dump(), "member_id": "1EG4TE5MK73"},
            },
            "is the claim's own payer and policy",
        ),
    ],
)
def test_a_claim_whose_payers_cannot_be_so_is_not_written(change: dict, problem: str) -> None:
    """The COB loops must describe the other payers as they are: an 837P that tells the next payer
    another payer decided what it did not leads it to coordinate on wrong amounts."""
    claim = ValidClaim.model_validate({**medicaid_after_medicare().model_dump(), **change})
    assert any(problem in p for p in unwritable(claim)), unwritable(claim)
    with pytest.raises(ValueError, match="cannot be written"):
        render_837p([claim], X12Profile(), 13, AT)


def test_one_payer_id_on_two_policies_is_two_coverages() -> None:
    """A spouse's plan with the same carrier: the other payer has the claim's payer id under another
    member id — another coverage, written as such (X12 guide example 3B's shape)."""
    claim = medicaid_after_medicare()
    claim = claim.model_copy(update={"payer": claim.payer.model_copy(update={"payer_id": "MCR-JH"})})
    assert unwritable(claim) == []


def test_a_line_adjustment_without_its_line_decision_is_not_dropped_silently() -> None:
    """Medicare's CAS on a line needs its 2430 SVD; without it the adjustments would vanish from the
    file and the claim no longer balance: the claim is refused, naming the line."""
    claim = medicaid_after_medicare()
    (medicare,) = claim.other_payers
    claim = claim.model_copy(update={"other_payers": [medicare.model_copy(update={"line_payments": []})]})
    assert unwritable(claim) == [
        "other_payers[0]: adjusted line 1 without its decision on that line (2430 SVD)"
    ]


# ------------------------------------------------ payer answers: read past what claimflow never reads


def test_a_remittance_without_the_payer_contact_and_with_4010_leftovers_is_read_and_noted() -> None:
    """Public 835 samples (and payers) leave out 1000A PER*BL, required by X221A1, and fill
    TS309/TS311 (not used in 5010). claimflow reads neither: the decisions are taken, and the 999
    notes the errors (IK5 E) rather than rejecting every decision of the remittance."""
    header = [s for s in remit_header("100", "EFT261125905") if not s.startswith("PER*BL")]
    header.insert(header.index("LX*1") + 1, "TS3*1512345678*11*20261231*1*100******0**0")
    body = [*header, *claim_loop("TOL-1", "4", "0", cas="CAS*CO*50*100")]
    result = ingest_text(interchange([("HP", "005010X221A1", "905", [body])], "000000905"), SECRET)
    assert result.verdict == "accepted" and not result.problems
    (denial,) = [r.event for r in result.events]
    assert isinstance(denial, Denial) and denial.claim_id == "TOL-1"
    ack = result.acks("999")
    assert "IK3*PER*" in ack and "IK4*11*782*10~" in ack and "IK5*E~" in ack
    assert any("PER" in note and "noted in the 999" in note for note in result.notes)


def test_a_placeholder_claim_date_in_a_277ca_is_read_past_but_a_line_date_is_not() -> None:
    """A state Medicaid 277CA sends the claim-level service date as DTP*472*D8*10010101, a date the
    guide's type check refuses. claimflow does not read the claim-level date (2200D): the A2 is
    taken and the error noted. A line's date (2220D) it reads: a bad one still rejects the set."""
    claim = [
        "HL*4*3*PT",
        "NM1*QC*1*SAMPLE*ALEX****MI*XJK000000001",
        "TRN*2*TOL-CLM-1",
        "STC*A2:20*20261120*WQ*100",
        "DTP*472*D8*10010101",
    ]
    text = interchange([("HN", "005010X214", "906", [[*ANSWER_TOP[:16], *claim]])], "000000906")
    result = ingest_text(text, SECRET)
    assert result.verdict == "accepted", result.problems
    assert [(r.event.claim_id, r.event.category_code) for r in result.events] == [("TOL-CLM-1", "A2")]
    assert "IK5*E~" in result.acks("999")
    line = ["SVC*HC:93000*100", "STC*A2:20*20261120*WQ", "DTP*472*D8*10010101"]
    text = interchange([("HN", "005010X214", "907", [[*ANSWER_TOP[:16], *claim[:-1], *line]])], "000000907")
    assert ingest_text(text, SECRET).verdict == "rejected"


def test_a_wrong_action_code_on_a_277ca_line_is_read_past_but_a_wrong_status_date_is_not() -> None:
    """X214 2220D: a line's STC03 (action code) may only be U; a payer that sends WQ there breaks
    the guide in an element claimflow does not read (it reads STC01, 02, 04, 10, 11). Rejecting
    the answer would lose every claim's status in it: the statuses are taken and the error noted
    (IK5 E). A status date (STC02) it reads: a bad one still rejects the set."""
    claim = [
        "HL*4*3*PT",
        "NM1*QC*1*SAMPLE*ALEX****MI*XJK000000001",
        "TRN*2*TOL-CLM-3",
        "STC*A2:20*20261120*WQ*100",
        "SVC*HC:93000*100",
        "STC*A2:20*20261120*WQ",
        "REF*FJ*TOL-CLM-3-1",
        "DTP*472*D8*20261110",
    ]
    text = interchange([("HN", "005010X214", "909", [[*ANSWER_TOP[:16], *claim]])], "000000909")
    result = ingest_text(text, SECRET)
    assert result.verdict == "accepted", result.problems
    assert [(r.event.claim_id, r.event.category_code) for r in result.events] == [("TOL-CLM-3", "A2")]
    assert "IK5*E~" in result.acks("999")
    broken = [
        s.replace("STC*A2:20*20261120*WQ", "STC*A2:20*20261320*U") if s.endswith("WQ") else s for s in claim
    ]
    text = interchange([("HN", "005010X214", "910", [[*ANSWER_TOP[:16], *broken]])], "000000910")
    assert ingest_text(text, SECRET).verdict == "rejected"


def test_a_bad_value_claimflow_reads_still_rejects_the_remittance() -> None:
    """BPR16 dates the decisions: an invalid one is not read past."""
    header = remit_header("100", "EFT261125908")
    header[0] = header[0].replace("*20261125", "*20261345")
    body = [*header, *claim_loop("TOL-2", "4", "0", cas="CAS*CO*50*100")]
    result = ingest_text(interchange([("HP", "005010X221A1", "908", [body])], "000000908"), SECRET)
    assert result.verdict == "rejected" and any("BPR16" in p for p in result.problems)


def test_a_claim_without_its_status_before_the_next_claims_trace_rejects_the_277ca() -> None:
    """X214 2200D: STC is required for each claim. A claim's TRN right after another's (no STC
    between) used to pass clean — that claim silently got no status, and the 999 said accepted."""
    claims = [
        "HL*4*3*PT",
        "NM1*QC*1*SAMPLE*ALEX****MI*XJK000000001",
        "TRN*2*NOSTC-1",
        "TRN*2*NOSTC-2",
        "STC*A2:20*20261120*WQ*100",
    ]
    result = ingest_text(
        interchange([("HN", "005010X214", "909", [[*ANSWER_TOP[:16], *claims]])], "000000909"), SECRET
    )
    assert result.verdict == "rejected" and result.events == []
    assert any("required segment STC" in p for p in result.problems)
    assert "IK3*STC*" in result.acks("999") and "IK5*R" in result.acks("999")
