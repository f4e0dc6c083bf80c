"""Fault tests on the embedded broker: workers killed (SIGKILL) and stopped (SIGTERM) in the middle
of a steady stream, then a full restart that must recover every claim from the changelog.

The consistency checker (``tests/consistency``) states the promises: every claim reaches exactly
one current state, no claim or task is lost, no event is applied twice. The harness plays the
orchestrator: a worker whose ``/health`` fails is restarted, as a Kubernetes liveness probe would.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from streams.dev.broker import EmbeddedBroker
from streams.dev.localrun import Bus, WorkerProcess
from tests.consistency.checker import Expected, Report, check, uncommitted
from tests.integration.conftest import deploy, metric_value, supervise
from tests.integration.scenario import denial, status
from tests.stress.traffic import SteadyStream, warm_up

pytestmark = [pytest.mark.broker]

N_CLAIMS = 120
RATE = 6.0  # claims per second: a 20 s stream
SHUTDOWN_SECONDS = 15
PARTITIONS = 4  # CLAIMFLOW_PARTITIONS of deploy()
INPUTS = [
    "encounters",
    "claims-submitted",
    "claims-waiting",
    "claim-lifecycle",
    "claim-status",
    "claim-denials",
]


def wait_consistent(
    bus: Bus, app_id: str, expected: dict[str, Expected], workers: list[WorkerProcess], timeout: float
) -> tuple[Report, list[str]]:
    deadline = time.monotonic() + timeout
    restarts: list[str] = []
    while True:
        report = check(bus, app_id, expected)
        if report.ok or time.monotonic() > deadline:
            return report, restarts
        for worker in workers:
            supervise(worker, restarts, stop_timeout=SHUTDOWN_SECONDS + 5)
        time.sleep(2.0)


def wait_until(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.1)


def test_killed_and_stopped_workers_lose_nothing_and_apply_nothing_twice(
    broker: EmbeddedBroker, tmp_path: Path
) -> None:
    deployment = deploy(
        broker,
        tmp_path,
        CLAIMFLOW_ENCOUNTER_GRACE_SECONDS="5",
        CLAIMFLOW_STALL_SECONDS="20",
        CLAIMFLOW_SHUTDOWN_SECONDS=str(SHUTDOWN_SECONDS),
    )
    bus, app_id = deployment.bus, deployment.app_id
    w1 = deployment.worker("w1").start()
    w2 = deployment.worker("w2").start()
    stream = SteadyStream(Bus(broker.bootstrap, prefix=bus.prefix), "K", N_CLAIMS, RATE)
    try:
        # By default the stream starts on fresh topics, so the first records of some partitions
        # arrive while partitions change hands (the case streams/faustfix.py's seek fix is for).
        # CLAIMFLOW_STRESS_WARMUP=1 first puts a record on every partition, as in a running deployment.
        if os.environ.get("CLAIMFLOW_STRESS_WARMUP", "0") == "1":
            warm = warm_up(bus, PARTITIONS)
            bus.wait_for(
                "claims-scrubbed",
                lambda rs: set(warm) <= {r["claim_id"] for r in rs},
                timeout=60,
                what="warm-up",
            )
            time.sleep(4.0)  # past a commit interval
        stream.start()

        # SIGKILL one worker a third of the way in: no goodbye, no commit
        wait_until(lambda: stream.sent_claims >= N_CLAIMS // 3, 60, "a third of the stream")
        w2.kill()
        t_kill = time.monotonic()
        after_kill = stream.ids[stream.sent_claims : stream.sent_claims + 12]

        def scrubbed_after_kill() -> bool:
            return set(after_kill) <= {r["claim_id"] for r in bus.read("claims-scrubbed", timeout_ms=300)}

        wait_until(scrubbed_after_kill, 120, "the surviving worker to take over")
        takeover = time.monotonic() - t_kill

        # restart it two thirds of the way in (it rejoins and takes partitions back)
        wait_until(lambda: stream.sent_claims >= 2 * N_CLAIMS // 3, 60, "two thirds of the stream")
        w2.start()

        # SIGTERM the other one near the end: it must flush, commit and exit within the bound
        wait_until(lambda: stream.sent_claims >= 5 * N_CLAIMS // 6, 60, "five sixths of the stream")
        t_term = time.monotonic()
        code = w1.stop(signal.SIGTERM, timeout=SHUTDOWN_SECONDS + 10)
        stop_seconds = time.monotonic() - t_term
        stream.join(120)
        assert stream.error is None, stream.error
        assert stop_seconds <= SHUTDOWN_SECONDS + 3, f"SIGTERM took {stop_seconds:.1f}s (exit {code})"

        report, restarts = wait_consistent(bus, app_id, stream.expected(), [w2], timeout=180)
        print(
            f"\nSIGKILL takeover {takeover:.1f}s; SIGTERM stop {stop_seconds:.1f}s (exit {code}); "
            f"health restarts {restarts}; {report.summary()}"
        )
        assert report.ok, report.summary()

        # a graceful stop of a settled worker commits everything it processed (the final commit is
        # not skipped when a periodic commit is running: streams/faustfix.py)
        w2.wait_ready(60)
        time.sleep(3.0)  # past one commit interval
        code = w2.stop(timeout=SHUTDOWN_SECONDS + 5)
        assert code == 0
        behind = uncommitted(bus, app_id, INPUTS)
        print(f"left uncommitted by the graceful stop: {sum(behind.values())} records {behind}")
        assert not behind, f"the graceful stop left records uncommitted: {behind}"

        # full restart on a fresh data directory: every claim's record comes back from the
        # changelog, so replayed acknowledgments are recognised and payments apply on top
        w3 = deployment.worker("w3", CLAIMFLOW_DATA_DIR=str(tmp_path / "fresh")).start()
        try:
            expected = stream.expected()
            for cid, ack in stream.acks.items():
                status(bus, cid, "A2", event_id=str(ack["event_id"]))  # redelivered: no effect
                if expected[cid].state == "accepted":
                    denial(bus, cid, [], paid=str(stream.claims[cid]["total_charge"]), clp02="1")
                    expected[cid] = Expected("paid")
            bus.flush()
            report, restarts = wait_consistent(bus, app_id, expected, [w3], timeout=120)
            duplicates = metric_value(w3.metrics(), "claimflow_duplicate_events_total", topic="claim-status")
            print(f"after full restart: {report.summary()}; replays recognised {duplicates:.0f}")
            assert report.ok, report.summary()
            assert duplicates >= len(stream.acks)
        finally:
            w3.stop()
    finally:
        stream.join(5)
        w1.stop()
        w2.stop()
        bus.close()
