"""The learning loop end to end: a payer starts denying 93000 + I10 with CO-11; a DenialTrend
fires, and the next claim of that shape gets the denial_risk warning with the observed rate."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from streams.denials import load_reason_map
from streams.dev.broker import EmbeddedBroker
from streams.report.compute import compute
from streams.report.load import from_topics
from tests.builders import commercial_payer
from tests.integration.conftest import deploy, metric_value, wait_records
from tests.integration.scenario import denial, now, submit

pytestmark = pytest.mark.broker

BLUEPEAK = commercial_payer()
CO11 = [{"group_code": "CO", "reason_code": "11", "amount": "45.00"}]


def test_a_payer_that_starts_denying_raises_a_trend_and_warns_the_next_claim(
    broker: EmbeddedBroker, tmp_path: Path
) -> None:
    deployment = deploy(broker, tmp_path, CLAIMFLOW_ENCOUNTER_GRACE_SECONDS="3")
    bus = deployment.bus
    baseline = [f"TR-B{i:02d}" for i in range(12)]  # paid, 8-20 days ago
    recent = [f"TR-R{i:02d}" for i in range(8)]  # 6 of 8 denied CO-11 in the last week
    with deployment.worker() as worker:
        for cid in baseline + recent:
            submit(bus, cid, payer=BLUEPEAK, diagnoses=("I10",))
        bus.flush()
        records = wait_records(
            deployment, lambda rs: all(rs.get(c, {}).get("state") == "ready" for c in baseline + recent), 60
        )
        assert all(records[c]["state"] == "ready" for c in baseline + recent)
        t = now()
        for i, cid in enumerate(baseline):
            denial(bus, cid, [], paid="45.00", clp02="1", at=t - timedelta(days=20 - i))
        for i, cid in enumerate(recent):
            if i < 2:
                denial(bus, cid, [], paid="45.00", clp02="1", at=t - timedelta(days=3))
            else:
                denial(bus, cid, CO11, clp02="4", at=t - timedelta(days=3 - i // 3))
        bus.flush()

        trends = bus.wait_for("denial-trends", lambda rs: len(rs) >= 2, timeout=60, what="two trends")
        by_scope = {t["scope"]: t for t in trends}
        dx = by_scope["payer_code_diagnosis"]
        assert (dx["payer_id"], dx["procedure_code"], dx["diagnoses"]) == ("BLUEPEAK", "93000", ["I10"])
        assert dx["denied"] >= 5 and dx["baseline_denied"] == 0 and dx["top_reasons"] == ["CO-11"]
        assert by_scope["payer_code_category"]["category"] == "diagnosis"
        assert metric_value(worker.metrics(), "claimflow_denial_trends_total", payer="BLUEPEAK") >= 2

        submit(bus, "TR-NEW", payer=BLUEPEAK, diagnoses=("I10",))
        bus.flush()
        results = bus.wait_for(
            "claims-scrubbed",
            lambda rs: any(r["claim_id"] == "TR-NEW" for r in rs),
            timeout=60,
            what="TR-NEW",
        )
        result = next(r for r in results if r["claim_id"] == "TR-NEW")
        (edit,) = [e for e in result["edits"] if e["rule_id"].startswith("DENIAL_RISK")]
        assert edit["rule_id"] == "DENIAL_RISK_LEARNED" and edit["severity"] == "warning"
        assert result["status"] == "clean"  # a warning lets the claim pass
        assert (
            "BluePeak Commercial denied 93000 with I10 alone 6 of 20 times in 30 days (30%), mostly CO-11"
            in edit["message"]
        )
        assert "documented sign or symptom" in edit["fix"]

    # the audit report reads the same topics (events as the producers wrote them)
    events = list(from_topics(broker.bootstrap, bus.prefix))
    report = compute(events, (t - timedelta(days=30)).date(), t.date() + timedelta(days=1), load_reason_map())
    assert report.totals["denials"] == 6 and report.denials_by_reason[0]["reason"] == "CO-11"
    assert report.totals["denial_trends"] == 2 and report.totals["claims_scrubbed"] == 21
    assert report.top_edits[0]["rule_id"] == "DENIAL_RISK_LEARNED"
    bus.close()
