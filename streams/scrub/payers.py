"""Payer profiles: one YAML file per payer, with defaults per plan type (``_plan_defaults.yaml``)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from schemas.codes import PlanType, normalize_icd10, normalize_procedure
from streams.datafiles import read_yaml, validation_message
from streams.errors import DataFileError

DEFAULTS_FILE = "_plan_defaults.yaml"


class FrequencyLimit(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    count: int = Field(ge=1)
    period: Literal["days", "lifetime"] = "days"
    period_days: int | None = Field(default=None, ge=1)
    per_patient: bool = Field(
        default=False,
        description="the patient's limit whatever payer the earlier services were billed to (Part B's "
        "once-per-lifetime IPPE ECG, which Medicare Advantage follows)",
    )

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        return normalize_procedure(v)

    @model_validator(mode="after")
    def _period(self) -> FrequencyLimit:
        if self.period == "days" and self.period_days is None:
            raise ValueError("period_days is required unless period is 'lifetime'")
        return self

    def describe(self) -> str:
        return "lifetime" if self.period == "lifetime" else f"{self.period_days} days"


class NecessityList(BaseModel):
    """A payer's own list of diagnoses that support some of its codes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    applies_to: list[str]
    diagnoses: list[str]

    @field_validator("applies_to")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        return [normalize_procedure(c) for c in v]

    @field_validator("diagnoses")
    @classmethod
    def _dx(cls, v: list[str]) -> list[str]:
        return [normalize_icd10(c) for c in v]


