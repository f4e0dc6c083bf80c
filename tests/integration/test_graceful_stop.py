"""A graceful stop (SIGTERM) right after a burst commits every offset the worker processed, within
the shutdown bound: nothing it finished is redelivered to the next owner."""

from __future__ import annotations

import signal
import time

import pytest

from tests.consistency.checker import uncommitted
from tests.integration.conftest import Deployment, wait_records
from tests.integration.scenario import status, submit

pytestmark = [pytest.mark.broker]

CLAIMS = 150
INPUTS = ["encounters", "claims-submitted", "claims-waiting", "claim-lifecycle", "claim-status"]


def test_sigterm_right_after_a_burst_commits_everything_processed(deployment: Deployment) -> None:
    bus = deployment.bus
    worker = deployment.worker("w1", CLAIMFLOW_SHUTDOWN_SECONDS="15").start()
    try:
        ids = [f"STOP-{i:03d}" for i in range(CLAIMS)]
        for cid in ids:
            submit(bus, cid)
        bus.flush()
        records = wait_records(
            deployment, lambda r: all(r.get(c, {}).get("state") == "ready" for c in ids), 90
        )
        assert all(records.get(c, {}).get("state") == "ready" for c in ids)
        for cid in ids:
            status(bus, cid, "A2")
        bus.flush()
        records = wait_records(
            deployment, lambda r: all(r.get(c, {}).get("state") == "accepted" for c in ids), 90
        )
        assert all(records.get(c, {}).get("state") == "accepted" for c in ids)
        # no pause: the periodic commit may be running, and the last acknowledgements are recent
        started = time.monotonic()
        code = worker.stop(signal.SIGTERM, timeout=25)
        took = time.monotonic() - started
    finally:
        worker.stop()
    assert code == 0 and took < 15 + 3, f"exit {code} after {took:.1f}s"
    behind = uncommitted(bus, deployment.app_id, INPUTS)
    assert not behind, f"processed but left uncommitted by the graceful stop: {behind}"
