"""Generate a folder of CMS files of the real size and in the real layouts (deterministic, seeded).

The official files cannot be downloaded here, so the benchmark measures files made to look like
them: the NCCI PTP practitioner edits in four parts of ~750,000 rows each (tab-delimited, the
notice, title and four-line wrapped header before each part, CRLF; pairs sorted by column 1 and
column 2, about 40 % deleted, some with indicator 9, a few pairs in two versions), the MUE
practitioner table (quoted notice, the two-line header, MAI with its text), the PPRRVU file
(2026 layout, 32 columns, stacked captions; PC/TC 1 codes with their 26 and TC rows, a few PC/TC 4
families) and the HCPCS Level II fixed-width file (disclaimer, continuation records, modifiers).

The rows claimflow bundles (the ECG, chest X-ray and echo rows) are in them unchanged, and the
made-up rows never pair two codes the rule packs or the simulator use, so a claim of the
benchmark mix gets the same edits from the generated tables as from the bundled excerpts (the
benchmark checks it). Every other code is made up too (random numbers in the code ranges); no
CPT descriptor is written.

    python -m bench.cms_generate DIR [--ptp-rows 3000000] [--seed 2026]
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from streams.scrub.cms import bundled_cms_dir
from streams.scrub.cms.ptp import PtpEdit, load_ptp
from streams.scrub.packs import bundled_packs_dir, load_packs

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "tests" / "data" / "cms"
CRLF = "\r\n"

PTP_RATIONALES = (
    ("Misuse of Column Two code with Column One code", 40),
    ("Standards of medical/surgical practice", 25),
    ("Mutually exclusive procedures", 15),
    ("CPT Manual or CMS manual coding instruction", 10),
    ("HCPCS/CPT procedure code definition", 6),
    ("CPT Separate procedure definition", 4),
)
MUE_RATIONALES = (
    "Code Descriptor / CPT Instruction",
    "Nature of Analyte",
    "Nature of Service/Procedure",
    "Clinical: CMS Workgroup",
    "Clinical: Data",
    "Anatomic Consideration",
)
MAI = {1: "1 Line Edit", 2: "2 Date of Service Edit: Policy", 3: "3 Date of Service Edit: Clinical"}
#: status code mix of the made-up PPRRVU rows (share per thousand)
STATUSES: tuple[tuple[str, int], ...] = (("A", 700), ("I", 80), ("X", 50), ("B", 40), ("N", 30), ("C", 30))
STATUSES += (("R", 20), ("E", 20), ("T", 10), ("J", 10), ("M", 10))
#: E/M codes the simulator and the scenarios bill (kept out of the made-up rows)
EM = [f"{n}" for n in (*range(99202, 99216), *range(99281, 99286), *range(99221, 99240))]


@dataclass(frozen=True)
class Sizes:
    ptp_rows: int = 3_000_000
    mue_rows: int = 15_000
    rvu_rows: int = 16_000
    hcpcs_codes: int = 7_500
    ptp_parts: int = 4


def reserved_codes() -> set[str]:
    """Codes the bundled files, the packs and the simulator use: never paired by made-up rows."""
    pack = load_packs(bundled_packs_dir())
    codes = set(pack.codes) | set(pack.cms.mue.smallest) | set(EM)
    codes |= {code for code, _ in pack.cms.fees.rows}
    codes |= set(pack.cms.hcpcs.codes) | set(pack.cms.ptp.codes)
    for policy in pack.necessity:
        codes |= set(policy.applies_to) | set(policy.screening_codes)
    return codes


def universe(rng: random.Random, reserved: set[str]) -> list[str]:
    """About 17,500 made-up codes in the real code ranges, plus the reserved ones."""
    codes: set[str] = set()
    codes |= {f"{n:05d}" for n in rng.sample(range(100, 99608), 10_600)}
    codes |= {f"{n:04d}T" for n in rng.sample(range(1, 1000), 800)}
    codes |= {f"{n:04d}U" for n in rng.sample(range(1, 600), 450)}
    codes |= {f"{n:04d}M" for n in rng.sample(range(1, 30), 20)}
    letters = "ABCEGHJKLMPQRSTUV"
    codes |= {f"{rng.choice(letters)}{n:04d}" for n in rng.sample(range(1, 10000), 7_600)}
    return sorted(codes | reserved)


def _quarter_start(rng: random.Random, low: int = 1996, high: int = 2026) -> date:
    return date(rng.randint(low, high), rng.choice((1, 4, 7, 10)), 1)


def _quarter_end_after(rng: random.Random, start: date, last: date) -> date:
    year = rng.randint(start.year, last.year)
    month = rng.choice((3, 6, 9, 12))
    end = date(year, month, 30 if month in (6, 9) else 31)
    return min(max(end, start), last)


def _ymd(day: date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


# --- NCCI PTP -----------------------------------------------------------------------------------


def _edit_line(e: PtpEdit) -> str:
    deleted = _ymd(e.deleted) if e.deleted else "*"
    prior = "*" if e.prior_to_1996 else ""
    return "\t".join(
        (e.column1, e.column2, prior, _ymd(e.effective), deleted, str(e.modifier_indicator), e.rationale)
    )


def _pair_counts(rng: random.Random, codes: list[str], pairs: int) -> dict[str, int]:
    """How many partners each column-1 code gets: skewed (a few surgical codes pair with
    thousands of codes, most with a few dozen), at most half the codes each."""
    column1_codes = rng.sample(codes, int(len(codes) * 0.65))
    weight = [rng.paretovariate(1.1) for _ in column1_codes]
    total = sum(weight)
    cap = len(codes) // 2
    count = {c: min(cap, max(1, int(pairs * w / total))) for c, w in zip(column1_codes, weight, strict=True)}
    short = pairs - sum(count.values())
    while short > 0:
        for c in rng.sample(column1_codes, len(column1_codes)):
            if short <= 0:
                break
            extra = min(cap - count[c], short, 1 + short // len(column1_codes))
            count[c] += extra
            short -= extra
    return count


def ptp_rows(rng: random.Random, codes: list[str], reserved: set[str], rows: int) -> list[str]:
    """The made-up and the bundled rows, sorted by (column 1, column 2), as tab-separated lines."""
    bundled = load_ptp(sorted(bundled_cms_dir().glob("ncci_ptp*.txt")))
    real: dict[tuple[str, str], list[str]] = {}
    for column1 in bundled.codes:
        for e in bundled.column1_edits(column1):
            real.setdefault((e.column1, e.column2), []).append(_edit_line(e))
    keep = {line for lines in real.values() for line in lines}
    texts = [t for t, _ in PTP_RATIONALES]
    weights = [w for _, w in PTP_RATIONALES]
    last_deletion = date(2026, 6, 30)
    versions_share = 0.015  # pairs listed twice (an old version and the current one)
    # a little more than asked for (pairs of two reserved codes are left out), trimmed at the end
    count = _pair_counts(rng, codes, int(rows * 1.01 / (1 + versions_share)))
    out: list[str] = []
    for column1 in sorted(count):
        n = count[column1]
        mine = column1 in reserved
        partners = rng.sample(codes, n + 1)
        chosen = sorted([p for p in partners if p != column1 and not (mine and p in reserved)][:n])
        for column2 in chosen:
            lines = real.pop((column1, column2), None)
            if lines is not None:
                out.extend(lines)
                continue
            r = rng.random()
            effective = date(1996, 1, 1) if rng.random() < 0.15 else _quarter_start(rng)
            prior = "*" if effective == date(1996, 1, 1) else ""
            if r < 0.05:
                deleted, indicator = _ymd(effective), "9"  # deleted back to its effective date
            elif r < 0.40:
                deleted = _ymd(_quarter_end_after(rng, effective, last_deletion))
                indicator = "1" if rng.random() < 0.7 else "0"
            else:
                deleted, indicator = "*", "1" if rng.random() < 0.75 else "0"
            rationale = rng.choices(texts, weights)[0]
            if rng.random() < versions_share and effective.year < 2020:
                old_end = _quarter_end_after(rng, effective, date(2019, 12, 31))
                out.append(
                    f"{column1}\t{column2}\t{prior}\t{_ymd(effective)}\t{_ymd(old_end)}\t1\t{rationale}"
                )
                effective, prior = old_end + timedelta(days=1), ""
            out.append(
                f"{column1}\t{column2}\t{prior}\t{_ymd(effective)}\t{deleted}\t{indicator}\t{rationale}"
            )
    for lines in real.values():  # bundled pairs the made-up ones did not reach
        out.extend(lines)
    out.sort(key=lambda line: line[:11])
    surplus = len(out) - rows
    if surplus > 0:  # drop made-up rows spread over the file (never a bundled one)
        step = len(out) / surplus
        drop = {int(i * step) for i in range(surplus)}
        trimmed = [line for i, line in enumerate(out) if i not in drop or line in keep]
        out = trimmed[:rows] if len(trimmed) >= rows else trimmed
    return out


def write_ptp(directory: Path, lines: list[str], parts: int) -> list[Path]:
    preamble = (SAMPLES / "ccipra-v322r0-f1.excerpt.txt").read_text(encoding="latin-1").splitlines()[:6]
    per_part = -(-len(lines) // parts)
    paths = []
    for i in range(parts):
        path = directory / f"ccipra-v322r0-f{i + 1}.TXT"
        chunk = lines[i * per_part : (i + 1) * per_part]
        with path.open("w", encoding="latin-1", newline="") as fh:
            fh.write(CRLF.join(preamble) + CRLF)
            for start in range(0, len(chunk), 50_000):
                fh.write(CRLF.join(chunk[start : start + 50_000]) + CRLF)
        paths.append(path)
    return paths


# --- MUE ----------------------------------------------------------------------------------------


def write_mue(rng: random.Random, directory: Path, codes: list[str], reserved: set[str], rows: int) -> Path:
    sample = (SAMPLES / "MCR_MUE_PractitionerServices_Eff_07-01-2026.excerpt.csv").read_text(
        encoding="latin-1"
    )
    preamble = sample.split("\n0001U,", 1)[0].split("\n")  # the quoted notice and the 2-line header
    bundled = load_packs(bundled_packs_dir()).cms.mue
    rows_out = {
        code: f"{code},{m.units},{MAI[m.adjudication_indicator]},{m.rationale}"
        for _, values in bundled.versions
        for code, m in values.items()
    }
    free = [c for c in codes if c not in reserved]
    for code in rng.sample(free, rows - len(rows_out)):
        units = rng.choices((1, 2, 3, 4, 6, 10, 24, 50), (45, 20, 10, 8, 6, 5, 4, 2))[0]
        mai = rng.choices((1, 2, 3), (20, 30, 50))[0]
        rows_out[code] = f"{code},{units},{MAI[mai]},{rng.choice(MUE_RATIONALES)}"
    path = directory / "MCR_MUE_PractitionerServices_Eff_07-01-2026.csv"
    with path.open("w", encoding="latin-1", newline="") as fh:
        fh.write(CRLF.join(preamble) + CRLF)
        fh.write(CRLF.join(rows_out[c] for c in sorted(rows_out)) + CRLF)
    return path


# --- PPRRVU -------------------------------------------------------------------------------------


def _rvu_2026(cells: list[str]) -> str:
    """A 2025-layout row (31 columns) in the 2026 layout: PRIC IND inserted after TEAM SURG."""
    cells = [*cells[:23], "9", *cells[23:]]
    cells[25] = "33.4009"  # CONV FACTOR
    return ",".join(cells)


def _rvu_row(
    rng: random.Random, code: str, mod: str, status: str, pctc: int, work: float, pe: float, mp: float
) -> str:
    total = f"{work + pe + mp:.2f}"
    glob = "XXX" if pctc in (1, 2, 3, 4, 9) or status != "A" else rng.choice(("000", "010", "090", "XXX"))
    supervision = "01" if mod == "TC" or pctc in (3, 4) else "09"
    cells = [code, mod, "(descriptor omitted)", status, "", f"{work:.2f}", f"{pe:.2f}", "", f"{pe:.2f}"]
    cells += ["NA" if mod != "26" and pctc in (1, 3, 4) else "", f"{mp:.2f}", total, total, str(pctc), glob]
    cells += ["0.00", "0.00", "0.00", "0", "0", "0", "0", "0", "9", "", "33.4009", supervision, "0", "99"]
    cells += ["0.00", "0.00", "0.00"]
    return ",".join(cells)


def write_pprrvu(
    rng: random.Random, directory: Path, codes: list[str], reserved: set[str], rows: int
) -> Path:
    sample = (SAMPLES / "PPRRVU2026_Jul_nonQPP.excerpt.redacted.csv").read_text(encoding="latin-1")
    preamble = sample.splitlines()[:10]
    bundled = (bundled_cms_dir() / "PPRRVU2025_Oct.excerpt.csv").read_text(encoding="latin-1").splitlines()
    out: dict[tuple[str, str], str] = {}
    for line in bundled[10:]:
        cells = line.split(",")
        out[(cells[0], cells[1])] = _rvu_2026(cells)
    taken = set(codes) | reserved
    # PC/TC 4 families: three consecutive codes with one prefix, the global's RVUs their sum
    families = 0
    while families < 15:
        n = rng.randrange(10_000, 99_000, 10)
        trio = [f"{n:05d}", f"{n + 1:05d}", f"{n + 2:05d}"]
        if any(c in taken for c in trio):
            continue
        taken.update(trio)
        tc, pc = (round(rng.uniform(0.1, 3), 2), round(rng.uniform(0.05, 1), 2))
        out[(trio[0], "")] = _rvu_row(rng, trio[0], "", "A", 4, pc, tc, 0.0)
        out[(trio[1], "")] = _rvu_row(rng, trio[1], "", "A", 3, 0.0, tc, 0.0)
        out[(trio[2], "")] = _rvu_row(rng, trio[2], "", "A", 2, pc, 0.0, 0.0)
        families += 1
    free = [c for c in codes if c not in reserved]
    rng.shuffle(free)
    statuses = [s for s, _ in STATUSES]
    weights = [w for _, w in STATUSES]
    split = 0
    for code in free:
        if len(out) >= rows:
            break
        if split < 900 and len(out) + 3 <= rows and code[:1].isdigit() and rng.random() < 0.1:
            work, pe, mp = round(rng.uniform(0.1, 2), 2), round(rng.uniform(0.2, 5), 2), 0.02
            out[(code, "")] = _rvu_row(rng, code, "", "A", 1, work, pe, mp)
            out[(code, "26")] = _rvu_row(rng, code, "26", "A", 1, work, round(pe * 0.1, 2), 0.01)
            out[(code, "TC")] = _rvu_row(rng, code, "TC", "A", 1, 0.0, round(pe * 0.9, 2), 0.01)
            split += 1
            continue
        status = rng.choices(statuses, weights)[0]
        pctc = 0 if status in ("A", "T", "R", "C") else 9
        if status == "A" and rng.random() < 0.02:
            pctc = rng.choice((5, 6, 7, 8))
        out[(code, "")] = _rvu_row(
            rng, code, "", status, pctc, round(rng.uniform(0, 20), 2), round(rng.uniform(0, 15), 2), 0.5
        )
    path = directory / "PPRRVU2026_Jul_nonQPP.csv"
    with path.open("w", encoding="latin-1", newline="") as fh:
        fh.write(CRLF.join(preamble) + CRLF)
        fh.write(CRLF.join(out[k] for k in sorted(out)) + CRLF)
    return path


# --- HCPCS Level II -----------------------------------------------------------------------------


def hcpcs_record(
    code: str,
    seq: int,
    recid: str,
    text: str,
    short: str = "",
    added: str = "",
    effective: str = "",
    terminated: str = "",
    action: str = "N",
) -> str:
    """One 320-character record of the fixed-width layout (``HCPCS2019_recordlayout.txt``)."""
    record = [" "] * 320

    def put(position: int, value: str, width: int) -> None:
        record[position : position + width] = list(value[:width].ljust(width))

    put(0, code, 5)
    put(5, f"{seq:05d}", 5)
    put(10, recid, 1)
    put(11, text, 80)
    if recid in "37":
        put(91, short, 28)
        put(229, "C", 1)
        put(268, added, 8)
        put(276, effective, 8)
        put(284, terminated, 8)
        put(292, action, 1)
    return "".join(record)


def write_hcpcs(
    rng: random.Random, directory: Path, codes: list[str], reserved: set[str], count: int
) -> Path:
    disclaimer = (SAMPLES / "HCPC2019_CONTR_ANWEB.head30.txt").read_text(encoding="latin-1").splitlines()[:8]
    bundled = (bundled_cms_dir() / "HCPC2019_ANWEB.excerpt.txt").read_text(encoding="latin-1").splitlines()
    records: dict[str, list[str]] = {}
    for line in bundled[1:]:
        records.setdefault(line[:5], []).append(line.rstrip("\r\n"))
    level_two = [c for c in codes if c[:1].isalpha() and c not in reserved]
    for code in sorted(c for c in reserved if c[:1].isalpha() and c not in records):
        records[code] = [
            hcpcs_record(
                code, 100, "3", f"Claimflow reserved Level II code {code}", code, "20090101", "20090101"
            )
        ]
    for code in rng.sample(level_two, min(count - len(records), len(level_two))):
        added = _quarter_start(rng, 1990, 2026)
        terminated = ""
        if rng.random() < 0.12:
            terminated = _ymd(_quarter_end_after(rng, added, date(2026, 3, 31)))
        lines = [
            hcpcs_record(
                code,
                100,
                "3",
                f"Synthetic Level II code {code}, first line of its description",
                f"Synthetic {code}",
                _ymd(added),
                _ymd(added),
                terminated,
            )
        ]
        for extra in range(rng.choices((0, 1, 2), (55, 35, 10))[0]):
            lines.append(hcpcs_record(code, 200 + 100 * extra, "4", "continuation of the description"))
        records[code] = lines
    modifiers = []
    for raw in (bundled_cms_dir() / "modifiers.csv").read_text().splitlines():
        cells = raw.split(",")
        if len(cells) >= 3 and cells[1] == "II":
            terminated = cells[-1].strip().replace("-", "")
            modifiers.append(
                hcpcs_record(
                    f"   {cells[0]}",
                    100,
                    "7",
                    f"Modifier {cells[0]}",
                    f"Modifier {cells[0]}",
                    "20000101",
                    "20000101",
                    terminated,
                )
            )
    path = directory / "HCPC2026_OCT_ANWEB.txt"
    with path.open("w", encoding="latin-1", newline="") as fh:
        fh.write(CRLF.join(disclaimer) + CRLF)
        fh.write(CRLF.join(modifiers) + CRLF)
        fh.write(CRLF.join(line for code in sorted(records) for line in records[code]) + CRLF)
    return path


def generate(directory: Path, sizes: Sizes = Sizes(), seed: int = 2026) -> dict[str, Any]:
    """Write the four CMS files into ``directory``; returns what was written."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    started = time.perf_counter()
    reserved = reserved_codes()
    codes = universe(rng, reserved)
    lines = ptp_rows(rng, codes, reserved, sizes.ptp_rows)
    ptp = write_ptp(directory, lines, sizes.ptp_parts)
    mue = write_mue(rng, directory, codes, reserved, sizes.mue_rows)
    rvu = write_pprrvu(rng, directory, codes, reserved, sizes.rvu_rows)
    hcpcs = write_hcpcs(rng, directory, codes, reserved, sizes.hcpcs_codes)
    files = [*ptp, mue, rvu, hcpcs]
    return {
        "ptp_rows": len(lines),
        "codes": len(codes),
        "files": {p.name: p.stat().st_size for p in files},
        "bytes": sum(p.stat().st_size for p in files),
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--ptp-rows", type=int, default=Sizes.ptp_rows)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    report = generate(args.directory, Sizes(ptp_rows=args.ptp_rows), args.seed)
    print(report)


if __name__ == "__main__":
    main()
