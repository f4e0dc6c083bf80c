"""A real Prometheus server scrapes a worker; the recording rules for first-pass acceptance and the
denial rates by count and by dollars give the values the scripted scenario implies (a redelivered
status included), and no PHI shows up."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from streams.dev.broker import free_port
from tests.debian import debian_binary
from tests.integration.conftest import Deployment, metric_value, wait_metric, wait_tracked_ready
from tests.integration.scenario import denial, status, submit

pytestmark = pytest.mark.broker

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "claimflow.rules.yml"


def prometheus_binary() -> str:
    return debian_binary("prometheus")


def query(port: int, promql: str) -> list[dict]:
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    with urllib.request.urlopen(url, timeout=5) as resp:
        body = json.load(resp)
    assert body["status"] == "success", body
    return body["data"]["result"]


def wait_for_value(port: int, promql: str, wanted: float, timeout: float = 60.0) -> None:
    """Poll Prometheus until ``promql`` gives ``wanted`` (rules are evaluated every second)."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        result = query(port, promql)
        if result:
            value = float(result[0]["value"][1])
            if abs(value - wanted) < 1e-6:
                return
        time.sleep(1)
    pytest.fail(f"{promql} = {value}, expected {wanted}")


def test_prometheus_recording_rule_reports_first_pass_acceptance(
    deployment: Deployment, tmp_path: Path
) -> None:
    binary = prometheus_binary()
    bus = deployment.bus
    with deployment.worker() as worker:
        port = free_port()
        config = tmp_path / "prometheus.yml"
        config.write_text(
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            f"rule_files: ['{RULES}']\n"
            "scrape_configs:\n"
            f"  - job_name: claimflow\n    static_configs: [{{targets: ['127.0.0.1:{worker.web_port}']}}]\n"
        )
        log = (tmp_path / "prometheus.log").open("wb")
        prom = subprocess.Popen(
            [
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if any(r["value"][1] == "1" for r in query(port, 'up{job="claimflow"}')):
                        break
                except OSError:
                    pass
                time.sleep(0.5)
            else:
                pytest.fail("Prometheus never scraped the worker")
            time.sleep(2)  # a few samples at 0 before the scenario starts
            for cid in ("PR-1", "PR-2", "PR-3", "PR-4"):
                submit(bus, cid)
            bus.flush()
            bus.wait_for("claims-ready", lambda rs: len(rs) >= 4, what="4 ready claims")
            wait_tracked_ready(deployment, ("PR-1", "PR-2", "PR-3", "PR-4"))
            for cid in ("PR-1", "PR-2", "PR-3"):
                status(bus, cid, "A2")
            redelivered = status(bus, "PR-4", "A7", code="562")
            status(bus, "PR-4", "A7", event_id=redelivered["event_id"], code="562")
            bus.flush()
            wait_metric(
                worker,
                "claimflow_first_pass_total",
                4,
                "the worker never decided four first passes",
                payer="MCR-JH",
            )
            expected = 0.75
            wait_for_value(port, 'payer:claimflow_first_pass_acceptance:ratio_1h{payer="MCR-JH"}', expected)
            overall = query(port, "claimflow_first_pass_acceptance:ratio_1h")
            assert overall and abs(float(overall[0]["value"][1]) - expected) < 1e-6
            # the payer decides the three accepted claims, $45 each: PR-1 paid in full, PR-2 denied
            # (CO-50), PR-3 paid $30 with $15 bundled (CO-97): by count 2 of 3 claims denied in all
            # or part, by dollars $60 of $135
            denial(bus, "PR-1", [], paid="45", clp02="1", charge="45")
            denial(bus, "PR-2", [{"group_code": "CO", "reason_code": "50", "amount": "45"}], charge="45")
            bundled = {"group_code": "CO", "reason_code": "97", "amount": "15", "line_number": 1}
            denial(bus, "PR-3", [bundled], paid="30", clp02="1", charge="45")
            bus.flush()
            wait_for_value(port, 'payer:claimflow_denial_rate:ratio_1d{payer="MCR-JH"}', 2 / 3)
            wait_for_value(port, 'payer:claimflow_denial_rate_dollars:ratio_1d{payer="MCR-JH"}', 60 / 135)
            # first-pass resolution (paid on the first adjudication, no CO denial, sent once): PR-1
            # only; PR-2 (CO-50), PR-3 (CO-97 on its line) and PR-4 (rejected) are not
            wait_for_value(port, 'payer:claimflow_first_pass_resolution:ratio_1d{payer="MCR-JH"}', 1 / 4)
            # PR-5 is billed 93000 with 93010 (the global service with its own component): held; a
            # coder drops the 93010 and sends it again, clean. One claim, touched by hand: the
            # clean-claim rate is 4 of 5 claims (not 5 of 6 scrubs)
            submit(bus, "PR-5", codes=("93000", "93010"))
            bus.flush()
            bus.wait_for("claims-held", lambda rs: any(r["claim"]["claim_id"] == "PR-5" for r in rs))
            submit(bus, "PR-5")
            bus.flush()
            wait_tracked_ready(deployment, ("PR-5",))
            text = wait_metric(
                worker, "claimflow_claims_scrubbed_total", 6, "the worker never scrubbed PR-5 twice"
            )
            assert metric_value(text, "claimflow_clean_claim_total", outcome="clean") == 4
            assert metric_value(text, "claimflow_clean_claim_total", outcome="held") == 1
            wait_for_value(port, "claimflow_clean_claim:ratio_1h", 4 / 5)
            # PR-5 is acknowledged as received (A1) and nothing more yet: "A1 alone is not
            # acceptance" — 3 accepted of 5 claims acknowledged
            status(bus, "PR-5", "A1")
            bus.flush()
            wait_for_value(port, 'payer:claimflow_first_pass_acceptance:ratio_1h{payer="MCR-JH"}', 3 / 5)
        finally:
            prom.terminate()
            prom.wait(20)
            log.close()
        text = worker.metrics()
        assert metric_value(text, "claimflow_duplicate_events_total", topic="claim-status") == 1
        # no PHI in any label or value: member ids, names, birth dates of the scenario's patients
        # (the last name "PATIENT" as a word: the rule ids PATIENT_NAME_MISSING, … are labels)
        for needle in (r"1EG4TE5MK73", r"\bPATIENT\b", r"1950-04-01", r"pk-PR-"):
            assert re.search(needle, text) is None, needle
        promtool = shutil.which("promtool")
        if promtool:
            check = subprocess.run(
                [promtool, "check", "metrics"],
                input=text.encode(),
                capture_output=True,
                timeout=60,
                check=False,
            )
            assert check.returncode == 0, check.stdout.decode() + check.stderr.decode()
