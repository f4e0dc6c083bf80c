"""Implementation-guide validation: every functional group of an interchange checked against its
own guide, with findings a person can act on and what the 999 (or TA1) needs.

The rules are pyx12's — its maps (``streams.x12.guide``), its walk through loops and segments
(required segments and loops, repeats, usage), its element checks (usage, length, type, code
lists, syntax rules) and its envelope counts (HL, LX, SE, GE, IEA) — ported to compiled nodes:
pyx12 builds path objects and error trees for every segment, which made a 5 MB 837P take ~20 s.
``tests/streams/x12/test_validation.py`` compares the two on valid and broken files.

Findings name segments, positions, loops and elements, never their values (they may be PHI).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from streams.x12.guide import (
    ACKNOWLEDGMENTS,
    QUALIFIERS,
    CompositeNode,
    ElementNode,
    Guide,
    LoopNode,
    SegmentNode,
    an_invalid,
    control,
    describe_guide,
    guide_for,
)
from streams.x12.segments import Delimiters, Interchange, Segment

_CACHE_LIMIT = 4096
_N = re.compile(r"-?[0-9]+")
_R = re.compile(r"-?[0-9]*(\.[0-9]+)?")
_DIGITS = re.compile(r"[0-9]+")
_CONTROL = re.compile("[\x01-\x07\x09-\x0d\x11-\x17\x1c-\x1f]")
_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}\Z")
DATE_TYPES = ("RD8", "DT", "D8", "D6")


# --------------------------------------------------------------------------------------- results


@dataclass
class ElementFinding:
    position: int  # IK401-1
    component: int | None  # IK401-2
    data_element: str  # IK402
    code: str  # IK403
    message: str


@dataclass
class SegmentFinding:
    segment_id: str  # IK301
    position: int  # IK302: position in the transaction set (ST is 1)
    loop: str  # the guide's loop id (for people; the 999 has no room for it)
    codes: list[tuple[str, str]] = field(default_factory=list)  # IK304 and what it means here
    elements: list[ElementFinding] = field(default_factory=list)
    #: syntax errors that do not reject the set (IK304 and what it means): the segment reads the
    #: same without them; the 999 notes them (IK3, IK5 E)
    noted: list[tuple[str, str]] = field(default_factory=list)
    #: element errors that do not reject the set (a payer's answer, where nothing is read: IK4)
    noted_elements: list[ElementFinding] = field(default_factory=list)

    def where(self) -> str:
        seg_id = self.segment_id if _SEGMENT_ID.match(self.segment_id) else "a segment with an invalid id"
        return f"{seg_id} (segment {self.position}{', loop ' + self.loop if self.loop else ''})"

    def describe(self) -> list[str]:
        where = self.where()
        out = [f"{where}: {message}" for _, message in self.codes]
        out += [f"{where}: {e.message}" for e in self.elements]
        return out


@dataclass
class SetResult:
    """One transaction set (ST ... SE) and what its guide found."""

    set_id: str  # ST01
    control: str  # ST02
    convention: str  # ST03 ("" when absent, as the 835 guide allows)
    start: int  # index of the ST in the interchange's segments
    end: int = -1  # index of the SE (or of the last segment read)
    codes: list[tuple[str, str]] = field(default_factory=list)  # IK502.. and their meaning
    findings: list[SegmentFinding] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return bool(self.codes) or any(f.codes or f.elements for f in self.findings)

    def problems(self) -> list[str]:
        out = [message for _, message in self.codes]
        for finding in self.findings:
            out.extend(finding.describe())
        return out

    def noted(self) -> list[str]:
        """The syntax errors noted without rejecting the set (``SegmentFinding.noted``)."""
        return [
            f"{f.where()}: {message}"
            for f in self.findings
            for message in (*(m for _, m in f.noted), *(e.message for e in f.noted_elements))
        ]


@dataclass
class GroupResult:
    """One functional group (GS ... GE)."""

    fic: str  # GS01
    control: str  # GS06
    version: str  # GS08
    start: int
    end: int = -1
    transaction: str = ""  # 837P, 835, 277CA, 999, or a description of what it is
    supported: bool = True
    skipped: bool = False  # an acknowledgment group: recognised, not processed, not acknowledged
    declared_sets: int = 0  # GE01
    sets: list[SetResult] = field(default_factory=list)
    codes: list[tuple[str, str]] = field(default_factory=list)  # AK905.. and their meaning

    def problems(self) -> list[str]:
        return [message for _, message in self.codes]


@dataclass
class InterchangeResult:
    interchange: Interchange
    groups: list[GroupResult] = field(default_factory=list)
    codes: list[tuple[str, str]] = field(default_factory=list)  # TA1 note codes and their meaning
    #: the guide's loop id of every segment (by index; "" where the guide placed none)
    loops: list[str] = field(default_factory=list)
    #: TA1 segments (interchange acknowledgments) outside any group: recognised, not checked
    ta1_segments: int = 0

    @property
    def envelope_ok(self) -> bool:
        return not self.codes


# ----------------------------------------------------------------------------- element checks


def _valid_date(data_type: str, value: str) -> bool:
    if data_type == "D8" and len(value) != 8:
        return False
    if data_type == "D6" and len(value) != 6:
        return False
    if not _DIGITS.fullmatch(value) or len(value) not in (6, 8, 12):
        return False
    if len(value) == 6:
        value = ("20" if int(value[0:2]) < 50 else "19") + value
    year, month, day = int(value[0:4]), int(value[4:6]), int(value[6:8])
    if year < 1800 or not 1 <= month <= 12:
        return False
    if month in (1, 3, 5, 7, 8, 10, 12):
        last = 31
    elif month in (4, 6, 9, 11):
        last = 30
    else:
        last = 29 if (not year % 4 and not (not year % 100 and year % 400)) else 28
    if not 1 <= day <= last:
        return False
    return len(value) != 12 or _valid_time(value[8:12])


def _valid_time(value: str) -> bool:
    if not _DIGITS.fullmatch(value):
        return False
    if value[0:2] > "23" or value[2:4] > "59":
        return False
    return not (len(value) > 4 and (len(value) < 6 or value[4:6] > "59" or len(value) > 8))


def valid_type(value: str, data_type: str) -> bool:
    """pyx12's data type check (``validation.IsValidDataType``, extended character set, 5010)."""
    if not data_type:
        return True
    if data_type[0] == "N":
        return _N.fullmatch(value) is not None
    if data_type == "R":
        return _R.fullmatch(value) is not None
    if data_type in ("ID", "AN"):
        return not an_invalid(value)
    if data_type == "RD8":
        parts = value.split("-")
        return len(parts) == 2 and valid_type(parts[0], "D8") and valid_type(parts[1], "D8")
    if data_type in ("DT", "D8", "D6"):
        return _valid_date(data_type, value)
    if data_type == "TM":
        return _valid_time(value)
    return data_type == "B"


