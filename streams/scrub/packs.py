"""Rule packs: YAML data, validated with pydantic at start-up, merged with the CMS tables.

A rules directory holds one folder per pack, each with a ``pack.yaml``: ``core`` (the generic rules:
claim data, identity, code validity, NCCI, MUE, modifiers, place of service, coverage, timely
filing, duplicates, and the coding conventions they read) and procedure families such as ``ecg``
(their codes, documentation, medical-necessity lists and family rules). Every pack's rules,
codes and necessity policies are merged into one ``RulePack``; a rule or a code defined twice is an
error naming both files. The CMS tables (``streams.scrub.cms``) are part of the loaded pack.
``load_packs(dir)`` raises ``DataFileError`` naming the file and the field.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from schemas.codes import PlanType, normalize_icd10, normalize_modifier, normalize_procedure
from schemas.outputs import EditCategory, Severity
from streams.datafiles import read_model
from streams.errors import DataFileError
from streams.scrub.cms import CmsTables, load_cms

__all__ = ["DataFileError", "RulePack", "load_packs"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _procedures(values: list[str]) -> list[str]:
    return [normalize_procedure(c) for c in values]


class CodeInfo(_Strict):
    """What a pack knows about one of its codes beyond the CMS files."""

    label: str
    documentation: Literal["ecg"] | None = Field(
        default=None,
        description="the encounter must document the parts billed (tracing, interpretation, report)",
    )
    screening: bool = False
    per_service: bool = Field(
        default=False,
        description="one unit is one service (one tracing, one read): more than one unit on a line bills "
        "repeats, which go on their own lines with 76/77",
    )
    plan_types: list[PlanType] | None = Field(
        default=None, description="only these plan types take the code (Medicare HCPCS G-codes)"
    )
    needs_service: list[str] = Field(
        default_factory=list,
        description="payable only with one of these services billed for the patient (the IPPE, G0402, "
        "for its screening ECG): without it the payer denies the line (CO-B15)",
    )
    em_same_day_needs_25: bool = Field(
        default=False, description="an E/M billed the same day needs modifier 25 (the IPPE, G0402)"
    )
    same_service_as: list[str] = Field(
        default_factory=list,
        description="global codes of another family that bill the same service: one of them per tracing",
    )

    @field_validator("same_service_as", "needs_service")
    @classmethod
    def _same(cls, v: list[str]) -> list[str]:
        return _procedures(v)


class RuleDef(_Strict):
    category: EditCategory
    severity: Severity
    message: str
    fix: str
    source: str = Field(min_length=1, description="the authority behind the edit (a template like message)")
    fix_outside_medicare: str = Field(
        default="",
        description="the fix on a plan outside Medicare, where the rule's checker says so (ABNs, GY and "
        "the Medicare-only HCPCS codes are Medicare's; default: fix)",
    )
    enabled: bool = True

    @field_validator("message", "fix", "source", "fix_outside_medicare")
    @classmethod
    def _template(cls, v: str) -> str:
        """A template filled like ``str.format``: a broken one is refused at load, not at the first
        claim the rule fires on."""
        try:
            for _, field_name, _, _ in string.Formatter().parse(v):
                if field_name is not None and not field_name.isidentifier():
                    raise ValueError(f"{{{field_name}}} is not a parameter name")
        except ValueError as exc:
            raise ValueError(f"not a template: {exc} (write {{{{ and }}}} for a brace)") from None
        return v


class NecessityPolicy(_Strict):
    """Which diagnoses support a service (e.g. NCD 20.15 for the ECG): a starter list plus covered
    ranges. A pointed diagnosis outside both is a warning, not a hold (the list is not an allow-list)."""

    authority: str
    applies_to: list[str]
    supporting_diagnoses: list[str]
    covered_ranges: list[str] = Field(default_factory=list, description="e.g. I00-I99, R00-R09, R94.3, E87")
    screening_diagnoses: list[str] = Field(default_factory=list)
    screening_codes: list[str] = Field(
        default_factory=list, description="where screening belongs (G0403-G0405)"
    )
    screening_advice: str = Field(
        default="",
        description="what to do with a screening the payer does not cover on these codes (the fix's "
        "first sentence; default: bill it on the screening codes)",
    )

    @field_validator("supporting_diagnoses", "screening_diagnoses")
    @classmethod
    def _icd(cls, v: list[str]) -> list[str]:
        return [normalize_icd10(c) for c in v]

    @field_validator("applies_to", "screening_codes")
    @classmethod
    def _proc(cls, v: list[str]) -> list[str]:
        return _procedures(v)

    @field_validator("covered_ranges")
    @classmethod
    def _ranges(cls, v: list[str]) -> list[str]:
        for item in v:
            low, _, high = item.partition("-")
            for bound in (low, high or low):
                normalize_icd10(bound if len(bound.replace(".", "")) >= 3 else bound + "0")
        return [item.upper() for item in v]


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


LiabilityKind = Literal["exclusion", "necessity"]
MEDICARE_PLANS: tuple[PlanType, ...] = ("medicare", "medicare_advantage")
#: the fee-schedule status rules the code-validity checker raises (the screen's flagged codes)
FEE_STATUS_CODE_RULES = (
    "CODE_PROCEDURE_NOT_IN_FORCE",
    "CODE_PROCEDURE_NOT_VALID_FOR_MEDICARE",
    "COV_MEDICARE_BUNDLED",
)


class LiabilityModifier(_Strict):
    """What a liability modifier says about the denial the provider expects."""

    kind: LiabilityKind
    means: str
    liable: Literal["patient", "provider"] = Field(
        default="patient", description="who pays after the expected denial (GZ: the provider, no ABN)"
    )


class Conventions(_Strict):
    """Coding conventions the generic rules read (the ``core`` pack defines them once)."""

    facility_places_of_service: list[str]
    places_of_service: list[str] = Field(
        default_factory=list,
        description="the codes CMS assigns (its Place of Service code set); another is held. Empty: "
        "only the two-digit shape is checked",
    )
    consolidated_billing_places_of_service: list[str] = Field(default_factory=list)
    ncci_associated_modifiers: list[str] = Field(
        default_factory=list,
        description="NCCI-associated modifiers: on the column-2 line they bypass an edit with modifier "
        "indicator 1 (anatomic, global surgery, 27, 91, 59/X{EPSU})",
    )
    ncci_override_modifiers: list[str] = Field(
        description="the distinct-service modifiers (59, XE, XS, XP, XU): bypass only, so one that "
        "overrides no pair on the claim is an edit"
    )
    repeat_modifiers: list[str]
    component_modifiers: list[str]
    em_codes: list[str] = Field(description="E/M codes as ranges (99202-99499)")
    em_only_modifiers: list[str] = Field(
        default_factory=list, description="modifiers valid on E/M codes only (25, 57)"
    )
    em_modifier_codes: list[str] = Field(
        default_factory=list,
        description="codes outside the E/M section that take the E/M-only modifiers as E/M codes do "
        "(92002-92014: NCCI Policy Manual ch. XI, general ophthalmological services)",
    )
    liability_modifiers: dict[str, LiabilityModifier] = Field(
        default_factory=dict, description="GY/GX fit a statutory exclusion, GA/GZ a necessity denial"
    )
    conflicting_modifiers: list[list[str]] = Field(default_factory=list)
    pctc_meanings: dict[int, str] = Field(default_factory=dict)
    fee_status_rules: dict[str, str] = Field(
        default_factory=dict, description="fee-schedule status code → the rule it raises"
    )
    medicare_plan_types: list[PlanType] = Field(default_factory=lambda: list(MEDICARE_PLANS))
    require_encounter: bool = Field(
        default=False, description="a claim that references no encounter is held (default: a warning)"
    )
    icd: IcdSettings
    timely_filing_warning_days: int = Field(default=30, ge=0)
    denial_risk: DenialRisk = Field(default_factory=DenialRisk)

    @field_validator(
        "ncci_associated_modifiers",
        "ncci_override_modifiers",
        "repeat_modifiers",
        "component_modifiers",
        "em_only_modifiers",
    )
    @classmethod
    def _mods(cls, v: list[str]) -> list[str]:
        return [normalize_modifier(m) for m in v]

    @field_validator("em_codes", "em_modifier_codes")
    @classmethod
    def _em(cls, v: list[str]) -> list[str]:
        for item in v:
            for bound in item.split("-"):
                normalize_procedure(bound)
        return v


class PackFile(_Strict):
    """The schema of ``pack.yaml``."""

    pack_id: str = Field(pattern=r"^[a-z0-9_-]+$")
    version: str
    description: str = ""
    conventions: Conventions | None = None
    codes: dict[str, CodeInfo] = Field(default_factory=dict)
    necessity: list[NecessityPolicy] = Field(default_factory=list)
    rules: dict[str, RuleDef] = Field(default_factory=dict)

    @field_validator("codes")
    @classmethod
    def _codes(cls, v: dict[str, CodeInfo]) -> dict[str, CodeInfo]:
        return {normalize_procedure(k): info for k, info in v.items()}


def _code_ranges(items: Iterable[str]) -> tuple[frozenset[str], tuple[tuple[str, str], ...]]:
    singles, ranges = set(), []
    for item in items:
        low, _, high = item.partition("-")
        if high:
            ranges.append((normalize_procedure(low), normalize_procedure(high)))
        else:
            singles.add(normalize_procedure(low))
    return frozenset(singles), tuple(ranges)


class DiagnosisRanges:
    """ICD-10-CM ranges by code prefix: ``I00-I99`` covers I00 … I99.x; ``R94.3`` covers R94.3x."""

    def __init__(self, items: Iterable[str]):
        self.ranges: list[tuple[str, str]] = []
        for item in items:
            low, _, high = item.replace(".", "").partition("-")
            self.ranges.append((low, high or low))

    def __contains__(self, dx: str) -> bool:
        raw = dx.replace(".", "")
        return any(low <= raw[: len(low)] and raw[: len(high)] <= high for low, high in self.ranges)


@dataclass(frozen=True)
class Necessity:
    """A necessity policy compiled for lookups."""

    policy: NecessityPolicy
    supporting: frozenset[str]
    covered: DiagnosisRanges
    screening: frozenset[str]
    _answers: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    def supports(self, dx: str) -> bool:
        """Whether ``dx`` is on the starter list or in a covered range (answers remembered)."""
        answer = self._answers.get(dx)
        if answer is None:
            answer = dx in self.supporting or dx in self.covered
            if len(self._answers) < 100_000:
                self._answers[dx] = answer
        return answer


@dataclass(frozen=True)
class ScreenData:
    """What the screen (``streams.scrub.screen``) looks up per line, precomputed per pack."""

    pctc: dict[str, int]
    split_codes: frozenset[str]
    #: a code of a family that bills the same service as another → the other family's codes
    same_service_partners: dict[str, frozenset[str]]
    status_non_covered: frozenset[str]
    in_force_flagged: frozenset[str]
    modifier_suspects: frozenset[str]


@dataclass(frozen=True)
class PackInfo:
    pack_id: str
    version: str
    path: str


@dataclass
class RulePack:
    """The loaded packs merged, with lookup structures precomputed for the hot path."""

    packs: list[PackInfo]
    conventions: Conventions
    codes: dict[str, CodeInfo]
    rules: dict[str, RuleDef]
    necessity: list[NecessityPolicy]
    cms: CmsTables
    #: the pack file each rule is defined in (for load errors naming it)
    rule_files: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    #: rendered edits by (rule, line, parameters): filled by ``engine.render``, bounded there
    rendered: dict[tuple[object, ...], Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        c = self.conventions
        #: ``core@2026.12.1+ecg@2026.12.1``, stamped on every scrub result
        self.version = "+".join(f"{p.pack_id}@{p.version}" for p in self.packs)
        self.override_modifiers = frozenset(c.ncci_override_modifiers)
        #: what bypasses an NCCI edit with modifier indicator 1 (on the column-2 line)
        self.ncci_bypass_modifiers = frozenset(c.ncci_associated_modifiers) | self.override_modifiers
        self.repeat_modifiers = frozenset(c.repeat_modifiers)
        self.component_modifiers = frozenset(c.component_modifiers)
        self.em_only_modifiers = frozenset(c.em_only_modifiers)
        self.liability_modifiers = {mod: spec.kind for mod, spec in c.liability_modifiers.items()}
        #: liability modifiers that leave the provider liable for the expected denial (GZ: no ABN)
        self.provider_liable_modifiers = frozenset(
            mod for mod, spec in c.liability_modifiers.items() if spec.liable == "provider"
        )
        self.facility_pos = frozenset(c.facility_places_of_service)
        self.assigned_pos = frozenset(c.places_of_service)
        self.consolidated_pos = frozenset(c.consolidated_billing_places_of_service)
        self.em_singles, self.em_ranges = _code_ranges(c.em_codes)
        self.em_modifier_singles, self.em_modifier_ranges = _code_ranges(c.em_modifier_codes)
        self.medicare_plans = frozenset(c.medicare_plan_types)
        self.necessity_by_code: dict[str, Necessity] = {}
        for policy in self.necessity:
            compiled = Necessity(
                policy,
                frozenset(policy.supporting_diagnoses),
                DiagnosisRanges(policy.covered_ranges),
                frozenset(policy.screening_diagnoses),
            )
            for code in policy.applies_to:
                self.necessity_by_code[code] = compiled
        self.documented_codes = frozenset(code for code, info in self.codes.items() if info.documentation)
        self.per_service_codes = frozenset(code for code, info in self.codes.items() if info.per_service)
        #: codes payable only with a qualifying service, and those services
        self.qualifying_services = {
            code: frozenset(info.needs_service) for code, info in self.codes.items() if info.needs_service
        }
        self.plan_limited = {code: frozenset(i.plan_types) for code, i in self.codes.items() if i.plan_types}
        self.visit_codes = frozenset(code for code, i in self.codes.items() if i.em_same_day_needs_25)
        cms = self.cms
        #: a family's codes by global code; a code's family global (components and globals alike)
        self.family_global: dict[str, str] = {**cms.component_of, **{g: g for g in cms.families}}
        pctc = {code: row.pctc for (code, mod), row in cms.fees.rows.items() if mod == ""}
        status_rules = c.fee_status_rules

        partners: dict[str, set[str]] = {}
        for code, info in self.codes.items():
            for other in info.same_service_as:
                mine, theirs = self.family_members(code), self.family_members(other)
                for member in mine:
                    partners.setdefault(member, set()).update(theirs)
                for member in theirs:
                    partners.setdefault(member, set()).update(mine)
        self.screen_data = ScreenData(
            pctc=pctc,
            split_codes=frozenset(code for code, ind in pctc.items() if ind in (1, 2, 3, 4)),
            same_service_partners={code: frozenset(others) for code, others in partners.items()},
            status_non_covered=frozenset(
                code
                for release in cms.fees.releases
                for (code, mod), row in release.rows.items()
                if mod == "" and status_rules.get(row.status) == "COV_MEDICARE_NON_COVERED"
            ),
            in_force_flagged=frozenset(
                code
                for release in cms.fees.releases
                for (code, mod), row in release.rows.items()
                if mod == "" and status_rules.get(row.status) in FEE_STATUS_CODE_RULES
            )
            | cms.fees.not_everywhere,
            modifier_suspects=frozenset(
                {*c.component_modifiers, *(m for pair in c.conflicting_modifiers for m in pair)}
                | {m for m, info in cms.modifiers.items() if info.terminated is not None}
            ),
        )

    def liability_meaning(self, modifier: str) -> str:
        spec = self.conventions.liability_modifiers.get(modifier)
        return spec.means if spec is not None else modifier

    def __repr__(self) -> str:
        return f"RulePack({self.version})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # hypothesis and IPython
        printer.text(repr(self))

    def is_em(self, code: str) -> bool:
        return code in self.em_singles or any(low <= code <= high for low, high in self.em_ranges)

    def takes_em_modifiers(self, code: str) -> bool:
        """Whether 25/57 fit the code: an E/M code, or one the pack lets take them (92002-92014)."""
        return (
            self.is_em(code)
            or code in self.em_modifier_singles
            or any(low <= code <= high for low, high in self.em_modifier_ranges)
        )

    def family_of(self, code: str) -> str | None:
        """The diagnostic-test family a code bills a part of, from the fee schedule: its global
        code (PC/TC indicator 4 and the components CMS prices it from: 93000 = 93005 + 93010),
        the code itself when it is billed whole, with 26 or with TC (indicator 1: 71045), or
        None (no professional/technical split)."""
        key = self.family_global.get(code)
        if key is not None:
            return key
        return code if self.cms.pctc(code) == 1 else None

    def same_test(self, code: str, other: str) -> bool:
        """Whether two codes bill (a part of) the same test: one family (93000, 93005, 93010), or
        families the pack names as one service (``same_service_as``: the IPPE screening ECG,
        G0403–G0405, is a 12-lead ECG like 93000–93010 — reference §1: one of them per tracing)."""
        if (self.family_of(code) or code) == (self.family_of(other) or other):
            return True
        return other in self.screen_data.same_service_partners.get(code, ())

    def family_members(self, code: str) -> frozenset[str]:
        """The codes of a code's family (the code alone when it has none)."""
        root = self.family_of(code) or code
        return frozenset({root, *(m for m, g in self.family_global.items() if g == root)})

    def same_family(self, a: str, b: str) -> bool:
        """Two different codes of one family (a global and its component, or two components)."""
        fa = self.family_of(a)
        return fa is not None and a != b and fa == self.family_of(b)

    def needs_documentation(self, code: str) -> bool:
        return code in self.documented_codes


