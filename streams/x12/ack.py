"""Acknowledgments: the 999 for an interchange that was read, the TA1 for one whose envelope
failed. Both say what claimflow decided, nothing more and nothing less.

The 999 (005010X231A1) has one functional group per health care group of the interchange, each
with one ST*999: AK1 names the group, one AK2 ... IK5 per transaction set (IK3/IK4 for the
segments and elements in error, from the guide check), AK9 the group's verdict: A accepted, E
accepted with errors noted (a claim the contracts refused), P partly accepted (some sets
rejected), R rejected. The 835 guide allows ST03 to be absent: AK203 is then left out (pyx12
cannot write that AK2). A copy of the bad value (IK404) is never written: it may be PHI.
Acknowledgment groups (999/997/TA1) are not acknowledged; non-health-care groups (810, 850) have
no place in a 999 and are only reported.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime

from streams.x12.segments import Segment, render
from streams.x12.validation import GroupResult, InterchangeResult, SetResult

VERSION_999 = "005010X231A1"
#: AK101 and AK201 values a 999 may carry (the 005010X231A1 guide's code lists)
HEALTH_CARE_GROUPS = frozenset({"BE", "HB", "HC", "HI", "HN", "HP", "HR", "HS", "RA"})
HEALTH_CARE_SETS = frozenset({"270", "271", "276", "277", "278", "820", "834", "835", "837"})
IK304_CODES = frozenset({"1", "2", "3", "4", "5", "6", "7", "8", "I4", "I6", "I7", "I8", "I9"})
IK403_CODES = frozenset(
    {
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
        "7",
        "8",
        "9",
        "10",
        "11",
        "12",
        "13",
        "I10",
        "I11",
        "I12",
        "I13",
        "I6",
        "I9",
    }
)
IK5_CODES = frozenset(
    {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "15", "16", "17", "18", "19",
     "23", "24", "25", "26", "27", "I5", "I6"}
)  # fmt: skip
AK9_CODES = frozenset(
    {
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
        "10",
        "11",
        "12",
        "13",
        "14",
        "15",
        "16",
        "17",
        "18",
        "19",
        "23",
        "24",
        "25",
        "26",
    }
)


@dataclass(frozen=True)
class SetVerdict:
    """claimflow's verdict on one transaction set: the guide's findings plus claimflow's own
    (``noted``: claims the contracts refused, which make an accepted set 'accepted with errors')."""

    result: SetResult
    ack: str  # A, E, R

    @property
    def accepted(self) -> bool:
        return self.ack in ("A", "E")


def control_number(text: str) -> str:
    """A 9-digit control number for an acknowledgment, derived from what it acknowledges (the
    same file acknowledged twice gets the same numbers)."""
    return f"{zlib.crc32(text.encode()) % 1_000_000_000:09d}".replace("000000000", "000000001")


def _isa(original: Segment, icn: str, now: datetime) -> list[str]:
    """The answer's ISA: sender and receiver swapped, no TA1 requested, same usage (P/T)."""
    return [
        "ISA", "00", " " * 10, "00", " " * 10,
        original.get(7) or "ZZ", f"{original.get(8):<15}"[:15],
        original.get(5) or "ZZ", f"{original.get(6):<15}"[:15],
        now.strftime("%y%m%d"), now.strftime("%H%M"), "^", "00501", icn, "0",
        original.get(15) if original.get(15) in ("P", "T") else "P", ":",
    ]  # fmt: skip


def _digits(value: str) -> str:
    return value if value.isdigit() else ""


def _set_segments(st: SetResult, ack: str) -> list[list[str]]:
    out: list[list[str]] = [
        ["AK2", st.set_id, st.control, st.convention] if st.convention else ["AK2", st.set_id, st.control]
    ]
    for finding in st.findings:
        if finding.position < 1 or not finding.segment_id:
            continue
        codes = [c for c, _ in (*finding.codes, *finding.noted) if c in IK304_CODES]
        elements = [e for e in (*finding.elements, *finding.noted_elements) if e.code in IK403_CODES]
        if not codes and not elements:
            continue
        for code in dict.fromkeys(codes or ["8"]):
            out.append(["IK3", finding.segment_id[:3], str(finding.position), "", code])
        for e in elements:
            position = str(e.position) if e.component is None else f"{e.position}:{e.component}"
            out.append(["IK4", position, _digits(e.data_element), e.code])
    codes = [c for c, _ in st.codes if c in IK5_CODES]
    if ack == "R" and st.findings and "5" not in codes:
        codes.append("5")
    out.append(["IK5", ack, *list(dict.fromkeys(codes))[:5]])
    return out


