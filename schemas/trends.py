"""Denial trends: what the lifecycle tracker learns from adjudications (``adjudications``,
internal) and the trend alerts it raises (``denial-trends``)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from schemas.base import Envelope
from schemas.codes import ClaimId, PlanType

TrendScope = Literal["payer_code_category", "payer_code_diagnosis"]


class AdjudicationFact(Envelope):
    """One adjudicated claim line: the payer's decision joined with what was billed. Keyed by
    ``payer_id|procedure_code`` so every trend of a payer and code is counted in one place."""

    event_type: Literal["adjudication_fact"] = "adjudication_fact"
    claim_id: ClaimId
    payer_id: str
    plan_type: PlanType
    procedure_code: str
    diagnoses: list[str] = Field(description="the line's pointed diagnoses, sorted (no PHI: codes only)")
    service_date: date
    adjudicated_on: date
    denied: bool
    categories: list[str] = Field(default_factory=list, description="reason categories of the line's denials")
    reasons: list[str] = Field(
        default_factory=list, description="group-CARC of the line's denials, e.g. CO-11"
    )


class DenialTrend(Envelope):
    """A denial rate that rose above its own baseline (current window vs the days before it)."""

    event_type: Literal["denial_trend"] = "denial_trend"
    trend_key: str
    scope: TrendScope
    payer_id: str
    procedure_code: str
    category: str | None = None
    diagnoses: list[str] = Field(default_factory=list)
    as_of: date
    window_days: int
    baseline_days: int
    adjudicated: int
    denied: int
    rate: float
    baseline_adjudicated: int
    baseline_denied: int
    baseline_rate: float
    factor: float = Field(description="rate / baseline rate (baseline floored)")
    top_reasons: list[str] = Field(
        default_factory=list, description="most frequent group-CARCs in the window"
    )
