"""Implementation guides compiled for validation: pyx12's maps (loops, segments, composites,
elements, code lists, syntax rules), loaded once and turned into plain slotted nodes.

pyx12 is the authority for what each guide says; ``streams.x12.validation`` walks these nodes with
the same rules as pyx12's own walker and element checks (tests compare the two on valid and
broken files), without pyx12's per-segment object and path bookkeeping. Which guides claimflow
reads is decided here (``GUIDES``): 837P, 835 and 277CA; 999 groups are recognised (and skipped);
anything else is named and refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pyx12.map_if
import pyx12.params
from pyx12.map_if import composite_if, element_if, loop_if, segment_if

#: GS08 (version / release / industry identifier) → (transaction, pyx12 map file, ST01)
GUIDES: dict[str, tuple[str, str, str]] = {
    "005010X222A1": ("837P", "837.5010.X222.A1.xml", "837"),
    "005010X221A1": ("835", "835.5010.X221.A1.xml", "835"),
    "005010X214": ("277CA", "277.5010.X214.xml", "277"),
}
#: acknowledgments: recognised, never acknowledged (an acknowledgment is not acknowledged)
ACKNOWLEDGMENTS = {"005010X231A1": "999", "005010X231": "999", "004010": "997"}
#: what other guides are, to say so when refusing them (GS08 prefix → name)
KNOWN_OTHERS = {
    "005010X223": "837I (institutional claim)",
    "005010X224": "837D (dental claim)",
    "005010X279": "270/271 (eligibility)",
    "005010X212": "276/277 (claim status inquiry and response)",
    "005010X220": "834 (benefit enrollment)",
    "005010X218": "820 (premium payment)",
    "005010X217": "278 (prior authorization)",
    "005010X222": "837P of another release",
    "005010X221": "835 of another release",
    "004010": "a 4010 transaction (claimflow reads the 5010 guides)",
}
#: GS01 functional identifier code → transaction, for a message when GS08 is unknown
FUNCTIONAL_IDS = {
    "HC": "837 (health care claim)",
    "HP": "835 (payment/advice)",
    "HN": "277 (claim status)",
    "HS": "270 (eligibility inquiry)",
    "HB": "271 (eligibility response)",
    "HR": "276 (claim status inquiry)",
    "BE": "834 (benefit enrollment)",
    "RA": "820 (premium payment)",
    "HI": "278 (services review)",
    "FA": "999/997 (functional acknowledgment)",
    "IN": "810 (invoice)",
    "PO": "850 (purchase order)",
}
#: where pyx12's map is stricter than the guide it encodes (map file → node path → usage). X214's
#: own examples 1 and 3 (a payer accepting and rejecting claims) carry a billing provider level
#: (2000C) with no 2200C trace or status, and production 277CAs (New York Medicaid's) carry the
#: 2200C trace with no provider-level status: both are given only when the payer has them.
#: A payer that rejects a whole batch at the information receiver (2200B STC) lists no billing
#: provider under it (2000B HL04 0, no 2000C); one that rejects a billing provider (2200C STC)
#: lists no patients under it (2000C HL04 0, no 2000D): X214 allows both.
_2000B = "/ISA_LOOP/GS_LOOP/ST_LOOP/DETAIL/2000A/2000B"
_2000C = f"{_2000B}/2000C"
_2200C = f"{_2000C}/2200C"
USAGE_CORRECTIONS: dict[str, dict[str, str]] = {
    "277.5010.X214.xml": {
        _2200C: "S",
        f"{_2200C}/STC": "S",
        _2000C: "S",
        f"{_2000C}/2000D": "S",
    },
}
#: element usage pyx12's map gets wrong for real traffic (map file → (segment path, element
#: position) → usage): the 835's ST03 names the guide, which many payers' ERAs send although the
#: guide marks it not used — rejecting a whole remittance over the label would lose its payments
ELEMENT_USAGE_CORRECTIONS: dict[str, dict[tuple[str, int], str]] = {
    "835.5010.X221.A1.xml": {("/ISA_LOOP/GS_LOOP/ST_LOOP/ST", 3): "S"},
}
#: element codes pyx12's map leaves out (map file → (segment path, element position) → codes)
CODE_CORRECTIONS: dict[str, dict[tuple[str, int], frozenset[str]]] = {
    "277.5010.X214.xml": {(f"{_2000C}/HL", 4): frozenset({"0", "1"})},
}
#: external code lists maintained outside X12 and republished several times a year (remark codes,
#: claim status and category codes, places of service, entity and service type codes): pyx12's
#: copies are frozen at its release (remark codes end at N734; N781 has been in use since 2017),
#: so a value of the right form passes the guide check and the domain decides what it means
LIVING_CODE_LISTS = frozenset(
    {"remark_code", "claim_status", "claim_status_cat", "pos", "entity_id", "service_type"}
)
CONTROL_MAP = "x12.control.00501.xml"
#: pyx12's default character set ("E", extended) for 005010: what an AN or ID value may contain
_AN_INVALID = re.compile(r"""[^A-Z0-9!"&'()*+,\-\./:;?= a-z%~@\[\]_{}\\|<>^`#$]""", re.S | re.ASCII)
MAXINT = 2147483647


