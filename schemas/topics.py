"""The topic catalogue: every topic claimflow reads or writes, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from schemas import (
    AdjudicationFact,
    ClaimHeld,
    ClaimReady,
    ClaimStatus,
    ClaimSubmitted,
    ClaimUnfiled,
    DeadLetter,
    Denial,
    DenialTrend,
    Encounter,
    Envelope,
    LifecycleEvent,
    ProviderAdjustment,
    ResubmissionTask,
    ScrubResult,
)
from schemas.claim_state import ClaimStateRecord, ClaimTransition

DAY_MS = 24 * 3600 * 1000


class Topic(StrEnum):
    """Logical topic names (the physical name adds ``CLAIMFLOW_TOPIC_PREFIX``). Code names a topic
    only through this enum; a guard test finds any other spelling of a topic name."""

    ENCOUNTERS = "encounters"
    CLAIMS_SUBMITTED = "claims-submitted"
    CLAIM_STATUS = "claim-status"
    CLAIM_DENIALS = "claim-denials"
    PROVIDER_ADJUSTMENTS = "provider-adjustments"
    CLAIMS_SCRUBBED = "claims-scrubbed"
    CLAIMS_READY = "claims-ready"
    CLAIMS_HELD = "claims-held"
    CLAIM_LIFECYCLE = "claim-lifecycle"
    CLAIMS_WAITING = "claims-waiting"
    CLAIMS_UNFILED = "claims-unfiled"
    CLAIM_TRANSITIONS = "claim-transitions"
    CLAIM_STATES = "claim-states"
    RESUBMISSION_TASKS = "resubmission-tasks"
    DEAD_LETTERS = "dead-letters"
    ADJUDICATIONS = "adjudications"
    DENIAL_TRENDS = "denial-trends"
    DENIAL_RATES = "denial-rates"
    X12_INBOUND = "x12-inbound"
    X12_ACKNOWLEDGMENTS = "x12-acknowledgments"


@dataclass(frozen=True)
class TopicSpec:
    """A topic's logical name, what it carries, how it is keyed and kept."""

    name: Topic
    model: type[Envelope] | None  # None: not an event contract (raw X12, learned rates)
    key: Literal["patient_key", "claim_id", "source", "payer_code", "provider_id"]
    role: Literal["input", "output", "internal"]
    retention_ms: int
    cleanup_policy: Literal["delete", "compact"] = "delete"
    description: str = ""