def _label(el: ElementNode) -> str:
    return f"{el.refdes} ({el.name})" if el.name else el.refdes


def _element_errors(
    el: ElementNode, value: str | None, types: list[str] | None
) -> tuple[tuple[str, str], ...]:
    """(IK403 code, message) for one element or component value (None: absent)."""
    if not value:
        if el.usage == "R" and (el.seq != 1 or not el.in_composite or el.composite_required):
            return (("1", f"required element {_label(el)} is missing"),)
        return ()
    if el.usage == "N":
        return (("10", f"{_label(el)} is not used by this guide but has a value"),)
    out: list[tuple[str, str]] = []
    numeric = el.data_type == "R" or el.data_type[:1] == "N"
    length = len(value.replace("-", "").replace(".", "")) if numeric else len(value)
    if length < el.min_len:
        out.append(("4", f"{_label(el)} is too short ({length} < {el.min_len} characters)"))
    if length > el.max_len:
        out.append(("5", f"{_label(el)} is too long ({length} > {el.max_len} characters)"))
    if _CONTROL.search(value):
        out.append(("6", f"{_label(el)} contains a control character"))
        return tuple(out)
    if el.data_type in ("AN", "ID") and value[-1] == " " and len(value.rstrip()) >= el.min_len:
        out.append(("6", f"{_label(el)} has trailing spaces"))
    if (el.codes is not None or el.external is not None) and not (
        (el.codes is not None and value in el.codes) or (el.external is not None and value in el.external)
    ):
        out.append(("7", f"{_label(el)} is not one of the guide's codes for it"))
    if not valid_type(value, el.data_type):
        if el.data_type in DATE_TYPES:
            out.append(("8", f"{_label(el)} is not a valid date"))
        elif el.data_type == "TM":
            out.append(("9", f"{_label(el)} is not a valid time"))
        else:
            out.append(("6", f"{_label(el)} has a character its type ({el.data_type}) does not allow"))
    if types and not any(valid_type(value, t) for t in types):
        if "TM" in types:
            out.append(("9", f"{_label(el)} is not a valid time"))
        elif any(t in types for t in DATE_TYPES):
            out.append(("8", f"{_label(el)} is not a valid date for its format qualifier"))
    if el.regex is not None and not el.regex.search(value):
        out.append(("7", f"{_label(el)} does not have the form the guide requires"))
    return tuple(out)


def check_element(el: ElementNode, value: str | None) -> tuple[tuple[str, str], ...]:
    """``_element_errors`` through the element's cache (codes, dates and amounts repeat)."""
    if value is None:
        return _element_errors(el, None, None)
    cache = el.cache
    found = cache.get(value)
    if found is None:
        found = _element_errors(el, value, None)
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[value] = found
    return found


SegmentErrors = list[tuple[str, str, ElementNode | None]]


