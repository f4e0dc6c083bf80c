"""``claimflow demo``: embedded broker, topics, the worker, simulated traffic, then a summary."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from prometheus_client.parser import text_string_to_metric_families

from schemas.topics import Topic
from streams.dev.broker import EmbeddedBroker, free_port
from streams.dev.localrun import Bus, WorkerProcess
from streams.dev.sim.generator import generate
from streams.dev.sim.runner import Simulation, baseline_first_pass
from streams.lifecycle.first_pass import (
    FIRST_PASS_OUTCOMES,
    RESOLUTION_OUTCOMES,
    net_acceptance,
    net_resolution,
)
from streams.runtime.settings import load_settings
from streams.runtime.topic_admin import create_topics
from streams.scrub import Scrubber


def _samples(text: str, name: str) -> list[tuple[dict[str, str], float]]:
    return [
        (s.labels, s.value)
        for fam in text_string_to_metric_families(text)
        for s in fam.samples
        if s.name == name
    ]


def _sum(text: str, name: str, **labels: str) -> float:
    return sum(v for lab, v in _samples(text, name) if all(lab.get(k) == v2 for k, v2 in labels.items()))


def _by(text: str, name: str, *keys: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for lab, v in _samples(text, name):
        k = "-".join(lab.get(key, "") for key in keys)
        out[k] = out.get(k, 0.0) + v
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def _pct(num: float, den: float) -> str:
    return f"{num / den:6.1%}" if den else "   n/a"


def summary(
    metrics: str,
    baseline: dict[str, float],
    stats: dict[str, int],
    web: str,
    prefix: str,
    report: dict[str, object] | None = None,
) -> str:
    clean = _sum(metrics, "claimflow_claims_scrubbed_total", result="clean")
    held = _sum(metrics, "claimflow_claims_scrubbed_total", result="held")
    first_clean = _sum(metrics, "claimflow_clean_claim_total", outcome="clean")
    first_held = _sum(metrics, "claimflow_clean_claim_total", outcome="held")
    fp_ok, _ = net_acceptance(
        {o: _sum(metrics, "claimflow_first_pass_total", outcome=o) for o in FIRST_PASS_OUTCOMES}
    )
    fp_acked = _sum(metrics, "claimflow_first_pass_acknowledged_total")
    # a claim counted resolved and sent again later is resolved no more
    resolved, unresolved = net_resolution(
        {o: _sum(metrics, "claimflow_first_pass_resolution_total", outcome=o) for o in RESOLUTION_OUTCOMES}
    )
    lines = [
        "",
        "claimflow demo — summary",
        "=" * 60,
        f"claims simulated            {stats.get('published', 0):>8}",
        f"claims scrubbed             {int(clean + held):>8}   (includes automatic corrected claims)",
        f"  clean (sent to payer)     {int(clean):>8}",
        f"  held with edits           {int(held):>8}",
        f"clean-claim rate            {_pct(first_clean, first_clean + first_held):>8}   "
        f"(original claims by their first scrub: {int(first_clean)} of {int(first_clean + first_held)})",
        "",
        "first-pass acceptance (original claims accepted, A2, of those acknowledged)",
        f"  with claimflow scrubbing  {_pct(fp_ok, fp_acked):>8}   ({int(fp_ok)} of {int(fp_acked)})",
        f"  in the audit report       {_report_rate(report):>8}   (read from {prefix}{Topic.CLAIM_STATES})",
        f"  no-scrub baseline         {baseline['first_pass_acceptance']:>8.1%}   "
        f"(every claim straight to the payer)",
        "denial rate",
        f"  with claimflow scrubbing  {_report_denials(report):>8}",
        f"  no-scrub baseline         {baseline['denial_rate']:>8.1%}   (of the claims the payers accepted)",
        f"first-pass resolution       {_pct(resolved, resolved + unresolved):>8}   "
        f"(paid on the first adjudication, no CO denial, sent once: {int(resolved)} of {int(resolved + unresolved)})",
        "",
        "denials by reason (group-CARC, category)",
    ]
    denials = _by(metrics, "claimflow_denials_total", "group", "carc", "category")
    lines += [f"  {int(v):6d}  {k}" for k, v in denials.items()] or ["  none"]
    if report is not None and report.get("claims_by_state"):
        lines.append(f"claims by state ({prefix}{Topic.CLAIM_STATES}: the latest record of each claim)")
        by_state = report["claims_by_state"]
        assert isinstance(by_state, dict)
        lines += [f"  {int(n):6d}  {name}" for name, n in by_state.items()]
    lines.append("resubmission tasks by action")
    tasks = _by(metrics, "claimflow_resubmission_tasks_total", "action")
    lines += [f"  {int(v):6d}  {k}" for k, v in tasks.items()] or ["  none"]
    lines.append(f"automatic corrected claims  {int(_sum(metrics, 'claimflow_corrected_claims_total')):>8}")
    if report is not None:
        at_risk, recovered = report.get("money_at_risk") or 0, report.get("money_recovered") or 0
        lines.append(
            f"money at risk / recovered   ${float(str(at_risk)):>10,.2f} / ${float(str(recovered)):,.2f}   "
            "(recovered: paid by a later decision after a task, at most its stake)"
        )
    lines.append(
        f"claims sent by practices' own systems {stats.get('sent_direct', 0)} (tracked, not scrubbed); "
        f"appeals overturned {stats.get('appeals_overturned', 0)}, upheld {stats.get('appeals_upheld', 0)}"
    )
    lines.append("top scrub edits")
    edits = _by(metrics, "claimflow_scrub_edits_total", "rule", "severity")
    lines += [f"  {int(v):6d}  {k}" for k, v in list(edits.items())[:8]] or ["  none"]
    dead = _by(metrics, "claimflow_dead_letters_total", "topic", "reason")
    lines.append(f"dead letters                {int(sum(dead.values())):>8}")
    lines += [
        f"answers that arrived late  {int(_sum(metrics, 'claimflow_lifecycle_anomalies_total', kind='late')):>8}"
        f"   (the payers sent {stats.get('answers_sent_late', 0)} 277CA answers after their 835)"
        f"   impossible transitions: {int(_sum(metrics, 'claimflow_lifecycle_anomalies_total', kind='impossible'))}",
        f"redelivered events ignored  {int(_sum(metrics, 'claimflow_duplicate_events_total')):>8}",
        "",
        *([f"metrics:  {web}/metrics   health: {web}/health"] if web else []),
        f"topics:   {prefix}{Topic.CLAIMS_SUBMITTED} → {prefix}{Topic.CLAIMS_SCRUBBED} / "
        f"{prefix}{Topic.CLAIMS_READY} / {prefix}{Topic.CLAIMS_HELD},",
        f"          {prefix}{Topic.CLAIM_STATUS} + {prefix}{Topic.CLAIM_DENIALS} → "
        f"{prefix}{Topic.RESUBMISSION_TASKS}; bad input → {prefix}{Topic.DEAD_LETTERS}",
        "",
    ]
    return "\n".join(lines)


def _report_denials(report: dict[str, object] | None) -> str:
    if report is None or report.get("denial_rate") is None:
        return "n/a"
    rate = float(report["denial_rate"])  # type: ignore[arg-type]
    return (
        f"{rate:6.1%}   (the audit report: {report.get('claims_denied')} of {report.get('claims_decided')}"
        " payer decisions denied something)"
    )


def _report_rate(report: dict[str, object] | None) -> str:
    if report is None or report.get("first_pass_acceptance") is None:
        return "n/a"
    rate = float(report["first_pass_acceptance"])  # type: ignore[arg-type]
    return f"{rate:6.1%}   ({report.get('first_pass_accepted')} of {report.get('first_pass_acknowledged')})"


def wait_settled(worker: WorkerProcess, timeout: float = 60.0, quiet: float = 3.0) -> str:
    """Wait until the worker's counters stop moving (every answer applied)."""
    deadline = time.monotonic() + timeout
    last, since = "", time.monotonic()
    while time.monotonic() < deadline:
        text = worker.metrics()
        keys = ("claimflow_events_consumed_total", "claimflow_first_pass_total")
        now = str([_sum(text, k) for k in keys])
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since > quiet:
            return text
        time.sleep(0.5)
    return worker.metrics()


