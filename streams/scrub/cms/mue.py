"""Medically Unlikely Edits, practitioner services, in the CMS quarterly CSV layout.

``MCR_MUE_PractitionerServices_Eff_MM-DD-YYYY.csv``: a quoted AMA notice spanning several lines,
a header whose first cell is ``"HCPCS/\\nCPT Code"`` (with a line break), then one code per row::

    93005,5,3 Date of Service Edit: Clinical,Clinical: Data

The MUE adjudication indicator (MAI) carries its text: 1 Line Edit (each line judged on its own),
2 Date of Service Edit: Policy and 3 Date of Service Edit: Clinical (all units of the code for the
provider and date summed, across lines and claims; 3 is appealable). No dates per row: a table is
in force from the date in its file name (``Eff_07-01-2026``). With several quarters' tables in one
folder, a date of service reads the latest table in force on it (the earliest one for a date
before them all: the best there is).
"""

from __future__ import annotations

import bisect
import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from streams.scrub.cms.layout import BOM_LATIN1, CmsFileError, open_text, procedure_code

MAI_TEXT = {1: "Line Edit", 2: "Date of Service Edit: Policy", 3: "Date of Service Edit: Clinical"}
_MAI_KEYS = {i: " ".join(text.lower().split()) for i, text in MAI_TEXT.items()}
_EFFECTIVE_IN_NAME = re.compile(r"eff[_ -]?(\d{2})[-_](\d{2})[-_](\d{4})", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Mue:
    code: str
    units: int
    adjudication_indicator: int  # 1 per line, 2 per day (policy), 3 per day (clinical)
    rationale: str = ""


def effective_from_name(path: Path) -> date | None:
    """The ``Eff_MM-DD-YYYY`` date of a MUE table's file name, if it has one."""
    found = _EFFECTIVE_IN_NAME.search(path.name)
    if found is None:
        return None
    month, day, year = (int(g) for g in found.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise CmsFileError(
            path, None, f"file name: Eff_{found.group(1)}-{found.group(2)}-{year} is not a date"
        ) from None


def _mai(text: str, path: Path, line: int) -> int:
    """``3 Date of Service Edit: Clinical`` → 3; the text, when there is one, must be the one CMS
    gives that indicator (a digit that disagrees with its text is a misread column)."""
    field = "MUE Adjudication Indicator"
    digit, _, label = text.strip().partition(" ")
    if digit not in ("1", "2", "3"):
        raise CmsFileError(path, line, f"{field}: {text.strip()!r} does not start with 1, 2 or 3")
    mai = int(digit)
    if label.strip() and " ".join(label.lower().split()) != _MAI_KEYS[mai]:
        raise CmsFileError(
            path, line, f"{field}: {text.strip()!r}: indicator {mai} reads '{mai} {MAI_TEXT[mai]}'"
        )
    return mai


def read_mue_file(path: Path) -> dict[str, Mue]:
    values: dict[str, Mue] = {}
    header_seen = False
    with open_text(path) as fh:
        rows = csv.reader(_without_bom(fh))
        for row in rows:
            line = rows.line_num
            if not row or not row[0].strip():
                continue
            first = " ".join(row[0].split())
            if not header_seen:
                header_seen = first.upper().startswith("HCPCS")
                continue
            if len(row) < 3:
                raise CmsFileError(path, line, f"expected 4 fields (CMS MUE layout), got {len(row)}")
            code = procedure_code(row[0], path, line, "HCPCS/CPT Code")
            units_text = row[1].strip()
            if not units_text.isdigit():
                raise CmsFileError(
                    path, line, f"Practitioner Services MUE Values: {units_text!r} is not a number"
                )
            mai = _mai(row[2], path, line)
            values[code] = Mue(code, int(units_text), mai, row[3].strip() if len(row) > 3 else "")
    if not header_seen:
        raise CmsFileError(path, None, "no 'HCPCS/CPT Code' header: not a CMS MUE table")
    return values


def _without_bom(lines: Iterable[str]) -> Iterable[str]:
    first = True
    for raw in lines:
        yield raw.removeprefix(BOM_LATIN1) if first else raw
        first = False


class MueTable:
    """MUE values by code, per table (quarter) in force on a date of service."""

    def __init__(self, versions: Sequence[tuple[date | None, dict[str, Mue]]] = ()):
        merged: dict[date | None, dict[str, Mue]] = {}
        for effective, values in versions:
            merged.setdefault(effective, {}).update(values)
        ordered = sorted(merged.items(), key=lambda kv: kv[0] or date.min)
        #: (effective date or None, values), oldest first
        self.versions: list[tuple[date | None, dict[str, Mue]]] = ordered
        self._starts = [(effective or date.min).toordinal() for effective, _ in ordered]
        self._single = ordered[0][1] if len(ordered) == 1 else None
        #: the smallest value of each code over the tables (the screen's necessary condition)
        self.smallest: dict[str, int] = {}
        for _, values in ordered:
            for code, mue in values.items():
                low = self.smallest.get(code)
                if low is None or mue.units < low:
                    self.smallest[code] = mue.units
        #: every code with a MUE (a set: ``isdisjoint`` walks the smaller side only with a set)
        self.codes: frozenset[str] = frozenset(self.smallest)

    def __len__(self) -> int:
        return len(self.smallest)

    def __bool__(self) -> bool:
        return bool(self.smallest)

    def __contains__(self, code: object) -> bool:
        return code in self.smallest

    def values_on(self, day: date) -> dict[str, Mue]:
        if self._single is not None:
            return self._single
        if not self.versions:
            return {}
        i = bisect.bisect_right(self._starts, day.toordinal()) - 1
        return self.versions[max(i, 0)][1]

    def on(self, code: str, day: date) -> Mue | None:
        """The code's MUE in the table in force on ``day``."""
        return self.values_on(day).get(code)

    def get(self, code: str) -> Mue | None:
        """The code's MUE in the latest table."""
        return self.versions[-1][1].get(code) if self.versions else None

    def __getitem__(self, code: str) -> Mue:
        found = self.get(code)
        if found is None:
            raise KeyError(code)
        return found


def load_mue(paths: Sequence[Path]) -> MueTable:
    return MueTable([(effective_from_name(path), read_mue_file(path)) for path in paths])
