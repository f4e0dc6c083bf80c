"""Input compressed by another team's producer (README: bad input never stalls a partition; the
topics are written by whatever client each system has): gzip, snappy, lz4 and zstd batches are
read like plain ones — a codec the worker could not read stopped it at every start."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiokafka import AIOKafkaProducer
from kafka import KafkaProducer

from tests.builders import claim_dict
from tests.integration.conftest import Deployment
from tests.integration.scenario import now

pytestmark = pytest.mark.broker


def claim(claim_id: str) -> bytes:
    return json.dumps(
        claim_dict(
            claim_id=claim_id, encounter_id=None, patient_key=f"pk-{claim_id}", occurred_at=now().isoformat()
        ),
        default=str,
    ).encode()


async def send_with_aiokafka(bootstrap: str, topic: str, codec: str, claim_id: str) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, compression_type=codec)
    await producer.start()
    try:
        await producer.send_and_wait(topic, claim(claim_id), key=f"pk-{claim_id}".encode())
    finally:
        await producer.stop()


def test_claims_in_every_kafka_compression_codec_are_scrubbed(deployment: Deployment) -> None:
    bus = deployment.bus
    topic = bus.prefix + "claims-submitted"
    with deployment.worker(CLAIMFLOW_STAGES="scrub"):
        for codec in ("snappy", "lz4", "zstd"):
            asyncio.run(send_with_aiokafka(bus.bootstrap, topic, codec, f"CODEC-{codec}"))
        for codec in ("gzip", "zstd"):  # kafka-python, as the practice simulators use it
            producer = KafkaProducer(bootstrap_servers=bus.bootstrap, compression_type=codec)
            producer.send(topic, claim(f"CODEC-kp-{codec}"), key=f"pk-CODEC-kp-{codec}".encode())
            producer.flush()
            producer.close()
        results = bus.wait_for("claims-scrubbed", lambda rs: len(rs) >= 5, timeout=90, what="five scrubbed")
    assert {r["claim_id"] for r in results} == {
        "CODEC-snappy",
        "CODEC-lz4",
        "CODEC-zstd",
        "CODEC-kp-gzip",
        "CODEC-kp-zstd",
    }
    assert all(r["status"] == "clean" for r in results), [r["edits"] for r in results]
