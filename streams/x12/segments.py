"""X12 interchanges as lists of segments (lists of elements), read and written with the delimiters
each ISA header declares.

``read`` takes a whole file: a byte-order mark, blank lines, line breaks and indentation between
segments are formatting, not data, and are dropped, and so is a Ctrl-Z (0x1A, the end-of-file mark
older PC and VAN software appends) after an interchange with all that follows it; a file may hold
several interchanges (each
with its own delimiters). An interchange that cannot be read as one — no ISA, an ISA that is not
the fixed 106 characters, a segment terminator that does not end the segments, no IEA — becomes an
``EnvelopeFailure`` that says so in words a person can act on (and the TA1 note code for it); the
other interchanges of the file are read all the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: ISA element widths (ISA01..ISA16): the ISA is fixed width, 106 characters with its terminator
ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
ISA_LENGTH = 106
_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}\Z")
_FORMATTING = " \t\r\n"


class X12FormatError(ValueError):
    """The bytes are not an X12 interchange."""


@dataclass(frozen=True)
class Delimiters:
    element: str = "*"
    component: str = ":"
    repetition: str = "^"
    segment: str = "~"


class Segment:
    """One segment: ``elements[0]`` is the segment id, ``elements[1]`` the first element."""

    __slots__ = ("elements",)

    def __init__(self, elements: list[str]):
        self.elements = elements

    @property
    def id(self) -> str:
        return self.elements[0]

    def get(self, position: int, default: str = "") -> str:
        """Element ``position`` (1-based, as in the guides: ``CLM01`` is ``get(1)``)."""
        elements = self.elements
        return elements[position] if position < len(elements) else default

    def components(self, position: int, delimiters: Delimiters) -> list[str]:
        return self.get(position).split(delimiters.component)

    def component(self, position: int, sub: int, delimiters: Delimiters) -> str:
        """Component ``sub`` (1-based) of element ``position``: ``SV101-2`` is ``component(1, 2)``."""
        parts = self.get(position).split(delimiters.component)
        return parts[sub - 1] if sub <= len(parts) else ""

    def __repr__(self) -> str:  # segment id and element count only: the values may be PHI
        return f"<Segment {self.elements[0]} ({len(self.elements) - 1} elements)>"


class Interchange:
    """One ISA ... IEA interchange of a file (``number`` counts interchanges in the file from 1).

    Its segments are kept as their text (formatting removed) and split into elements when asked
    for: a 5 MB file is ~270,000 segments, and their element lists would cost far more memory
    than the text while only one is needed at a time."""

    __slots__ = ("delimiters", "isa", "notes", "number", "raw")

    def __init__(
        self,
        delimiters: Delimiters,
        isa: Segment,
        raw: list[str],
        number: int = 1,
        notes: list[str] | None = None,
    ):
        self.delimiters = delimiters
        self.isa = isa
        self.raw = raw  # every segment after the ISA, as text
        self.number = number
        self.notes = notes or []

    def __len__(self) -> int:
        return len(self.raw) + 1

    def segment(self, index: int) -> Segment:
        """Segment ``index`` (0 is the ISA)."""
        return self.isa if index == 0 else Segment(self.raw[index - 1].split(self.delimiters.element))

    @property
    def segments(self) -> list[Segment]:
        return [self.isa, *(Segment(r.split(self.delimiters.element)) for r in self.raw)]

    def of(self, segment_id: str) -> list[Segment]:
        return [s for s in self.segments if s.id == segment_id]


@dataclass
class EnvelopeFailure:
    """An interchange (or the start of a file) that cannot be read as an interchange.

    ``ta1_code`` is the TA1 note code (TA105) that says why; ``isa`` is the ISA when it could be
    read (a TA1 can then be addressed to the sender), else None."""

    reason: str
    ta1_code: str
    number: int = 1
    isa: Segment | None = None
    delimiters: Delimiters | None = None


Reading = list[Interchange | EnvelopeFailure]


def _show(char: str) -> str:
    names = {"\n": "a line feed", "\r": "a carriage return", "\t": "a tab", " ": "a space"}
    if char in names:
        return names[char]
    if ord(char) < 32 or ord(char) == 127:
        return f"the control character 0x{ord(char):02X}"
    return repr(char)


def _describe_start(text: str) -> str:
    head = text[:3]
    if head.startswith(("GS", "ST")) and len(head) > 2 and not head[2].isalnum():
        return f"it starts with a {head[:2]} segment: the ISA interchange header is missing"
    if head.startswith(("{", "[")):
        return "it looks like JSON, not X12"
    if head.startswith("<"):
        return "it looks like XML or HTML, not X12"
    return "an X12 interchange starts with a 106-character ISA segment"


def _read_isa(text: str, start: int) -> tuple[Delimiters, Segment, int] | EnvelopeFailure:
    """The ISA at ``start``: its delimiters, the segment and where the next segment starts."""
    element = text[start + 3] if len(text) > start + 3 else ""
    if not element or element.isalnum() or element in _FORMATTING:
        return EnvelopeFailure(
            "the ISA segment has no valid element separator after 'ISA' (its 4th character)", "026"
        )
    fields: list[str] = []
    pos = start + 4
    for _ in range(15):  # ISA01..ISA15 end at the next element separator
        end = text.find(element, pos)
        if end < 0:
            return EnvelopeFailure(
                f"the ISA segment is cut short: it has {len(fields) + 1} of its 16 elements", "023"
            )
        fields.append(text[pos:end])
        pos = end + 1
    if pos + 1 >= len(text):
        return EnvelopeFailure("the file ends inside the ISA segment", "023")
    component, terminator = text[pos], text[pos + 1]
    fields.append(component)
    isa = Segment(["ISA", *fields])
    wrong = [
        f"ISA{i:02d} has {len(value)} characters (it must have {width})"
        for i, (value, width) in enumerate(zip(fields, ISA_WIDTHS, strict=True), start=1)
        if len(value) != width
    ]
    if wrong:
        return EnvelopeFailure(
            "the ISA segment is fixed width (106 characters) but "
            + "; ".join(wrong[:3])
            + ": its delimiters cannot be trusted",
            {2: "011", 4: "013", 6: "006", 8: "008", 13: "018"}.get(int(wrong[0][3:5]), "022"),
            isa=isa,
        )
    repetition = fields[10]
    delimiters = Delimiters(element, component, repetition, terminator)
    if component.isalnum() or component == element:
        return EnvelopeFailure(
            f"ISA16, the component separator, is {_show(component)}: it must be a special "
            "character different from the element separator",
            "027",
            isa=isa,
        )
    if terminator.isalnum() or terminator in (element, component):
        return EnvelopeFailure(
            f"the segment terminator (the character after ISA16, the ISA's 106th) is "
            f"{_show(terminator)}: it must be a special character different from the element and "
            "component separators (is the ISA segment's terminator missing?)",
            "004",
            isa=isa,
            delimiters=delimiters,
        )
    return delimiters, isa, pos + 2


def _actual_terminator(body: str, d: Delimiters) -> str | None:
    """The character that really ends segments in ``body`` when it is not the declared one: what
    separates the data of a segment from a following IEA/GE/SE/ST segment."""
    for probe in (f"IEA{d.element}", f"GE{d.element}", f"SE{d.element}", f"ST{d.element}"):
        at = body.find(probe, 1)
        while at > 0:
            before = body[:at].rstrip(_FORMATTING)
            gap = body[len(before) : at]
            if before and before[-1] != d.segment:
                char = before[-1]
                if not char.isalnum() and char not in (d.element, d.component, d.repetition, " "):
                    return char
                if gap:
                    return gap[0]  # segments end with line breaks (or spaces)
            at = body.find(probe, at + 1)
    return None


def read(text: str) -> Reading:
    """Every interchange in ``text`` (a whole file), in order; see the module docstring."""
    out: Reading = []
    pos = 0
    n = len(text)
    while True:
        while pos < n and (text[pos] in _FORMATTING or text[pos] == "\ufeff"):
            pos += 1
        if pos >= n:
            break
        number = len(out) + 1
        if out and text[pos] == "\x1a":
            break  # a DOS end-of-file mark after an interchange: nothing after it is data
        if not text.startswith("ISA", pos):
            if out:
                out.append(
                    EnvelopeFailure(
                        "there is data after the last IEA that is not another interchange", "024", number
                    )
                )
            else:
                out.append(EnvelopeFailure(f"not an X12 interchange: {_describe_start(text[pos:])}", "022"))
            break
        isa = _read_isa(text, pos)
        if isinstance(isa, EnvelopeFailure) and any(c in text[pos : pos + 128] for c in "\r\n"):
            # a file wrapped at a fixed width (80 columns: line breaks inside segments, even inside
            # the ISA) whose segment terminator is not a line break: the breaks are not data
            unwrapped = text[:pos] + text[pos:].replace("\r", "").replace("\n", "")
            again = _read_isa(unwrapped, pos)
            if not isinstance(again, EnvelopeFailure) and again[0].segment not in "\r\n":
                text, n, isa = unwrapped, len(unwrapped), again
        if isinstance(isa, EnvelopeFailure):
            isa.number = number
            out.append(isa)
            break  # the delimiters are unknown: nothing after this can be read safely
        delimiters, isa_segment, body_start = isa
        interchange, pos = _read_body(text, body_start, delimiters, isa_segment, number)
        out.append(interchange)
        if isinstance(interchange, EnvelopeFailure):
            break
    if not out:
        out.append(EnvelopeFailure("the file is empty", "022"))
    return out


def _read_body(
    text: str, start: int, d: Delimiters, isa: Segment, number: int
) -> tuple[Interchange | EnvelopeFailure, int]:
    """The segments after the ISA up to and including the IEA; returns where the next interchange
    may start."""
    term, element = d.segment, d.element
    delimiters = (term, element, d.component)
    leading = "".join(c for c in _FORMATTING if c not in delimiters)
    trailing = "".join(c for c in "\r\n" if c not in delimiters)

    def wrong_terminator() -> EnvelopeFailure | None:
        actual = _actual_terminator(text[start:], d)
        if actual is None:
            return None
        return EnvelopeFailure(
            f"wrong segment terminator: the ISA declares {_show(term)} (its 106th character) but the "
            f"segments end with {_show(actual)}",
            "004",
            number,
            isa,
            d,
        )

    # the IEA that ends this interchange: after a terminator (and formatting), before its own
    iea = re.compile(re.escape(term) + f"[{re.escape(leading)}]*IEA" + re.escape(element)).search(
        text, start - 1
    )
    notes: list[str] = []
    if iea is None:
        end = len(text)
    else:
        stop = text.find(term, iea.end())
        end = len(text) if stop < 0 else stop + 1
        if stop < 0:
            notes.append("the last segment (IEA) has no terminator")
    raws = text[start:end].split(term)
    body = [raw for raw in (r.lstrip(leading).rstrip(trailing) for r in raws) if raw]
    first = body[0].split(element, 1)[0] if body else ""
    if first not in ("GS", "TA1", "IEA") or (iea is None and body):
        failure = wrong_terminator()
        if failure is not None:
            return failure, len(text)
    if iea is not None and body and body[-1].split(element, 1)[0] == "IEA":
        return Interchange(d, isa, body, number, notes), end
    cut = bool(raws[-1].strip(leading)) if raws else False
    complete = len(body) + 1 - (1 if cut else 0)
    return EnvelopeFailure(
        f"the interchange ends without an IEA segment: the file stops after {complete} segments"
        f"{', in the middle of the next one' if cut else ''} (truncated?)",
        "023",
        number,
        isa,
        d,
    ), len(text)


def parse(text: str) -> Interchange:
    """The first interchange of ``text``; raises ``X12FormatError`` when it cannot be read."""
    first = read(text)[0]
    if isinstance(first, EnvelopeFailure):
        raise X12FormatError(first.reason)
    return first


def render(segments: list[list[str]], delimiters: Delimiters = Delimiters(), newline: bool = True) -> str:
    """Segments (trailing empty elements dropped) joined with the delimiters; one per line."""
    out = []
    for elements in segments:
        trimmed = list(elements)
        if trimmed[0] != "ISA":
            while len(trimmed) > 1 and trimmed[-1] == "":
                trimmed.pop()
        out.append(delimiters.element.join(trimmed) + delimiters.segment)
    return ("\n" if newline else "").join(out) + ("\n" if newline else "")
