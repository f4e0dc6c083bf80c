"""Standby copies (``CLAIMFLOW_TABLE_STANDBY_REPLICAS=1``, the production setting with Kafka): each
of two workers follows the other's table writes, so when one is killed the other takes its
partitions over without reading their changelogs again, and every claim goes on from where it was.

What a standby copy means decides the expectations: the survivor held the killed worker's table
partitions before the kill (it applied changelog records while no recovery ran), and after the
takeover the claims it never processed itself are found in their state (a payer's acceptance moves
each of them on, exactly once).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from streams.dev.broker import EmbeddedBroker
from streams.dev.localrun import WorkerProcess
from tests.integration.conftest import deploy, metric_value, wait_supervised, wait_tracked_ready
from tests.integration.scenario import status, submit

pytestmark = pytest.mark.broker

N_CLAIMS = 24
APPLIED = "claimflow_table_changelog_records_applied_total"


def applied(worker: WorkerProcess) -> float:
    return metric_value(worker.metrics(), APPLIED)


def test_a_killed_workers_partitions_are_taken_over_from_the_standby_copies_without_reading_them_again(
    broker: EmbeddedBroker, tmp_path: Path
) -> None:
    deployment = deploy(
        broker,
        tmp_path,
        CLAIMFLOW_TABLE_STANDBY_REPLICAS="1",
        CLAIMFLOW_ENCOUNTER_GRACE_SECONDS="5",
        CLAIMFLOW_STALL_SECONDS="15",
    )
    bus = deployment.bus
    w1 = deployment.worker("w1").start()
    w2 = deployment.worker("w2").start()
    restarts: list[str] = []
    try:
        ids = [f"S-{i:03d}" for i in range(N_CLAIMS)]
        for cid in ids:
            submit(bus, cid)
        bus.flush()
        wait_tracked_ready(deployment, ids, timeout=120)
        # both workers wrote their partitions; each copy follows the other's (settles, then stays)
        deadline = time.monotonic() + 60
        last, steady_since = (applied(w1), applied(w2)), time.monotonic()
        while time.monotonic() - steady_since < 3.0:
            assert time.monotonic() < deadline, "standby copies never settled"
            time.sleep(0.5)
            now = (applied(w1), applied(w2))
            if now != last:
                last, steady_since = now, time.monotonic()
        assert last[0] > 0 and last[1] > 0, f"no standby records applied: {last}"
        before = applied(w1)

        w2.kill()
        for cid in ids:
            status(bus, cid, "A2")
        bus.flush()
        records, done = wait_supervised(deployment, ids, lambda r: r.get("state") == "accepted", w1, restarts)

        missing = sorted(set(ids) - set(done))
        assert not missing, {cid: records.get(cid) for cid in missing[:3]}
        assert not restarts, f"the surviving worker stalled after the takeover: {restarts}"
        for cid in ids:  # one submission, accepted on the first pass: each step applied once
            assert records[cid]["submission_count"] == 1
            assert records[cid]["first_pass"] == "accepted"
        # the takeover read nothing again: the killed worker's partitions were current on w1
        assert applied(w1) == before
    finally:
        w1.stop()
        w2.stop()
        bus.close()
