"""A payer's answers read past the guide errors that touch nothing claimflow reads.

A practice's claim file that breaks the guide is rejected: the practice fixes it and sends it again.
A payer's remittance (835) or claim acknowledgment (277CA) is not sent again on request, and
rejecting one loses every decision in it. Real payers' files break the guide where claimflow reads
nothing: no payer technical contact (835 1000A PER*BL), a 4010 leftover in TS3 (TS309, TS311), a
placeholder claim-level service date (277CA 2200D ``DTP*472*D8*10010101``). Such an error is
*noted* (the set is read, and the 999 says accepted with errors noted: IK5 E with its IK3/IK4),
never silently dropped; an error in an element claimflow reads, in the envelope or in the loop
structure still rejects the set.
"""

from __future__ import annotations

from collections.abc import Mapping

from streams.x12.validation import InterchangeResult, SegmentFinding, SetResult

#: what the mappers read (``remit835.py``, ``ack277.py``): segment id → the loops it is read in
#: (None: wherever it is); an element error in any other segment touches nothing read
READ: Mapping[str, Mapping[str, frozenset[str] | None]] = {
    "835": {
        "ST": None,
        "SE": None,
        "BPR": None,  # BPR16: the decisions' date
        "TRN": None,
        "DTM": frozenset({"HEADER"}),  # DTM*405, the production date
        "REF": None,  # REF*2U (the payer), REF*6R (the line a CAS is about)
        "CLP": None,
        "CAS": None,
        "MOA": None,
        "MIA": None,
        "LQ": None,
        "PLB": None,
        "LX": None,
    },
    "277CA": {
        "ST": None,
        "SE": None,
        "BHT": None,  # the answer's date
        "HL": None,
        "TRN": None,
        "STC": None,
        "REF": None,  # REF*1K (the payer's claim number), REF*FJ (the line)
        "SVC": None,
        "DTP": frozenset({"2220D"}),  # a line's service date; the claim-level one is not read
    },
}
#: of the segments read, the elements read when not all are (position from 1): an error in another
#: element touches nothing read — a 277CA line's STC03 action code a payer filled in wrongly
#: (the guide allows only U at 2220D) must not lose the statuses of every claim in the answer
READ_ELEMENTS: Mapping[str, Mapping[str, frozenset[int]]] = {
    "277CA": {"STC": frozenset({1, 2, 4, 10, 11})},  # status, date, amount, further statuses
}
#: required segments whose absence changes nothing claimflow reads (none of them starts a loop)
MISSING_READ_PAST: Mapping[str, frozenset[str]] = {
    "835": frozenset({"PER", "N3", "N4"}),
    "277CA": frozenset({"PER", "DTP", "QTY", "AMT"}),
}
#: IK403 "not used by the guide but has a value": never a value claimflow reads
NOT_USED = "10"


def _reads(transaction: str, finding: SegmentFinding) -> bool:
    loops = READ[transaction].get(finding.segment_id, frozenset())
    return loops is None or finding.loop in loops


def read_past(transaction: str, st: SetResult) -> None:
    """Move a payer answer's errors that touch nothing read to ``noted`` (see the module)."""
    if transaction not in READ or st.codes:
        return
    for finding in st.findings:
        if finding.codes:
            missing = [
                code
                for code in finding.codes
                if code[0] == "3"
                and code[1].startswith("required segment ")
                and finding.segment_id in MISSING_READ_PAST[transaction]
            ]
            if len(missing) != len(finding.codes):
                continue  # anything else about the segment (out of order, unknown) stands
            finding.noted.extend(missing)
            finding.codes = []
        if finding.elements and (
            not _reads(transaction, finding) or all(e.code == NOT_USED for e in finding.elements)
        ):
            finding.noted_elements.extend(finding.elements)
            finding.elements = []
        read_elements = READ_ELEMENTS.get(transaction, {}).get(finding.segment_id)
        if finding.elements and read_elements is not None:
            unread = [e for e in finding.elements if e.position not in read_elements]
            finding.noted_elements.extend(unread)
            finding.elements = [e for e in finding.elements if e.position in read_elements]


def read_past_all(result: InterchangeResult) -> None:
    """``read_past`` for every set of the interchange's payer-answer groups."""
    for group in result.groups:
        if group.supported and not group.codes:
            for st in group.sets:
                read_past(group.transaction, st)
