"""The topic catalogue: every topic claimflow reads or writes, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from schemas import (
    AdjudicationFact,
    ClaimHeld,
    ClaimReady,
    ClaimStatus,
    ClaimSubmitted,
    DeadLetter,
    Denial,
    DenialTrend,
    Encounter,
    Envelope,
    LifecycleEvent,
    ResubmissionTask,
    ScrubResult,
)

DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class TopicSpec:
    """A topic's logical name, what it carries, how it is keyed and kept."""

    name: str
    model: type[Envelope] | None  # None: not an event contract (raw X12, learned rates)
    key: Literal["patient_key", "claim_id", "source", "payer_code"]
    role: Literal["input", "output", "internal"]
    retention_ms: int
    cleanup_policy: Literal["delete", "compact"] = "delete"
    description: str = ""


CATALOGUE: tuple[TopicSpec, ...] = (
    TopicSpec(
        "encounters",
        Encounter,
        "patient_key",
        "input",
        30 * DAY_MS,
        description="what the practice did and documented",
    ),
    TopicSpec(
        "claims-submitted",
        ClaimSubmitted,
        "patient_key",
        "input",
        30 * DAY_MS,
        description="claims from coders, before they leave",
    ),
    TopicSpec(
        "claim-status",
        ClaimStatus,
        "claim_id",
        "input",
        90 * DAY_MS,
        description="277CA / 835 / portal status answers",
    ),
    TopicSpec(
        "claim-denials",
        Denial,
        "claim_id",
        "input",
        90 * DAY_MS,
        description="835 remittance decisions with CARC/RARC adjustments",
    ),
    TopicSpec(
        "claims-scrubbed",
        ScrubResult,
        "claim_id",
        "output",
        30 * DAY_MS,
        description="every scrub result with its edits",
    ),
    TopicSpec(
        "claims-ready",
        ClaimReady,
        "claim_id",
        "output",
        30 * DAY_MS,
        description="clean claims, ready for the clearinghouse",
    ),
    TopicSpec(
        "claims-held",
        ClaimHeld,
        "claim_id",
        "output",
        30 * DAY_MS,
        description="claims held with the edits a coder must clear",
    ),
    TopicSpec(
        "claim-lifecycle",
        LifecycleEvent,
        "claim_id",
        "internal",
        90 * DAY_MS,
        description="steps claimflow observed (scrub, resubmission)",
    ),
    TopicSpec(
        "claims-waiting",
        ClaimSubmitted,
        "patient_key",
        "internal",
        7 * DAY_MS,
        description="claims parked until their encounter arrives (grace period)",
    ),
    TopicSpec(
        "resubmission-tasks",
        ResubmissionTask,
        "claim_id",
        "output",
        365 * DAY_MS,
        description="denial/rejection work items with corrective action and deadline",
    ),
    TopicSpec(
        "dead-letters",
        DeadLetter,
        "source",
        "output",
        365 * DAY_MS,
        description="inputs that could not be processed, with the original bytes",
    ),
    TopicSpec(
        "adjudications",
        AdjudicationFact,
        "payer_code",
        "internal",
        35 * DAY_MS,
        description="adjudicated claim lines (payer x code x diagnoses) for the denial trends",
    ),
    TopicSpec(
        "denial-trends",
        DenialTrend,
        "payer_code",
        "output",
        365 * DAY_MS,
        description="denial rates that rose above their own baseline",
    ),
    TopicSpec(
        "denial-rates",
        None,
        "payer_code",
        "internal",
        35 * DAY_MS,
        "compact",
        description="learned denial rates by payer|code|diagnoses, read whole by every worker",
    ),
    TopicSpec(
        "x12-inbound",
        None,
        "source",
        "input",
        30 * DAY_MS,
        description="raw X12 interchanges (837P, 277CA, 835); read when CLAIMFLOW_X12_INBOUND is on",
    ),
    TopicSpec(
        "x12-acknowledgments",
        None,
        "source",
        "output",
        365 * DAY_MS,
        description="the 999 for every interchange read from x12-inbound",
    ),
)

BY_NAME: dict[str, TopicSpec] = {spec.name: spec for spec in CATALOGUE}


def topic_name(logical: str, prefix: str = "") -> str:
    """Physical topic name: the optional ``CLAIMFLOW_TOPIC_PREFIX`` + the logical name."""
    if logical not in BY_NAME:
        raise KeyError(f"unknown topic {logical!r}; known: {', '.join(BY_NAME)}")
    return f"{prefix}{logical}"
