"""All CMS tables the rules read, loaded once at start-up (see the package docstring)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Literal

from streams.scrub.cms.compiled import (
    CACHE_PREFIX,
    SUFFIX,
    cache_name,
    fingerprint,
    read_compiled,
    read_meta,
    write_compiled,
)
from streams.scrub.cms.fees import Family, FeeSchedule, load_fees
from streams.scrub.cms.hcpcs import HcpcsFile, InForce, load_hcpcs
from streams.scrub.cms.layout import CmsFileError
from streams.scrub.cms.modifiers import ModifierInfo, load_modifier_list
from streams.scrub.cms.mue import MueTable, load_mue
from streams.scrub.cms.ptp import PtpIndex, load_ptp

log = logging.getLogger("claimflow.scrub")

Part = Literal["global", "technical", "professional"]
#: the parts that bill an interpretation (a read): the global test and its professional component
INTERPRETING: tuple[Part, ...] = ("global", "professional")


def parts_overlap(a: Part, b: Part) -> bool:
    """Whether two parts of one test bill something twice (the global is both parts)."""
    return a == b or "global" in (a, b)


TABLES = ("ptp", "mue", "fees", "hcpcs")


def _named(*needles: str, suffixes: tuple[str, ...] = (".txt", ".csv")) -> Callable[[Path], bool]:
    def match(path: Path) -> bool:
        name = path.name.lower()
        return path.suffix.lower() in suffixes and all(n in name for n in needles)

    return match


#: how each table's files are recognised in a folder (CMS renames them every year: by pattern)
PATTERNS: dict[str, tuple[Callable[[Path], bool], ...]] = {
    "ptp": (_named("ccipra"), _named("ptp")),
    "mue": (_named("mue", "practitioner"),),
    "fees": (_named("pprrvu", suffixes=(".csv",)),),
    "hcpcs": (_named("hcpc", "anweb"), _named("hcpcs")),
}


def bundled_cms_dir() -> Path:
    return Path(str(resources.files("streams.scrub.cms") / "data"))


_PTP_VERSION = re.compile(r"ccipra-v(\d+)r(\d+)", re.IGNORECASE)


def _latest_ptp_version(found: list[Path]) -> list[Path]:
    """The parts of the latest PTP version (``ccipra-v322r0-f1..f4``): every row carries its own
    dates and deleted edits stay in the file, so the latest quarter answers for earlier dates too
    (an older quarter's parts left in the folder would only repeat its rows)."""
    versions = {}
    for path in found:
        m = _PTP_VERSION.search(path.name)
        if m is not None:
            versions[path] = (int(m.group(1)), int(m.group(2)))
    if len(set(versions.values())) <= 1:
        return found
    latest = max(versions.values())
    kept = [p for p in found if versions.get(p, latest) == latest]
    log.info(
        "CMS tables: NCCI PTP version v%dr%d read; older parts in the folder left out: %s",
        *latest,
        ", ".join(p.name for p in found if p not in kept),
    )
    return kept


def find_files(directory: Path, table: str) -> list[Path]:
    files = sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith("."))
    for match in PATTERNS[table]:
        found = [p for p in files if match(p)]
        if table == "fees" and len(found) > 1:  # 2026 on: nonQPP and QPP variants, same indicators
            found = [p for p in found if "_qpp" not in p.name.lower()] or found[:1]
        if table == "ptp" and len(found) > 1:
            found = _latest_ptp_version(found)
        if found:
            return found
    return []


