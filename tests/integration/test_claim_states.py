"""The lifecycle on the bus, seen from outside as another team's service would (kafka-python):
every state change on ``claim-transitions``, the latest state per claim on ``claim-states``, and
"where is claim X?" answered by either of two workers."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from streams.cli.main import main
from streams.dev.broker import EmbeddedBroker
from tests.integration.conftest import deploy, metric_value
from tests.integration.scenario import denial, now, status, submit

pytestmark = pytest.mark.broker

PHI_KEYS = {
    "patient",
    "member_id",
    "first_name",
    "last_name",
    "birth_date",
    "diagnoses",
    "payer_claim_number",
}


def _latest(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    latest: dict[str, dict[str, Any]] = {}
    for r in records:  # one claim's records are in one partition, in order
        latest[r["claim_id"]] = r
    return latest


def test_transitions_states_and_the_claim_lookup_from_outside(
    broker: EmbeddedBroker, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deployment = deploy(broker, tmp_path, CLAIMFLOW_ENCOUNTER_GRACE_SECONDS="5")
    bus = deployment.bus
    w1 = deployment.worker("w1").start()
    w2 = deployment.worker("w2").start()
    try:
        submit(bus, "CS-PAID")
        submit(bus, "CS-CO50")
        bus.flush()
        bus.wait_for("claims-ready", lambda rs: len(rs) >= 2, timeout=90, what="both claims ready")
        # the tracker reads claimflow's ready step on its own topic: an answer read before it makes
        # that step "caught up" (no move to ready; tested in the machine's tests), so answer after
        bus.wait_for(
            "claim-states",
            lambda rs: _latest(rs).get("CS-PAID", {}).get("state") == "ready",
            timeout=60,
            what="CS-PAID ready in the tracker",
        )
        t0 = now()
        status(bus, "CS-PAID", "A1", at=t0)
        a2 = status(bus, "CS-PAID", "A2", at=t0 + timedelta(seconds=1))
        bus.flush()
        # the 835 comes days after the 277CA: let the acknowledgment be applied first
        bus.wait_for(
            "claim-states",
            lambda rs: _latest(rs).get("CS-PAID", {}).get("state") == "accepted",
            timeout=60,
            what="CS-PAID accepted",
        )
        denial(bus, "CS-PAID", [], paid="45.00", clp02="1", at=t0 + timedelta(seconds=5))
        denial(bus, "CS-CO50", [{"group_code": "CO", "reason_code": "50", "amount": "45.00"}])
        bus.flush()
        status(bus, "CS-PAID", "A2", at=t0 + timedelta(seconds=1), event_id=a2["event_id"])  # redelivered
        bus.flush()

        states = _latest(
            bus.wait_for(
                "claim-states",
                lambda rs: (
                    _latest(rs).get("CS-PAID", {}).get("state") == "paid"
                    and _latest(rs).get("CS-CO50", {}).get("state") == "denied"
                ),
                timeout=90,
                what="final states",
            )
        )
        paid, co50 = states["CS-PAID"], states["CS-CO50"]
        assert paid["first_pass"] == "accepted" and paid["open_tasks"] == []
        assert [t["action"] for t in co50["open_tasks"]] == ["appeal"]
        assert co50["open_tasks"][0]["reason_codes"] == ["CO-50"]

        # wait until the redelivered A2 was read (its duplicate is counted), then look at transitions
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            seen = sum(
                metric_value(w.metrics(), "claimflow_duplicate_events_total", topic="claim-status")
                for w in (w1, w2)
            )
            if seen >= 1:
                break
            time.sleep(0.5)
        assert seen >= 1, "the redelivered A2 was never read"
        transitions = [t for t in bus.read("claim-transitions") if t["claim_id"] == "CS-PAID"]
        distinct = {t["event_id"]: t for t in transitions}
        moves = [
            (t["from_state"], t["to_state"])
            for t in sorted(distinct.values(), key=lambda t: t["occurred_at"])
        ]
        assert ("accepted", "paid") in moves and ("acknowledged", "accepted") in moves
        assert {to for _, to in moves} == {"ready", "acknowledged", "accepted", "paid"}
        assert sum(1 for t in distinct.values() if t["cause_code"] == "A2") == 1  # redelivery: no second
        co50_moves = {t["to_state"] for t in bus.read("claim-transitions") if t["claim_id"] == "CS-CO50"}
        assert "denied" in co50_moves
        tasks = [t for t in bus.read("resubmission-tasks") if t["claim_id"] == "CS-CO50"]
        assert {t["action"] for t in tasks} == {"appeal"}

        def keys(value: Any) -> set[str]:
            if isinstance(value, dict):
                return set(value) | {k for v in value.values() for k in keys(v)}
            return {k for v in value for k in keys(v)} if isinstance(value, list) else set()

        assert not (keys(states) | keys(transitions)) & PHI_KEYS

        # where is claim X? either worker answers for every claim (one of them forwards)
        owners = set()
        for claim_id, state in (("CS-PAID", "paid"), ("CS-CO50", "denied")):
            for worker in (w1, w2):
                code, body = worker.get(f"/claims/{claim_id}", timeout=10)
                view = json.loads(body)
                assert code == 200, view
                assert view["state"] == state and not keys(view) & PHI_KEYS
                owners.add(view["owner"])
        assert owners <= {w1.url(""), w2.url("")}
        code, body = w1.get("/claims/CS-NEVER-SEEN")
        assert code == 404

        assert main(["claim", "CS-CO50", "--url", w2.url("")]) == 0
        printed = capsys.readouterr().out
        assert "claim CS-CO50: denied" in printed and "appeal" in printed
    finally:
        w2.stop()
        w1.stop()
        bus.close()
