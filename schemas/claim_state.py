"""A claim's state as the tracker knows it, for other teams: every state change as an event
(``claim-transitions``) and the latest state per claim (``claim-states``, a compacted topic).

Neither carries PHI: no patient, no member id, no diagnosis, no payer claim number; a claim is
named by its ``claim_id``. Both are keyed by ``claim_id``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import AwareDatetime, Field

from schemas.base import Contract, Envelope
from schemas.codes import ClaimId, Money, PlanType

ClaimState = Literal[
    "received",
    "held",
    "ready",
    "acknowledged",
    "accepted",
    "rejected",
    "pending",
    "paid",
    "partially_paid",
    "denied",
    "resubmitted",
    "appealed",
    "written_off",
    "closed",
]
CLAIM_STATES: tuple[str, ...] = ClaimState.__args__  # type: ignore[attr-defined]

#: What an observed event did to the claim: applied (moved it, or kept it where a repeat is
#: allowed); noted (recorded, acts on nothing: an A0, a D0); caught_up (claimflow's own step behind
#: the payer's answer); reordered (an older answer read after a newer one only because the tracker
#: reads several topics); late (an older answer that reached the bus after a newer one: an anomaly);
#: impossible (contradicts the state: an anomaly). A redelivered event (same event id) changes
#: nothing and publishes nothing new.
TransitionResult = Literal["applied", "noted", "caught_up", "reordered", "late", "impossible"]
CauseKind = Literal["lifecycle", "status", "remittance"]
FirstPass = Literal["accepted", "rejected"]
#: first-pass resolution (reference §6: paid on the first pass, no CO denial, no resubmission)
FirstPassResolution = Literal["resolved", "unresolved"]


class ClaimTransition(Envelope):
    """One event applied to one claim: where the claim was, where it is, and why."""

    event_type: Literal["claim_transition"] = "claim_transition"
    claim_id: ClaimId
    payer_id: str | None = None
    plan_type: PlanType | None = None
    cause_event_id: str = Field(
        description="the event that caused it; '<id>:resubmitted' for the step that follows a corrected claim"
    )
    cause_kind: CauseKind
    cause_code: str = Field(description="277CA category (A2), 835 CLP02 (CLP02=1) or lifecycle stage (ready)")
    from_state: ClaimState | None
    to_state: ClaimState | None
    result: TransitionResult
    changed: bool = Field(description="to_state differs from from_state")
    paid_amount: Money | None = Field(default=None, description="the payment this answer reports")
    first_pass: FirstPass | None = Field(default=None, description="first-pass outcome decided by this event")


class StateStep(Contract):
    """One entry of a claim's history (the newest entries are kept)."""

    cause_event_id: str
    cause_kind: CauseKind
    cause_code: str
    from_state: ClaimState | None
    to_state: ClaimState | None
    result: TransitionResult
    at: AwareDatetime


class OpenTask(Contract):
    """A resubmission task raised for the claim that nothing has resolved yet (no PHI: the full
    task, with its instructions and any corrected claim, is on ``resubmission-tasks``)."""

    task_id: str
    action: str
    category: str
    priority: str
    due_date: date | None
    reason_codes: list[str] = Field(default_factory=list)
    amount_at_stake: Money = Field(default=Decimal("0"))
    raised_at: AwareDatetime


class ClaimStateRecord(Envelope):
    """The latest state of a claim (``claim-states``, compacted: read it from the beginning for
    every claim's current state)."""

    event_type: Literal["claim_state"] = "claim_state"
    claim_id: ClaimId
    state: ClaimState | None
    payer_id: str | None = None
    plan_type: PlanType | None = None
    frequency_code: str = "1"
    replaces_claim_id: ClaimId | None = None
    original: bool = Field(description="an original claim (not a replacement): counts for first pass")
    known: bool = Field(description="claimflow's own step for the claim was seen (it scrubbed or parked it)")
    first_pass: FirstPass | None = None
    acknowledged: bool = Field(
        default=False,
        description="an original claim that received its first acknowledgment: the first-pass acceptance denominator",
    )
    first_pass_resolution: FirstPassResolution | None = Field(
        default=None,
        description="resolved: the first adjudication paid the claim with no CO denial and it was sent once",
    )
    submission_count: int = 0
    submitted_at: datetime | None = None
    accepted_at: datetime | None = None
    adjudicated_at: datetime | None = None
    updated_at: datetime | None = None
    paid_amount: Money = Field(default=Decimal("0"))
    anomalies: int = Field(
        default=0,
        description="late and impossible events applied to the claim (what "
        "claimflow_lifecycle_anomalies_total counts; reordered and caught-up ones are not anomalies)",
    )
    history: list[StateStep] = Field(default_factory=list)
    open_tasks: list[OpenTask] = Field(default_factory=list)
