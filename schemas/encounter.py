"""What the practice did and documented (topic ``encounters``, keyed by ``patient_key``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, Field, StrictBool

from schemas.base import Contract, Envelope
from schemas.codes import IcdCode, Identifier, Npi, PlaceOfService


class EcgDocumentation(Contract):
    """The parts of an ECG the record shows: each maps to a billable component."""

    tracing_recorded: StrictBool
    interpretation_documented: StrictBool
    report_signed: StrictBool
    interpreting_provider_npi: Npi | None = None
    performed_at: AwareDatetime | datetime | None = None
    repeat_count: int = Field(default=1, ge=1, le=24, description="ECGs recorded that day (times documented)")


class Encounter(Envelope):
    event_type: Literal["encounter"] = "encounter"
    encounter_id: Identifier
    patient_key: Identifier = Field(description="Pseudonymous patient key (keyed hash); never a member id")
    service_date: date
    place_of_service: PlaceOfService
    rendering_provider_npi: Npi
    diagnoses: list[IcdCode] = Field(default_factory=list, max_length=50)
    symptoms: list[str] = Field(default_factory=list, max_length=50)
    ecg: EcgDocumentation | None = None
