"""Run claimflow locally as a billing company's bus would: a real broker, a worker process, and
kafka-python as the independent client (used by the integration tests, the demo and benches)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from streams.dev.broker import free_port


class WorkerProcess:
    """``claimflow worker`` in a subprocess with its own environment; a context manager."""

    def __init__(self, env: dict[str, str], log_path: Path, web_port: int | None = None):
        self.web_port = web_port or free_port()
        self.env = {**os.environ, **env, "CLAIMFLOW_WEB_PORT": str(self.web_port)}
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, ready_timeout: float = 60.0) -> WorkerProcess:
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streams.cli", "worker"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_ready(ready_timeout)
        return self

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.web_port}{path}"

    def get(self, path: str, timeout: float = 5.0) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url(path), timeout=timeout) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"worker exited with {self.proc.returncode}; see {self.log_path}")
            try:
                status, _ = self.get("/ready", timeout=1.0)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"worker not ready within {timeout:.0f}s; see {self.log_path}")

    def metrics(self) -> str:
        return self.get("/metrics")[1]

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int | None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return proc.returncode if proc else None
        proc.send_signal(sig)
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait(10)

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def __enter__(self) -> WorkerProcess:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class Bus:
    """Produce JSON events and read whole topics back, without consumer groups (no join delays)."""

    def __init__(self, bootstrap: str, prefix: str = ""):
        self.bootstrap = bootstrap
        self.prefix = prefix
        self.producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)

    def send(
        self, topic: str, key: str | None, value: dict[str, Any] | bytes, partition: int | None = None
    ) -> None:
        """``partition``: put the record there whatever its key (as a producer with another
        partitioner would); ``key`` None: a producer that sends no key."""
        payload = value if isinstance(value, bytes) else json.dumps(value, default=str).encode()
        encoded = key.encode() if key is not None else None
        self.producer.send(self.prefix + topic, key=encoded, value=payload, partition=partition)

    def flush(self) -> None:
        self.producer.flush()

    def read(
        self, topic: str, timeout_ms: int = 1000, physical: bool = False, tombstones: bool = False
    ) -> list[dict[str, Any]]:
        """Every JSON record currently on a topic (all partitions), with _key and _partition.
        ``topic`` is a catalogue name (the prefix is added) unless ``physical``; with
        ``tombstones``, a record without a value is returned as ``{"_tombstone": True}``."""
        consumer = KafkaConsumer(
            bootstrap_servers=self.bootstrap, enable_auto_commit=False, consumer_timeout_ms=timeout_ms
        )
        try:
            name = topic if physical else self.prefix + topic
            parts = consumer.partitions_for_topic(name) or set()
            tps = [TopicPartition(name, p) for p in sorted(parts)]
            if not tps:
                return []
            consumer.assign(tps)
            consumer.seek_to_beginning(*tps)
            out = []
            for msg in consumer:
                try:
                    value = json.loads(msg.value) if msg.value is not None else None
                    if value is None and tombstones:
                        value = {"_tombstone": True}
                except ValueError:
                    value = {"_raw": msg.value}
                if isinstance(value, dict):
                    value["_key"] = msg.key.decode() if msg.key else None
                    value["_partition"] = msg.partition
                    out.append(value)
            return out
        finally:
            consumer.close()

    def wait_for(
        self,
        topic: str,
        predicate: Callable[[list[dict[str, Any]]], bool],
        timeout: float = 60.0,
        what: str = "",
    ) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        records: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            records = self.read(topic, timeout_ms=500)
            if predicate(records):
                return records
            time.sleep(0.3)
        raise TimeoutError(f"timed out waiting for {what or topic}: {len(records)} records seen")

    def table(self, app_id: str, table: str) -> dict[str, Any]:
        """The latest value per key on a table's changelog: what a restarted worker recovers."""
        state: dict[str, Any] = {}
        for rec in self.read(f"{app_id}-{table}-changelog", physical=True, tombstones=True):
            raw = rec.pop("_key")
            key = json.loads(raw) if raw else raw
            rec.pop("_partition", None)
            if rec.get("_tombstone"):
                state.pop(key, None)  # evicted
            else:
                state[key] = rec
        return state

    def close(self) -> None:
        self.producer.close()


def count_where(records: Iterable[dict[str, Any]], **match: Any) -> int:
    return sum(1 for r in records if all(r.get(k) == v for k, v in match.items()))


def metric_value(text: str, name: str, **labels: str) -> float:
    """Sum of the samples of ``name`` whose labels include ``labels``."""
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total