@dataclass
class CmsTables:
    ptp: PtpIndex
    mue: MueTable
    fees: FeeSchedule
    hcpcs: HcpcsFile
    modifiers: dict[str, ModifierInfo]
    #: the files each table was read from
    files: dict[str, list[str]] = field(default_factory=dict)
    #: tables read from official files (complete), not from the bundled excerpts
    official: frozenset[str] = frozenset()
    #: the compiled file the tables were loaded from or cached to, if any
    compiled: str | None = None

    def __post_init__(self) -> None:
        self.families: dict[str, Family] = self.fees.families()
        self.component_of: dict[str, str] = {
            code: family.global_code
            for family in self.families.values()
            for code in (*family.technical, *family.professional)
        }

    def pctc(self, code: str) -> int | None:
        row = self.fees.get(code)
        return row.pctc if row is not None else None

    def part(self, code: str, modifiers: Iterable[str] = ()) -> Part | None:
        """Which part of a diagnostic test a line bills, from the PC/TC indicator (and 26/TC on a
        code whose indicator is 1); None when the code has no professional/technical split."""
        pctc = self.pctc(code)
        if pctc == 4:
            return "global"
        if pctc == 3:
            return "technical"
        if pctc == 2:
            return "professional"
        if pctc == 1:
            mods = set(modifiers)
            if "26" in mods:
                return "professional"
            if "TC" in mods:
                return "technical"
            return "global"
        return None

    def family_of(self, code: str) -> Family | None:
        return self.families.get(self.component_of.get(code, code))

    def component_code(self, code: str, part: Part) -> str | None:
        """The one code billing ``part`` of ``code``'s family (93000, professional → 93010); None
        when there is none or more than one."""
        family = self.family_of(code)
        if family is None:
            return None
        if part == "global":
            return family.global_code
        found = family.technical if part == "technical" else family.professional
        return found[0] if len(found) == 1 else None

    def code_in_force(self, code: str, day: date) -> InForce | None:
        """The Level II code's validity span, when a HCPCS file lists it."""
        return self.hcpcs.codes.get(code)

    def modifier(self, code: str) -> ModifierInfo | None:
        return self.modifiers.get(code)


def source_files(directory: Path | None) -> tuple[dict[str, list[Path]], frozenset[str]]:
    """Each table's files: the folder's official ones, the bundled excerpts for tables it lacks;
    and which tables are official."""
    bundled = bundled_cms_dir()
    files: dict[str, list[Path]] = {}
    official: set[str] = set()
    for table in TABLES:
        found = find_files(directory, table) if directory is not None else []
        if found:
            official.add(table)
        else:
            found = find_files(bundled, table)
        files[table] = found
    return files, frozenset(official)


def _with_modifiers(hcpcs: HcpcsFile) -> dict[str, ModifierInfo]:
    modifiers = load_modifier_list(bundled_cms_dir() / "modifiers.csv")
    for code, span in hcpcs.modifiers.items():  # the HCPCS file knows Level II modifiers in force
        known = modifiers.get(code)
        label = known.label if known is not None else "HCPCS Level II modifier"
        modifiers[code] = ModifierInfo(code, "II", label, span.terminated)
    return modifiers


def read_tables(files: dict[str, list[Path]], official: frozenset[str]) -> CmsTables:
    """The tables read from the files in their published layouts."""
    hcpcs = load_hcpcs(files["hcpcs"])
    return CmsTables(
        ptp=load_ptp(files["ptp"]),
        mue=load_mue(files["mue"]),
        fees=load_fees(files["fees"]),
        hcpcs=hcpcs,
        modifiers=_with_modifiers(hcpcs),
        files={t: [str(p) for p in ps] for t, ps in files.items()},
        official=official,
    )


def load_compiled(path: Path) -> CmsTables:
    """The tables of a compiled file (``claimflow rules compile``)."""
    meta, ptp, mue, fees, hcpcs = read_compiled(path)
    tables = CmsTables(
        ptp=ptp,
        mue=mue,
        fees=fees,
        hcpcs=hcpcs,
        modifiers=_with_modifiers(hcpcs),
        files=meta["files"],
        official=frozenset(meta["official"]),
    )
    tables.compiled = str(path)
    return tables


