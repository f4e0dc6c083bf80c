"""The claim/encounter join when the claim comes first: an encounter a moment behind joins at the
end of the claim's batch (no parking); one still behind a backlog of encounters joins once the
backlog is read (no parking); one that never comes parks the claim until the grace ends."""

from __future__ import annotations

import time

import pytest

from tests.builders import encounter_dict
from tests.integration.conftest import Deployment
from tests.integration.scenario import now, recent_dos, send_encounter, submit

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
        # until claims were handled and wait at the end of their batch. Not until all of them: the
        # agent takes its next batch only after this one's wait, so when the broker hands the
        # claims over in two batches the second is read once the first has given up waiting
        while consumed(worker.metrics()) < 2 and time.monotonic() < deadline:
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


def test_claims_ahead_of_an_encounter_backlog_wait_while_it_is_read_and_none_is_parked(
    deployment: Deployment,
) -> None:
    # After an outage the encounters topic has a backlog and the claims run ahead of it: each
    # encounter was sent before its claim, but thousands of others are still to be read first. The
    # claims wait past the join wait, slice by slice, while the encounter agent moves through what
    # the broker held; parking them would only cost three more messages each.
    bus = deployment.bus
    worker = deployment.worker(
        "backlog",
        CLAIMFLOW_STAGES="scrub",
        CLAIMFLOW_APP_ID=f"{deployment.app_id}-backlog",
        CLAIMFLOW_JOIN_WAIT_SECONDS="0.5",
        CLAIMFLOW_ENCOUNTER_GRACE_SECONDS="60",
    )
    with worker:
        submit(bus, "BACKLOG-WARMUP")  # with its encounter: the encounter agent is reading
        bus.flush()
        bus.wait_for("claims-scrubbed", lambda rs: len(rs) >= 1, what="the warm-up result", timeout=60)
        for i in range(4000):  # other patients' encounters, ahead of these claims' own
            key = f"pk-other-{i}"
            bus.send(
                "encounters",
                key,
                encounter_dict(
                    encounter_id=f"E-OTHER-{i}",
                    patient_key=key,
                    service_date=recent_dos().isoformat(),
                    occurred_at=now().isoformat(),
                    diagnoses=["R07.9"],
                ),
            )
        ids = [f"BACKLOG-{i:02d}" for i in range(12)]
        for claim_id in ids:  # what submit() will send: the encounter first, as a practice does
            own = {
                "patient_key": f"pk-{claim_id}",
                "encounter_id": f"E-{claim_id}",
                "lines": [{"service_date": recent_dos().isoformat()}],
                "diagnoses": ["R07.9"],
            }
            send_encounter(bus, own)
        bus.flush()
        for claim_id in ids:
            submit(bus, claim_id, encounter=False)
        bus.flush()
        results = bus.wait_for(
            "claims-scrubbed",
            lambda rs: len({r["claim_id"] for r in rs}) >= 13,
            what="13 scrub results",
            timeout=120,
        )
        text = worker.metrics()
    by_id = {r["claim_id"]: r for r in results}
    assert all(by_id[i]["encounter_found"] and by_id[i]["status"] == "clean" for i in ids)
    assert not {r["claim_id"] for r in bus.read("claims-waiting")}  # none was parked
    assert metric(text, "claimflow_claims_parked_total") == 0
