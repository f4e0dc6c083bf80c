"""Static checks of the monitoring files: promtool on config and rules, rule unit tests, and the
dashboard only queries metrics the worker exports (or recording rules built on them)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client import CollectorRegistry

from streams.runtime.metrics import Metrics
from tests.integration.test_metrics_scrape import prometheus_binary

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
PROM = DEPLOY / "prometheus"


@pytest.fixture(scope="module")
def promtool() -> str:
    prometheus_binary()  # installs the Debian package when missing
    found = shutil.which("promtool")
    assert found, "promtool comes with the Debian prometheus package"
    return found


def run(tool: str, *args: str) -> str:
    proc = subprocess.run([tool, *args], capture_output=True, text=True, timeout=120, cwd=PROM, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_prometheus_config_passes_promtool(promtool: str) -> None:
    run(promtool, "check", "config", "prometheus.yml")


def test_rules_pass_promtool(promtool: str) -> None:
    out = run(promtool, "check", "rules", "claimflow.rules.yml", "claimflow.alerts.yml")
    assert "SUCCESS" in out


def test_rule_unit_tests_pass(promtool: str) -> None:
    assert "SUCCESS" in run(promtool, "test", "rules", "claimflow.rules.test.yml")


def exported_names() -> set[str]:
    registry = CollectorRegistry()
    Metrics(registry)
    names = set()
    for family in registry.collect():
        for sample_suffix in ("", "_total", "_bucket", "_count", "_sum", "_created"):
            names.add(family.name + sample_suffix)
    return names


def recorded_names() -> set[str]:
    names = set()
    for path in PROM.glob("*.rules.yml"):
        for group in yaml.safe_load(path.read_text())["groups"]:
            names |= {rule["record"] for rule in group["rules"] if "record" in rule}
    return names


def used_names(expr: str) -> set[str]:
    words = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", re.sub(r'"[^"]*"', "", expr)))
    return {w for w in words if w.startswith("claimflow") or ":claimflow" in w}


def test_dashboard_queries_use_exported_metrics_or_recording_rules() -> None:
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "claimflow.json").read_text())
    known = exported_names() | recorded_names()
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert len(exprs) >= 10
    unknown = {name for e in exprs for name in used_names(e)} - known
    assert not unknown, f"dashboard uses metrics the worker does not export: {sorted(unknown)}"


def test_rules_use_exported_metrics() -> None:
    known = exported_names() | recorded_names()
    for path in PROM.glob("claimflow.*.yml"):
        if path.name.endswith(".test.yml"):
            continue
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                unknown = used_names(rule["expr"]) - known
                assert not unknown, f"{path.name}: {unknown}"


def test_metric_names_follow_conventions_and_labels_carry_no_phi() -> None:
    registry = CollectorRegistry()
    Metrics(registry)
    phi = re.compile(r"patient|member|subscriber|name|birth|dob|ssn|claim_id|npi", re.I)
    for family in registry.collect():
        assert family.name.startswith("claimflow_")
        if family.type == "counter":
            assert not family.name.endswith("_total")  # the client adds _total to the sample
        if family.type == "histogram":
            assert family.name.endswith("_seconds")
    for metric in registry._collector_to_names:  # type: ignore[attr-defined]
        for label in getattr(metric, "_labelnames", ()):
            assert not phi.search(label), label
