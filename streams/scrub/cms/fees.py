"""The physician fee schedule RVU file (PPRRVU), in the CMS CSV layout.

``PPRRVU2025_Oct.csv`` / ``PPRRVU2026_Jan_nonQPP.csv``: notice lines, then column captions stacked
over several rows, the last of which starts ``HCPCS,MOD,DESCRIPTION,…``; a column's name is its
captions read top to bottom (``STATUS CODE``, ``PCTC IND``, ``GLOB DAYS``, ``NON-FACILITY TOTAL``).
Columns are found by name, so the 2026 layout (one more column) reads like the 2025 one. One row
per code and modifier: a code with a professional/technical split (PC/TC indicator 1) has a global
row, a ``26`` row and a ``TC`` row.

What the rules take from it: the status code (A active, I not valid for Medicare, N non-covered,
D deleted, …), the PC/TC indicator (0 no split, 1 split by 26/TC, 2 professional-only code,
3 technical-only code, 4 global test-only code with separate component codes, 5-9 others) and the
global days. Component codes of a global test-only code (93000 → 93005 + 93010) are derived from
the file: the codes after it (same three leading characters, before the next global; codes with
other indicators numbered in between are passed over) with indicators 3 and 2 whose RVUs add up
to its own, which is how CMS defines indicator 4.

A release is in force from the first day of its quarter (January, April, July, October; read from
the title line, ``2026 National Physician Fee Schedule Relative Value File July Release``, or the
file name, ``PPRRVU2025_Oct``). With several releases in one folder, a date of service reads the
status in the release in force on it, and a code that release does not list (added later, or
deleted) is not in force; indicators and families come from the latest release.
"""

from __future__ import annotations

import bisect
import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from streams.scrub.cms.layout import BOM_LATIN1, CmsFileError, open_text, procedure_code

REQUIRED = ("HCPCS", "MOD", "STATUS CODE", "PCTC IND", "GLOB DAYS", "WORK RVU", "NON-FACILITY TOTAL")
#: RVU sums of a family may differ from the global's by rounding
_RVU_TOLERANCE = Decimal("0.015")


@dataclass(frozen=True, slots=True)
class FeeRow:
    code: str
    modifier: str  # "" (global), "26", "TC", "53"
    status: str
    pctc: int
    global_days: str
    work_rvu: Decimal
    total_rvu: Decimal


@dataclass(frozen=True)
class Family:
    """A global test-only code (PC/TC 4) and its component codes."""

    global_code: str
    technical: tuple[str, ...]
    professional: tuple[str, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return (self.global_code, *self.technical, *self.professional)


_MONTHS = {"JAN": 1, "APR": 4, "JUL": 7, "OCT": 10}
_MONTH_WORDS = {"JANUARY": 1, "APRIL": 4, "JULY": 7, "OCTOBER": 10}
_TITLE = re.compile(r"(\d{4}) National Physician Fee Schedule Relative Value File (\w+) Release", re.I)
_NAME = re.compile(r"PPRRVU(\d{2}|\d{4})_?(JAN|APR|JUL|OCT)", re.I)


@dataclass
class Release:
    """One PPRRVU release (a quarter's file)."""

    effective: date | None
    label: str
    rows: dict[tuple[str, str], FeeRow] = field(default_factory=dict)


def release_date(path: Path, title: str) -> tuple[date | None, str]:
    """When a release is in force, from its title line or else its file name, and its label."""
    found = _TITLE.search(title)
    if found is not None and found.group(2).upper() in _MONTH_WORDS:
        year, month = int(found.group(1)), _MONTH_WORDS[found.group(2).upper()]
        return date(year, month, 1), f"{year} {found.group(2).capitalize()} release"
    named = _NAME.search(path.name)
    if named is not None:
        year = int(named.group(1))
        year = year + 2000 if year < 100 else year
        month = _MONTHS[named.group(2).upper()]
        return date(year, month, 1), f"{year} {named.group(2).capitalize()} release"
    return None, path.name


class FeeSchedule:
    """The fee schedule's rows by (code, modifier): the latest release's in ``rows``, every
    release's by date of service in ``on``."""

    def __init__(self, releases: Iterable[Release] = ()):
        merged: dict[date | None, Release] = {}
        for release in releases:
            known = merged.get(release.effective)
            if known is None:
                merged[release.effective] = Release(release.effective, release.label, dict(release.rows))
            else:
                known.rows.update(release.rows)
        self.releases: list[Release] = sorted(merged.values(), key=lambda r: r.effective or date.min)
        self._starts = [(r.effective or date.min).toordinal() for r in self.releases]
        #: every release's rows, a later release's overriding an earlier one's
        self.rows: dict[tuple[str, str], FeeRow] = {}
        for release in self.releases:
            self.rows.update(release.rows)
        #: codes (global rows) some release does not list, with more than one release loaded
        self.not_everywhere: frozenset[str] = frozenset()
        if len(self.releases) > 1:
            listed = [{code for code, mod in r.rows if mod == ""} for r in self.releases]
            everywhere = listed[0].intersection(*listed[1:])
            self.not_everywhere = frozenset(listed[0].union(*listed[1:]) - everywhere)

    def __len__(self) -> int:
        return len(self.rows)

    def get(self, code: str, modifier: str = "") -> FeeRow | None:
        return self.rows.get((code, modifier)) or (self.rows.get((code, "")) if modifier else None)

    def release_on(self, day: date) -> Release | None:
        if not self.releases:
            return None
        i = bisect.bisect_right(self._starts, day.toordinal()) - 1
        return self.releases[max(i, 0)]

    def on(self, code: str, day: date) -> tuple[FeeRow | None, Release | None]:
        """The code's row in the release in force on ``day`` and that release; the row is None
        when no release lists the code, or when the one in force does not (with other releases
        listing it: not in force on that date)."""
        if code not in self.not_everywhere:
            return self.rows.get((code, "")), None
        release = self.release_on(day)
        assert release is not None
        return release.rows.get((code, "")), release

    def families(self) -> dict[str, Family]:
        """Global test-only codes (PC/TC 4) with the component codes CMS prices them from."""
        globals_ = sorted(code for (code, mod), row in self.rows.items() if mod == "" and row.pctc == 4)
        ordered = sorted({code for code, mod in self.rows if mod == ""})
        position = {code: i for i, code in enumerate(ordered)}
        out: dict[str, Family] = {}
        for code in globals_:
            target = self.rows[(code, "")].total_rvu
            technical: list[str] = []
            professional: list[str] = []
            total = Decimal("0")
            for other in ordered[position[code] + 1 :]:
                row = self.rows[(other, "")]
                if other[:3] != code[:3] or row.pctc == 4:
                    break  # past the code's range, or the next global
                if row.pctc not in (2, 3):
                    continue  # an unrelated code numbered in between
                (technical if row.pctc == 3 else professional).append(other)
                total += row.total_rvu
                if abs(total - target) <= _RVU_TOLERANCE and technical and professional:
                    out[code] = Family(code, tuple(technical), tuple(professional))
                    break
                if total > target + _RVU_TOLERANCE:
                    break
        return out


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text.strip() or "0")
    except InvalidOperation:
        return Decimal("0")