def write_tables(tables: CmsTables, out: Path, fp: str) -> int:
    return write_compiled(
        out,
        fp=fp,
        files=tables.files,
        official=sorted(tables.official),
        ptp=tables.ptp,
        mue=tables.mue,
        fees=tables.fees,
        hcpcs=tables.hcpcs,
    )


def compiled_in(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob(f"*{SUFFIX}") if p.is_file())


def load_cms(directory: Path | None = None, cache_dir: Path | None = None) -> CmsTables:
    """The CMS tables of ``directory`` (official files), the bundled excerpts for any it lacks.

    The official files are read once: their compiled form is looked for in the folder (any
    ``*.cmstables`` compiled from exactly these files) and in ``cache_dir``; when there is none,
    the files are read and the compiled form is written to ``cache_dir`` (default: the folder
    itself), replacing the one compiled from older files. A folder that holds a compiled file
    and none of the official files loads the compiled file (a deployment ships only that).
    """
    if directory is None:
        return read_tables(*source_files(None))
    if not directory.is_dir():
        raise CmsFileError(directory, None, "CLAIMFLOW_CMS_DIR is not a directory")
    files, official = source_files(directory)
    here = compiled_in(directory)
    if not official and here:
        if len(here) > 1:
            names = ", ".join(p.name for p in here)
            raise CmsFileError(
                directory, None, f"several compiled tables and no CMS files ({names}): keep one"
            )
        log.info("CMS tables: %s (compiled; the official files are not in %s)", here[0], directory)
        return load_compiled(here[0])
    missing = [t for t in TABLES if t not in official]
    if missing:
        log.warning(
            "CLAIMFLOW_CMS_DIR=%s has no file for %s: using the bundled excerpts",
            directory,
            ", ".join(missing),
        )
    fp = fingerprint(files)
    target = cache_dir or directory
    candidates = [*here, *(compiled_in(target) if target != directory and target.is_dir() else [])]
    for candidate in candidates:
        try:
            meta = read_meta(candidate)
        except CmsFileError as exc:
            log.warning("CMS tables: %s skipped (%s)", candidate, exc)
            continue
        if meta.get("fingerprint") == fp:
            try:
                return load_compiled(candidate)
            except CmsFileError as exc:
                log.warning("CMS tables: %s skipped (%s)", candidate, exc)
    log.info("CMS tables: compiling %s (once; the compiled form is cached)", directory)
    tables = read_tables(files, official)
    out = target / cache_name(fp)
    try:
        target.mkdir(parents=True, exist_ok=True)
        write_tables(tables, out, fp)
    except OSError as exc:
        log.warning(
            "CMS tables: cannot cache the compiled form in %s (%s): the files will be read again at "
            "the next start; set CLAIMFLOW_CMS_CACHE_DIR to a writable folder or run "
            "`claimflow rules compile`",
            target,
            exc.strerror or exc,
        )
        return tables
    tables.compiled = str(out)
    for stale in compiled_in(target):
        if stale != out and stale.name.startswith(CACHE_PREFIX):
            try:
                if read_meta(stale).get("fingerprint") != fp:
                    stale.unlink()
            except (CmsFileError, OSError):
                pass
    return tables


def compile_cms(directory: Path, out: Path) -> tuple[CmsTables, Path, int]:
    """``claimflow rules compile``: read the official files of ``directory`` and write their
    compiled form to ``out`` (a file, or a folder to write ``claimflow-<fingerprint>.cmstables``
    into). Returns the tables, the file written and its size."""
    if not directory.is_dir():
        raise CmsFileError(directory, None, "not a directory")
    files, official = source_files(directory)
    if not official:
        raise CmsFileError(
            directory, None, "none of the CMS files (ccipra-*, MCR_MUE_Practitioner*, PPRRVU*, HCPC*ANWEB*)"
        )
    fp = fingerprint(files)
    tables = read_tables(files, official)
    target = out / cache_name(fp) if out.is_dir() else out
    size = write_tables(tables, target, fp)
    tables.compiled = str(target)
    return tables, target, size
