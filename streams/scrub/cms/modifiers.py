"""The modifier list: CPT (Level I) and HCPCS Level II modifiers with claimflow's own short labels
(``data/modifiers.csv``: code, level, label, terminated). A HCPCS file adds the Level II modifiers
it carries and their termination dates."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from streams.scrub.cms.layout import CmsFileError, modifier_code, read_text


@dataclass(frozen=True, slots=True)
class ModifierInfo:
    code: str
    level: str  # "I" (CPT) or "II" (HCPCS)
    label: str
    terminated: date | None = None  # last valid date of service


def load_modifier_list(path: Path) -> dict[str, ModifierInfo]:
    lines = [ln for ln in read_text(path).splitlines() if not ln.startswith("#")]
    rows = csv.DictReader(io.StringIO("\n".join(lines)))
    if rows.fieldnames is None or not {"code", "level", "label"} <= set(rows.fieldnames):
        raise CmsFileError(path, 1, "expected the columns code, level, label[, terminated]")
    out: dict[str, ModifierInfo] = {}
    for row in rows:
        line = rows.line_num
        code = modifier_code(row["code"], path, line, "code")
        level = row["level"].strip()
        if level not in ("I", "II"):
            raise CmsFileError(path, line, f"level: {level!r} is not I or II")
        terminated = (row.get("terminated") or "").strip()
        try:
            end = date.fromisoformat(terminated) if terminated else None
        except ValueError:
            raise CmsFileError(path, line, f"terminated: {terminated!r} is not YYYY-MM-DD") from None
        out[code] = ModifierInfo(code, level, row["label"].strip(), end)
    return out