def read_fee_file(path: Path) -> Release:
    rows: dict[tuple[str, str], FeeRow] = {}
    captions: list[list[str]] = []
    columns: dict[str, int] | None = None
    title = ""
    with open_text(path) as fh:
        reader = csv.reader(raw.removeprefix(BOM_LATIN1) for raw in fh)
        for row in reader:
            line = reader.line_num
            if columns is None:
                if (
                    row
                    and row[0].strip().upper() == "HCPCS"
                    and len(row) > 1
                    and row[1].strip().upper() == "MOD"
                ):
                    names = []
                    for i, cell in enumerate(row):
                        parts = [c[i].strip() for c in captions[-4:] if i < len(c) and c[i].strip()]
                        names.append(" ".join([*parts, cell.strip()]).upper())
                    columns = {name: i for i, name in enumerate(names)}
                    missing = [name for name in REQUIRED if name not in columns]
                    if missing:
                        raise CmsFileError(path, line, f"PPRRVU header lacks {', '.join(missing)}")
                else:
                    if not title:
                        title = next((c for c in row if "Relative Value File" in c), "")
                    captions.append(row)
                continue
            if not row or not row[0].strip():
                continue
            try:
                cells = {name: row[i] for name, i in columns.items()}
            except IndexError:
                raise CmsFileError(path, line, f"expected {len(columns)} fields, got {len(row)}") from None
            code = procedure_code(cells["HCPCS"], path, line, "HCPCS")
            modifier = cells["MOD"].strip().upper()
            pctc_text = cells["PCTC IND"].strip()
            if not pctc_text.isdigit() or len(pctc_text) != 1:
                raise CmsFileError(path, line, f"PCTC IND: {pctc_text!r} is not 0-9")
            status = cells["STATUS CODE"].strip().upper()
            if len(status) != 1 or not status.isalpha():
                raise CmsFileError(path, line, f"STATUS CODE: {status!r} is not a status code")
            rows[(code, modifier)] = FeeRow(
                code,
                modifier,
                status,
                int(pctc_text),
                cells["GLOB DAYS"].strip().upper(),
                _decimal(cells["WORK RVU"]),
                _decimal(cells["NON-FACILITY TOTAL"]),
            )
    if columns is None:
        raise CmsFileError(path, None, "no 'HCPCS,MOD,…' header row: not a PPRRVU file")
    effective, label = release_date(path, title)
    return Release(effective, label, rows)


def load_fees(paths: Sequence[Path]) -> FeeSchedule:
    return FeeSchedule(read_fee_file(path) for path in paths)
