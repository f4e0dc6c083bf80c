"""Consistency checker for fault tests (after faust-streaming's ``tests/consistency``).

It reads what a worker leaves behind — the ``claims`` table as persisted in its changelog (what any
restarted worker recovers) and the output topics — and compares it with what the test sent. It
allows what at-least-once delivery allows (an output written twice with the same identity) and
nothing else: no claim lost, one current state per claim, no event applied twice, no task lost or
planned twice.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from streams.dev.localrun import Bus


@dataclass(frozen=True)
class Expected:
    """What one claim must end as."""

    state: str
    first_pass: str | None = "accepted"
    task: bool = False  # a resubmission task must exist (exactly one identity)
    steps: int | None = None  # history entries applied (each event once); None: not checked


@dataclass
class Report:
    violations: list[str] = field(default_factory=list)
    claims: int = 0
    tasks: int = 0
    redelivered_outputs: int = 0  # same output identity written more than once (allowed)

    @property
    def ok(self) -> bool:
        return not self.violations

    def summary(self) -> str:
        head = f"{self.claims} claims, {self.tasks} tasks, {self.redelivered_outputs} outputs written twice"
        return head if self.ok else head + "; violations:\n  " + "\n  ".join(self.violations[:20])


def claim_records(bus: Bus, app_id: str) -> dict[str, dict[str, Any]]:
    return {k: v["record"] for k, v in bus.table(app_id, "claims").items() if v}


def check(bus: Bus, app_id: str, expected: dict[str, Expected]) -> Report:
    report = Report()
    records = claim_records(bus, app_id)
    for claim_id, want in sorted(expected.items()):
        rec = records.get(claim_id)
        if rec is None:
            report.violations.append(f"{claim_id}: lost (no record)")
            continue
        report.claims += 1
        problems = []
        if rec["state"] != want.state:
            problems.append(f"state {rec['state']} != {want.state}")
        if rec.get("first_pass") != want.first_pass:
            problems.append(f"first_pass {rec.get('first_pass')} != {want.first_pass}")
        if rec["submission_count"] != 1:
            problems.append(f"submission_count {rec['submission_count']}")
        applied = Counter(item["event_id"] for item in rec["history"])
        twice = [eid for eid, n in applied.items() if n > 1]
        if twice:
            problems.append(f"events applied twice: {twice[:3]}")
        if want.steps is not None and len(rec["history"]) != want.steps:
            problems.append(f"{len(rec['history'])} steps applied, expected {want.steps}")
        if problems:
            report.violations.append(f"{claim_id}: " + "; ".join(problems))

    tasks_by_claim: dict[str, set[str]] = defaultdict(set)
    task_writes = Counter()
    for task in bus.read("resubmission-tasks"):
        tasks_by_claim[task["claim_id"]].add(task["task_id"])
        task_writes[task["task_id"]] += 1
    report.tasks = len(task_writes)
    for claim_id, want in sorted(expected.items()):
        ids = tasks_by_claim.get(claim_id, set())
        if want.task and not ids:
            report.violations.append(f"{claim_id}: task lost")
        elif want.task and len(ids) > 1:
            report.violations.append(f"{claim_id}: {len(ids)} different tasks planned for one denial")
        elif not want.task and ids:
            report.violations.append(f"{claim_id}: unexpected task")

    scrubbed = Counter(r["claim_id"] for r in bus.read("claims-scrubbed"))
    for claim_id in expected:
        if not scrubbed.get(claim_id):
            report.violations.append(f"{claim_id}: never scrubbed")
    report.redelivered_outputs = sum(n - 1 for n in scrubbed.values() if n > 1) + sum(
        n - 1 for n in task_writes.values() if n > 1
    )
    return report


def uncommitted(bus: Bus, group: str, topics: list[str]) -> dict[str, int]:
    """Records on each input partition past the group's committed offset ("topic[p]" → count).

    The last offset is taken from the records themselves: the embedded broker's "latest offset"
    answer is wrong after multi-record batches."""
    from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

    admin = KafkaAdminClient(bootstrap_servers=bus.bootstrap)
    try:
        committed = {tp: meta.offset for tp, meta in admin.list_group_offsets(group)[group].items()}
    finally:
        admin.close()
    consumer = KafkaConsumer(
        bootstrap_servers=bus.bootstrap, enable_auto_commit=False, consumer_timeout_ms=1000
    )
    try:
        out = {}
        for topic in topics:
            name = bus.prefix + topic
            tps = [TopicPartition(name, p) for p in sorted(consumer.partitions_for_topic(name) or ())]
            consumer.assign(tps)
            consumer.seek_to_beginning(*tps)
            last: dict[TopicPartition, int] = {}
            for msg in consumer:
                last[TopicPartition(msg.topic, msg.partition)] = msg.offset
            for tp in tps:
                behind = last.get(tp, -1) + 1 - max(committed.get(tp, 0), 0)
                if behind:
                    out[f"{topic}[{tp.partition}]"] = behind
        return out
    finally:
        consumer.close()
