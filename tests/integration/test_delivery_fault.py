"""No offset is committed past an output that was never written: an injected delivery failure
stops the worker, and the restarted worker processes the same claim again, once."""

from __future__ import annotations

import time

import pytest
from kafka import KafkaAdminClient

from streams.errors import ExitCode
from tests.integration.conftest import Deployment, WorkerProcess, wait_records
from tests.integration.scenario import submit

pytestmark = pytest.mark.broker


def exit_status(worker: WorkerProcess, past: str, timeout: float = 60.0) -> int | None:
    """The status the worker stops with by itself (it must, within ``timeout``)."""
    deadline = time.monotonic() + timeout
    while worker.proc is not None and worker.proc.poll() is None:
        assert time.monotonic() < deadline, f"the worker kept going past {past}"
        time.sleep(0.2)
    return worker.proc.returncode if worker.proc is not None else None


def test_failed_output_delivery_stops_the_worker_and_the_claim_is_redone(deployment: Deployment) -> None:
    bus = deployment.bus
    faulty = deployment.worker("faulty", CLAIMFLOW_FAULT_FAIL_TOPICS="claims-ready").start()
    try:
        submit(bus, "FAULT-1")
        bus.flush()
        assert exit_status(faulty, "an undelivered output") == ExitCode.OUTPUT_UNCONFIRMED
        assert bus.read("claims-ready") == []  # the failed output really was never written
        # and nothing was committed past the claim (its topic holds this one record)
        admin = KafkaAdminClient(bootstrap_servers=bus.bootstrap)
        try:
            committed = admin.list_group_offsets(deployment.app_id)[deployment.app_id]
        finally:
            admin.close()
        past = {
            tp: m.offset
            for tp, m in committed.items()
            if tp.topic.endswith("claims-submitted") and m.offset > 0
        }
        assert not past, f"offsets committed past an undelivered output: {past}"
    finally:
        faulty.stop()
    with deployment.worker("healthy"):
        ready = bus.wait_for("claims-ready", lambda rs: len(rs) >= 1, what="the claim after the restart")
        # at least once: a record fetched before and again after the start-up seek is processed
        # twice (README, Delivery guarantees); a second output carries the same identity
        assert {r["claim"]["claim_id"] for r in ready} == {"FAULT-1"}
        assert len({r["event_id"] for r in ready}) == 1
        scrubbed = bus.wait_for("claims-scrubbed", lambda rs: len(rs) >= 1)
        # the scrub result from the failed batch may have been written too; it carries the same id
        assert len({r["event_id"] for r in scrubbed}) == 1
        record = wait_records(deployment, lambda r: r.get("FAULT-1", {}).get("state") == "ready", 30)[
            "FAULT-1"
        ]
        assert record["state"] == "ready" and record["submission_count"] == 1


def test_an_undeliverable_dead_letter_stops_the_worker_and_the_bad_event_is_kept(
    deployment: Deployment,
) -> None:
    """A dead letter is the only copy kept of a bad event: when it cannot be delivered the worker
    stops (status 70) without committing, and the restarted worker dead-letters the event."""
    bus = deployment.bus
    faulty = deployment.worker("faulty", CLAIMFLOW_FAULT_FAIL_TOPICS="dead-letters").start()
    try:
        bus.send("claims-submitted", "pk-bad", b'{"claim_id": "BROKEN", ')
        bus.flush()
        assert exit_status(faulty, "an undelivered dead letter") == ExitCode.OUTPUT_UNCONFIRMED
    finally:
        faulty.stop()
    with deployment.worker("healthy"):
        dead = bus.wait_for("dead-letters", lambda rs: len(rs) >= 1, what="the dead letter after the restart")
        assert {r["reason"] for r in dead} == {"malformed_json"}
