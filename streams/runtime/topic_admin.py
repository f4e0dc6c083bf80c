"""Topic administration with kafka-python's admin client (idempotent create)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from schemas.topics import CATALOGUE, topic_name
from streams.errors import ConfigError
from streams.runtime.settings import Settings

log = logging.getLogger(__name__)


def new_topics(settings: Settings) -> list[NewTopic]:
    topics = []
    for spec in CATALOGUE:
        configs = {"cleanup.policy": spec.cleanup_policy, "retention.ms": str(spec.retention_ms)}
        topics.append(
            NewTopic(
                topic_name(spec.name, settings.topic_prefix),
                settings.partitions,
                settings.replication_factor,
                topic_configs=configs,
            )
        )
    return topics


def admin_client(settings: Settings, timeout: float = 30.0) -> KafkaAdminClient:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return KafkaAdminClient(
                client_id="claimflow-admin",
                request_timeout_ms=15000,
                **settings.kafka_client_kwargs(),
            )
        except KafkaError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def create_topics(settings: Settings) -> dict[str, str]:
    """Create every catalogue topic that is missing. Returns {topic: "created" | "exists"}."""
    admin = admin_client(settings)
    try:
        existing = set(admin.list_topics())
        result: dict[str, str] = {}
        for topic in new_topics(settings):
            if topic.name in existing:
                result[topic.name] = "exists"
                continue
            try:
                admin.create_topics([topic])
                result[topic.name] = "created"
            except TopicAlreadyExistsError:
                result[topic.name] = "exists"
        return result
    finally:
        admin.close()


def partition_mismatches(settings: Settings, names: Iterable[str], timeout: float = 15.0) -> list[str]:
    """Each of ``names`` (co-partitioned topics) that exists with a partition count other than
    ``CLAIMFLOW_PARTITIONS`` (topics not created yet are Faust's to create with the right count)."""
    admin = admin_client(settings, timeout)
    try:
        existing = set(admin.list_topics())
        wanted = [name for name in names if name in existing]
        described = admin.describe_topics(wanted) if wanted else []
    finally:
        admin.close()
    counts = {str(d.get("name") or d.get("topic")): len(d["partitions"]) for d in described}
    return [f"{name} has {n}" for name, n in sorted(counts.items()) if n != settings.partitions]


def check_partitions(settings: Settings, names: Iterable[str]) -> None:
    """Refuse to start a worker whose ``CLAIMFLOW_PARTITIONS`` disagrees with the topics it would
    read: Faust would refuse every event at its table (PartitionsMismatch), and each would go to
    ``dead-letters``. A broker not reachable yet is the worker's own start-up to wait for."""
    try:
        mismatched = partition_mismatches(settings, names)
    except KafkaError as exc:
        log.warning("partition counts not checked (the broker did not answer: %s)", type(exc).__name__)
        return
    if mismatched:
        raise ConfigError(
            f"CLAIMFLOW_PARTITIONS is {settings.partitions} but existing topics disagree: "
            + "; ".join(mismatched)
            + ". Set CLAIMFLOW_PARTITIONS to the topics' partition count (a topic's partitions are "
            "never reduced; to change the count, add partitions to every input topic and changelog "
            "alike, or start a new application id)."
        )
