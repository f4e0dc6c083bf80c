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
        deadline = time.monotonic() + 90  # a loaded CI machine: the worker may be slow to read
        # until claims were handled and wait at the end of their batch. Not until all of them: the
        # agent takes its next batch only after this one's wait, so when the broker hands the
        # claims over in two batches the second is read once the first has given up waiting
        while consumed(worker.metrics()) < 2:
            assert time.monotonic() < deadline, "the worker read none of the claims"
            time.sleep(0.05)
        time.sleep(0.5)
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
    # joined at the end of their batch (all twelve when they came in one batch; a claim of a
    # later batch finds its encounter already stored)
    assert 1 <= late <= 12
    assert metric(text, "claimflow_encounter_grace_expired_total") == 1
