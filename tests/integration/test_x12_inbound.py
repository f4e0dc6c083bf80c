"""X12 through the bus: the ``x12-inbound`` agent and ``claimflow x12 ingest --publish`` take the
same verdicts — events for what was accepted, a 999 (or TA1) for every interchange, the whole
message on ``dead-letters`` when anything in it was rejected, and every item a contract refused
on ``dead-letters`` on its own with the reason."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from streams.dev.broker import EmbeddedBroker
from streams.errors import ExitCode
from tests.integration.conftest import deploy, metric_value, wait_metric
from tests.streams.x12.samples import SECRET, interchange, lines_277ca

pytestmark = pytest.mark.broker
DATA = Path(__file__).resolve().parents[1] / "data" / "x12"


def refused_277ca() -> bytes:
    """A 277CA whose second claim's status carries a negative amount (the contract refuses it)."""
    body = [s.replace("STC*A3:21*20261120*U*100", "STC*A3:21*20261120*U*-100") for s in lines_277ca()]
    return interchange([("HN", "005010X214", "604", [body])], "000000604", "ACMEHEALTH").encode()


def batch_rejected_277ca() -> bytes:
    """A payer's 277CA rejecting the whole batch (2200B STC A3) without listing a claim."""
    body = [
        "BHT*0085*08*277CA905*20261120*0930*TH",
        "HL*1**20*1",
        "NM1*PR*2*ACME HEALTH*****PI*ACME",
        "TRN*1*905",
        "DTP*050*D8*20261120",
        "DTP*009*D8*20261120",
        "HL*2*1*21*0",
        "NM1*41*2*DEMO BILLING SERVICE*****46*SUBMIT01",
        "TRN*2*20261120BATCH9",
        "STC*A3:24:41*20261120*U*100",
    ]
    return interchange([("HN", "005010X214", "905", [body])], "000000905", "ACMEHEALTH").encode()


def test_interchanges_on_x12_inbound_are_checked_mapped_acknowledged_and_scrubbed(
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
    with deployment.worker() as worker:
        bus.send("x12-inbound", "claims-837p.x12", (DATA / "claims-837p.x12").read_bytes())
        bus.send("x12-inbound", "invalid-837p.x12", (DATA / "invalid-837p.x12").read_bytes())
        bus.send("x12-inbound", "refused-277ca.x12", refused_277ca())
        bus.flush()
        scrubbed = bus.wait_for(
            "claims-scrubbed", lambda rs: len({r["claim_id"] for r in rs}) >= 3, timeout=60, what="3 scrubbed"
        )
        assert {r["claim_id"] for r in scrubbed} == {"X12-CLM-001", "X12-CLM-002", "X12-CLM-003"}
        letters = bus.wait_for("dead-letters", lambda rs: len(rs) >= 2, what="two dead letters")
        by_reason = {}
        for letter in letters:
            by_reason.setdefault(letter["reason"], []).append(letter)
        assert sorted((r, len(ls)) for r, ls in by_reason.items()) == [
            ("schema_violation", 1),
            ("x12_rejected", 1),
        ]
        (refused,) = by_reason["schema_violation"]
        assert "277CA answer for claim LINES-CLM-002: amount" in refused["error"]
        assert json.loads(base64.b64decode(refused["payload_b64"]))["claim_id"] == "LINES-CLM-002"
        (rejected,) = by_reason["x12_rejected"]
        assert "SV102" in rejected["error"] and rejected["source_topic"].endswith("x12-inbound")
        acks = bus.wait_for("x12-acknowledgments", lambda rs: len(rs) >= 3, what="three 999s")
        ak9 = sorted(t.split("AK9*")[1][0] for t in (r["_raw"].decode() for r in acks))
        assert ak9 == ["A", "E", "P"]  # clean, a refused item noted, one transaction set rejected
        # the partly accepting 999 comes back as a clearinghouse's answer to an 837P sent: its
        # rejected set is counted (the alert's input) and the 999 itself is not acknowledged
        (partly,) = [r["_raw"] for r in acks if b"AK9*P" in r["_raw"]]
        bus.send("x12-inbound", "ack-999.x12", partly)
        bus.flush()
        name = "claimflow_x12_sets_acknowledged_total"
        text = wait_metric(worker, name, 1, "the 999 was never read", transaction="837", outcome="rejected")
        assert metric_value(text, name, transaction="837", outcome="accepted") == 2
        statuses = bus.wait_for("claim-status", lambda rs: len(rs) >= 1, what="the 277CA status")
        assert [(s["claim_id"], s["category_code"], len(s["line_statuses"])) for s in statuses] == [
            ("LINES-CLM-001", "A2", 2)
        ]
        # a payer rejecting a whole batch names no claim: counted (the alert's input), never silent
        bus.send("x12-inbound", "batch-rejected-277ca.x12", batch_rejected_277ca())
        bus.flush()
        name = "claimflow_x12_claim_groups_rejected_total"
        wait_metric(worker, name, 1, "the batch rejection was never counted", level="batch")
    bus.close()


def test_ingest_publish_sends_events_and_dead_letters_and_says_so_in_its_exit_status(
    broker: EmbeddedBroker, tmp_path: Path
) -> None:
    deployment = deploy(broker, tmp_path, CLAIMFLOW_PATIENT_KEY_SECRET=SECRET.decode())
    inbound = tmp_path / "inbound"
    inbound.mkdir()
    (inbound / "1-remit.x12").write_bytes((DATA / "reversal-835.x12").read_bytes())
    (inbound / "2-refused.x12").write_bytes(refused_277ca())
    (inbound / "3-truncated.x12").write_bytes((DATA / "claims-837p.x12").read_bytes()[:700])
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "streams.cli",
            "x12",
            "ingest",
            str(inbound),
            "--publish",
            "--acks",
            str(tmp_path / "acks"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **deployment.env},
        timeout=120,
    )
    assert done.returncode == ExitCode.REJECTED, done.stderr
    assert (
        "3 file(s): 1 accepted, 1 partly accepted, 1 rejected; 6 events published, 1 refused" in done.stderr
    )
    bus = deployment.bus
    denials = bus.wait_for("claim-denials", lambda rs: len(rs) >= 3, what="the 835 decisions")
    assert sorted(d["claim_status_code"] for d in denials) == ["1", "1", "22"]
    plbs = bus.wait_for("provider-adjustments", lambda rs: len(rs) >= 2, what="the PLBs")
    assert {p["_key"] for p in plbs} == {"1234567893"}
    letters = bus.wait_for("dead-letters", lambda rs: len(rs) >= 2, what="the dead letters")
    assert sorted((r["reason"], r["source_topic"]) for r in letters) == [
        ("schema_violation", "file:2-refused.x12"),
        ("x12_rejected", "file:3-truncated.x12"),
    ]
    bus.close()