CATALOGUE: tuple[TopicSpec, ...] = (
    TopicSpec(
        Topic.ENCOUNTERS,
        Encounter,
        "patient_key",
        "input",
        30 * DAY_MS,
        description="what the practice did and documented",
    ),
    TopicSpec(
        Topic.CLAIMS_SUBMITTED,
        ClaimSubmitted,
        "patient_key",
        "input",
        30 * DAY_MS,
        description="claims from coders, before they leave",
    ),
    TopicSpec(
        Topic.CLAIM_STATUS,
        ClaimStatus,
        "claim_id",
        "input",
        90 * DAY_MS,
        description="277CA / 835 / portal status answers",
    ),
    TopicSpec(
        Topic.CLAIM_DENIALS,
        Denial,
        "claim_id",
        "input",
        90 * DAY_MS,
        description="835 remittance decisions with CARC/RARC adjustments",
    ),
    TopicSpec(
        Topic.PROVIDER_ADJUSTMENTS,
        ProviderAdjustment,
        "provider_id",
        "output",
        365 * DAY_MS,
        description="835 provider-level adjustments (PLB): money added to or taken from a payment, "
        "not tied to one claim",
    ),
    TopicSpec(
        Topic.CLAIMS_SCRUBBED,
        ScrubResult,
        "claim_id",
        "output",
        30 * DAY_MS,
        description="every scrub result with its edits",
    ),
    TopicSpec(
        Topic.CLAIMS_READY,
        ClaimReady,
        "claim_id",
        "output",
        30 * DAY_MS,
        description="clean claims, ready for the clearinghouse",
    ),
    TopicSpec(
        Topic.CLAIMS_HELD,
        ClaimHeld,
        "claim_id",
        "output",
        30 * DAY_MS,
        description="claims held with the edits a coder must clear",
    ),
    TopicSpec(
        Topic.CLAIM_LIFECYCLE,
        LifecycleEvent,
        "claim_id",
        "internal",
        90 * DAY_MS,
        description="steps claimflow observed (scrub, resubmission)",
    ),
    TopicSpec(
        Topic.CLAIMS_WAITING,
        ClaimSubmitted,
        "patient_key",
        "internal",
        7 * DAY_MS,
        description="claims parked until their encounter arrives (grace period)",
    ),
    TopicSpec(
        Topic.CLAIMS_UNFILED,
        ClaimUnfiled,
        "patient_key",
        "internal",
        30 * DAY_MS,
        description="claim lines a 277CA rejected (never filed), taken out of the patient's history",
    ),
    TopicSpec(
        Topic.CLAIM_TRANSITIONS,
        ClaimTransition,
        "claim_id",
        "output",
        365 * DAY_MS,
        description="every change the tracker applied to a claim: from/to state, cause, result (no PHI)",
    ),
    TopicSpec(
        Topic.CLAIM_STATES,
        ClaimStateRecord,
        "claim_id",
        "output",
        365 * DAY_MS,
        "compact",
        description="the latest state of every claim, with its history and open tasks (no PHI); compacted",
    ),
    TopicSpec(
        Topic.RESUBMISSION_TASKS,
        ResubmissionTask,
        "claim_id",
        "output",
        365 * DAY_MS,
        description="denial/rejection work items with corrective action and deadline",
    ),
    TopicSpec(
        Topic.DEAD_LETTERS,
        DeadLetter,
        "source",
        "output",
        365 * DAY_MS,
        description="inputs that could not be processed, with the original bytes",
    ),
    TopicSpec(
        Topic.ADJUDICATIONS,
        AdjudicationFact,
        "payer_code",
        "internal",
        35 * DAY_MS,
        description="adjudicated claim lines (payer x code x diagnoses) for the denial trends",
    ),
    TopicSpec(
        Topic.DENIAL_TRENDS,
        DenialTrend,
        "payer_code",
        "output",
        365 * DAY_MS,
        description="denial rates that rose above their own baseline",
    ),
    TopicSpec(
        Topic.DENIAL_RATES,
        None,
        "payer_code",
        "internal",
        35 * DAY_MS,
        "compact",
        description="learned denial rates by payer|code|diagnoses, read whole by every worker",
    ),
    TopicSpec(
        Topic.X12_INBOUND,
        None,
        "source",
        "input",
        30 * DAY_MS,
        description="raw X12 interchanges (837P, 277CA, 835); read when CLAIMFLOW_X12_INBOUND is on",
    ),
    TopicSpec(
        Topic.X12_ACKNOWLEDGMENTS,
        None,
        "source",
        "output",
        365 * DAY_MS,
        description="the 999 for every interchange read from x12-inbound",
    ),
)

BY_NAME: dict[Topic, TopicSpec] = {spec.name: spec for spec in CATALOGUE}


def topic_name(logical: Topic | str, prefix: str = "") -> str:
    """Physical topic name: the optional ``CLAIMFLOW_TOPIC_PREFIX`` + the logical name."""
    if logical not in BY_NAME:
        raise KeyError(f"unknown topic {logical!r}; known: {', '.join(BY_NAME)}")
    return f"{prefix}{logical}"


def logical_name(physical: str, prefix: str = "") -> Topic | None:
    """The catalogue topic a physical name stands for, or None for a topic outside it."""
    try:
        return Topic(physical.removeprefix(prefix))
    except ValueError:
        return None