def acknowledges(group: GroupResult) -> bool:
    """Whether a 999 can acknowledge this group: a health care group that is not itself an
    acknowledgment."""
    return not group.skipped and group.fic in HEALTH_CARE_GROUPS


def ack_999(
    result: InterchangeResult,
    verdicts: dict[int, list[SetVerdict]],
    text: str,
    now: datetime | None = None,
) -> str | None:
    """The 999 for an interchange whose envelope was read (``verdicts``: per group index, the
    verdict on each set, in order). None when no group can be acknowledged."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    isa = result.interchange.isa
    # one per interchange of the file: two interchanges in one file get two answers a partner's
    # duplicate check keeps apart (the file alone would number both alike)
    icn = control_number(f"{result.interchange.number}|{isa.get(13)}|{text}")
    segs: list[list[str]] = [_isa(isa, icn, now)]
    groups = 0
    for gi, group in enumerate(result.groups):
        if not acknowledges(group):
            continue
        groups += 1
        gcn = str((int(icn) + groups - 1) % 1_000_000_000 or 1)  # its own, like the ISA13
        gs = result.interchange.segment(group.start)
        segs.append(
            [
                "GS",
                "FA",
                gs.get(3),
                gs.get(2),
                now.strftime("%Y%m%d"),
                now.strftime("%H%M"),
                gcn,
                "X",
                VERSION_999,
            ]
        )
        body: list[list[str]] = [
            ["ST", "999", "0001", VERSION_999],
            ["AK1", group.fic, group.control, group.version],
        ]
        accepted = 0
        for verdict in verdicts.get(gi, []):
            st = verdict.result
            if st.set_id not in HEALTH_CARE_SETS:
                continue
            body.extend(_set_segments(st, verdict.ack))
            accepted += verdict.accepted
        ack = group_ack(group, verdicts.get(gi, []))
        accepted = accepted if ack != "R" else 0
        codes = [c for c, _ in group.codes if c in AK9_CODES]
        if not group.supported and "1" not in codes:
            codes.insert(0, "1")
        declared = (
            group.declared_sets
            if group.end >= 0 and not any(c == "3" for c, _ in group.codes)
            else len(group.sets)
        )
        body.append(
            ["AK9", ack, str(declared), str(len(group.sets)), str(accepted), *list(dict.fromkeys(codes))[:5]]
        )
        body.append(["SE", str(len(body) + 1), "0001"])
        segs.extend(body)
        segs.append(["GE", "1", gcn])
    if not groups:
        return None
    segs.append(["IEA", str(groups), icn])
    return render(segs)


def group_ack(group: GroupResult, verdicts: list[SetVerdict]) -> str:
    """AK901: R when the group itself failed or no set was accepted; P when some were; E when all
    were but errors were noted; A when all were, cleanly."""
    if group.codes or not group.supported or not verdicts:
        return "R"
    accepted = [v for v in verdicts if v.accepted]
    if not accepted:
        return "R"
    if len(accepted) < len(verdicts):
        return "P"
    return "E" if any(v.ack == "E" for v in accepted) else "A"


#: TA105 000: no error (an interchange accepted, acknowledged because its ISA14 asked for it)
NO_ERROR = "000"


def ack_ta1(isa: Segment, code: str, text: str, now: datetime | None = None) -> str:
    """A TA1 answering an interchange: rejecting it when its envelope failed (``code``: the TA1
    note code), accepting it (``NO_ERROR``) when it was read and its ISA14 asked for a TA1."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    accepted = code == NO_ERROR
    # its own control number: beside the 999 of the same interchange, never the same
    icn = control_number(f"{'TA1|' if accepted else ''}{isa.get(13)}|{text}")
    segs = [
        _isa(isa, icn, now),
        ["TA1", isa.get(13), isa.get(9), isa.get(10), "A" if accepted else "R", code],
        ["IEA", "0", icn],
    ]
    return render(segs)