def read_pack_file(path: Path) -> PackFile:
    return read_model(path, PackFile)


def pack_dirs(rules_dir: Path) -> list[Path]:
    """The pack folders of a rules directory (``core`` first, then by name)."""
    if not rules_dir.is_dir():
        raise DataFileError(f"{rules_dir}: rules directory not found")
    found = sorted(p.parent for p in rules_dir.glob("*/pack.yaml"))
    if not found:
        raise DataFileError(f"{rules_dir}: no pack folders (each holds a pack.yaml)")
    return sorted(found, key=lambda p: (p.name != "core", p.name))


def load_packs(
    rules_dir: Path | None = None, cms_dir: Path | None = None, cms_cache_dir: Path | None = None
) -> RulePack:
    """Every pack of ``rules_dir`` (default: the bundled packs) merged, with the CMS tables of
    ``cms_dir`` (default: the bundled excerpts; compiled once and cached in ``cms_cache_dir``,
    default the CMS folder). Whether every rule the engine implements is defined is checked by the
    engine (``streams.scrub.engine.check_rules``)."""
    directory = rules_dir or bundled_packs_dir()
    infos: list[PackInfo] = []
    conventions: tuple[Path, Conventions] | None = None
    codes: dict[str, tuple[Path, CodeInfo]] = {}
    rules: dict[str, tuple[Path, RuleDef]] = {}
    necessity: list[NecessityPolicy] = []
    for folder in pack_dirs(directory):
        path = folder / "pack.yaml"
        spec = read_pack_file(path)
        infos.append(PackInfo(spec.pack_id, spec.version, str(folder)))
        if spec.conventions is not None:
            if conventions is not None:
                raise DataFileError(f"{path}: conventions: already defined in {conventions[0]}")
            conventions = (path, spec.conventions)
        for code, info in spec.codes.items():
            if code in codes:
                raise DataFileError(f"{path}: codes.{code}: already defined in {codes[code][0]}")
            codes[code] = (path, info)
        for rule_id, rule in spec.rules.items():
            if rule_id in rules:
                raise DataFileError(f"{path}: rules.{rule_id}: already defined in {rules[rule_id][0]}")
            rules[rule_id] = (path, rule)
        necessity.extend(spec.necessity)
    if conventions is None:
        raise DataFileError(f"{directory}: no pack defines the conventions (the core pack does)")
    for status, rule_id in conventions[1].fee_status_rules.items():
        if rule_id not in rules:
            raise DataFileError(
                f"{conventions[0]}: conventions.fee_status_rules.{status}: unknown rule {rule_id}"
            )
    return RulePack(
        packs=infos,
        conventions=conventions[1],
        codes={code: info for code, (_, info) in codes.items()},
        rules={rule_id: rule for rule_id, (_, rule) in rules.items()},
        necessity=necessity,
        cms=load_cms(cms_dir, cms_cache_dir),
        rule_files={rule_id: str(path) for rule_id, (path, _) in rules.items()},
    )


def bundled_packs_dir() -> Path:
    return Path(str(resources.files("streams.scrub") / "packs"))
