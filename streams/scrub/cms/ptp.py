"""NCCI procedure-to-procedure (PTP) edits, practitioner, in the CMS quarterly layout.

Published in parts (``ccipra-v322r0-f1.TXT`` … ``-f4``): tab-delimited, a notice and a title line,
then the column header wrapped over four physical lines, then one pair per line::

    Column 1 <TAB> Column 2 <TAB> * <TAB> Effective Date <TAB> Deletion Date <TAB> Modifier <TAB> Rationale
    93000    <TAB> 93010    <TAB>   <TAB> 19960101       <TAB> *             <TAB> 0        <TAB> ...

Dates are ``YYYYMMDD``; deletion ``*`` means the edit is still in force; modifier indicator 0 = no
modifier overrides it, 1 = an NCCI-associated modifier may, 9 = not applicable (edit deleted).
Deleted edits stay in the file, and a pair can appear on more than one line (an old version and
the current one): every line is kept and the one in force on the date of service applies.
A comma-separated export with the same columns is read too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from schemas.codes import looks_like_procedure
from streams.scrub.cms.layout import CmsFileError, cms_date, procedure_code, read_text

INDICATORS = (0, 1, 9)


@dataclass(frozen=True, slots=True)
class PtpEdit:
    column1: str
    column2: str
    modifier_indicator: int  # 0 never overridable, 1 with an NCCI-associated modifier, 9 deleted
    effective: date
    deleted: date | None  # last date of service the edit applies to (inclusive); None: in force

    def active_on(self, day: date) -> bool:
        return (
            self.modifier_indicator != 9
            and self.effective <= day
            and (self.deleted is None or day <= self.deleted)
        )


def parse_ptp(path: Path) -> Iterator[PtpEdit]:
    text = read_text(path)
    header_seen = False
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        sep = "\t" if "\t" in raw else ","
        fields = raw.split(sep)
        first = fields[0].strip().strip('"')
        if not header_seen:
            if first.lower().startswith("column 1"):
                header_seen = True
            continue
        if not looks_like_procedure(first.upper()):
            continue  # the wrapped header's continuation lines
        if len(fields) < 6:
            raise CmsFileError(path, number, f"expected 7 fields (CMS PTP layout), got {len(fields)}")
        indicator_text = fields[5].strip()
        if indicator_text not in ("0", "1", "9"):
            raise CmsFileError(path, number, f"Modifier: {indicator_text!r} is not 0, 1 or 9")
        effective = cms_date(fields[3], path, number, "Effective Date")
        yield PtpEdit(
            procedure_code(fields[0], path, number, "Column 1"),
            procedure_code(fields[1], path, number, "Column 2"),
            int(indicator_text),
            effective or date(1996, 1, 1),
            cms_date(fields[4], path, number, "Deletion Date"),
        )
    if not header_seen:
        raise CmsFileError(path, None, "no 'Column 1 / Column 2' header: not an NCCI PTP file")


class PtpIndex:
    """Every PTP line, looked up by either column."""

    def __init__(self, edits: Iterable[PtpEdit] = ()):
        self.by_column1: dict[str, list[PtpEdit]] = {}
        self.by_column2: dict[str, list[PtpEdit]] = {}
        self.rows = 0
        for edit in edits:
            self.by_column1.setdefault(edit.column1, []).append(edit)
            self.by_column2.setdefault(edit.column2, []).append(edit)
            self.rows += 1
        #: column-1 codes by column-2 code, over the edits that are in force on some date
        self.partners: dict[str, frozenset[str]] = {
            c2: frozenset(e.column1 for e in edits_ if e.modifier_indicator != 9)
            for c2, edits_ in self.by_column2.items()
        }

    def __len__(self) -> int:
        return self.rows

    def __bool__(self) -> bool:
        return self.rows > 0

    def as_column2(self, code: str) -> Sequence[PtpEdit]:
        return self.by_column2.get(code, ())

    def touching(self, code: str) -> list[PtpEdit]:
        return [*self.by_column1.get(code, ()), *self.by_column2.get(code, ())]

    def in_force(self, column1: str, column2: str, day: date) -> PtpEdit | None:
        """The edit for the pair in force on ``day`` (the latest effective one if several are)."""
        found: PtpEdit | None = None
        for edit in self.by_column2.get(column2, ()):
            if (
                edit.column1 == column1
                and edit.active_on(day)
                and (found is None or edit.effective > found.effective)
            ):
                found = edit
        return found


def load_ptp(paths: Sequence[Path]) -> PtpIndex:
    edits: list[PtpEdit] = []
    for path in paths:
        edits.extend(parse_ptp(path))
    return PtpIndex(edits)
