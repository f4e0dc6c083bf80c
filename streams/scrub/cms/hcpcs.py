"""The HCPCS Level II quarterly file (``HCPC2026_JAN_ANWEB….txt``): which Level II codes and
modifiers are in force on a date.

Fixed-width 320-character records after a few disclaimer lines: positions 1-5 the code (a modifier
is three blanks and its two characters), 11 the record id (3 procedure, 4 its continuation,
7 modifier, 8 its continuation), 269-276 the date the code was added, 285-292 its termination
date (the last valid date; blank while active). The CSV export (``HCPC,SEQNUM,RECID,…,ADD DT,
ACT EFF DT,TERM DT,ACTION CD``) is read too.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from streams.scrub.cms.layout import CmsFileError, cms_date, modifier_code, procedure_code, read_text

_RECORD = re.compile(r"^[ A-Z0-9]{5}\d{5}[3478]")


@dataclass(frozen=True, slots=True)
class InForce:
    added: date | None
    terminated: date | None  # last valid date of service

    def on(self, day: date) -> bool:
        return (self.added is None or self.added <= day) and (
            self.terminated is None or day <= self.terminated
        )


@dataclass
class HcpcsFile:
    codes: dict[str, InForce] = field(default_factory=dict)
    modifiers: dict[str, InForce] = field(default_factory=dict)


def _fixed_width(path: Path, text: str, out: HcpcsFile) -> None:
    for number, raw in enumerate(text.splitlines(), start=1):
        if not _RECORD.match(raw):
            continue
        recid = raw[10]
        if recid not in "37":
            continue
        record = raw.ljust(320)
        span = InForce(
            cms_date(record[268:276], path, number, "Code added date"),
            cms_date(record[284:292], path, number, "Termination date"),
        )
        if recid == "3":
            out.codes[procedure_code(record[0:5], path, number, "HCPCS code")] = span
        else:
            out.modifiers[modifier_code(record[3:5], path, number, "Modifier")] = span


def _csv(path: Path, text: str, out: HcpcsFile) -> None:
    rows = csv.DictReader(io.StringIO(text))
    needed = {"HCPC", "RECID", "ADD DT", "TERM DT"}
    if rows.fieldnames is None or not needed <= {n.strip().upper() for n in rows.fieldnames}:
        raise CmsFileError(path, 1, f"CSV header lacks {', '.join(sorted(needed))}: not a HCPCS file")
    for row in rows:
        row = {k.strip().upper(): (v or "") for k, v in row.items() if k}
        line = rows.line_num
        span = InForce(
            cms_date(row["ADD DT"], path, line, "ADD DT"), cms_date(row["TERM DT"], path, line, "TERM DT")
        )
        if row["RECID"].strip() == "3":
            out.codes[procedure_code(row["HCPC"], path, line, "HCPC")] = span
        elif row["RECID"].strip() == "7":
            out.modifiers[modifier_code(row["HCPC"], path, line, "HCPC")] = span


def load_hcpcs(paths: Sequence[Path]) -> HcpcsFile:
    out = HcpcsFile()
    for path in paths:
        text = read_text(path)
        if path.suffix.lower() == ".csv":
            _csv(path, text, out)
        else:
            before = len(out.codes) + len(out.modifiers)
            _fixed_width(path, text, out)
            if len(out.codes) + len(out.modifiers) == before:
                raise CmsFileError(path, None, "no HCPCS records (320-character layout) found")
    return out
