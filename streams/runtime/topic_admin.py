"""Topic administration with kafka-python's admin client (idempotent create)."""

from __future__ import annotations

import time

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from schemas.topics import CATALOGUE, topic_name
from streams.runtime.settings import Settings


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
