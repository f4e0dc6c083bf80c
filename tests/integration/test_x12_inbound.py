"""The x12-inbound agent: raw interchanges on the bus become claims the worker scrubs; a rejected
interchange becomes a dead letter and a 999 rejection."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.dev.broker import EmbeddedBroker
from tests.integration.conftest import deploy
from tests.streams.x12.samples import SECRET

pytestmark = pytest.mark.broker
DATA = Path(__file__).resolve().parents[1] / "data" / "x12"


def test_interchanges_on_x12_inbound_are_validated_mapped_and_scrubbed(
    broker: EmbeddedBroker, tmp_path: Path
) -> None:
    deployment = deploy(
        broker,
        tmp_path,
        CLAIMFLOW_ENCOUNTER_GRACE_SECONDS="2",
        CLAIMFLOW_X12_INBOUND="true",
        CLAIMFLOW_PATIENT_KEY_SECRET=SECRET.decode(),
    )
    bus = deployment.bus
    with deployment.worker():
        bus.send("x12-inbound", "claims-837p.x12", (DATA / "claims-837p.x12").read_bytes())
        bus.send("x12-inbound", "invalid-837p.x12", (DATA / "invalid-837p.x12").read_bytes())
        bus.send("x12-inbound", "ack-277ca.x12", (DATA / "ack-277ca.x12").read_bytes())
        bus.flush()
        scrubbed = bus.wait_for(
            "claims-scrubbed", lambda rs: len({r["claim_id"] for r in rs}) >= 3, timeout=60, what="3 scrubbed"
        )
        assert {r["claim_id"] for r in scrubbed} == {"X12-CLM-001", "X12-CLM-002", "X12-CLM-003"}
        letters = bus.wait_for("dead-letters", lambda rs: len(rs) >= 1, what="the rejected interchange")
        (letter,) = letters
        assert letter["reason"] == "x12_rejected" and letter["source_topic"].endswith("x12-inbound")
        assert "SV102" in letter["error"]
        acks = bus.wait_for("x12-acknowledgments", lambda rs: len(rs) >= 3, what="three 999s")
        texts = sorted(r["_raw"].decode() for r in acks)
        assert sum("AK9*R" in t for t in texts) == 1 and sum("AK9*A" in t for t in texts) == 2
        statuses = bus.wait_for("claim-status", lambda rs: len(rs) >= 2, what="277CA statuses")
        assert {(s["claim_id"], s["category_code"]) for s in statuses} == {
            ("X12-CLM-001", "A2"),
            ("X12-CLM-002", "A7"),
        }
    bus.close()
