"""Stages deployed apart (``CLAIMFLOW_STAGES``): a scrub-only deployment and a tracker deployment,
each its own consumer group, cooperate through the topics as one worker does."""

from __future__ import annotations

import pytest

from tests.integration.conftest import Deployment, wait_records, wait_tracked_ready
from tests.integration.scenario import denial, status, submit

pytestmark = pytest.mark.broker


def test_a_scrub_deployment_and_a_tracker_deployment_work_as_one_worker(deployment: Deployment) -> None:
    bus = deployment.bus
    scrubber = deployment.worker(
        "scrub", CLAIMFLOW_STAGES="scrub", CLAIMFLOW_APP_ID=f"{deployment.app_id}-scrub"
    )
    tracker = deployment.worker("track", CLAIMFLOW_STAGES="lifecycle,trends")
    with scrubber, tracker:
        submit(bus, "STAGE-CLEAN")
        submit(bus, "STAGE-HELD", ecg={"interpretation_documented": False, "report_signed": False})
        submit(bus, "STAGE-DENIED")
        bus.flush()
        wait_tracked_ready(deployment, ("STAGE-CLEAN", "STAGE-DENIED"))
        for cid in ("STAGE-CLEAN", "STAGE-DENIED"):
            status(bus, cid, "A2")
        denial(bus, "STAGE-DENIED", [{"group_code": "CO", "reason_code": "50", "amount": "45.00"}])
        bus.flush()
        records = wait_records(
            deployment,
            lambda r: (
                r.get("STAGE-CLEAN", {}).get("state") == "accepted"
                and r.get("STAGE-DENIED", {}).get("state") == "denied"
                and r.get("STAGE-HELD", {}).get("state") == "held"
            ),
            60,
        )
        assert records["STAGE-CLEAN"]["state"] == "accepted"
        assert records["STAGE-HELD"]["state"] == "held"
        assert records["STAGE-DENIED"]["state"] == "denied"
        tasks = bus.wait_for("resubmission-tasks", lambda rs: len(rs) >= 1, what="the CO-50 task")
        assert [t["claim_id"] for t in tasks] == ["STAGE-DENIED"] and tasks[0]["action"] == "appeal"
        # each deployment consumed only its own stage's topics
        scrub_metrics, track_metrics = scrubber.metrics(), tracker.metrics()
    assert 'claimflow_events_consumed_total{topic="claims-submitted"} 3.0' in scrub_metrics
    assert 'claimflow_events_consumed_total{topic="claim-status"} 0.0' in scrub_metrics
    assert 'claimflow_events_consumed_total{topic="claims-submitted"} 0.0' in track_metrics
    assert 'claimflow_events_consumed_total{topic="claim-status"} 2.0' in track_metrics
