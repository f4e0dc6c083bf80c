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
the file: the codes after it with indicators 3 and 2 whose RVUs add up to its own, which is how
CMS defines indicator 4.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from streams.scrub.cms.layout import CmsFileError, procedure_code, read_text

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


@dataclass
class FeeSchedule:
    rows: dict[tuple[str, str], FeeRow] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows)

    def get(self, code: str, modifier: str = "") -> FeeRow | None:
        return self.rows.get((code, modifier)) or (self.rows.get((code, "")) if modifier else None)

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
                if other[:3] != code[:3] or row.pctc not in (2, 3):
                    break
                (technical if row.pctc == 3 else professional).append(other)
                total += row.total_rvu
                if abs(total - target) <= _RVU_TOLERANCE and technical and professional:
                    out[code] = Family(code, tuple(technical), tuple(professional))
                    break
        return out


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text.strip() or "0")
    except InvalidOperation:
        return Decimal("0")


def load_fees(paths: Sequence[Path]) -> FeeSchedule:
    fees = FeeSchedule()
    for path in paths:
        rows = csv.reader(io.StringIO(read_text(path)))
        captions: list[list[str]] = []
        columns: dict[str, int] | None = None
        for row in rows:
            line = rows.line_num
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
            if not pctc_text.isdigit():
                raise CmsFileError(path, line, f"PCTC IND: {pctc_text!r} is not 0-9")
            status = cells["STATUS CODE"].strip().upper()
            if len(status) != 1 or not status.isalpha():
                raise CmsFileError(path, line, f"STATUS CODE: {status!r} is not a status code")
            fees.rows[(code, modifier)] = FeeRow(
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
    return fees
