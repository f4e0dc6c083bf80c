"""A claim as the coder submitted it (topic ``claims-submitted``, keyed by ``patient_key``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field, StrictInt, model_validator

from schemas.base import Contract, Envelope
from schemas.codes import (
    FrequencyCode,
    IcdCode,
    Identifier,
    Modifier,
    Money,
    Npi,
    PayerId,
    PlaceOfService,
    PlanType,
    ProcedureCode,
)

#: Hard ceiling on lines per claim accepted by the contract (the 837P allows 50 service lines).
MAX_LINES = 50


class Patient(Contract):
    """Identity of the patient/subscriber. PHI: never logged, never a metric label."""

    member_id: str = Field(min_length=1, max_length=40)
    first_name: str = Field(min_length=1, max_length=60)
    last_name: str = Field(min_length=1, max_length=60)
    birth_date: date
    sex: Literal["F", "M", "U"]


class Payer(Contract):
    payer_id: PayerId
    name: str = Field(min_length=1, max_length=80)
    plan_type: PlanType


class ClaimLine(Contract):
    line_number: StrictInt = Field(ge=1, le=MAX_LINES)
    procedure_code: ProcedureCode
    modifiers: list[Modifier] = Field(default_factory=list, max_length=4)
    units: StrictInt = Field(ge=1, le=999)
    charge: Money
    service_date: date
    diagnosis_pointers: list[StrictInt] = Field(default_factory=list, max_length=4)


class ClaimSubmitted(Envelope):
    event_type: Literal["claim_submitted"] = "claim_submitted"
    claim_id: Identifier
    encounter_id: Identifier | None = None
    patient_key: Identifier = Field(description="Pseudonymous patient key (keyed hash); never a member id")
    patient: Patient
    payer: Payer
    billing_provider_npi: Npi
    rendering_provider_npi: Npi
    referring_provider_npi: Npi | None = None
    place_of_service: PlaceOfService
    frequency_code: FrequencyCode = "1"
    original_claim_number: Identifier | None = None
    replaces_claim_id: Identifier | None = Field(
        default=None,
        description="claim_id of the claim this replacement (7) or void (8) supersedes",
    )
    prior_authorization: Identifier | None = Field(
        default=None, description="payer authorization number (REF*G1)"
    )
    diagnoses: list[IcdCode] = Field(min_length=1, max_length=12)
    lines: list[ClaimLine] = Field(min_length=1, max_length=MAX_LINES)
    total_charge: Money

    @model_validator(mode="after")
    def _line_numbers_unique(self) -> ClaimSubmitted:
        numbers = [line.line_number for line in self.lines]
        if len(set(numbers)) != len(numbers):
            raise ValueError("line_number values must be unique within a claim")
        return self

    @property
    def first_service_date(self) -> date:
        return min(line.service_date for line in self.lines)

    @property
    def lines_total(self) -> Decimal:
        return sum((line.charge for line in self.lines), Decimal("0"))
