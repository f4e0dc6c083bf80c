"""Every acknowledgment claimflow writes is parsed back, checked by pyx12 against the 999 guide,
and must say what claimflow decided: AK9 per group, IK5 per transaction set, TA1 for envelopes."""

from __future__ import annotations

import pytest

from streams.x12.ingest import IngestResult, ingest_text
from streams.x12.segments import Interchange, read
from tests.streams.x12.samples import DATA, SECRET, interchange, lines_277ca, units_837p
from tests.streams.x12.test_validation import pyx12_findings

SAMPLES = sorted(p.name for p in DATA.glob("*.x12"))


def parse_999(text: str) -> list[dict]:
    """{group control, AK9, {set control: IK5}} for every ST*999 in the acknowledgments."""
    out = []
    for ic in read(text):
        assert isinstance(ic, Interchange)
        current: dict = {}
        for seg in ic.segments:
            if seg.id == "AK1":
                current = {"fic": seg.get(1), "group": seg.get(2), "sets": {}}
            elif seg.id == "AK2":
                set_control = seg.get(2)
            elif seg.id == "IK5":
                current["sets"][set_control] = seg.get(1)
            elif seg.id == "AK9":
                current["ak9"] = seg.get(1)
                current["counts"] = (int(seg.get(2)), int(seg.get(3)), int(seg.get(4)))
                out.append(current)
    return out


#: what each AK9 code allows of the sets' IK5 codes
AK9_SETS = {
    "A": lambda codes: set(codes) == {"A"},
    "E": lambda codes: set(codes) <= {"A", "E"} and "E" in codes,
    "P": lambda codes: "R" in codes and bool(set(codes) & {"A", "E"}),
    "R": lambda codes: set(codes) <= {"R"},
}


def check_acks(result: IngestResult) -> list[dict]:
    """The 999s are valid 999s and agree with the verdict, group by group and set by set."""
    text = result.acks("999")
    acks = parse_999(text) if text else []
    if text:
        ok, segs, elements = pyx12_findings(text)
        assert ok and not segs and not elements, (segs, elements)
    for ack in acks:
        codes = list(ack["sets"].values())
        assert AK9_SETS[ack["ak9"]](codes), ack
        assert ack["counts"][1] == len(codes)
        assert ack["counts"][2] == sum(code in ("A", "E") for code in codes)
    ak9 = {a["ak9"] for a in acks}
    if result.verdict == "accepted":
        assert acks and ak9 == {"A"}
    elif result.verdict == "rejected":
        assert ak9 <= {"R"}
    elif result.verdict == "partly accepted" and acks:
        assert (ak9 & {"A", "E", "P"} and ak9 != {"A"}) or result.refused or len(result.interchanges) > 1
    return acks


@pytest.mark.parametrize("name", SAMPLES)
def test_every_sample_gets_a_valid_999_that_agrees_with_the_verdict(name: str) -> None:
    result = ingest_text((DATA / name).read_text(), SECRET)
    acks = check_acks(result)
    if name == "invalid-837p.x12":
        assert result.verdict == "partly accepted"
        assert acks == [{"fic": "HC", "group": "101", "sets": {"0001": "R", "0002": "A", "0003": "A"},
                         "ak9": "P", "counts": (3, 3, 2)}]  # fmt: skip
        assert "IK3*SV1*21**8~\nIK4*2*782*1~" in result.acks(
            "999"
        )  # SV102 missing: element 2, data element 782
    if name == "mixed-groups.x12":
        assert [(a["fic"], a["group"], a["ak9"]) for a in acks] == [
            ("HN", "702", "A"),
            ("HC", "703", "A"),
            ("HP", "704", "A"),
            ("HC", "705", "R"),
        ]  # fmt: skip  (the 999 group is not acknowledged)
        assert "AK9*R*1*1*0*1~" in result.acks("999")  # functional group not supported


def test_the_835s_999_is_complete_without_st03() -> None:
    result = ingest_text((DATA / "reversal-835.x12").read_text(), SECRET)
    assert "AK2*835*0001~\nIK5*A~\nAK9*A*1*1*1~\nSE*6*0001~" in result.acks("999")
    assert check_acks(result) == [
        {"fic": "HP", "group": "603", "sets": {"0001": "A"}, "ak9": "A", "counts": (1, 1, 1)}
    ]


