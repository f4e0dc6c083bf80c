"""Integration fixtures: a worker process on the session's embedded broker, isolated by topic
prefix and application id so tests never see each other's events."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from streams.dev.broker import EmbeddedBroker
from streams.dev.localrun import Bus, WorkerProcess, metric_value  # re-exported for tests
from streams.runtime.settings import load_settings
from streams.runtime.topic_admin import create_topics


@dataclass
class Deployment:
    env: dict[str, str]
    app_id: str
    bus: Bus
    log_dir: Path

    def worker(self, name: str = "w1", **extra: str) -> WorkerProcess:
        return WorkerProcess({**self.env, **extra}, self.log_dir / f"{name}.log")


def deploy(broker: EmbeddedBroker, tmp_path: Path, **env: str) -> Deployment:
    tag = uuid.uuid4().hex[:8]
    app_id = f"cf-{tag}"
    base = {
        "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
        "CLAIMFLOW_BROKER_PROFILE": "embedded",
        "CLAIMFLOW_TOPIC_PREFIX": f"{tag}.",
        "CLAIMFLOW_APP_ID": app_id,
        "CLAIMFLOW_DATA_DIR": str(tmp_path / "data"),
        "CLAIMFLOW_PARTITIONS": "4",
        "CLAIMFLOW_LOG_LEVEL": "INFO",
        **env,
    }
    create_topics(load_settings(base))
    return Deployment(base, app_id, Bus(broker.bootstrap, prefix=f"{tag}."), tmp_path)


@pytest.fixture()
def deployment(broker: EmbeddedBroker, tmp_path: Path) -> Iterator[Deployment]:
    d = deploy(broker, tmp_path, CLAIMFLOW_ENCOUNTER_GRACE_SECONDS="8")
    try:
        yield d
    finally:
        d.bus.close()


def wait_records(
    deployment: Deployment, done: Callable[[dict[str, Any]], bool], timeout: float = 40.0
) -> dict[str, Any]:
    """Claim records as persisted (the claims table's changelog), polled until ``done`` holds."""
    deadline = time.monotonic() + timeout
    while True:
        records = {k: v["record"] for k, v in deployment.bus.table(deployment.app_id, "claims").items()}
        if done(records) or time.monotonic() > deadline:
            return records
        time.sleep(0.5)


def wait_tracked_ready(deployment: Deployment, claim_ids: Iterable[str], timeout: float = 60.0) -> None:
    """Wait until the tracker has applied claimflow's own ready step for each claim. The tracker
    reads that step on its own topic, so a payer answer sent straight after ``claims-ready`` can be
    read first (the step then arrives "caught up"). Scenarios that assert on the order of a claim's
    history answer only after this."""
    wanted = set(claim_ids)

    def done(records: dict[str, Any]) -> bool:
        return all(records.get(cid, {}).get("state") == "ready" for cid in wanted)

    if not done(wait_records(deployment, done, timeout)):
        pytest.fail(f"the tracker never had {sorted(wanted)} ready")


def wait_metric(
    worker: WorkerProcess, name: str, at_least: float, what: str, timeout: float = 60.0, **labels: str
) -> str:
    """Poll the worker's /metrics until ``name`` (summed over the samples with ``labels``) reaches
    ``at_least``; returns the text of that scrape."""
    deadline = time.monotonic() + timeout
    while metric_value(text := worker.metrics(), name, **labels) < at_least:
        assert time.monotonic() < deadline, what
        time.sleep(0.5)
    return text


def wait_supervised(
    deployment: Deployment,
    ids: list[str],
    done: Callable[[dict[str, Any]], bool],
    worker: WorkerProcess,
    restarts: list[str],
    timeout: float = 150.0,
) -> tuple[dict[str, Any], list[str]]:
    """Claim records polled until ``done(record)`` holds for every claim of ``ids`` (or the
    timeout), the surviving ``worker`` supervised meanwhile as a liveness probe would (restarts
    appended to ``restarts``). Returns the records and the claims done."""
    deadline = time.monotonic() + timeout
    while True:
        records = {k: v["record"] for k, v in deployment.bus.table(deployment.app_id, "claims").items()}
        finished = [cid for cid in ids if cid in records and done(records[cid])]
        if len(finished) == len(ids) or time.monotonic() > deadline:
            return records, finished
        supervise(worker, restarts)
        time.sleep(1.0)


def supervise(worker: WorkerProcess, restarts: list[str], stop_timeout: float = 20.0) -> None:
    """Restart a worker whose liveness check fails, as Kubernetes does: SIGTERM, then SIGKILL
    after the grace period. What failed is appended to ``restarts``."""
    try:
        code, detail = worker.get("/health", timeout=2.0)
    except OSError:
        return
    if code != 200:
        restarts.append(detail.strip())
        worker.stop(timeout=stop_timeout)
        worker.start()