def check_segment(node: SegmentNode, seg: Segment, d: Delimiters) -> SegmentErrors:
    """pyx12's segment check: element count, each element/composite, syntax rules. Errors without
    an element (too many elements, syntax, a required composite missing) are segment-level."""
    elements = seg.elements
    n = len(elements) - 1
    children = node.children
    count = len(children)
    out: SegmentErrors = []
    if n > count:
        out.append(("3", f"{node.id} has {n} elements; the guide defines {count}", None))
    comp = d.component
    date_format: list[str] = []
    formats: list[str] = []
    is_dtp = node.id == "DTP"
    for i in range(min(n, count)):
        child = children[i]
        value = elements[i + 1]
        if type(child) is CompositeNode:
            out.extend(_check_composite(child, value.split(comp)))
            continue
        assert type(child) is ElementNode
        if comp in value:
            out.append(("6", f"{_label(child)} holds components but is a simple element", child))
            continue
        if is_dtp and i == 1 and value in ("RD8", "D8", "D6", "DT", "TM"):
            date_format = [value]
        if child.is_1250:
            formats.extend(child.valid_codes)
        if is_dtp and i == 2:
            errors = _element_errors(child, value, date_format)
        elif child.is_1251 and formats:
            errors = _element_errors(child, value, formats)
        else:
            errors = check_element(child, value)
        for code, message in errors:
            out.append((code, message, child))
    for child in node.required_from[min(n, count)]:
        if type(child) is CompositeNode:
            out.extend(_check_composite(child, None))
        else:
            assert type(child) is ElementNode
            for code, message in check_element(child, None):
                out.append((code, message, child))
    for kind, positions in node.syntax:
        broken = _syntax(kind, positions, elements, node.id)
        if broken is not None:
            out.append(("10" if kind == "E" else "2", broken, None))
    return out


_NOTHING: tuple[tuple[str, str] | None, SegmentErrors] = (None, [])


def checked(
    node: SegmentNode, seg: Segment, d: Delimiters, raw: str
) -> tuple[tuple[str, str] | None, SegmentErrors]:
    """(what the reader says of the segment, what its guide node says), through the node's cache
    (keyed by the segment's text and the delimiters it was split with)."""
    key = (d.element, d.component, raw)
    cache = node.cache
    found = cache.get(key)
    if found is None:
        problem = _segment_problem(seg)
        if problem is TRAILING_SEPARATORS:  # the elements are checked as they read without them
            seg = Segment(seg.elements[: _last_filled(seg.elements) + 1])
            problem = _segment_problem(seg) or TRAILING_SEPARATORS
        errors = check_segment(node, seg, d)
        found = _NOTHING if problem is None and not errors else (problem, errors)
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[key] = found
    return found


def _check_composite(node: CompositeNode, parts: list[str] | None) -> SegmentErrors:
    empty = parts is None or not any(parts)
    if empty and node.usage in ("N", "S"):
        return []
    if node.usage == "R" and empty:
        return [("1", f"required composite {node.refdes} ({node.name}) is missing", None)]
    assert parts is not None
    if node.usage == "N":
        return [("5", f"composite {node.refdes} is not used by this guide but has a value", None)]
    out: SegmentErrors = []
    children = node.children
    if len(parts) > len(children):
        out.append(("3", f"{node.refdes} has more components than the guide defines", None))
    for i, child in enumerate(children):
        value = parts[i] if i < len(parts) else None
        for code, message in check_element(child, value):
            out.append((code, message, child))
    return out


def _present(elements: list[str], position: int) -> bool:
    return position < len(elements) and elements[position] != ""


def _syntax(kind: str, positions: list[int], elements: list[str], seg_id: str) -> str | None:
    """pyx12's syntax rules (P paired, R required one, E exclusive, C conditional, L list)."""
    present = [_present(elements, p) for p in positions]
    if kind == "P":
        broken = any(present) and not all(present)
    elif kind == "R":
        broken = not any(present)
    elif kind == "E":
        broken = sum(present) > 1
    elif kind == "C":
        broken = present[0] and not all(present[1:])
    elif kind == "L":
        broken = present[0] and not any(present[1:])
    else:
        return f"unknown syntax rule {kind} in the guide"
    if not broken:
        return None
    names = ", ".join(f"{seg_id}{p:02d}" for p in positions)
    rest = names.split(", ", 1)[-1]
    return {
        "P": f"if any of {names} is present, all are required",
        "R": f"at least one of {names} is required",
        "E": f"at most one of {names} may be present",
        "C": f"when {seg_id}{positions[0]:02d} is present, {rest} must be too",
        "L": f"when {seg_id}{positions[0]:02d} is present, one of {rest} is required",
    }[kind]


# ---------------------------------------------------------------------------------------- walk


class _Missing:
    __slots__ = ("code", "message", "node", "seg_count")

    def __init__(self, code: str, message: str, node: SegmentNode, seg_count: int):
        self.code, self.message, self.node, self.seg_count = code, message, node, seg_count


#: a walk finding: (IK304 code, message, the node it is reported on (None: the segment before),
#: the segment id, position)
WalkError = tuple[str, str, "SegmentNode | LoopNode | None", str, int]