def test_an_item_the_contract_refuses_is_noted_in_the_999_as_accepted_with_errors() -> None:
    body = [s.replace("STC*A3:21*20261120*U*100", "STC*A3:21*20261120*U*-100") for s in lines_277ca()]
    result = ingest_text(
        interchange([("HN", "005010X214", "604", [body])], "000000604", "ACMEHEALTH"), SECRET
    )
    assert result.verdict == "partly accepted"
    (refusal,) = result.refused
    assert refusal.item == "277CA answer for claim LINES-CLM-002" and "amount" in refusal.reason
    assert [r.event.claim_id for r in result.events] == ["LINES-CLM-001"]  # type: ignore[attr-defined]
    (ack,) = check_acks(result)
    assert (ack["ak9"], ack["sets"]) == ("E", {"0001": "E"})


def test_a_broken_envelope_gets_a_ta1_rejection_and_no_999() -> None:
    text = (DATA / "claims-837p.x12").read_text().replace("IEA*1*000000101~", "IEA*2*000000101~")
    result = ingest_text(text, SECRET)
    assert result.verdict == "rejected" and not result.acks("999")
    ta1 = result.acks("TA1")
    (ic,) = read(ta1)
    assert isinstance(ic, Interchange)
    assert [s.id for s in ic.segments] == ["ISA", "TA1", "IEA"]
    assert ic.segments[1].elements[1:] == ["000000101", "261112", "0930", "R", "021"]
    assert (ic.isa.get(6).strip(), ic.isa.get(8).strip()) == (
        "CLEARINGHOUSE",
        "CLAIMFLOWDEMO",
    )  # addressed back
    assert pyx12_findings(ta1)[0]


def test_an_interchange_that_asks_for_a_ta1_gets_one_accepting_it_beside_its_999() -> None:
    """X12: ISA14 1 asks the receiver for an interchange acknowledgment; a read interchange gets
    a TA1 accepting it (TA104 A, TA105 000) with its own control number, besides the 999 about its
    groups. ISA14 0 (the usual) asks for none."""
    text = (DATA / "claims-837p.x12").read_text()
    assert "*000000101*0*T*" in text
    asked = ingest_text(text.replace("*000000101*0*T*", "*000000101*1*T*"), SECRET)
    assert asked.verdict == "accepted" and asked.acks("999")
    (ic,) = read(asked.acks("TA1"))
    assert isinstance(ic, Interchange)
    assert ic.segments[1].elements[1:] == ["000000101", "261112", "0930", "A", "000"]
    (ack,) = read(asked.acks("999"))
    assert isinstance(ack, Interchange) and ack.isa.get(13) != ic.isa.get(13)
    assert pyx12_findings(asked.acks("TA1"))[0]
    assert not ingest_text(text, SECRET).acks("TA1")


def test_acknowledgments_are_not_acknowledged() -> None:
    only_999 = interchange([("FA", "005010X231A1", "9", [["AK1*HC*1*005010X222A1", "AK9*A*0*0*0"]])])
    result = ingest_text(only_999, SECRET)
    assert (
        result.verdict == "skipped" and result.accepted and not result.acks("999") and not result.acks("TA1")
    )


def test_an_interchange_control_number_a_sender_uses_twice_gets_a_ta1_duplicate() -> None:
    """ISA13 identifies an interchange for its sender: a second interchange of the same sender and
    number in the file is a duplicate (TA1 note 025), its claims not published twice; the first is
    read as usual."""
    one = (DATA / "claims-837p.x12").read_text()
    result = ingest_text(one + one, SECRET)
    first, second = result.interchanges
    assert first.verdict == "accepted" and first.events
    assert second.verdict == "rejected" and not second.events and "already read" in second.problems[0]
    (ic,) = read(result.acks("TA1"))
    assert isinstance(ic, Interchange) and ic.segments[1].elements[-2:] == ["R", "025"]


def test_two_interchanges_in_one_file_get_acknowledgments_numbered_apart() -> None:
    """X12 envelopes: ISA13 identifies one interchange from its sender. Two interchanges in one file
    are answered by two 999s whose ISA13 (and GS06) differ, so a partner's duplicate check keeps
    both."""
    first = interchange([("HC", "005010X222A1", "8001", [units_837p()])], "000000921")
    second = interchange([("HC", "005010X222A1", "8002", [units_837p()])], "000000922")
    result = ingest_text(first + second, SECRET)
    acks = [i.ack for i in result.interchanges]
    assert len(acks) == 2 and all(acks)
    isa13 = [a.split("~")[0].split("*")[13] for a in acks if a]
    gs06 = [a.split("~")[1].split("*")[6] for a in acks if a]
    assert isa13[0] != isa13[1] and gs06[0] != gs06[1]
