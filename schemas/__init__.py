"""claimflow event contracts (pydantic v2). The only package other teams need to import."""

from schemas.base import Contract, Envelope
from schemas.claim import (
    ClaimLine,
    ClaimSubmitted,
    OtherPayer,
    Patient,
    Payer,
    ScrubbableClaim,
    ValidClaim,
    as_valid,
    read_claim,
)
from schemas.claim_state import ClaimStateRecord, ClaimTransition
from schemas.encounter import EcgDocumentation, Encounter
from schemas.outputs import (
    EDIT_CATEGORIES,
    TASK_ACTIONS,
    ClaimHeld,
    ClaimReady,
    ClaimUnfiled,
    DeadLetter,
    LifecycleEvent,
    ResubmissionTask,
    ScrubEdit,
    ScrubResult,
)
from schemas.status import (
    Adjustment,
    ClaimStatus,
    Denial,
    LineStatus,
    ProviderAdjustment,
    ProviderAdjustmentItem,
    StatusDetail,
)
from schemas.trends import AdjudicationFact, DenialTrend

#: Every event model, by its ``event_type``; JSON Schema files are exported for each.
EVENT_MODELS: dict[str, type[Envelope]] = {
    model.model_fields["event_type"].default: model
    for model in (
        Encounter,
        ClaimSubmitted,
        ClaimStatus,
        Denial,
        ProviderAdjustment,
        ScrubResult,
        ClaimReady,
        ClaimHeld,
        LifecycleEvent,
        ClaimTransition,
        ClaimStateRecord,
        ResubmissionTask,
        ClaimUnfiled,
        DeadLetter,
        AdjudicationFact,
        DenialTrend,
    )
}

__all__ = [
    "EDIT_CATEGORIES",
    "EVENT_MODELS",
    "TASK_ACTIONS",
    "AdjudicationFact",
    "Adjustment",
    "ClaimHeld",
    "ClaimLine",
    "ClaimReady",
    "ClaimStateRecord",
    "ClaimStatus",
    "ClaimSubmitted",
    "ClaimTransition",
    "ClaimUnfiled",
    "Contract",
    "DeadLetter",
    "Denial",
    "DenialTrend",
    "EcgDocumentation",
    "Encounter",
    "Envelope",
    "LifecycleEvent",
    "LineStatus",
    "OtherPayer",
    "Patient",
    "Payer",
    "ProviderAdjustment",
    "ProviderAdjustmentItem",
    "ResubmissionTask",
    "ScrubEdit",
    "ScrubResult",
    "ScrubbableClaim",
    "StatusDetail",
    "ValidClaim",
    "as_valid",
    "read_claim",
]
