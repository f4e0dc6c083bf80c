"""Events claimflow emits: scrub results, ready/held claims, lifecycle, tasks, dead letters."""

from __future__ import annotations

import base64
import uuid
import zlib
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, get_args

from pydantic import AwareDatetime, Field

from schemas.base import Contract, Envelope
from schemas.claim import ClaimSubmitted, ValidClaim
from schemas.codes import ClaimId, Identifier, Money, PlanType
from schemas.encounter import Encounter

EditCategory = Literal[
    "code_validity",
    "component",
    "documentation",
    "bundling",
    "units",
    "modifier",
    "place_of_service",
    "medical_necessity",
    "coverage",
    "frequency",
    "timely_filing",
    "duplicate",
    "patient",
    "provider",
    "claim_data",
]
EDIT_CATEGORIES: tuple[str, ...] = EditCategory.__args__  # type: ignore[attr-defined]

Severity = Literal["error", "warning"]


class ScrubEdit(Contract):
    """One finding of the scrubber: what is wrong and how to fix it."""

    rule_id: str = Field(min_length=1, max_length=80)
    category: EditCategory
    severity: Severity
    line_number: int | None = None
    message: str
    fix: str
    source: str = Field(
        default="",
        max_length=200,
        description="the authority behind the edit (e.g. 'NCCI PTP practitioner, modifier indicator 0', "
        "'MUE practitioner, MAI 3', 'NCD 20.15', 'payer profile BLUEPEAK: frequency limit')",
    )


class ScrubResult(Envelope):
    event_type: Literal["scrub_result"] = "scrub_result"
    claim_id: ClaimId
    claim_event_id: uuid.UUID = Field(description="event_id of the ClaimSubmitted that was scrubbed")
    payer_id: str
    plan_type: PlanType | None = Field(description="null when the claim's plan type is missing or unknown")
    status: Literal["clean", "held"]
    edits: list[ScrubEdit] = Field(default_factory=list)
    encounter_found: bool
    rule_pack_version: str
    as_of: date


class ClaimReady(Envelope):
    """A claim that passed every error-level edit (warnings travel with it)."""

    event_type: Literal["claim_ready"] = "claim_ready"
    claim: ValidClaim
    warnings: list[ScrubEdit] = Field(default_factory=list)


class ClaimHeld(Envelope):
    """A claim held before it left, with the edits a coder must clear (as submitted: its values
    may be wrong or missing; the edits say which)."""

    event_type: Literal["claim_held"] = "claim_held"
    claim: ClaimSubmitted
    edits: list[ScrubEdit]


LifecycleStage = Literal["received", "held", "ready", "resubmitted", "appealed", "written_off", "closed"]


class LifecycleEvent(Envelope):
    """A step of a claim's life that claimflow itself observed (scrub, resubmission, manual)."""

    event_type: Literal["lifecycle"] = "lifecycle"
    claim_id: ClaimId
    stage: LifecycleStage
    payer_id: str
    plan_type: PlanType | None = None
    frequency_code: str = Field(default="1", max_length=2)
    original_claim_number: Identifier | None = None
    total_charge: Money = Field(default=Decimal("0"))
    submitted_at: AwareDatetime | None = Field(default=None, description="when the claim was submitted")
    cause_event_id: uuid.UUID | None = Field(
        default=None, description="the input event that caused this step"
    )
    edit_count: int = 0
    replaces_claim_id: ClaimId | None = None
    claim: ValidClaim | None = Field(default=None, description="the claim as sent (ready steps)")
    encounter: Encounter | None = Field(default=None, description="the encounter it was scrubbed against")


TaskAction = Literal[
    "replacement_claim",
    "new_claim",
    "reopening",
    "appeal",
    "write_off",
    "bill_patient",
    "verify_eligibility",
    "rebill_other_payer",
    "request_authorization",
    "fix_and_resubmit",
    "send_information",
]
TASK_ACTIONS: tuple[str, ...] = TaskAction.__args__  # type: ignore[attr-defined]


