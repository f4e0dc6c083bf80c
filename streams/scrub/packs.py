"""Rule packs: YAML + CMS-layout CSVs, validated with pydantic at start-up.

A pack directory holds ``pack.yaml`` and the CSV files it names (NCCI PTP and MUE in the CMS
quarterly layouts). ``load_pack(dir)`` raises ``PackError`` naming the file and the field.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from schemas.codes import normalize_icd10, normalize_modifier, normalize_procedure
from schemas.outputs import EditCategory, Severity


class PackError(ValueError):
    """A rule pack or payer profile is invalid; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CodeInfo(_Strict):
    label: str
    family: str
    part: Literal["global", "technical", "professional"] | None = None
    needs_ecg_documentation: bool = False
    screening: bool = False


class RuleDef(_Strict):
    category: EditCategory
    severity: Severity
    message: str
    fix: str
    enabled: bool = True


class Necessity(_Strict):
    applies_to: list[str]
    supporting_diagnoses: list[str]
    screening_diagnoses: list[str] = Field(default_factory=list)
    screening_codes: list[str] = Field(default_factory=list)

    @field_validator("supporting_diagnoses", "screening_diagnoses")
    @classmethod
    def _icd(cls, v: list[str]) -> list[str]:
        return [normalize_icd10(c) for c in v]

    @field_validator("applies_to", "screening_codes")
    @classmethod
    def _proc(cls, v: list[str]) -> list[str]:
        return [normalize_procedure(c) for c in v]


class IcdHistory(_Strict):
    code: str
    billable_from: date | None = None
    billable_until: date | None = None

    @field_validator("code")
    @classmethod
    def _icd(cls, v: str) -> str:
        return normalize_icd10(v)


class IcdSettings(_Strict):
    release_effective: date
    history: list[IcdHistory] = Field(default_factory=list)


class DenialRisk(_Strict):
    """When the ``denial_risk`` rules speak: learned rates (payer × code × pointed diagnoses,
    from the adjudications seen on the bus) with enough history and a high enough denial rate."""

    min_adjudicated: int = Field(default=10, ge=1)
    warn_rate: float = Field(default=0.2, gt=0, le=1)
    hints: dict[str, str] = Field(default_factory=dict, description="CARC → what to do")


class PackFile(_Strict):
    """The schema of ``pack.yaml``."""

    pack_id: str
    version: str
    description: str = ""
    ptp_file: str | None = None
    mue_file: str | None = None
    codes: dict[str, CodeInfo]
    modifiers: dict[str, str]
    ncci_override_modifiers: list[str]
    repeat_modifiers: list[str]
    component_modifiers: list[str]
    facility_places_of_service: list[str]
    necessity: Necessity
    icd: IcdSettings
    timely_filing_warning_days: int = Field(default=30, ge=0)
    denial_risk: DenialRisk = Field(default_factory=DenialRisk)
    rules: dict[str, RuleDef]

    @field_validator("codes")
    @classmethod
    def _codes(cls, v: dict[str, CodeInfo]) -> dict[str, CodeInfo]:
        return {normalize_procedure(k): info for k, info in v.items()}

    @field_validator("modifiers")
    @classmethod
    def _mods(cls, v: dict[str, str]) -> dict[str, str]:
        return {normalize_modifier(k): label for k, label in v.items()}


@dataclass(frozen=True)
class PtpEdit:
    column1: str
    column2: str
    modifier_indicator: int  # 0 never, 1 with an NCCI-associated modifier, 9 deleted
    effective: date
    deleted: date | None

    def active_on(self, day: date) -> bool:
        return (
            self.effective <= day
            and (self.deleted is None or day <= self.deleted)
            and self.modifier_indicator != 9
        )


@dataclass(frozen=True)
class Mue:
    code: str
    units: int
    adjudication_indicator: int  # 1 per line, 2 per day absolute, 3 per day clinical