class Walker:
    """pyx12's map walker (``map_walker.walk_tree``): from the node of the previous segment, find
    the node of this one, counting loops and segments and noting what is missing on the way."""

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}
        #: key → the keys right under it counted since it was last entered, loops included even
        #: when not counted themselves (pyx12 scans every counter for the loop's path on each loop
        #: entry; this finds them directly)
        self.under: dict[int, set[int]] = {}
        self.parents: list[int] = []
        self.missing: list[_Missing] = []
        self.pending: list[WalkError] = []
        self.ancestors: list[frozenset[int]] = []
        self.scans: dict[tuple[int, int], list[LoopNode | SegmentNode]] = {}
        #: (node, segment id, what the segment can match on) → the route: for each loop scanned,
        #: the index of the child found (or None) and the children before it whose absence the walk
        #: must note. The scan order is the guide's: only the counter checks are done again
        self.routes: dict[tuple[int, str, tuple[str | None, ...]], list[Any]] = {}

    def use(self, guide: Guide) -> None:
        self.ancestors = guide.paths.ancestors
        self.parents = guide.paths.parents

    # counters --------------------------------------------------------------------------------
    def count(self, key: int) -> int:
        """Count one more of ``key``; returns the new count."""
        counts = self.counts
        n = counts.get(key)
        if n is not None:
            counts[key] = n + 1
            return n + 1
        counts[key] = 1
        under, parents = self.under, self.parents
        parent = parents[key]
        while parent >= 0:  # register the key under its parent, and the parent under its own
            keys = under.get(parent)
            if keys is not None:
                keys.add(key)
                break
            under[parent] = {key}
            key, parent = parent, parents[parent]
        return 1

    def reset_under(self, key: int) -> None:
        """Forget the counts under a loop's path (pyx12's ``reset_to_node``)."""
        keys = self.under.pop(key, None)
        if keys:
            counts, under = self.counts, self.under
            for k in keys:
                counts.pop(k, None)
                if k in under:
                    self.reset_under(k)

    def force_loop_start(self, loop: LoopNode, first: SegmentNode) -> None:
        self.reset_under(loop.key)
        self.count(loop.key)
        self.count(first.key)

    # matching --------------------------------------------------------------------------------
    @staticmethod
    def matches(node: SegmentNode, seg: Segment, comp: str) -> bool:
        if seg.elements[0] != node.id:
            return False
        q = node.qualifier
        if q is None:
            return True
        position, sub, codes = q
        elements = seg.elements
        if position >= len(elements):
            return False
        value = elements[position]
        if sub is None:
            return value.rstrip(comp) in codes
        parts = value.split(comp)
        return sub <= len(parts) and parts[sub - 1] in codes

    def _scan(self, loop: LoopNode, pos: int) -> list[LoopNode | SegmentNode]:
        key = (id(loop), pos)
        found = self.scans.get(key)
        if found is None:
            found = self.scans[key] = loop.after(pos)
        return found

    def walk(
        self, node: SegmentNode, seg: Segment, seg_count: int, comp: str
    ) -> tuple[SegmentNode | None, list[WalkError]]:
        """pyx12's walk from ``node`` to the node of ``seg``: up through the loops, scanning each
        from where the walk is; the route depends only on the node and what the segment can
        match on, so it is planned once per (node, segment shape) and replayed, counters and all."""
        self.missing = []
        self.pending = []
        key = (id(node), seg.elements[0], self._shape(seg, comp))
        route = self.routes.get(key)
        if route is None:
            if len(self.routes) > 100_000:
                self.routes.clear()
            route = self.routes[key] = self._route(node, seg, comp)
        counts = self.counts
        for loop, scan, index, effects, again in route:
            for skipped in effects:
                if type(skipped) is SegmentNode:
                    if counts.get(skipped.key, 0) < 1:
                        self.missing.append(
                            _Missing(
                                "3",
                                f"required segment {skipped.id} ({skipped.name}) is missing",
                                skipped,
                                seg_count,
                            )
                        )
                else:
                    assert type(skipped) is LoopNode
                    self._not_entered(skipped, seg_count)
            if index is not None:
                return self._take(loop, scan[index], again, seg, seg_count, comp), self.pending
        self.pending.append(("1", self._not_found(node, seg), node, seg.elements[0], seg_count))
        return None, self.pending

    def _route(self, node: SegmentNode, seg: Segment, comp: str) -> list[Any]:
        """For each loop the walk scans: (loop, its scan, the index of the child found or None,
        the children before it whose absence is noted, whether the segment found also starts a
        new iteration of the loop)."""
        out = []
        pos, loop = node.pos, node.parent
        while True:
            scan = self._scan(loop, pos)
            index, effects = self._plan(scan, seg, comp)
            again = False
            if index is not None and type(scan[index]) is SegmentNode and not loop.is_root:
                child = scan[index]
                # pyx12 takes a segment that is also its loop's first for a new iteration of the
                # loop; a first segment that may itself repeat (PLB, first and only segment of the
                # 835 footer) is a repeat of the segment: the guide allows many PLBs
                again = not (child is loop.first_seg and child.max_use > 1) and self._could_enter(
                    loop, seg, comp
                )
            out.append((loop, scan, index, effects, again))
            if index is not None or loop.is_root:
                return out
            pos = loop.pos
            assert loop.parent is not None
            loop = loop.parent

    def _take(
        self,
        loop: LoopNode,
        child: LoopNode | SegmentNode,
        again: bool,
        seg: Segment,
        seg_count: int,
        comp: str,
    ) -> SegmentNode | None:
        """What pyx12 does once the scan of ``loop`` found ``child`` for the segment."""
        if type(child) is LoopNode:
            matched = self._loop_matches(child, seg, seg_count, comp)  # its own side effects, as pyx12
            assert matched
            return self._enter(child, seg, seg_count, comp)
        assert type(child) is SegmentNode
        if again:
            self._loop_matches(loop, seg, seg_count, comp)  # its side effects, as pyx12
            return self._enter(loop, seg, seg_count, comp)
        if not loop.is_root:
            self._not_entered(loop, seg_count)  # what pyx12's failed check of the loop notes
        used = self.count(child.key)
        if child.usage == "N" or used > child.max_use:
            self._check_segment_usage(child, seg, seg_count)
        if self.missing:
            eq = child.eq
            self.missing = [m for m in self.missing if m.node.eq != eq]
            self._flush(child.pos)
        return child

    @staticmethod
    def _not_found(orig: SegmentNode, seg: Segment) -> str:
        sid = seg.elements[0]
        if not _SEGMENT_ID.match(sid):
            return f"a segment with an invalid id follows {orig.id} (loop {orig.loop_id})"
        loop: LoopNode | None = orig.parent
        while loop is not None:
            same = [c for c in loop.children if isinstance(c, SegmentNode) and c.id == sid and c.qualifier]
            if same:
                q = same[0].qualifier
                assert q is not None
                where = f"{sid}{q[0]:02d}" + (f"-{q[1]}" if q[1] else "")
                return (
                    f"{sid} is not expected after {orig.id} (loop {orig.loop_id}): its qualifier ({where}) "
                    "is not one the guide allows there, or the segment is out of order"
                )
            loop = loop.parent
        return f"{sid} is not expected after {orig.id} (loop {orig.loop_id}): out of order, or not part of this guide"

    @staticmethod
    def _shape(seg: Segment, comp: str) -> tuple[str | None, ...]:
        """The values ``matches`` reads from a segment: its qualifiers wherever a guide looks."""
        elements = seg.elements
        out: list[str | None] = []
        for position, sub in QUALIFIERS.get(elements[0], ()):
            if position >= len(elements):
                out.append(None)
            elif sub is None:
                out.append(elements[position].rstrip(comp))
            else:
                parts = elements[position].split(comp)
                out.append(parts[sub - 1] if sub <= len(parts) else None)
        return tuple(out)

    def _plan(
        self, scan: list[LoopNode | SegmentNode], seg: Segment, comp: str
    ) -> tuple[int | None, tuple[LoopNode | SegmentNode, ...]]:
        effects: list[LoopNode | SegmentNode] = []
        for i, child in enumerate(scan):
            if type(child) is SegmentNode:
                if self.matches(child, seg, comp):
                    return i, tuple(effects)
                if child.usage == "R":
                    effects.append(child)
            else:
                assert type(child) is LoopNode
                if self._could_enter(child, seg, comp):
                    return i, tuple(effects)
                effects.append(child)
        return None, tuple(effects)

    def _could_enter(self, loop: LoopNode, seg: Segment, comp: str) -> bool:
        """``_loop_matches`` without its side effects."""
        first = loop.first
        if first is None:
            return False
        if type(first) is LoopNode:
            return any(type(c) is LoopNode and self._could_enter(c, seg, comp) for c in loop.children)
        assert type(first) is SegmentNode
        return self.matches(first, seg, comp)

    def _not_entered(self, loop: LoopNode, seg_count: int) -> None:
        """The side effects of ``_loop_matches`` for a loop the segment does not start."""
        first = loop.first
        if first is None:
            return
        if type(first) is LoopNode:
            for child in loop.children:
                if type(child) is LoopNode:
                    self._not_entered(child, seg_count)
            return
        if loop.usage == "R" and self.counts.get(loop.key, 0) < 1:
            assert type(first) is SegmentNode
            self.missing.append(
                _Missing("3", f"required loop {loop.id} ({loop.name}) is missing", first, seg_count)
            )

    def _loop_matches(self, loop: LoopNode, seg: Segment, seg_count: int, comp: str) -> bool:
        first = loop.first
        if first is None:
            return False
        if type(first) is LoopNode:
            return any(
                type(child) is LoopNode and self._loop_matches(child, seg, seg_count, comp)
                for child in loop.children
            )
        assert type(first) is SegmentNode
        if self.matches(first, seg, comp):
            return True
        if loop.usage == "R" and self.counts.get(loop.key, 0) < 1:
            self.missing.append(
                _Missing("3", f"required loop {loop.id} ({loop.name}) is missing", first, seg_count)
            )
        return False

    def _enter(self, loop: LoopNode, seg: Segment, seg_count: int, comp: str) -> SegmentNode | None:
        first = loop.first_seg
        if first is not None and self.matches(first, seg, comp):
            self._check_loop_usage(loop, seg, seg_count)
            self.count(first.key)
            self._flush(None)
            return first
        for child in loop.children:
            if type(child) is LoopNode:
                found = self._enter(child, seg, seg_count, comp)
                if found is not None:
                    return found
        return None

    def _check_segment_usage(self, node: SegmentNode, seg: Segment, seg_count: int) -> None:
        if node.usage == "N":
            self.pending.append(
                ("2", f"{node.id} ({node.name}) is not used by this guide", None, seg.elements[0], seg_count)
            )
        elif self.counts[node.key] > node.max_use:
            self.pending.append(
                (
                    "5",
                    f"{node.id} ({node.name}) repeats more than the {node.max_use} times the guide allows",
                    node,
                    seg.elements[0],
                    seg_count,
                )
            )

    def _check_loop_usage(self, loop: LoopNode, seg: Segment, seg_count: int) -> None:
        if loop.usage == "N":
            self.pending.append(
                (
                    "2",
                    f"loop {loop.id} ({loop.name}) is not used by this guide",
                    None,
                    seg.elements[0],
                    seg_count,
                )
            )
            return
        self.reset_under(loop.key)
        count = self.count(loop.key)
        if count > loop.max_repeat:
            self.pending.append(
                (
                    "4",
                    f"loop {loop.id} ({loop.name}) repeats more than the {loop.max_repeat} times the "
                    "guide allows",
                    loop,
                    seg.elements[0],
                    seg_count,
                )
            )

    def _flush(self, pos: int | None) -> None:
        keep = []
        for m in self.missing:
            if m.node.pos != pos:
                self.pending.append((m.code, m.message, m.node, m.node.id, m.seg_count))
            else:
                keep.append(m)
        self.missing = keep


