"""Acknowledgments received: what a clearinghouse's 999 (or 997) says about the transaction sets it
was sent — claimflow's own 837P among them.

A 999 rejecting an 837P set means none of that set's claims reached the payer: no 277CA will ever
come for them. Reading it is the only early signal (the claims would otherwise sit ``ready`` until
someone notices that nothing came back).

The 999 (005010X231A1): per acknowledged group an AK1 (AK101 functional identifier, AK102 the
group control number), per transaction set an AK2 (AK201 the set's identifier, AK202 its control
number) closed by an IK5 (IK501: A accepted, E accepted with errors noted, M / R / W / X rejected),
and the group's AK9 (AK901: A, E, P partly accepted, R rejected; AK902 sets included). A group
rejected whole may carry no AK2 at all: its sets are then counted from AK902. The 997 (004010) is
the same with AK5 in place of IK5. IK3/IK4 say where the errors are; IK404, a copy of the bad
value, may be PHI and is never read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from streams.x12.segments import Segment

Outcome = Literal["accepted", "accepted_with_errors", "rejected"]
#: IK501 / AK501 (and AK901) codes and what they mean for the set
SET_OUTCOMES: dict[str, Outcome] = {
    "A": "accepted",
    "E": "accepted_with_errors",
    "M": "rejected",  # rejected, message authentication code failed
    "R": "rejected",
    "W": "rejected",  # rejected, assurance failed validity tests
    "X": "rejected",  # rejected, content after decryption could not be analysed
}
#: AK101 functional identifier → the transaction set it groups (when a rejected group has no AK2)
GROUP_SETS = {"HC": "837", "HP": "835", "HN": "277", "HR": "276", "HS": "270", "HB": "271", "HI": "278"}
#: set identifiers a metric label may carry (anything else is ``other``); an 837 whose guide
#: (AK203, else AK103) is the institutional or dental one is not claimflow's 837P
KNOWN_SETS = frozenset({"270", "271", "276", "277", "278", "820", "834", "835", "837", "837I", "837D"})
OTHER_837 = {"X223": "837I", "X224": "837D"}


@dataclass(frozen=True)
class SetAcknowledged:
    """One transaction set as the 999 judged it (or a whole group rejected without AK2 loops:
    ``set_control`` None, ``sets`` from AK902)."""

    transaction: str  # AK201 (or from AK101), e.g. "837"
    group_control: str  # AK102: the GS06 of the group that was sent
    set_control: str | None  # AK202: the ST02 of the set that was sent
    code: str  # IK501 / AK501 (AK901 for a group without AK2)
    errors: tuple[str, ...] = ()  # IK502.. (AK905.. for a group)
    sets: int = 1

    @property
    def outcome(self) -> Outcome:
        return SET_OUTCOMES.get(self.code, "rejected")

    @property
    def label(self) -> str:
        return self.transaction if self.transaction in KNOWN_SETS else "other"

    def describe(self) -> str:
        what = (
            f"{self.transaction} set {self.set_control} of group {self.group_control}"
            if self.set_control is not None
            else f"{self.transaction} group {self.group_control} ({self.sets} sets)"
        )
        errors = f", codes {' '.join(self.errors)}" if self.errors else ""
        return f"{what}: {self.outcome.replace('_', ' ')} ({self.code}{errors})"


def read_acknowledgment(segments: Iterable[Segment]) -> list[SetAcknowledged]:
    """The sets one 999/997 transaction set (its segments, ST to SE) acknowledges, in order."""
    out: list[SetAcknowledged] = []
    group_control, group_set, group_guide = "", "other", ""
    transaction: str | None = None
    set_control: str | None = None
    sets_seen = 0
    for seg in segments:
        sid = seg.id
        if sid == "AK1":
            group_control, group_guide = seg.get(2), seg.get(3)
            group_set = _which(GROUP_SETS.get(seg.get(1), "other"), group_guide)
        elif sid == "AK2":
            transaction, set_control = _which(seg.get(1) or group_set, seg.get(3) or group_guide), seg.get(2)
        elif sid in ("IK5", "AK5") and transaction is not None:
            errors = tuple(e for e in seg.elements[2:7] if e)
            out.append(SetAcknowledged(transaction, group_control, set_control, seg.get(1), errors))
            sets_seen += 1
            transaction = set_control = None
        elif sid == "AK9":
            code = seg.get(1)
            included = _count(seg.get(2))
            if sets_seen == 0 and SET_OUTCOMES.get(code, "rejected") == "rejected":
                errors = tuple(e for e in seg.elements[5:10] if e)
                out.append(SetAcknowledged(group_set, group_control, None, code, errors, max(included, 1)))
            sets_seen = 0
    return out


def _which(transaction: str, guide: str) -> str:
    """An 837 acknowledged under the institutional (X223) or dental (X224) guide is named so: it
    is not claimflow's 837P (X222), and its rejection is not one of claimflow's claims."""
    if transaction == "837":
        return next((name for part, name in OTHER_837.items() if part in guide), transaction)
    return transaction


def _count(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return 0
