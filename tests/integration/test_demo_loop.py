"""The demo's traffic end to end: one first-pass figure for the metric, the summary and the audit
report; the resubmission loop closes (corrected claims, appeals, money recovered); only answers
that really reached the bus late count as late."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.dev.demo import summary, wait_settled, write_run_report
from streams.dev.sim.generator import generate
from streams.dev.sim.runner import Simulation, baseline_first_pass
from streams.lifecycle.first_pass import (
    FIRST_PASS_OUTCOMES,
    RESOLUTION_OUTCOMES,
    net_acceptance,
    net_resolution,
)
from streams.scrub import Scrubber
from tests.integration.conftest import Deployment, metric_value

pytestmark = pytest.mark.broker


def test_demo_traffic_shows_the_whole_loop_with_one_first_pass_figure(
    deployment: Deployment, tmp_path: Path
) -> None:
    scrubber = Scrubber.load()
    # six weeks of services; many claims sent by practices' own systems (tracked, not scrubbed)
    cases = generate(500, seed=21, weeks=6, direct_rate=0.4, defect_rate=0.4)
    bus = deployment.bus
    with deployment.worker() as worker:
        stats = Simulation(bus, cases, scrubber, seed=21, time_scale=0.3).run(timeout=240)
        metrics = wait_settled(worker, timeout=90)
        _, totals = write_run_report(
            deployment.env["KAFKA_BOOTSTRAP_SERVERS"], deployment.env["CLAIMFLOW_TOPIC_PREFIX"], tmp_path
        )
    # what the counters come to, revisions included (an older answer read after the count)
    accepted, rejected = net_acceptance(
        {o: metric_value(metrics, "claimflow_first_pass_total", outcome=o) for o in FIRST_PASS_OUTCOMES}
    )
    assert accepted + rejected > 300
    # the report judges first pass with the tracker's definition: the same figure
    acknowledged = metric_value(metrics, "claimflow_first_pass_acknowledged_total")
    assert accepted + rejected <= acknowledged
    assert totals["first_pass_accepted"] == accepted
    assert totals["first_pass_rejected"] == rejected
    assert totals["first_pass_acknowledged"] == acknowledged
    resolved, unresolved = net_resolution(
        {
            o: metric_value(metrics, "claimflow_first_pass_resolution_total", outcome=o)
            for o in RESOLUTION_OUTCOMES
        }
    )
    assert resolved > 0 and unresolved > 0
    assert (totals["first_pass_resolved"], totals["first_pass_unresolved"]) == (resolved, unresolved)
    text = summary(metrics, baseline_first_pass(cases, scrubber), stats, "http://worker", "", totals)
    assert text.count(f"({int(accepted)} of {int(acknowledged)})") == 2
    # the run's own denial rate beside the no-scrub baseline it is compared with
    assert f"{totals['claims_denied']} of {totals['claims_decided']} payer decisions denied something" in text
    # the loop closes: corrected claims sent, appeals decided, money recovered
    assert metric_value(metrics, "claimflow_corrected_claims_total") > 0
    assert stats.get("appeals_overturned", 0) > 0
    assert float(str(totals["money_recovered"])) > 0
    # late only for answers the payers really sent after the 835 they precede
    late = metric_value(metrics, "claimflow_lifecycle_anomalies_total", kind="late")
    assert late <= stats.get("answers_sent_late", 0)
    assert metric_value(metrics, "claimflow_lifecycle_anomalies_total", kind="impossible") == 0
