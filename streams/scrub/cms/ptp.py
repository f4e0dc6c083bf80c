"""NCCI procedure-to-procedure (PTP) edits, practitioner, in the CMS quarterly layout.

Published in parts (``ccipra-v322r0-f1.TXT`` … ``-f4``), each with its own preamble: tab-delimited,
a notice and a title line, then the column header wrapped over four physical lines, then one pair
per line::

    Column 1 <TAB> Column 2 <TAB> * <TAB> Effective Date <TAB> Deletion Date <TAB> Modifier <TAB> Rationale
    93000    <TAB> 93010    <TAB>   <TAB> 19960101       <TAB> *             <TAB> 0        <TAB> ...

Dates are ``YYYYMMDD``; deletion ``*`` means the edit is still in force (a deletion date is the last
date of service the edit applies to); column 3 ``*`` marks a pair that existed before 1996;
modifier indicator 0 = no modifier overrides it, 1 = an NCCI-associated modifier may, 9 = not
applicable (the edit was deleted). Deleted edits stay in the file, and a pair can appear on more
than one line (an old version and the current one): every line is kept and the one in force on
the date of service applies. A comma-separated export with the same columns is read too.

The full files hold millions of pairs, so the index is not a dict of objects: codes are numbered
(sorted, at most 65,535 of them), the rows are sorted by (column 1, column 2) and kept in parallel
``array`` columns of 8 bytes a row (column 2 number, effective day, deletion day, indicator and
flags, rationale number), with the first row of each column-1 code in ``starts``. A lookup is two
dict reads and a ``bisect`` inside one code's rows. ``PtpIndex.arrays`` is what the compiled form
(``streams.scrub.cms.compiled``) stores.
"""

from __future__ import annotations

import bisect
import csv
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from streams.scrub.cms.layout import BOM_LATIN1, CmsFileError, cms_date, open_text, procedure_code

INDICATORS = (0, 1, 9)
#: days are counted from 1970-01-01 in an unsigned 16-bit column (through 2149); this one is "none"
NO_DATE = 0xFFFF
_EPOCH = date(1970, 1, 1).toordinal()
_MAX_CODES = 0xFFFF
_PRIOR_1996 = 0x10
_INDICATOR_MASK = 0x0F
_DEFAULT_EFFECTIVE = "19960101"
_SEEN_MAX = 200_000


def day_number(day: date) -> int:
    return day.toordinal() - _EPOCH


def from_day_number(n: int) -> date | None:
    return None if n == NO_DATE else date.fromordinal(n + _EPOCH)


@dataclass(frozen=True, slots=True)
class PtpEdit:
    column1: str
    column2: str
    modifier_indicator: int  # 0 never overridable, 1 with an NCCI-associated modifier, 9 deleted
    effective: date
    deleted: date | None  # last date of service the edit applies to (inclusive); None: in force
    rationale: str = ""
    prior_to_1996: bool = False

    def active_on(self, day: date) -> bool:
        return (
            self.modifier_indicator != 9
            and self.effective <= day
            and (self.deleted is None or day <= self.deleted)
        )


#: the lines of a part's preamble that may reappear when parts are concatenated into one file
_PREAMBLE_STARTS = ("cpt only copyright", "column1/column2", "column 1")