def describe_guide(fic: str, version: str, st01: str = "") -> str:
    """A plain name for a functional group claimflow does not read."""
    for prefix, name in KNOWN_OTHERS.items():
        if version.startswith(prefix):
            return f"{name}, {version}" if "release" in name else name
    if version in ACKNOWLEDGMENTS:
        return ACKNOWLEDGMENTS[version]
    by_id = FUNCTIONAL_IDS.get(fic)
    if by_id:
        return f"{by_id}, guide {version or 'not given'}"
    return f"transaction {st01 or '?'} (GS01 {fic or 'empty'}, GS08 {version or 'empty'})"


class ElementNode:
    __slots__ = (
        "cache",
        "codes",
        "component",
        "composite_required",
        "data_ele",
        "data_type",
        "external",
        "in_composite",
        "is_1250",
        "is_1251",
        "max_len",
        "min_len",
        "name",
        "position",
        "refdes",
        "regex",
        "seq",
        "usage",
    )

    def __init__(self, e: element_if, root: Any, composite: CompositeNode | None):
        self.name = e.name or ""
        self.refdes = e.refdes or ""
        self.data_ele = e.data_ele or ""
        self.usage = e.usage or "S"
        self.seq = e.seq
        self.in_composite = composite is not None
        self.composite_required = composite is not None and composite.usage == "R"
        self.position = composite.seq if composite is not None else e.seq
        self.component = e.seq if composite is not None else None
        data = e._resolve_data_ele()
        self.data_type = data["data_type"] or ""
        self.min_len = data["min_len"]
        self.max_len = data["max_len"]
        self.codes: frozenset[str] | None = frozenset(c for c in e.valid_codes if c is not None) or None
        self.external: frozenset[str] | None = None
        if e.external_codes is not None:
            codes = root.ext_codes.codes.get(e.external_codes)
            excluded = (
                e.external_codes in root.ext_codes.exclude_list or e.external_codes in LIVING_CODE_LISTS
            )
            self.external = None if excluded or codes is None else frozenset(codes["codes"])
            if excluded or codes is None:  # not checked: any value passes
                self.codes = None
        self.regex = e.rec
        self.is_1250 = e.data_ele == "1250"
        self.is_1251 = e.data_ele == "1251"
        #: value → its findings (most values repeat: codes, dates, amounts); bounded
        self.cache: dict[str, tuple[tuple[str, str], ...]] = {}

    @property
    def valid_codes(self) -> list[str]:
        return sorted(self.codes) if self.codes else []


class CompositeNode:
    __slots__ = ("children", "data_ele", "name", "refdes", "seq", "usage")

    def __init__(self, c: composite_if, root: Any, segment_id: str):
        self.name = c.name or ""
        self.refdes = c.refdes or f"{segment_id}{c.seq:02d}"
        self.data_ele = c.data_ele or ""
        self.usage = c.usage or "S"
        self.seq = c.seq
        self.children = [ElementNode(e, root, self) for e in c.children]


class SegmentNode:
    __slots__ = (
        "cache",
        "children",
        "eq",
        "id",
        "is_first_of_loop",
        "key",
        "loop_id",
        "max_use",
        "name",
        "parent",
        "pos",
        "qualifier",
        "required_from",
        "syntax",
        "usage",
    )

    def __init__(self, s: segment_if, root: Any, parent: LoopNode, keys: PathKeys):
        self.id = s.id or ""
        self.name = s.name or ""
        self.usage = s.usage or "S"
        self.pos = s.pos
        self.max_use = s.get_max_repeat()
        self.children: list[ElementNode | CompositeNode] = [
            CompositeNode(c, root, s.id or "") if isinstance(c, composite_if) else ElementNode(c, root, None)
            for c in s.children
        ]
        self.syntax = [(syn[0], [int(i) for i in syn[1:]]) for syn in s.syntax]
        #: for a segment with n elements, the children after them that are required (an absent
        #: situational element or composite is never a finding)
        self.required_from = [
            [c for c in self.children[n:] if c.usage == "R"] for n in range(len(self.children) + 1)
        ]
        #: (component separator, elements) → the segment's findings: segments repeat (LX, SV1,
        #: DTP, SBR, payer and provider names); bounded
        self.cache: dict[tuple[str, ...], Any] = {}
        self.key = keys.setdefault(s.x12path.format(), len(keys))
        self.eq = (s.id, parent.id)  # pyx12 compares nodes by id and parent id
        self.parent = parent
        self.loop_id = parent.id
        self.is_first_of_loop = False
        #: (element, component or None, codes) of the qualifier that tells same-id segments apart
        resolved = s._resolve_unique_key_field(s.id, with_qual=False)
        if resolved is None:
            self.qualifier: tuple[int, int | None, frozenset[str]] | None = None
        else:
            child, ele_idx, sub_idx = resolved
            self.qualifier = (ele_idx, sub_idx, frozenset(c for c in child._valid_codes_set if c is not None))
            QUALIFIERS.setdefault(self.id, set()).add((ele_idx, sub_idx))


