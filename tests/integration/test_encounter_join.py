"""The claim/encounter join when the claim comes first: an encounter a moment behind joins at the
end of the claim's batch (no parking); one that never comes parks the claim until the grace ends."""

from __future__ import annotations

import time

import pytest

from tests.integration.conftest import Deployment
from tests.integration.scenario import send_encounter, submit

pytestmark = pytest.mark.broker


def metric(text: str, name: str) -> float:
    for row in text.splitlines():
        if row.startswith(name + " "):
            return float(row.split()[-1])
    raise AssertionError(f"{name} not exported")


def consumed(text: str) -> float:
    return metric(text, 'claimflow_events_consumed_total{topic="claims-submitted"}')


def test_claims_a_moment_ahead_of_their_encounters_join_without_parking(deployment: Deployment) -> None:
    bus = deployment.bus
    worker = deployment.worker(
        "join",
        CLAIMFLOW_STAGES="scrub",
        CLAIMFLOW_APP_ID=f"{deployment.app_id}-join",
        CLAIMFLOW_JOIN_WAIT_SECONDS="5",
        CLAIMFLOW_ENCOUNTER_GRACE_SECONDS="6",
    )
    with worker:
        submit(bus, "JOIN-WARMUP")  # with its encounter: proves the worker is consuming
        bus.flush()
        bus.wait_for("claims-scrubbed", lambda rs: len(rs) >= 1, what="the warm-up result", timeout=60)
        late_before = metric(worker.metrics(), "claimflow_encounter_late_joins_total")  # the warm-up's
        ahead = [submit(bus, f"JOIN-{i:02d}", encounter=False) for i in range(12)]
        submit(bus, "JOIN-NEVER", encounter=False)  # its encounter never comes
        bus.flush()
        deadline = time.monotonic() + 30
        while consumed(worker.metrics()) < 14 and time.monotonic() < deadline:
            time.sleep(0.05)  # until the claims were handled and wait at the end of their batch
        for claim in ahead:
            send_encounter(bus, claim)
        bus.flush()
        results = bus.wait_for(
            "claims-scrubbed",
            lambda rs: len({r["claim_id"] for r in rs}) >= 14,
            what="14 scrub results",
            timeout=60,
        )
        text = worker.metrics()
    by_id = {r["claim_id"]: r for r in results}
    assert all(
        by_id[c["claim_id"]]["encounter_found"] and by_id[c["claim_id"]]["status"] == "clean" for c in ahead
    )
    never = by_id["JOIN-NEVER"]
    assert not never["encounter_found"] and "DOC_ENCOUNTER_MISSING" in {e["rule_id"] for e in never["edits"]}
    parked = {r["claim_id"] for r in bus.read("claims-waiting")}
    assert "JOIN-NEVER" in parked
    assert parked == {"JOIN-NEVER"}  # the twelve joined within the wait, none was parked
    assert metric(text, "claimflow_claims_parked_total") == 1
    late = metric(text, "claimflow_encounter_late_joins_total") - late_before
    assert late == 12  # joined at the end of their batch
    assert metric(text, "claimflow_encounter_grace_expired_total") == 1