class PtpBuilder:
    """Reads PTP files row by row into columns, then sorts them into a ``PtpIndex``."""

    def __init__(self) -> None:
        self.code_ids: dict[str, int] = {}
        self.codes: list[str] = []
        self.column1 = array("H")
        self.column2 = array("H")
        self.effective = array("H")
        self.deleted = array("H")
        self.meta = array("B")
        self.rationale = array("B")
        self.rationale_ids: dict[str, int] = {}
        self._days: dict[str, int] = {"*": NO_DATE, "": NO_DATE}

    # --- one row's fields -----------------------------------------------------------------------
    def _code(self, text: str, path: Path, line: int, field: str) -> int:
        found = self.code_ids.get(text)
        if found is not None:
            return found
        code = procedure_code(text, path, line, field)
        found = self.code_ids.get(code)
        if found is None:
            if len(self.codes) >= _MAX_CODES:
                raise CmsFileError(path, line, f"{field}: more than {_MAX_CODES:,} distinct codes")
            found = self.code_ids[code] = len(self.codes)
            self.codes.append(code)
        if text == code:
            return found
        self.code_ids[text] = found  # the same code with blanks around it: remembered as typed
        return found

    def _day(self, text: str, path: Path, line: int, field: str) -> int:
        found = self._days.get(text)
        if found is not None:
            return found
        day = cms_date(text, path, line, field)
        if day is None:
            return NO_DATE
        found = day_number(day)
        if not 0 <= found < NO_DATE:
            raise CmsFileError(path, line, f"{field}: {text.strip()!r} is out of range (1970-2149)")
        self._days[text] = found
        return found

    def _rationale(self, text: str) -> int:
        text = text.strip().strip('"')
        found = self.rationale_ids.get(text)
        if found is None:
            if len(self.rationale_ids) >= 255:
                return 255  # more than 255 distinct texts: the rest read as "other"
            found = self.rationale_ids[text] = len(self.rationale_ids)
        return found

    def add_row(self, fields: Sequence[str], path: Path, line: int) -> None:
        if len(fields) < 6:
            raise CmsFileError(path, line, f"expected 7 fields (CMS PTP layout), got {len(fields)}")
        indicator_text = fields[5].strip()
        if indicator_text not in ("0", "1", "9"):
            raise CmsFileError(path, line, f"Modifier: {indicator_text!r} is not 0, 1 or 9")
        flag = fields[2].strip()
        if flag not in ("", "*"):
            raise CmsFileError(path, line, f"*=in existence prior to 1996: {flag!r} is not '*' or blank")
        column1 = self._code(fields[0], path, line, "Column 1")
        column2 = self._code(fields[1], path, line, "Column 2")
        effective_text = fields[3]
        if not effective_text.strip():
            effective_text = _DEFAULT_EFFECTIVE
        elif effective_text.strip() == "*":
            raise CmsFileError(path, line, "Effective Date: '*' is not a YYYYMMDD date")
        effective = self._day(effective_text, path, line, "Effective Date")
        deleted = self._day(fields[4], path, line, "Deletion Date")
        self.column1.append(column1)
        self.column2.append(column2)
        self.effective.append(effective)
        self.deleted.append(deleted)
        self.meta.append(int(indicator_text) | (_PRIOR_1996 if flag else 0))
        self.rationale.append(self._rationale(fields[6]) if len(fields) > 6 else self._rationale(""))

    # --- files ----------------------------------------------------------------------------------
    def add_file(self, path: Path) -> int:
        """Read one part; returns its number of rows."""
        before = len(self.column1)
        header_seen = False
        with open_text(path) as fh:
            first = fh.readline().removeprefix(BOM_LATIN1)
            sep = "\t"
            lines: Iterable[str]
            if "\t" not in first and "," in first:  # a comma-separated export
                sep = ","
            lines = _chain(first, fh)
            if sep == ",":
                rows: Iterator[list[str]] = csv.reader(lines)
            else:
                rows = (raw.rstrip("\r\n").split("\t") for raw in lines)
            for number, fields in enumerate(rows, start=1):
                head = fields[0].strip().strip('"') if fields else ""
                if not head:
                    continue  # a blank line, or the wrapped header's continuation lines
                if not header_seen or not (head[:1].isalnum() and len(head) == 5):
                    low = head.lower()
                    if low.startswith(_PREAMBLE_STARTS):
                        header_seen = header_seen or low.startswith("column 1")
                        continue
                    if not header_seen:
                        continue
                self.add_row(fields, path, number)
        if not header_seen:
            raise CmsFileError(path, None, "no 'Column 1 / Column 2' header: not an NCCI PTP file")
        return len(self.column1) - before

    def build(self) -> PtpIndex:
        """The rows sorted by (column 1, column 2), codes numbered in sorted order."""
        order = sorted(range(len(self.codes)), key=self.codes.__getitem__)
        renumber = array("H", bytes(2 * len(self.codes)))
        for new, old in enumerate(order):
            renumber[old] = new
        codes = [self.codes[old] for old in order]
        c1 = array("H", map(renumber.__getitem__, self.column1))
        c2 = array("H", map(renumber.__getitem__, self.column2))
        effective, deleted, meta, rationale = self.effective, self.deleted, self.meta, self.rationale
        if not _sorted_pairs(c1, c2):
            rows = sorted(range(len(c1)), key=lambda i: (c1[i] << 16) | c2[i])
            c1 = array("H", (c1[i] for i in rows))
            c2 = array("H", (c2[i] for i in rows))
            effective = array("H", (effective[i] for i in rows))
            deleted = array("H", (deleted[i] for i in rows))
            meta = array("B", (meta[i] for i in rows))
            rationale = array("B", (rationale[i] for i in rows))
        starts = array("I", (bisect.bisect_left(c1, i) for i in range(len(codes) + 1)))
        texts = sorted(self.rationale_ids, key=self.rationale_ids.__getitem__)
        return PtpIndex(codes, starts, c2, effective, deleted, meta, rationale, texts)


def _chain(first: str, rest: Iterable[str]) -> Iterator[str]:
    if first:
        yield first
    yield from rest


def _sorted_pairs(c1: array, c2: array) -> bool:
    prev1 = prev2 = -1
    for a, b in zip(c1, c2, strict=True):
        if a < prev1 or (a == prev1 and b < prev2):
            return False
        prev1, prev2 = a, b
    return True


