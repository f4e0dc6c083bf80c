"""What a mapping sees of one accepted transaction set: its segments, the guide's loop of each
(from the validator's walk), and event ids derived from content.

An event id is a UUID5 of the envelope (sender, ISA13, GS06, ST02) *and* a digest of the segments
the event comes from (the claim or remittance with the loops it belongs to): the same file read
twice yields the same ids (the worker applies them once), while two different files that reuse
control numbers and patient control numbers never collide.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache

from streams.x12.segments import Delimiters, Interchange, Segment

EVENT_NAMESPACE = uuid.UUID("6f1c1d1e-8a5e-4f8e-9a57-0c5d3b7e8a37")


@dataclass(frozen=True)
class GroupRejected:
    """A 277CA rejection above the claim (no claim is listed, so no claim's status can change):
    ``level`` batch (2200B, the information receiver) or provider (2200C, a billing provider)."""

    level: str
    description: str


@dataclass
class SetView:
    interchange: Interchange
    loops: list[str]
    start: int  # index of the ST
    end: int  # index of the SE
    group_control: str
    #: what the mapping noticed and left out (no values: they may be PHI)
    notes: list[str] = field(default_factory=list)
    #: a payer's rejections of whole groups of claims (277CA above the claim level), no claim named
    groups_rejected: list[GroupRejected] = field(default_factory=list)
    #: why none of the set's items is taken although each was read (every one is refused with it)
    not_taken: str | None = None

    @property
    def delimiters(self) -> Delimiters:
        return self.interchange.delimiters

    @property
    def set_control(self) -> str:
        return self.interchange.segment(self.start).get(2)

    def __iter__(self) -> Iterator[tuple[int, Segment, str]]:
        """(index, segment, loop id) of every segment from ST to SE."""
        raw, loops, element = self.interchange.raw, self.loops, self.interchange.delimiters.element
        for i in range(self.start, self.end + 1):
            yield i, Segment(raw[i - 1].split(element)), loops[i]

    def event_id(self, kind: str, spans: Iterable[tuple[int, int]], ordinal: int = 0) -> uuid.UUID:
        """The id of an event made of the segments in ``spans`` ((first, last) index pairs)."""
        isa = self.interchange.isa
        digest = hashlib.sha256()
        raw = self.interchange.raw
        d = self.interchange.delimiters
        # delimiters are not content: the same data, the same id (one simultaneous mapping: a
        # sender's delimiters may themselves be the stand-ins, 0x1D and 0x1F)
        neutral = str.maketrans({d.element: "\x1f", d.component: "\x1d"})
        for first, last in spans:
            text = "\x1e".join(raw[first - 1 : last]).translate(neutral)
            digest.update(text.encode())
            digest.update(b"\x1e")
        key = "|".join(
            (
                kind,
                isa.get(6).strip(),
                isa.get(13),
                self.group_control,
                self.set_control,
                digest.hexdigest(),
                str(ordinal),
            )
        )
        return uuid.uuid5(EVENT_NAMESPACE, key)


@lru_cache(maxsize=4096)
def parse_date(value: str) -> date | None:
    """CCYYMMDD as a date (None when it is not one). Dates repeat: cached."""
    if len(value) < 8 or not value[:8].isdigit():
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        return None


def parse_datetime(day: str, time: str = "") -> datetime | None:
    """CCYYMMDD and HHMM[SS] as a UTC datetime (None when the date cannot be read)."""
    d = parse_date(day)
    if d is None:
        return None
    t = (time + "000000")[:6] if time.isdigit() else "000000"
    try:
        return datetime(d.year, d.month, d.day, int(t[:2]), int(t[2:4]), int(t[4:6]), tzinfo=UTC)
    except ValueError:
        return datetime(d.year, d.month, d.day, tzinfo=UTC)