@dataclass(frozen=True)
class RulePack:
    """A loaded, validated pack with lookup structures precomputed for the hot path."""

    spec: PackFile
    source: str
    ptp: dict[tuple[str, str], PtpEdit] = field(default_factory=dict)
    mue: dict[str, Mue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        s = self.spec
        object.__setattr__(self, "version", f"{s.pack_id}@{s.version}")
        object.__setattr__(self, "rendered", {})
        object.__setattr__(self, "known_modifiers", frozenset(s.modifiers))
        object.__setattr__(self, "override_modifiers", frozenset(s.ncci_override_modifiers))
        object.__setattr__(self, "repeat_modifiers", frozenset(s.repeat_modifiers))
        object.__setattr__(self, "component_modifiers", frozenset(s.component_modifiers))
        object.__setattr__(self, "facility_pos", frozenset(s.facility_places_of_service))
        object.__setattr__(self, "necessity_codes", frozenset(s.necessity.applies_to))
        object.__setattr__(self, "supporting_dx", frozenset(s.necessity.supporting_diagnoses))
        object.__setattr__(self, "screening_dx", frozenset(s.necessity.screening_diagnoses))
        families: dict[str, dict[str, str]] = {}
        for code, info in s.codes.items():
            if info.part:
                families.setdefault(info.family, {})[info.part] = code
        object.__setattr__(self, "family_parts", families)
        object.__setattr__(self, "parted_codes", frozenset(c for c, i in s.codes.items() if i.part))
        pairs: dict[str, list[PtpEdit]] = {}
        for edit in self.ptp.values():
            pairs.setdefault(edit.column1, []).append(edit)
            pairs.setdefault(edit.column2, []).append(edit)
        object.__setattr__(self, "ptp_by_code", pairs)
        partners: dict[str, set[str]] = {}
        for edit in self.ptp.values():
            a, b = s.codes.get(edit.column1), s.codes.get(edit.column2)
            own_component = (
                a is not None
                and b is not None
                and a.family == b.family
                and a.part != b.part
                and "global" in (a.part, b.part)
            )
            if own_component:
                continue  # a global with its own component: the bundling family's edit
            partners.setdefault(edit.column2, set()).add(edit.column1)
        object.__setattr__(self, "ptp_partners", {c2: frozenset(c1) for c2, c1 in partners.items()})

    # precomputed in __post_init__ (declared for type checkers)
    #: ``pack_id@version``, stamped on every scrub result
    version: str = field(init=False)
    #: rendered edits by (rule, line, parameters): filled by ``engine.render``, bounded there
    rendered: dict[tuple[object, ...], Any] = field(init=False, repr=False, compare=False)
    known_modifiers: frozenset[str] = field(init=False)
    override_modifiers: frozenset[str] = field(init=False)
    repeat_modifiers: frozenset[str] = field(init=False)
    component_modifiers: frozenset[str] = field(init=False)
    facility_pos: frozenset[str] = field(init=False)
    necessity_codes: frozenset[str] = field(init=False)
    supporting_dx: frozenset[str] = field(init=False)
    screening_dx: frozenset[str] = field(init=False)
    family_parts: dict[str, dict[str, str]] = field(init=False)
    parted_codes: frozenset[str] = field(init=False)
    ptp_by_code: dict[str, list[PtpEdit]] = field(init=False)
    #: column-1 codes by column-2 code on any date, without the same-family global/component
    #: pairs (BUNDLE_GLOBAL_WITH_COMPONENT explains those): where an NCCI edit can fire
    ptp_partners: dict[str, frozenset[str]] = field(init=False)

    def part_code(self, code: str, part: str) -> str | None:
        info = self.spec.codes.get(code)
        if info is None:
            return None
        return self.family_parts.get(info.family, {}).get(part)


def _yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise PackError(f"{path}: file not found") from None
    except yaml.YAMLError as exc:
        raise PackError(f"{path}: not valid YAML: {exc}") from None


def format_validation(path: Path, exc: ValidationError) -> str:
    lines = [f"{path}: invalid"]
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"])
        lines.append(f"  {loc}: {err['msg']}")
    return "\n".join(lines)


def _cms_date(value: str, path: Path, row: int) -> date | None:
    value = value.strip()
    if value in ("", "*"):
        return None
    try:
        return datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        raise PackError(f"{path}: row {row}: date {value!r} is not YYYYMMDD") from None


def load_ptp_csv(path: Path) -> dict[tuple[str, str], PtpEdit]:
    """NCCI practitioner PTP edits, CMS quarterly layout (header row, then one pair per row)."""
    edits: dict[tuple[str, str], PtpEdit] = {}
    with path.open(newline="") as fh:
        reader = csv.reader(fh)
        for row_no, row in enumerate(reader, start=1):
            if not row or not row[0].strip() or not row[0].strip()[0].isalnum() or row_no == 1:
                continue
            if len(row) < 6:
                raise PackError(f"{path}: row {row_no}: expected 6+ columns (CMS PTP layout), got {len(row)}")
            try:
                c1, c2 = normalize_procedure(row[0]), normalize_procedure(row[1])
                indicator = int(row[5].strip())
            except ValueError as exc:
                raise PackError(f"{path}: row {row_no}: {exc}") from None
            effective = _cms_date(row[3], path, row_no) or date(1996, 1, 1)
            edits[(c1, c2)] = PtpEdit(c1, c2, indicator, effective, _cms_date(row[4], path, row_no))
    return edits


def load_mue_csv(path: Path) -> dict[str, Mue]:
    """MUE values, CMS practitioner layout: code, MUE value, adjudication indicator ('3 Date of ...')."""
    values: dict[str, Mue] = {}
    with path.open(newline="") as fh:
        reader = csv.reader(fh)
        for row_no, row in enumerate(reader, start=1):
            if row_no == 1 or not row or not row[0].strip():
                continue
            try:
                code = normalize_procedure(row[0])
                units = int(row[1].strip())
                indicator = int(row[2].strip()[:1])
            except (ValueError, IndexError) as exc:
                raise PackError(f"{path}: row {row_no}: {exc} (CMS MUE layout expected)") from None
            values[code] = Mue(code, units, indicator)
    return values


def load_pack(directory: Path) -> RulePack:
    path = directory / "pack.yaml"
    data = _yaml(path)
    try:
        spec = PackFile.model_validate(data)
    except ValidationError as exc:
        raise PackError(format_validation(path, exc)) from None
    from streams.scrub.rules import RULES  # the code side: every rule_id must be implemented

    missing = sorted(set(RULES) - set(spec.rules))
    unknown = sorted(set(spec.rules) - set(RULES))
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"rules without a definition: {', '.join(missing)}")
        if unknown:
            parts.append(f"rules the engine does not implement: {', '.join(unknown)}")
        raise PackError(f"{path}: rules: " + "; ".join(parts))
    ptp = load_ptp_csv(directory / spec.ptp_file) if spec.ptp_file else {}
    mue = load_mue_csv(directory / spec.mue_file) if spec.mue_file else {}
    return RulePack(spec=spec, source=str(directory), ptp=ptp, mue=mue)


def bundled_pack_dir(name: str = "ecg") -> Path:
    return Path(str(resources.files("streams.scrub") / "packs" / name))


def load_default_pack(directory: Path | None = None) -> RulePack:
    return load_pack(directory or bundled_pack_dir())