# ------------------------------------------------------------------------------------ the driver


def _int(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


class _SetState:
    __slots__ = (
        "by_position",
        "claim_without_status",
        "hl_count",
        "hl_stack",
        "lx_count",
        "previous",
        "result",
        "seg_count",
        "skip",
    )

    def __init__(self, result: SetResult):
        self.result = result
        self.seg_count = 1
        self.hl_count = 0
        self.hl_stack: list[int] = []
        self.lx_count = 0
        self.by_position: dict[tuple[int, str], SegmentFinding] = {}
        self.previous: tuple[str, int, str] = ("ST", 1, "ST_LOOP")
        self.skip = False  # a set claimflow does not read: its segments are not checked
        self.claim_without_status = False  # 277CA: a claim's TRN read, no STC of it yet

    def finding(self, seg_id: str, position: int, loop: str) -> SegmentFinding:
        key = (position, seg_id)
        found = self.by_position.get(key)
        if found is None:
            found = self.by_position[key] = SegmentFinding(seg_id, position, loop)
            self.result.findings.append(found)
        return found


#: trailing element separators (``SVC*HC:97001*385.21*0.01*0424*1*~``): an X12 syntax error payers'
#: systems commit often, and one that changes nothing the segment says. Noted, never rejected: a
#: remittance refused for it would lose its payments and denials.
TRAILING_SEPARATORS = (
    "8",
    "the segment ends with element separators (trailing empty elements must be left out)",
)


def _last_filled(elements: list[str]) -> int:
    last = len(elements) - 1
    while last > 0 and elements[last] == "":
        last -= 1
    return last


def _segment_problem(seg: Segment) -> tuple[str, str] | None:
    """What pyx12's reader says of a segment before any guide: bad id, trailing separators, empty."""
    elements = seg.elements
    if not _SEGMENT_ID.match(elements[0]):
        return ("1", "the segment id is not a valid segment identifier")
    if len(elements) > 1 and elements[-1] == "":
        return TRAILING_SEPARATORS
    if not any(elements[1:]):
        return ("8", "the segment is empty")
    return None


_ISA_CODES = {1: "010", 2: "011", 3: "012", 4: "013", 5: "005", 6: "006", 7: "007", 8: "008",
              9: "014", 10: "015", 11: "016", 12: "017", 13: "018", 14: "019", 15: "020", 16: "027"}  # fmt: skip


def _envelope_codes(
    node: SegmentNode, seg: Segment, d: Delimiters, codes: dict[int, str], default: str
) -> list[tuple[str, str]]:
    """Element findings on ISA/IEA/GS as TA1 note codes or AK905 codes (by element position)."""
    return [
        (codes.get(el.position, default) if el is not None else default, message)
        for _code, message, el in check_segment(node, seg, d)
    ]


class _Run:
    """The state of one interchange's validation (see ``validate``)."""

    def __init__(self, interchange: Interchange, check_sets: bool = True):
        self.check_sets = check_sets
        self.result = InterchangeResult(interchange, loops=[""] * len(interchange))
        self.d = interchange.delimiters
        self.walker = Walker()
        self.group: GroupResult | None = None
        self.guide: Guide | None = None
        self.node: SegmentNode | None = None
        self.state: _SetState | None = None
        self.group_ids: set[str] = set()
        self.set_ids: set[str] = set()
        self.group_count = 0
        self.set_count = 0

    def close_set(self, at: int, trailer_missing: bool) -> None:
        if self.state is None:
            return
        self.state.result.end = at
        if trailer_missing:
            self.state.result.codes.append(("2", "the transaction set has no SE trailer"))
        self.state = None

    def close_group(self, at: int, trailer_missing: bool) -> None:
        self.close_set(at - 1, True)
        if self.group is not None:
            self.group.end = at
            if trailer_missing:
                self.group.codes.append(("3", "the functional group has no GE trailer"))
        self.group, self.guide, self.node = None, None, None

    def isa(self, seg: Segment) -> None:
        codes = self.result.codes
        if seg.get(12) != "00501":
            codes.append(
                ("003", f"ISA12 is {seg.get(12) or 'empty'}: claimflow reads 00501 (5010) interchanges")
            )
        else:
            # ISA16 is the component separator itself: the ISA is never split into components
            whole = Delimiters(self.d.element, self.d.element, self.d.repetition, self.d.segment)
            # ISA11 and ISA16 are delimiters, not data: a sender may pick control characters for
            # them (pharmacy benefit managers' ERAs use 0x1D-0x1F), checked here as printable ones
            elements = list(seg.elements)
            for position, stand_in in ((11, "^"), (16, ":")):
                if (
                    position < len(elements)
                    and len(elements[position]) == 1
                    and _CONTROL.match(elements[position])
                ):
                    elements[position] = stand_in
            checked = Segment(elements)
            codes.extend(_envelope_codes(control().node("/ISA_LOOP/ISA"), checked, whole, _ISA_CODES, "022"))

    def iea(self, index: int, seg: Segment) -> None:
        if self.group is not None:
            self.close_group(index, True)
        codes = self.result.codes
        codes.extend(
            _envelope_codes(control().node("/ISA_LOOP/IEA"), seg, self.d, {1: "021", 2: "018"}, "022")
        )
        if seg.get(2) != self.result.interchange.isa.get(13):
            codes.append(("001", "IEA02 does not match the interchange control number in ISA13"))
        if _int(seg.get(1)) != self.group_count:
            codes.append(
                (
                    "021",
                    f"IEA01 says {seg.get(1) or 'nothing'} functional groups; the interchange has "
                    f"{self.group_count}",
                )
            )

    def gs(self, index: int, seg: Segment) -> None:
        if self.group is not None:
            self.close_group(index, True)
        self.group_count += 1
        fic, version = seg.get(1), seg.get(8)
        group = self.group = GroupResult(fic, seg.get(6), version, index)
        self.result.groups.append(group)
        self.set_ids, self.set_count = set(), 0
        if group.control in self.group_ids:
            group.codes.append(("19", "GS06, the group control number, is not unique in the interchange"))
        self.group_ids.add(group.control)
        guide = self.guide = guide_for(version)
        if version in ACKNOWLEDGMENTS or fic == "FA":
            group.transaction = ACKNOWLEDGMENTS.get(version, "999")
            group.skipped = True
            group.supported = False
        elif guide is None:
            group.transaction = describe_guide(fic, version)
            group.supported = False
        else:
            group.transaction = guide.name
            self.walker.use(guide)
            self.node = guide.gs
            self.walker.force_loop_start(guide.node("/ISA_LOOP/GS_LOOP"), guide.gs)
            group.codes.extend(_envelope_codes(guide.gs, seg, self.d, {6: "6", 8: "2"}, "1"))

    def ge(self, index: int, seg: Segment) -> None:
        group = self.group
        assert group is not None
        self.close_set(index - 1, True)
        group.declared_sets = _int(seg.get(1)) or 0
        if self.guide is not None:
            group.codes.extend(
                _envelope_codes(self.guide.node("/ISA_LOOP/GS_LOOP/GE"), seg, self.d, {1: "5", 2: "6"}, "")
            )
        if seg.get(2) != group.control:
            group.codes.append(("4", "GE02 does not match the group control number in GS06"))
        if _int(seg.get(1)) != self.set_count:
            group.codes.append(
                ("5", f"GE01 says {seg.get(1) or 'nothing'} transaction sets; the group has {self.set_count}")
            )
        group.end = index
        self.group, self.guide, self.node = None, None, None

    def st(self, index: int, seg: Segment) -> None:
        group = self.group
        assert group is not None
        self.close_set(index - 1, True)
        self.set_count += 1
        st = SetResult(seg.get(1), seg.get(2), seg.get(3), index)
        group.sets.append(st)
        state = self.state = _SetState(st)
        if st.control in self.set_ids:
            st.codes.append(("23", "ST02, the transaction set control number, is not unique in the group"))
        self.set_ids.add(st.control)
        guide = self.guide
        if not group.supported or guide is None or self.node is None:
            state.skip = True
            if not group.skipped:
                st.codes.append(("1", f"{group.transaction}: not a transaction claimflow reads"))
            return
        if st.set_id != guide.st01:
            state.skip = True
            st.codes.append(
                (
                    "6",
                    f"ST01 is {st.set_id or 'empty'} but GS08 names the {guide.name} guide "
                    f"(transaction {guide.st01})",
                )
            )
            return
        if not self.check_sets:  # the envelope only: the set is checked on its own (``validate_set``)
            state.skip = True
            return
        found, errors = self.walker.walk(self.node, seg, 1, self.d.component)
        self._apply_walk(state, errors)
        if found is not None:
            self.node = found
            for _code, message, el in check_segment(found, seg, self.d):
                position = el.position if el is not None else 0
                st.codes.append(({1: "6", 2: "7"}.get(position, "5"), message))

    def segment(self, index: int, seg: Segment, raw: str) -> None:
        sid = seg.elements[0]
        group, state, guide, node = self.group, self.state, self.guide, self.node
        assert group is not None
        if state is None:
            last = group.sets[-1] if group.sets else None
            if last is not None and not group.skipped:
                last.findings.append(
                    SegmentFinding(
                        sid, 0, "", [("2", "the segment is outside any transaction set (after SE)")]
                    )
                )
            elif last is None and not group.skipped:
                group.codes.append(("", "the group has segments outside any transaction set"))
            return
        if state.skip:
            if sid == "SE":
                self.close_set(index, False)
            return
        assert guide is not None and node is not None
        st = state.result
        if sid != "SE":
            state.seg_count += 1
        seg_count = state.seg_count
        if sid == "SE":
            if seg.get(2) != st.control:
                st.codes.append(("3", "SE02 does not match the transaction set control number in ST02"))
            if _int(seg.get(1)) != seg_count + 1:
                st.codes.append(
                    (
                        "4",
                        f"SE01 says {seg.get(1) or 'nothing'} segments; the transaction set has {seg_count + 1}",
                    )
                )
        numbering: tuple[str, str] | None = None
        if sid == "HL":
            state.hl_count += 1
            if _int(seg.get(1)) != state.hl_count:
                numbering = ("8", f"HL01 should be {state.hl_count} (HL segments are numbered in order)")
            if seg.get(2) != "":
                parent = _int(seg.get(2))
                if (parent is None or parent not in state.hl_stack) and numbering is None:
                    numbering = ("8", "HL02 does not name an earlier HL that can be its parent")
                while state.hl_stack and parent != state.hl_stack[-1]:
                    state.hl_stack.pop()
            state.hl_stack.append(state.hl_count)
        elif guide.st01 == "837":
            if sid == "CLM":
                state.lx_count = 0
            elif sid == "LX":
                state.lx_count += 1
                if seg.get(1) != str(state.lx_count):
                    numbering = (
                        "8",
                        f"LX01 should be {state.lx_count} (service lines are numbered from 1 in each claim)",
                    )
        found, errors = self.walker.walk(node, seg, seg_count, self.d.component)
        if errors:
            self._apply_walk(state, errors)
        if found is not None:
            self.node = found
            loop = found.loop_id
            self.result.loops[index] = loop
            problem, errors_here = checked(found, seg, self.d, raw)
        else:
            loop = ""
            problem, errors_here = _segment_problem(seg), []
        noted = problem if problem is TRAILING_SEPARATORS else None
        problem = numbering if noted is not None else problem or numbering
        if problem is not None or errors_here or noted is not None:
            finding = state.finding(sid, seg_count, loop)
            if noted is not None:
                finding.noted.append(noted)
            if problem is not None:
                finding.codes.append(problem)
            for code, message, el in errors_here:
                if el is None:
                    finding.codes.append(("8", message))
                else:
                    finding.elements.append(
                        ElementFinding(el.position, el.component, el.data_ele, code, message)
                    )
        if guide.st01 == "277":
            self._claim_status_required(state, sid, seg_count, loop)
        state.previous = (sid, seg_count, loop)
        if sid == "SE":
            self.close_set(index, False)

    @staticmethod
    def _claim_status_required(state: _SetState, sid: str, seg_count: int, loop: str) -> None:
        """277CA 2200D: each claim (its TRN) carries at least one STC. The walk, as pyx12's, checks a
        loop's required segments when the loop ends, not when a new iteration of it starts: a TRN
        right after a TRN left the first claim without a status and the set passed clean."""
        if loop == "2200D" and sid == "TRN":
            if state.claim_without_status:
                state.finding("STC", seg_count, "2200D").codes.append(
                    ("3", "required segment STC (Claim Level Status Information) is missing")
                )
            state.claim_without_status = True
        elif (loop == "2200D" and sid == "STC") or sid in ("HL", "SE"):
            state.claim_without_status = False  # (before an HL or the SE, the walk says it)

    @staticmethod
    def _apply_walk(state: _SetState, errors: list[WalkError]) -> None:
        for code, message, node, seg_id, position in errors:
            if node is None:  # pyx12 reports it on the segment before
                target = state.finding(*state.previous)
            else:
                loop = node.loop_id if isinstance(node, SegmentNode) else node.id
                target = state.finding(seg_id, position, loop)
            target.codes.append((code, message))


def validate(interchange: Interchange, check_sets: bool = True) -> InterchangeResult:
    """Validate every functional group of ``interchange`` against its own guide. With
    ``check_sets=False`` only the envelope is checked (ISA/IEA, GS/GE, ST/SE boundaries and
    control numbers): each transaction set is then checked on its own by ``validate_set``."""
    run = _Run(interchange, check_sets)
    run.isa(interchange.isa)
    element = interchange.delimiters.element
    for index, raw in enumerate(interchange.raw, start=1):
        seg = Segment(raw.split(element))
        sid = seg.elements[0]
        if sid == "IEA":
            run.iea(index, seg)
        elif sid == "GS":
            run.gs(index, seg)
        elif run.group is None and sid == "TA1":
            run.result.ta1_segments += 1
        elif run.group is None:
            run.result.codes.append(
                ("024", f"a {sid if _SEGMENT_ID.match(sid) else '?'} segment is outside any functional group")
            )
        elif sid == "GE":
            run.ge(index, seg)
        elif sid == "ST":
            run.st(index, seg)
        else:
            run.segment(index, seg, raw)
    if run.group is not None:
        run.close_group(len(interchange), True)
    return run.result


def set_alone(interchange: Interchange, gs: int, start: int, end: int) -> tuple[Interchange, int]:
    """One transaction set of ``interchange`` (segments ``start``..``end``, its group's GS at
    ``gs``) as an interchange of its own, and the offset from its indexes to the original's. The
    walk from a GS to its first ST is the walk from a previous SE to the next ST: a set checked
    alone finds what it finds in place."""
    d = interchange.delimiters
    gs_raw = interchange.raw[gs - 1]
    control = gs_raw.split(d.element)[6] if gs_raw.count(d.element) >= 6 else ""
    raw = [gs_raw, *interchange.raw[start - 1 : end], f"GE{d.element}1{d.element}{control}"]
    raw.append(f"IEA{d.element}1{d.element}{interchange.isa.get(13)}")
    return Interchange(d, interchange.isa, raw, interchange.number), start - 2