class PtpIndex:
    """Every PTP line, looked up by (column 1, column 2)."""

    def __init__(
        self,
        codes: list[str] | None = None,
        starts: array | None = None,
        column2: array | None = None,
        effective: array | None = None,
        deleted: array | None = None,
        meta: array | None = None,
        rationale: array | None = None,
        rationales: list[str] | None = None,
    ):
        self.codes = codes or []
        self.code_ids = {code: i for i, code in enumerate(self.codes)}
        self.starts = starts if starts is not None else array("I", [0] * (len(self.codes) + 1))
        self.column2 = column2 if column2 is not None else array("H")
        self.effective = effective if effective is not None else array("H")
        self.deleted = deleted if deleted is not None else array("H")
        self.meta = meta if meta is not None else array("B")
        self.rationale = rationale if rationale is not None else array("B")
        self.rationales = rationales or []
        self.rows = len(self.column2)
        #: whether a pair has a version that is ever in force, by (column 1, column 2): the screen
        #: asks the same few pairs over and over
        self._exists: dict[tuple[str, str], bool] = {}

    @property
    def arrays(self) -> dict[str, array]:
        return {
            "starts": self.starts,
            "column2": self.column2,
            "effective": self.effective,
            "deleted": self.deleted,
            "meta": self.meta,
            "rationale": self.rationale,
        }

    def __len__(self) -> int:
        return self.rows

    def __bool__(self) -> bool:
        return self.rows > 0

    def _span(self, column1: str, column2: str) -> tuple[int, int, int] | None:
        """The rows of the pair: (first, end, column 2 number), or None when there are none."""
        i1 = self.code_ids.get(column1)
        if i1 is None:
            return None
        i2 = self.code_ids.get(column2)
        if i2 is None:
            return None
        lo, hi = self.starts[i1], self.starts[i1 + 1]
        if lo == hi:
            return None
        first = bisect.bisect_left(self.column2, i2, lo, hi)
        if first == hi or self.column2[first] != i2:
            return None
        return first, hi, i2

    def _edit(self, row: int, column1: str, column2: str) -> PtpEdit:
        meta = self.meta[row]
        text = self.rationale[row]
        effective = from_day_number(self.effective[row])
        assert effective is not None
        return PtpEdit(
            column1,
            column2,
            meta & _INDICATOR_MASK,
            effective,
            from_day_number(self.deleted[row]),
            self.rationales[text] if text < len(self.rationales) else "",
            bool(meta & _PRIOR_1996),
        )

    def edits(self, column1: str, column2: str) -> list[PtpEdit]:
        """Every version of the pair in the files."""
        span = self._span(column1, column2)
        if span is None:
            return []
        first, hi, i2 = span
        out = []
        row = first
        while row < hi and self.column2[row] == i2:
            out.append(self._edit(row, column1, column2))
            row += 1
        return out

    def column1_edits(self, column1: str) -> list[PtpEdit]:
        """Every row whose column 1 is ``column1`` (for inspection and tests)."""
        i1 = self.code_ids.get(column1)
        if i1 is None:
            return []
        return [
            self._edit(row, column1, self.codes[self.column2[row]])
            for row in range(self.starts[i1], self.starts[i1 + 1])
        ]

    def in_force(self, column1: str, column2: str, day: date) -> PtpEdit | None:
        """The edit for the pair in force on ``day`` (the latest effective one if several are)."""
        span = self._span(column1, column2)
        if span is None:
            return None
        first, hi, i2 = span
        n = day_number(day)
        best = -1
        row = first
        column2s, effective, deleted, meta = self.column2, self.effective, self.deleted, self.meta
        while row < hi and column2s[row] == i2:
            if (
                meta[row] & _INDICATOR_MASK != 9
                and effective[row] <= n <= deleted[row]
                and (best < 0 or effective[row] > effective[best])
            ):
                best = row
            row += 1
        return self._edit(best, column1, column2) if best >= 0 else None

    def pair_exists(self, column1: str, column2: str) -> bool:
        """Whether the pair has a version in force on some date (indicator 0 or 1)."""
        key = (column1, column2)
        found = self._exists.get(key)
        if found is not None:
            return found
        found = False
        span = self._span(column1, column2)
        if span is not None:
            first, hi, i2 = span
            row = first
            while row < hi and self.column2[row] == i2:
                if self.meta[row] & _INDICATOR_MASK != 9 and self.effective[row] <= self.deleted[row]:
                    found = True
                    break
                row += 1
        if len(self._exists) >= _SEEN_MAX:
            self._exists.clear()
        self._exists[key] = found
        return found


def load_ptp(paths: Sequence[Path]) -> PtpIndex:
    builder = PtpBuilder()
    for path in paths:
        builder.add_file(path)
    return builder.build()


__all__ = ["INDICATORS", "PtpBuilder", "PtpEdit", "PtpIndex", "load_ptp"]