class PayerNecessity(BaseModel):
    """The payer's necessity lists; ``strict`` makes a diagnosis off its list an error (default: a
    warning, like the pack's starter lists)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    strict: bool = False
    lists: list[NecessityList] = Field(default_factory=list)

    @cached_property
    def by_code(self) -> dict[str, frozenset[str]]:
        out: dict[str, set[str]] = {}
        for item in self.lists:
            for code in item.applies_to:
                out.setdefault(code, set()).update(item.diagnoses)
        return {code: frozenset(dx) for code, dx in out.items()}


def add_months(day: date, months: int) -> date:
    """Calendar arithmetic: the same day ``months`` later (the month's last day when it has fewer)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class PayerProfile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    payer_id: str
    name: str
    plan_type: PlanType
    timely_filing_days: int = Field(default=365, ge=1)
    timely_filing_months: int | None = Field(
        default=None,
        ge=1,
        description="filing limit in calendar months (Medicare: 12, one calendar year after the date "
        "of service); takes precedence over timely_filing_days",
    )
    timely_filing_authority: str = Field(default="", description="where the filing limit comes from")
    require_encounter: bool | None = Field(
        default=None, description="hold claims that reference no encounter (null: the pack's default)"
    )
    necessity: PayerNecessity | None = None
    accepts_replacement_claims: bool = True
    screening_covered_codes: list[str] = Field(
        default_factory=list,
        description="codes on which the payer covers a screening test (supported by screening "
        "diagnoses only); by default it does not",
    )
    screening_ecg_covered: bool = Field(
        default=False,
        description="older name: the payer covers a screening test on every code with a necessity "
        "policy (use screening_covered_codes)",
    )
    em_same_day_requires_25: bool = False
    requires_mbi: bool = False
    reopening_days: int = Field(default=365, ge=1)
    reopening_months: int | None = Field(
        default=None,
        ge=1,
        description="reopening window in calendar months (Medicare: 12, one year from the initial "
        "determination); takes precedence over reopening_days",
    )
    appeal_days: int = Field(default=120, ge=1)
    information_request_days: int = Field(
        default=30,
        ge=1,
        description="days to answer the payer's request for information (277 R*, P3) before it "
        "decides without it (Medicare: 45 days for an additional documentation request)",
    )
    covered_codes: list[str] | None = Field(default=None, description="whitelist; null = all known codes")
    non_covered_codes: list[str] = Field(default_factory=list)
    prior_authorization_codes: list[str] = Field(default_factory=list)
    frequency_limits: list[FrequencyLimit] = Field(default_factory=list)
    denial_risk_error_rate: float | None = Field(default=None, ge=0, le=1)

    def filing_deadline(self, service_date: date) -> date:
        """The last day a claim for ``service_date`` is filed in time."""
        if self.timely_filing_months is not None:
            return add_months(service_date, self.timely_filing_months)
        return service_date + timedelta(days=self.timely_filing_days)

    def reopening_deadline(self, decided_on: date) -> date:
        """The last day to ask for a reopening of a decision made on ``decided_on``."""
        if self.reopening_months is not None:
            return add_months(decided_on, self.reopening_months)
        return decided_on + timedelta(days=self.reopening_days)

    def filing_limit(self) -> str:
        """The filing limit in words, e.g. '12 months' or '90 days'."""
        if self.timely_filing_months is not None:
            return f"{self.timely_filing_months} months"
        return f"{self.timely_filing_days} days"

    @cached_property
    def frequency_limit_codes(self) -> frozenset[str]:
        """Codes with a frequency limit at this payer (computed once per profile)."""
        return frozenset(limit.code for limit in self.frequency_limits)

    def covers_screening(self, code: str) -> bool:
        """Whether the payer covers a screening test billed on ``code``."""
        return self.screening_ecg_covered or code in self.screening_covered_codes

    @field_validator("non_covered_codes", "prior_authorization_codes", "screening_covered_codes")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        return [normalize_procedure(c) for c in v]

    @field_validator("covered_codes")
    @classmethod
    def _covered(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else [normalize_procedure(c) for c in v]


class PayerDirectory:
    """Profiles by payer_id; an unknown payer gets its plan type's defaults."""

    def __init__(self, profiles: dict[str, PayerProfile], defaults: dict[str, dict[str, object]]):
        self.profiles = profiles
        self.defaults = defaults
        self._fallback: dict[tuple[str, str, str], PayerProfile] = {}

    def get(self, payer_id: str, plan_type: str, name: str = "") -> PayerProfile:
        profile = self.profiles.get(payer_id)
        if profile is not None:
            return profile
        key = (payer_id, plan_type, name)
        cached = self._fallback.get(key)
        if cached is None:
            data = {
                **self.defaults.get(plan_type, {}),
                "payer_id": payer_id,
                "name": name or payer_id,
                "plan_type": plan_type,
            }
            cached = self._fallback[key] = PayerProfile.model_validate(data)
        return cached


def load_payers(directory: Path) -> PayerDirectory:
    defaults_path = directory / DEFAULTS_FILE
    defaults: dict[str, dict[str, object]] = {}
    if defaults_path.exists():
        raw = read_yaml(defaults_path) or {}
        if not isinstance(raw, dict):
            raise DataFileError(f"{defaults_path}: expected a mapping of plan_type -> defaults")
        wrong = [str(k) for k, v in raw.items() if v is not None and not isinstance(v, dict)]
        if wrong:
            raise DataFileError(
                f"{defaults_path}: {', '.join(wrong)}: expected a mapping of setting -> value"
            )
        defaults = {str(k): dict(v or {}) for k, v in raw.items()}
        for plan_type, values in defaults.items():
            try:
                PayerProfile.model_validate({**values, "payer_id": "_", "name": "_", "plan_type": plan_type})
            except ValidationError as exc:
                raise DataFileError(validation_message(defaults_path, exc, plan_type)) from None
    profiles: dict[str, PayerProfile] = {}
    for path in sorted(directory.glob("*.yaml")):
        if path.name == DEFAULTS_FILE:
            continue
        raw = read_yaml(path)
        if not isinstance(raw, dict):
            raise DataFileError(f"{path}: expected a mapping with payer_id, name, plan_type")
        merged = {**defaults.get(str(raw.get("plan_type")), {}), **raw}
        try:
            profile = PayerProfile.model_validate(merged)
        except ValidationError as exc:
            raise DataFileError(validation_message(path, exc)) from None
        if profile.payer_id in profiles:
            raise DataFileError(f"{path}: payer_id {profile.payer_id!r} is defined twice")
        profiles[profile.payer_id] = profile
    return PayerDirectory(profiles, defaults)


def bundled_payers_dir() -> Path:
    return Path(str(resources.files("streams.scrub") / "payers"))


def load_default_payers(directory: Path | None = None) -> PayerDirectory:
    return load_payers(directory or bundled_payers_dir())
