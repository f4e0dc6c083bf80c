"""Medically Unlikely Edits, practitioner services, in the CMS quarterly CSV layout.

``MCR_MUE_PractitionerServices_Eff_MM-DD-YYYY.csv``: a quoted AMA notice spanning several lines,
a header whose first cell is ``"HCPCS/\\nCPT Code"`` (with a line break), then one code per row::

    93005,5,3 Date of Service Edit: Clinical,Clinical: Data

The MUE adjudication indicator (MAI) carries its text: 1 Line Edit (each line judged on its own),
2 Date of Service Edit: Policy and 3 Date of Service Edit: Clinical (all units of the code for the
provider and date summed, across lines and claims; 3 is appealable). No dates per row: the table
is in force from the date in its file name.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from streams.scrub.cms.layout import CmsFileError, procedure_code, read_text

MAI_TEXT = {1: "Line Edit", 2: "Date of Service Edit: Policy", 3: "Date of Service Edit: Clinical"}


@dataclass(frozen=True, slots=True)
class Mue:
    code: str
    units: int
    adjudication_indicator: int  # 1 per line, 2 per day (policy), 3 per day (clinical)


def load_mue(paths: Sequence[Path]) -> dict[str, Mue]:
    values: dict[str, Mue] = {}
    for path in paths:
        rows = csv.reader(io.StringIO(read_text(path)))
        header_seen = False
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
            try:
                units = int(row[1].strip())
            except ValueError:
                raise CmsFileError(
                    path, line, f"Practitioner Services MUE Values: {row[1].strip()!r} is not a number"
                ) from None
            mai_text = row[2].strip()
            if mai_text[:1] not in ("1", "2", "3"):
                raise CmsFileError(
                    path, line, f"MUE Adjudication Indicator: {mai_text!r} does not start with 1, 2 or 3"
                )
            values[code] = Mue(code, units, int(mai_text[0]))
        if not header_seen:
            raise CmsFileError(path, None, "no 'HCPCS/CPT Code' header: not a CMS MUE table")
    return values