class LoopNode:
    __slots__ = (
        "by_pos",
        "children",
        "eq",
        "first",
        "first_seg",
        "id",
        "is_root",
        "key",
        "max_repeat",
        "name",
        "parent",
        "pos",
        "usage",
    )

    def __init__(self, node: Any, root: Any, parent: LoopNode | None, keys: PathKeys):
        self.is_root = parent is None
        self.id = node.id or ""
        self.name = node.name or ""
        self.usage = getattr(node, "usage", None) or "R"
        self.pos = getattr(node, "pos", 0) or 0
        self.max_repeat = node.get_max_repeat() if not self.is_root else MAXINT
        self.parent = parent
        self.eq = (self.id, parent.id if parent is not None else None)
        self.key = -1 if self.is_root else keys.setdefault(node.x12path.format(), len(keys))
        self.by_pos: list[tuple[int, list[LoopNode | SegmentNode]]] = []
        for pos in sorted(node.pos_map):
            group: list[LoopNode | SegmentNode] = []
            for child in node.pos_map[pos]:
                if isinstance(child, loop_if):
                    group.append(LoopNode(child, root, self, keys))
                else:
                    group.append(SegmentNode(child, root, self, keys))
            self.by_pos.append((pos, group))
        self.children = [c for _, group in self.by_pos for c in group]
        self.first = self.children[0] if self.children else None
        self.first_seg = self.first if isinstance(self.first, SegmentNode) else None
        if self.first_seg is not None:
            self.first_seg.is_first_of_loop = True

    def after(self, pos: int) -> list[LoopNode | SegmentNode]:
        """Children at position ``pos`` or later, in order (what the walker scans)."""
        return [c for p, group in self.by_pos if p >= pos for c in group]


@dataclass
class Guide:
    """One compiled map: its root, the envelope nodes and the scan lists the walker uses."""

    name: str
    map_file: str
    root: LoopNode
    gs: SegmentNode
    st01: str
    paths: PathKeys

    def node(self, path: str) -> Any:
        node: Any = self.root
        for part in path.strip("/").split("/"):
            node = next(c for c in node.children if c.id == part)
        return node


class PathKeys(dict[str, int]):
    """Path → key for the node counters, shared by every map loaded (pyx12 keeps one counter for a
    whole interchange, whatever map each group uses), with each key's ancestors: the keys of the
    paths it lies under (pyx12's counter reset deletes the counts under a loop's path)."""

    def __init__(self) -> None:
        super().__init__()
        self.ancestors: list[frozenset[int]] = []
        #: the key of the nearest path above each key (-1 at the top)
        self.parents: list[int] = []

    def setdefault(self, path: str, default: int | None = None) -> int:
        key = self.get(path)
        if key is None:
            key = self[path] = len(self.ancestors)
            parts = path.split("/")
            prefixes = ["/".join(parts[:i]) for i in range(2, len(parts))]
            self.ancestors.append(frozenset(self[p] for p in prefixes if p in self))
            above = [self[p] for p in prefixes if p in self]
            self.parents.append(above[-1] if above else -1)
        return key


_PATHS = PathKeys()
#: segment id → where the guides look for the qualifier that tells same-id segments apart
#: (element, component): what decides whether a segment can match a node
QUALIFIERS: dict[str, set[tuple[int, int | None]]] = {}


@lru_cache(maxsize=16)
def load(map_file: str, name: str = "", st01: str = "") -> Guide:
    m = pyx12.map_if.load_map_file(map_file, pyx12.params.params())
    root = LoopNode(m, m, None, _PATHS)
    guide = Guide(name or m.id or map_file, map_file, root, None, st01, _PATHS)  # type: ignore[arg-type]
    guide.gs = guide.node("/ISA_LOOP/GS_LOOP/GS")
    for path, usage in USAGE_CORRECTIONS.get(map_file, {}).items():
        guide.node(path).usage = usage
    for (path, position), usage in ELEMENT_USAGE_CORRECTIONS.get(map_file, {}).items():
        _element(guide, path, position).usage = usage
    for (path, position), codes in CODE_CORRECTIONS.get(map_file, {}).items():
        _element(guide, path, position).codes = codes
    return guide


def _element(guide: Guide, path: str, position: int) -> Any:
    return next(c for c in guide.node(path).children if getattr(c, "position", None) == position)


def guide_for(version: str) -> Guide | None:
    spec = GUIDES.get(version)
    if spec is None:
        return None
    name, map_file, st01 = spec
    return load(map_file, name, st01)


def control() -> Guide:
    return load(CONTROL_MAP, "X12", "")


def an_invalid(value: str) -> bool:
    """Whether an AN/ID value holds a character outside the extended character set."""
    return _AN_INVALID.search(value) is not None
