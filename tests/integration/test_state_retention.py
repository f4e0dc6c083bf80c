"""Table state is bounded: entries not written for CLAIMFLOW_STATE_RETENTION_DAYS are evicted
from the worker and tombstoned in the changelog, so a restarted worker does not recover them."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from streams.dev.broker import EmbeddedBroker
from tests.integration.conftest import deploy, metric_value
from tests.integration.scenario import status, submit

pytestmark = pytest.mark.broker


def test_entries_past_the_retention_are_evicted_and_tombstoned(
    broker: EmbeddedBroker, tmp_path: Path
) -> None:
    deployment = deploy(
        broker,
        tmp_path,
        CLAIMFLOW_ENCOUNTER_GRACE_SECONDS="5",
        CLAIMFLOW_STATE_RETENTION_DAYS="0.0001",  # 8.6 s
        CLAIMFLOW_SWEEP_SECONDS="2",
    )
    bus, app_id = deployment.bus, deployment.app_id
    with deployment.worker() as worker:
        submit(bus, "RET-1")
        status(bus, "RET-1", "A2")
        bus.flush()
        deadline = time.monotonic() + 60
        seen = False
        while time.monotonic() < deadline:
            present = {t: bus.table(app_id, t) for t in ("claims", "encounters", "patient-history")}
            seen = seen or all(present.values())
            if seen and not any(present.values()):
                break
            time.sleep(1.0)
        assert seen, "the claim was never stored"
        assert not any(present.values()), f"not evicted: {present}"
        metrics = worker.metrics()
        for table in ("claims", "encounters", "patient-history"):
            assert metric_value(metrics, "claimflow_table_evictions_total", table=table) >= 1
            assert metric_value(metrics, "claimflow_table_entries", table=table) == 0
    bus.close()