class ResubmissionTask(Envelope):
    """Work for a person or an automated flow: why a claim came back and what to do by when."""

    event_type: Literal["resubmission_task"] = "resubmission_task"
    task_id: str
    claim_id: ClaimId
    payer_id: str
    plan_type: PlanType
    action: TaskAction
    root_cause: str
    category: str
    reason_codes: list[str] = Field(default_factory=list, description="group-CARC, e.g. CO-97")
    remark_codes: list[str] = Field(default_factory=list)
    recoverable: bool
    patient_billable: bool
    amount_at_stake: Money = Field(default=Decimal("0"))
    priority: Literal["urgent", "high", "normal", "low"]
    due_date: date | None
    instructions: str
    attempt: int = Field(ge=1)
    corrected_claim: ValidClaim | None = None
    cause_event_id: uuid.UUID | None = None


class UnfiledLine(Contract):
    """A service line of a claim as the scrub agent's patient history knows it (what a duplicate
    is judged by): its code and modifiers, date of service and rendering provider."""

    procedure_code: str = Field(max_length=48)
    modifiers: list[str] = Field(default_factory=list, max_length=4)
    service_date: date
    rendering_provider_npi: str = Field(default="", max_length=10)


class ClaimUnfiled(Envelope):
    """Lines of a claim the clearinghouse or payer rejected (277CA): never filed, so never billed
    (reference §3: a duplicate is a service already submitted). The lifecycle agent sends it on
    ``claims-unfiled`` (keyed by ``patient_key``) when it raises the rejection's task; the scrub
    agent takes the lines out of the patient's history, so the new claim the task asks for is not
    held as their duplicate. Only the lines the claim event ``submission_event_id`` recorded go: a
    resend of the claim under its id since then stands."""

    event_type: Literal["claim_unfiled"] = "claim_unfiled"
    claim_id: ClaimId
    patient_key: Identifier
    submission_event_id: uuid.UUID = Field(description="the claim event whose lines were rejected")
    whole_claim: bool = Field(description="the claim was rejected (A3/A6/A7/A8), not lines of it")
    lines: list[UnfiledLine] = Field(min_length=1, max_length=999)
    cause_event_id: uuid.UUID = Field(description="the 277CA status event that rejected them")


DeadLetterReason = Literal[
    "too_large", "malformed_json", "schema_violation", "unknown_event", "processing_error", "x12_rejected"
]
DEAD_LETTER_REASONS: tuple[str, ...] = get_args(DeadLetterReason)


class DeadLetter(Envelope):
    """An input the worker could not process, kept whole so it can be replayed after a fix.

    ``payload_b64`` is data (it may contain PHI and is protected like the input topic);
    ``error`` is a readable reason built without echoing input values. A dead letter must itself
    fit a Kafka message (1 MB by default): a large input is kept compressed
    (``payload_encoding`` zlib), and one that does not fit even so keeps its first bytes
    (``payload_truncated``) — the whole event stays at its source position. ``payload()`` gives
    the bytes kept, as they were sent.
    """

    event_type: Literal["dead_letter"] = "dead_letter"
    reason: DeadLetterReason
    error: str
    source_topic: str
    source_partition: int
    source_offset: int
    source_timestamp: datetime | None = None
    key_b64: str | None = None
    payload_b64: str
    payload_size: int
    payload_encoding: Literal["raw", "zlib"] = Field(
        default="raw", description="zlib: payload_b64 holds the zlib-compressed bytes"
    )
    payload_truncated: bool = Field(
        default=False,
        description="only the first bytes of the event are kept (it did not fit a dead letter even "
        "compressed); the whole event is at source_topic/source_partition/source_offset",
    )

    def payload(self) -> bytes:
        """The bytes kept, as they were sent (all of them unless ``payload_truncated``)."""
        data = base64.b64decode(self.payload_b64)
        return zlib.decompress(data) if self.payload_encoding == "zlib" else data