def write_run_report(bootstrap: str, prefix: str, out_dir: Path) -> tuple[Path, dict[str, object]]:
    """The billing audit report over everything this run put on the topics (page, totals)."""
    from streams.denials import load_reason_map
    from streams.report.compute import compute, event_day
    from streams.report.load import Progress, from_topics
    from streams.report.render import write

    events = list(from_topics(bootstrap, prefix, Progress("report", every=5000)))
    days = sorted({event_day(e) for e in events if e.get("occurred_at")})
    first, last = (days[0], days[-1]) if days else (datetime.now(UTC).date(), datetime.now(UTC).date())
    report = compute(events, first, last, load_reason_map())
    page, _ = write(report, out_dir)
    return page, report.totals


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # the demo's own clean-up runs (the broker and the worker are not its children's group)


def run_demo(args: argparse.Namespace) -> int:
    """The demo; SIGTERM or Ctrl-C stops it with its broker and worker (both run in sessions of
    their own, so a signal to the demo alone never reaches them)."""
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        return _run_demo(args)
    except KeyboardInterrupt:
        print("interrupted: the worker and the broker are stopped", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run_demo(args: argparse.Namespace) -> int:
    out = sys.stderr
    workdir = Path(tempfile.mkdtemp(prefix="claimflow-demo-"))
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    broker = None
    worker = None
    try:
        if external:
            bootstrap, prefix, profile = external, f"demo-{uuid.uuid4().hex[:6]}.", "kafka"
            print(f"using the Kafka cluster at {bootstrap} (topic prefix {prefix})", file=out)
        else:
            broker = EmbeddedBroker(log_path=workdir / "broker.log").start()
            bootstrap, prefix, profile = broker.bootstrap, "", "embedded"
            print(f"embedded broker (development only) on {bootstrap}", file=out)
        port = int(os.environ.get("CLAIMFLOW_WEB_PORT", "0")) or free_port()
        env = {
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "CLAIMFLOW_BROKER_PROFILE": profile,
            "CLAIMFLOW_TOPIC_PREFIX": prefix,
            "CLAIMFLOW_DATA_DIR": str(workdir / "data"),
            "CLAIMFLOW_ENCOUNTER_GRACE_SECONDS": os.environ.get("CLAIMFLOW_ENCOUNTER_GRACE_SECONDS", "10"),
            "CLAIMFLOW_APP_ID": f"claimflow-demo-{uuid.uuid4().hex[:6]}",
        }
        created = create_topics(load_settings({**os.environ, **env}))
        print(f"{len(created)} topics ready; starting the worker ...", file=out)
        worker = WorkerProcess(env, workdir / "worker.log", web_port=port).start()
        web = f"http://127.0.0.1:{port}"
        print(f"worker ready: {web}/metrics", file=out)
        scrubber = Scrubber.load()
        # six weeks of services, a tenth of them sent by practices' own systems (tracked only)
        cases = generate(args.claims, seed=args.seed, weeks=6, direct_rate=0.1)
        bus = Bus(bootstrap, prefix)
        started = time.monotonic()
        stats = Simulation(bus, cases, scrubber, seed=args.seed, time_scale=0.5, out=out).run(timeout=150)
        metrics = wait_settled(worker)
        bus.close()
        baseline = baseline_first_pass(cases, scrubber)
        page, totals = write_run_report(bootstrap, prefix, Path(args.report_dir))
        # the listener's addresses only while it runs (--follow); the summary's figures are its last scrape
        print(summary(metrics, baseline, stats, web if args.follow else "", prefix, totals))
        print(f"audit report of this run: {page.resolve()}  (claimflow report --help)")
        print(
            f"(simulation and processing took {time.monotonic() - started:.0f}s; the worker log "
            f"{workdir / 'worker.log'} is removed on exit unless CLAIMFLOW_KEEP_DEMO_DIR=1 or --follow)",
            file=out,
        )
        if args.follow:
            print("--follow: broker and worker keep running; Ctrl-C to stop", file=out)
            try:
                while True:
                    time.sleep(1)
            except KeyboardInterrupt:
                pass
        return 0
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):  # a second signal must not cut the clean-up short
            signal.signal(sig, signal.SIG_IGN)
        try:
            if worker is not None:
                worker.stop()
            if broker is not None:
                broker.stop()
        finally:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        if not args.follow and not os.environ.get("CLAIMFLOW_KEEP_DEMO_DIR"):
            shutil.rmtree(workdir, ignore_errors=True)
