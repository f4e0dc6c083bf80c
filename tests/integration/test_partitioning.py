"""Input a producer put on another partition than its contract key's (a producer that sends no
key, or one whose partitioner is not Kafka's murmur2 — librdkafka's default is CRC32): a patient's
history and a claim's record live on one partition, so the worker forwards such an event to its
key's partition before it reads or writes any state, and the result is the one the right partition
would have given."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from kafka.partitioner.default import murmur2

from tests.builders import claim_dict, encounter_dict, line
from tests.integration.conftest import Deployment, metric_value, wait_metric
from tests.integration.scenario import denial, now, recent_dos, status

pytestmark = pytest.mark.broker

PARTITIONS = 4  # the deployment fixture's


def key_partition(key: str) -> int:
    return (murmur2(key.encode()) & 0x7FFFFFFF) % PARTITIONS


def other_partition(key: str) -> int:
    return (key_partition(key) + 1) % PARTITIONS


def claim(claim_id: str, days_ago: int) -> dict[str, Any]:
    """A 93000 with no encounter referenced (a practice system with no clinical feed: a warning)."""
    return claim_dict(
        claim_id=claim_id,
        encounter_id=None,
        patient_key="pk-partitioning",
        occurred_at=now().isoformat(),
        lines=[line(1, "93000", service_date=recent_dos(days_ago))],
    )


def _latest_state(records: list[dict[str, Any]], claim_id: str) -> str | None:
    mine = [r for r in records if r.get("claim_id") == claim_id]  # one partition, in order
    return mine[-1]["state"] if mine else None


def wait_state(deployment: Deployment, claim_id: str, state: str, timeout: float) -> None:
    deployment.bus.wait_for(
        "claim-states",
        lambda rs: _latest_state(rs, claim_id) == state,
        timeout=timeout,
        what=f"{claim_id} {state} in the tracker",
    )


def test_a_duplicate_of_a_claim_sent_to_another_partition_is_still_held(deployment: Deployment) -> None:
    """Reference §3: a duplicate claim (same patient, payer, code, date of service and provider as
    one already submitted) is held. The first claim of the day came through a producer that put it
    on another partition than the patient key's; its duplicate came keyed as the contract asks."""
    bus = deployment.bus
    with deployment.worker(CLAIMFLOW_STAGES="scrub") as worker:
        pk = "pk-partitioning"
        bus.send("claims-submitted", pk, claim("PART-A", days_ago=9))  # an earlier day, keyed right
        bus.flush()
        bus.wait_for("claims-scrubbed", lambda rs: len(rs) >= 1, timeout=90, what="PART-A scrubbed")
        bus.send("claims-submitted", pk, claim("PART-B", days_ago=4), partition=other_partition(pk))
        # no key at all: the producer picks a partition (here, surely another than the patient's)
        bus.send("claims-submitted", None, claim("PART-C", days_ago=3), partition=other_partition(pk))
        bus.flush()
        bus.wait_for("claims-scrubbed", lambda rs: len(rs) >= 3, timeout=60, what="PART-B and C scrubbed")
        bus.send("claims-submitted", pk, claim("PART-B2", days_ago=4))  # PART-B again, another id
        bus.send("claims-submitted", pk, claim("PART-C2", days_ago=3))  # PART-C again
        bus.flush()
        results = bus.wait_for("claims-scrubbed", lambda rs: len(rs) >= 5, timeout=60, what="the duplicates")
        text = worker.metrics()
    by_id = {r["claim_id"]: r for r in results}
    for first in ("PART-A", "PART-B", "PART-C"):
        assert by_id[first]["status"] == "clean", by_id[first]["edits"]
    for again in ("PART-B2", "PART-C2"):
        assert "DUP_CLAIM" in {e["rule_id"] for e in by_id[again]["edits"]}, by_id[again]["edits"]
    # the patient's history was written to the patient's partition only; the two strays were
    # forwarded there
    changelog = bus.read(f"{deployment.app_id}-patient-history-changelog", physical=True)
    assert changelog and {r["_partition"] for r in changelog} == {key_partition(pk)}
    assert metric_value(text, "claimflow_events_forwarded_total", topic="claims-submitted") == 2


def test_a_payers_answer_on_another_partition_moves_the_claim_it_answers(deployment: Deployment) -> None:
    """Reference §4: a 277CA acknowledgment read after the claim's 835 is a late answer and does
    not move the claim back; the 835 came through a producer that put it on another partition
    than the claim id's, the acknowledgment keyed as the contract asks."""
    bus = deployment.bus
    with deployment.worker() as worker:
        c = claim("PART-PAID", days_ago=6)
        bus.send("claims-submitted", c["patient_key"], c)
        bus.flush()
        wait_state(deployment, "PART-PAID", "ready", timeout=90)
        t0 = now()
        denial(
            bus,
            "PART-PAID",
            [],
            paid="45.00",
            clp02="1",
            at=t0 + timedelta(seconds=5),
            partition=other_partition("PART-PAID"),
        )
        bus.flush()
        wait_state(deployment, "PART-PAID", "paid", timeout=60)
        status(bus, "PART-PAID", "A2", at=t0)  # the acknowledgment, read after the 835
        bus.flush()
        wait_metric(worker, "claimflow_events_consumed_total", 1, "the A2 read", topic="claim-status")
        text = worker.metrics()
        time.sleep(2)  # its state, if any, published
        states = bus.read("claim-states")
    assert _latest_state(states, "PART-PAID") == "paid"
    assert metric_value(text, "claimflow_events_forwarded_total", topic="claim-denials") >= 1


def test_an_encounter_sent_to_another_partition_joins_its_claim(deployment: Deployment) -> None:
    """Reference §3: a claim whose referenced encounter arrived is checked against it (documented:
    no documentation edit). The encounter came through a producer that put it on another
    partition than the patient key's; with RocksDB a worker reads a key on the event's own
    partition, so it is found only where it was forwarded."""
    bus = deployment.bus
    pk = "pk-partitioning-enc"
    c = claim("PART-ENC", days_ago=5)
    c["patient_key"] = pk
    c["encounter_id"] = "E-PART-ENC"
    enc = encounter_dict(
        encounter_id="E-PART-ENC",
        patient_key=pk,
        service_date=c["lines"][0]["service_date"],
        occurred_at=now().isoformat(),
        diagnoses=c["diagnoses"],
    )
    with deployment.worker(CLAIMFLOW_STAGES="scrub", CLAIMFLOW_STORE="rocksdb://") as worker:
        bus.send("encounters", pk, enc, partition=other_partition(pk))
        bus.flush()
        wait_metric(worker, "claimflow_events_consumed_total", 1, "the encounter read", topic="encounters")
        time.sleep(1)  # stored (forwarded and read again)
        bus.send("claims-submitted", pk, c)
        bus.flush()
        results = bus.wait_for(
            "claims-scrubbed", lambda rs: len(rs) >= 1, timeout=60, what="PART-ENC scrubbed"
        )
        text = worker.metrics()
    assert metric_value(text, "claimflow_events_forwarded_total", topic="encounters") == 1
    assert results[0]["encounter_found"] and results[0]["status"] == "clean", results[0]["edits"]
