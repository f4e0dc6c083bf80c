"""Build a CMS folder for a test: the bundled excerpts plus extra rows, in the published layouts
(what ``CLAIMFLOW_CMS_DIR`` points at), so a test can add the NCCI pair, MUE value or fee
schedule status it needs."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

from streams.scrub.cms import bundled_cms_dir

PtpRow = tuple[str, str, str, str, int]  # column 1, column 2, effective, deletion ("*"), indicator
MueRow = tuple[str, int, int]  # code, units, MAI
FeeRow = tuple[str, str, str, int]  # code, modifier, status, PC/TC indicator

MAI = {1: "1 Line Edit", 2: "2 Date of Service Edit: Policy", 3: "3 Date of Service Edit: Clinical"}


def fee_line(code: str, modifier: str, status: str, pctc: int, total: str = "0.50") -> str:
    """One PPRRVU 2025 row (31 columns; the description left out as the AMA licence asks)."""
    cells = [code, modifier, "(descriptor omitted)", status, "", "0.10", "0.20", "", "0.20", "", "0.01"]
    cells += [total, total, str(pctc), "XXX", "0.00", "0.00", "0.00", "0", "0", "0", "0", "0", "", "32.3465"]
    cells += ["09", "0", "99", "0.00", "0.00", "0.00"]
    return ",".join(cells)


def cms_dir(
    directory: Path,
    ptp: Iterable[PtpRow] = (),
    mue: Iterable[MueRow] = (),
    fees: Iterable[FeeRow] = (),
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for path in bundled_cms_dir().iterdir():
        if path.is_file():
            shutil.copy(path, directory / path.name)
    with (directory / "ncci_ptp_practitioner.txt").open("a", newline="") as out:
        for c1, c2, effective, deleted, indicator in ptp:
            out.write(f"{c1}\t{c2}\t\t{effective}\t{deleted}\t{indicator}\tMutually exclusive procedures\r\n")
    with (directory / "mue_practitioner.csv").open("a", newline="") as out:
        for code, units, mai in mue:
            out.write(f"{code},{units},{MAI[mai]},Clinical: Data\r\n")
    with (directory / "PPRRVU2025_Oct.excerpt.csv").open("a", newline="") as out:
        for code, modifier, status, pctc in fees:
            out.write(fee_line(code, modifier, status, pctc) + "\r\n")
    return directory
