"""The agents, what each reads and the tables they keep: declared once, read by the agents'
registration and by the worker's health (which input's lag each agent answers for)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from schemas.topics import Topic, topic_name


class Agent(StrEnum):
    """Agent names: the ``agent`` label of claimflow's metrics; Faust's name is ``claimflow.<name>``."""

    ENCOUNTERS = "encounters"
    SCRUB = "scrub"
    SCRUB_WAITING = "scrub-waiting"
    LIFECYCLE = "lifecycle"
    X12 = "x12"
    TRENDS = "trends"

    @property
    def faust_name(self) -> str:
        return f"claimflow.{self.value}"

    @property
    def inputs(self) -> tuple[Topic, ...]:
        return INPUTS[self]


#: the input topics each agent drains
INPUTS: Mapping[Agent, tuple[Topic, ...]] = {
    Agent.ENCOUNTERS: (Topic.ENCOUNTERS,),
    Agent.SCRUB: (Topic.CLAIMS_SUBMITTED, Topic.CLAIMS_UNFILED),
    Agent.SCRUB_WAITING: (Topic.CLAIMS_WAITING,),
    Agent.LIFECYCLE: (Topic.CLAIM_LIFECYCLE, Topic.CLAIM_STATUS, Topic.CLAIM_DENIALS),
    Agent.X12: (Topic.X12_INBOUND,),
    Agent.TRENDS: (Topic.ADJUDICATIONS,),
}


class Table(StrEnum):
    """Changelog-backed tables (their changelog topics are ``<app id>-<name>-changelog``)."""

    ENCOUNTERS = "encounters"  # encounter agent: the latest encounter per encounter_id
    PATIENT_HISTORY = "patient-history"  # scrub agent: a patient's earlier claim lines
    CLAIMS = "claims"  # lifecycle agent: the claim tracker's entries
    DENIAL_WINDOWS = "denial-windows"  # trends agent: adjudication windows per key


def copartitioned_topics(topic_prefix: str, app_id: str) -> list[str]:
    """The topics the worker's tables are partitioned with: the inputs of every agent that keeps or
    reads a table (all but the X12 bridge's) and the tables' changelogs. A claim's events, its
    table entry and its changelog record share one partition number, so each must have
    ``CLAIMFLOW_PARTITIONS`` partitions."""
    inputs = dict.fromkeys(t for agent, topics in INPUTS.items() if agent is not Agent.X12 for t in topics)
    return [topic_name(t, topic_prefix) for t in inputs] + [
        f"{app_id}-{table.value}-changelog" for table in Table
    ]
