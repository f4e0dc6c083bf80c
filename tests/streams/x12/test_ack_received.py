"""A clearinghouse's 999 (or 997) about the sets claimflow sent: which 837P sets it rejected, so
the claims in them are known not to have reached the payer.

Expected values come from the 999 guide (005010X231A1: AK2/IK5 per set, IK501 A/E accepted,
M/R/W/X rejected; AK9 for the group) and from claimflow's own 999s, read back."""

from __future__ import annotations

from streams.x12.ack_received import SetAcknowledged, read_acknowledgment
from streams.x12.ingest import ingest_text
from streams.x12.segments import Segment
from tests.streams.x12.samples import DATA, SECRET, interchange


def segments(*lines: str) -> list[Segment]:
    return [Segment(line.split("*")) for line in lines]


def test_a_999_names_the_837_sets_it_rejected_and_those_it_accepted() -> None:
    acks = read_acknowledgment(
        segments(
            "ST*999*0001*005010X231A1",
            "AK1*HC*1001*005010X222A1",
            "AK2*837*0001*005010X222A1",
            "IK5*A",
            "AK2*837*0002*005010X222A1",
            "IK3*NM1*8*2010BA*8",
            "CTX*CLM01:123456789",
            "IK4*9*67*7*SECRET-VALUE",  # IK404: a copy of the bad value, never read
            "IK5*R*5",
            "AK2*837*0003*005010X222A1",
            "IK5*E",
            "AK9*P*3*3*2",
            "SE*13*0001",
        )
    )
    assert [(a.transaction, a.group_control, a.set_control, a.outcome) for a in acks] == [
        ("837", "1001", "0001", "accepted"),
        ("837", "1001", "0002", "rejected"),
        ("837", "1001", "0003", "accepted_with_errors"),
    ]
    assert acks[1].errors == ("5",)
    assert all("SECRET" not in a.describe() and "123456789" not in a.describe() for a in acks)
    assert acks[1].describe() == "837 set 0002 of group 1001: rejected (R, codes 5)"


def test_a_group_rejected_whole_without_set_loops_counts_its_sets_from_ak9() -> None:
    (ack,) = read_acknowledgment(segments("AK1*HC*77*005010X222A1", "AK9*R*4*4*0*2"))
    assert ack == SetAcknowledged("837", "77", None, "R", ("2",), 4)
    assert ack.outcome == "rejected" and ack.sets == 4


def test_an_837_of_another_guide_is_named_so_and_not_taken_for_claimflows_837p() -> None:
    """AK103/AK203 name the guide of what was acknowledged: an institutional (X223) or dental
    (X224) 837 is someone else's file; its rejection is not one of claimflow's 837P sets."""
    acks = read_acknowledgment(
        segments(
            "AK1*HC*28*005010X223A2",
            "AK2*837*0028*005010X223A2",
            "IK5*R*5",
            "AK9*R*1*1*0",
            "AK1*HC*29*005010X224A2",
            "AK9*R*2*2*0",
            "AK1*HC*30*005010X222A1",
            "AK2*837*0030",
            "IK5*R*5",
            "AK9*R*1*1*0",
        )
    )
    assert [(a.transaction, a.label, a.group_control) for a in acks] == [
        ("837I", "837I", "28"),
        ("837D", "837D", "29"),
        ("837", "837", "30"),  # the group's guide (AK103) speaks for an AK2 that names none
    ]


def test_a_997_reads_alike_with_ak5() -> None:
    acks = read_acknowledgment(
        segments("AK1*HC*5*004010X098A1", "AK2*837*0001", "AK5*R*1", "AK2*837*0002", "AK5*A", "AK9*P*2*2*1")
    )
    assert [(a.set_control, a.outcome) for a in acks] == [("0001", "rejected"), ("0002", "accepted")]


def test_claimflows_own_999_read_back_names_the_rejected_set() -> None:
    # invalid-837p.x12: set 0001 lacks SV102 (rejected), 0002 and 0003 are accepted
    sent = ingest_text((DATA / "invalid-837p.x12").read_text(), SECRET)
    received = ingest_text(sent.acks("999"), SECRET)
    assert received.verdict == "skipped" and not received.events
    assert [(a.transaction, a.group_control, a.set_control, a.outcome) for a in received.acknowledged] == [
        ("837", "101", "0001", "rejected"),
        ("837", "101", "0002", "accepted"),
        ("837", "101", "0003", "accepted"),
    ]
    notes = [n for i in received.interchanges for n in i.notes]
    assert any("837 set 0001 of group 101: rejected" in n for n in notes)


def test_a_999_beside_other_groups_is_read_and_they_are_processed_as_before() -> None:
    rejection = ["AK1*HC*101*005010X222A1", "AK2*837*0001*005010X222A1", "IK5*R*5", "AK9*R*1*1*0"]
    text = interchange([("FA", "005010X231A1", "9", [rejection])])
    result = ingest_text(text, SECRET)
    assert [(a.set_control, a.outcome) for a in result.acknowledged] == [("0001", "rejected")]
    mixed = ingest_text((DATA / "mixed-groups.x12").read_text(), SECRET)
    assert [(a.group_control, a.outcome) for a in mixed.acknowledged] == [("101", "accepted")]
