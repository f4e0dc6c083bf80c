"""X12 interchanges as lists of segments (lists of elements), read and written with the delimiters
the ISA header declares."""

from __future__ import annotations

from dataclasses import dataclass, field


class X12FormatError(ValueError):
    """The bytes are not an X12 interchange."""


@dataclass(frozen=True)
class Delimiters:
    element: str = "*"
    component: str = ":"
    repetition: str = "^"
    segment: str = "~"


@dataclass
class Segment:
    elements: list[str]

    @property
    def id(self) -> str:
        return self.elements[0]

    def get(self, position: int, default: str = "") -> str:
        """Element ``position`` (1-based, as in the guides: ``CLM01`` is ``get(1)``)."""
        return self.elements[position] if position < len(self.elements) else default

    def components(self, position: int, delimiters: Delimiters) -> list[str]:
        return self.get(position).split(delimiters.component)


@dataclass
class Interchange:
    delimiters: Delimiters
    segments: list[Segment] = field(default_factory=list)

    def of(self, segment_id: str) -> list[Segment]:
        return [s for s in self.segments if s.id == segment_id]


def parse(text: str) -> Interchange:
    """Split an interchange into segments. The ISA segment is fixed width: its 4th character is the
    element separator, ISA16 the component separator and the character after it ends segments."""
    text = text.lstrip("\ufeff \r\n\t")
    if not text.startswith("ISA") or len(text) < 106:
        raise X12FormatError("not an X12 interchange: it must start with a 106-character ISA segment")
    element = text[3]
    isa = text[:106].split(element)
    if len(isa) != 17:
        raise X12FormatError(f"ISA segment has {len(isa) - 1} elements, expected 16")
    delimiters = Delimiters(element=element, component=text[104], repetition=isa[11], segment=text[105])
    segments = []
    for raw in text.split(delimiters.segment):
        raw = raw.strip("\r\n\t ")
        if raw:
            segments.append(Segment(raw.split(element)))
    if segments[-1].id != "IEA":
        raise X12FormatError("interchange does not end with IEA (truncated?)")
    return Interchange(delimiters, segments)


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
