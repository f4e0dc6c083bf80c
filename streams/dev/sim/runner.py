"""Drive the bus: publish encounters and claims, and play the clearinghouse and payers for every
claim that reaches ``claims-ready`` (277CA acknowledgments, 835 payments and denials) with
realistic delays, some duplicate deliveries and some out-of-order ones."""

from __future__ import annotations

import heapq
import json
import random
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO, Any

from kafka import KafkaConsumer, TopicPartition

from schemas import Encounter, ValidClaim
from schemas.ids import derived_event_id
from schemas.topics import Topic
from streams.dev.localrun import Bus
from streams.dev.sim.generator import SimCase
from streams.dev.sim.payer import Adjudication, PayerModel
from streams.lifecycle.events import step_for
from streams.scrub import Scrubber

_LAST_DRAWN: dict[str, int] = {}


def progress(done: int, total: int, label: str, out: IO[str] | None = None, width: int = 30) -> None:
    """A one-line progress bar, redrawn only when it moves (every 2 % off a terminal)."""
    out = out or sys.stderr
    pct = int(100 * done / max(total, 1))
    step = 1 if out.isatty() else 10
    if done < total and _LAST_DRAWN.get(label, -step) > pct - step:
        return
    _LAST_DRAWN[label] = pct
    filled = int(width * done / max(total, 1))
    bar = f"{label:<22} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
    out.write(f"\r{bar}" if out.isatty() else f"{bar}\n")
    if done >= total:
        _LAST_DRAWN.pop(label, None)
        if out.isatty():
            out.write("\n")
    out.flush()


def answers_for(
    adj: Adjudication,
    claim: ValidClaim,
    rng: random.Random,
    now: datetime,
    duplicate_rate: float,
    out_of_order_rate: float,
    time_scale: float,
) -> list[tuple[float, str, dict[str, Any]]]:
    """(delay seconds, topic, event) for one adjudicated claim."""
    pcn = f"PCN{uuid.UUID(int=rng.getrandbits(128)).hex[:12].upper()}"
    ack_at = now + timedelta(hours=rng.uniform(1, 30))
    events: list[tuple[float, str, dict[str, Any]]] = []
    base = {"claim_id": claim.claim_id, "payer_claim_number": pcn}
    a1 = {
        **base,
        "event_id": str(uuid.UUID(int=rng.getrandbits(128))),
        "occurred_at": ack_at.isoformat(),
        "source": "277CA",
        "category_code": "A1",
        "status_code": "19",
    }
    events.append((rng.uniform(0.1, 0.5) * time_scale, Topic.CLAIM_STATUS, a1))
    decision = {
        **base,
        "event_id": str(uuid.UUID(int=rng.getrandbits(128))),
        "occurred_at": (ack_at + timedelta(minutes=30)).isoformat(),
        "source": "277CA",
        "category_code": adj.category_code,
        "status_code": adj.status_code,
    }
    decision_delay = rng.uniform(0.5, 1.0) * time_scale
    events.append((decision_delay, Topic.CLAIM_STATUS, decision))
    if not adj.rejected:
        paid_at = ack_at + timedelta(days=rng.uniform(7, 30))
        remit = {
            **base,
            "event_id": str(uuid.UUID(int=rng.getrandbits(128))),
            "occurred_at": paid_at.isoformat(),
            "source": "835",
            "claim_status_code": adj.clp02,
            "adjustments": list(adj.adjustments),
            "remark_codes": list(adj.remark_codes),
            "paid_amount": str(adj.paid_amount),
        }
        remit_delay = rng.uniform(1.0, 2.0) * time_scale
        if rng.random() < out_of_order_rate:  # the 835 overtakes the 277CA
            remit_delay = decision_delay * 0.5
        events.append((remit_delay, Topic.CLAIM_DENIALS, remit))
    if rng.random() < duplicate_rate:  # a redelivery with the same event_id
        delay, topic, ev = rng.choice(events)
        events.append((delay + 0.2 * time_scale, topic, ev))
    return events


Schedule = list[tuple[float, int, str, dict[str, Any]]]


@dataclass
class Simulation:
    """Publishes cases and plays everyone around claimflow until every case has an outcome: the
    practices (encounters and claims; some sent to payers by their own systems, which claimflow
    only tracks), the clearinghouse and the payers (277CA and 835 answers to every claim that
    reaches ``claims-ready``, corrected claims included, in event time after the claim was
    submitted), and the billing clerks who take resubmission tasks (an appeal is filed and the
    payer overturns some, paying the claim; the others are written off)."""

    bus: Bus
    cases: list[SimCase]
    scrubber: Scrubber
    seed: int = 7
    scrub: bool = True
    duplicate_rate: float = 0.05
    out_of_order_rate: float = 0.10
    time_scale: float = 1.0
    out: IO[str] = field(default_factory=lambda: sys.stderr)  # the stream of the run, not of the import
    payer: PayerModel = field(init=False)
    stats: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.payer = PayerModel(self.scrubber)
        self.rng = random.Random(self.seed + 1)
        self.hidden = {c.claim["claim_id"]: tuple(c.defects) for c in self.cases}
        self.encounters = {c.encounter["encounter_id"]: c.encounter for c in self.cases}

    def publish(self) -> None:
        total = len(self.cases)
        for i, case in enumerate(self.cases, start=1):
            key = case.claim["patient_key"]
            self.bus.send(Topic.ENCOUNTERS, key, case.encounter)
            if self.scrub and not case.direct:
                self.bus.send(Topic.CLAIMS_SUBMITTED, key, case.claim)
            if i % 100 == 0 or i == total:
                progress(i, total, "claims published", self.out)
        self.bus.flush()

    def _answer(self, claim: ValidClaim, schedule: Schedule) -> None:
        enc_raw = self.encounters.get(claim.encounter_id or "")
        encounter = Encounter.model_validate(enc_raw) if enc_raw else None
        root = claim.claim_id.split("-R")[0]
        hidden = self.hidden.get(claim.claim_id, ()) if claim.frequency_code == "1" else ()
        if root != claim.claim_id:  # a corrected claim keeps only the hidden defects of its root
            hidden = tuple(d for d in self.hidden.get(root, ()) if d == "coverage_ended")
        adj = self.payer.adjudicate(claim, encounter, hidden)
        self.stats["answered"] = self.stats.get("answered", 0) + 1
        now = time.monotonic()
        answers = answers_for(
            adj,
            claim,
            self.rng,
            claim.occurred_at,
            self.duplicate_rate,
            self.out_of_order_rate,
            self.time_scale,
        )
        remit = [delay for delay, topic, _ in answers if topic == Topic.CLAIM_DENIALS]
        if remit:  # 277CA answers sent after the 835 that follows them: really out of order
            late = {
                ev["event_id"]
                for delay, topic, ev in answers
                if topic == Topic.CLAIM_STATUS and delay > remit[0]
            }
            self.stats["answers_sent_late"] = self.stats.get("answers_sent_late", 0) + len(late)
        for delay, topic, ev in answers:
            heapq.heappush(schedule, (now + delay, id(ev) + len(schedule), topic, ev))

    def _send_direct(self, schedule: Schedule) -> None:
        """The practice's own system sends these claims straight to the payer and posts the
        lifecycle step claimflow tracks them by; the payer answers them like any other."""
        for case in self.cases:
            if not case.direct:
                continue
            claim = ValidClaim.model_validate(case.claim)
            encounter = Encounter.model_validate(case.encounter)
            step = step_for(claim, "ready", snapshot=True, encounter=encounter, source="practice-system")
            self.bus.send(Topic.CLAIM_LIFECYCLE, claim.claim_id, json.loads(step.model_dump_json()))
            self._answer(claim, schedule)
            self.stats["sent_direct"] = self.stats.get("sent_direct", 0) + 1

    def _work_task(self, task: dict[str, Any], schedule: Schedule) -> None:
        """A billing clerk takes a task: an appeal is filed (the claim becomes ``appealed``) and the
        payer decides it a month later: overturned (paid) or upheld (the clerk writes it off)."""
        if task.get("action") != "appeal":
            return
        claim_id, task_id = task["claim_id"], uuid.UUID(task["task_id"])
        filed = datetime.fromisoformat(task["occurred_at"]) + timedelta(days=3)
        base = {"claim_id": claim_id, "payer_id": task["payer_id"], "plan_type": task["plan_type"]}
        appealed = {
            **base,
            "event_id": str(derived_event_id(task_id, "sim:appealed")),
            "occurred_at": filed.isoformat(),
            "source": "billing-clerk",
            "stage": "appealed",
        }
        now = time.monotonic()
        heapq.heappush(schedule, (now + 0.2 * self.time_scale, id(appealed), Topic.CLAIM_LIFECYCLE, appealed))
        decided = filed + timedelta(days=self.rng.uniform(20, 40))
        if self.payer.overturns(claim_id):
            answer: dict[str, Any] = {
                "claim_id": claim_id,
                "event_id": str(derived_event_id(task_id, "sim:appeal-paid")),
                "occurred_at": decided.isoformat(),
                "source": "835",
                "claim_status_code": "1",
                "adjustments": [],
                "remark_codes": [],
                "paid_amount": str(task["amount_at_stake"]),
            }
            topic = Topic.CLAIM_DENIALS
            self.stats["appeals_overturned"] = self.stats.get("appeals_overturned", 0) + 1
        else:
            answer = {
                **base,
                "event_id": str(derived_event_id(task_id, "sim:written-off")),
                "occurred_at": decided.isoformat(),
                "source": "billing-clerk",
                "stage": "written_off",
            }
            topic = Topic.CLAIM_LIFECYCLE
            self.stats["appeals_upheld"] = self.stats.get("appeals_upheld", 0) + 1
        heapq.heappush(schedule, (now + 0.8 * self.time_scale, id(answer), topic, answer))

    def run(self, timeout: float = 300.0, settle: float = 4.0) -> dict[str, int]:
        """Publish, then answer every ready claim and work every task; returns counts (published,
        held, ready, answered, sent_direct, appeals_overturned, appeals_upheld)."""
        self.publish()
        if not self.scrub:
            return self._baseline_direct()
        consumer = KafkaConsumer(
            bootstrap_servers=self.bus.bootstrap, enable_auto_commit=False, consumer_timeout_ms=200
        )
        topics = [
            self.bus.prefix + t for t in (Topic.CLAIMS_READY, Topic.CLAIMS_HELD, Topic.RESUBMISSION_TASKS)
        ]
        tps = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or [])]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        schedule: Schedule = []
        self._send_direct(schedule)
        originals = {c.claim["claim_id"] for c in self.cases}
        seen: set[str] = set()
        outcome: dict[str, str] = {c.claim["claim_id"]: "sent_direct" for c in self.cases if c.direct}
        deadline = time.monotonic() + timeout
        last_activity = time.monotonic()
        total = len(originals)
        try:
            while time.monotonic() < deadline:
                for msg in self._poll(consumer):
                    item = json.loads(msg.value)
                    if msg.topic.endswith(Topic.RESUBMISSION_TASKS):
                        if item["task_id"] not in seen:
                            seen.add(item["task_id"])
                            self._work_task(item, schedule)
                            last_activity = time.monotonic()
                        continue
                    claim = (
                        ValidClaim.model_validate(item["claim"])
                        if msg.topic.endswith(Topic.CLAIMS_READY)
                        else None
                    )
                    claim_id = item["claim"]["claim_id"]
                    event_id = item["claim"]["event_id"]
                    if event_id in seen:
                        continue
                    seen.add(event_id)
                    last_activity = time.monotonic()
                    if claim is None:
                        outcome.setdefault(claim_id, "held")
                    else:
                        outcome[claim_id] = "ready"
                        self._answer(claim, schedule)
                while schedule and schedule[0][0] <= time.monotonic():
                    _, _, topic, ev = heapq.heappop(schedule)
                    self.bus.send(topic, ev["claim_id"], ev)
                    last_activity = time.monotonic()
                self.bus.flush()
                done = sum(1 for c in originals if c in outcome)
                if done < total:
                    progress(done, total, "claims through payer", self.out)
                if done >= total and not schedule and time.monotonic() - last_activity > settle:
                    progress(total, total, "claims through payer", self.out)
                    break
        finally:
            consumer.close()
        self.stats.update(
            published=total,
            held=sum(v == "held" for v in outcome.values()),
            ready=sum(v == "ready" for v in outcome.values()),
        )
        return self.stats

    @staticmethod
    def _poll(consumer: KafkaConsumer) -> list[Any]:
        batch = consumer.poll(timeout_ms=200, max_records=500)
        return [m for records in batch.values() for m in records]

    def _baseline_direct(self) -> dict[str, int]:
        """No scrubbing: every claim goes straight to the payer; claimflow only tracks it."""
        schedule: Schedule = []
        for case in self.cases:
            claim = ValidClaim.model_validate(case.claim)
            step = step_for(claim, "ready", snapshot=True, source="simulator")
            self.bus.send(Topic.CLAIM_LIFECYCLE, claim.claim_id, json.loads(step.model_dump_json()))
            self._answer(claim, schedule)
        while schedule:
            wait = schedule[0][0] - time.monotonic()
            if wait > 0:
                time.sleep(min(wait, 0.2))
                continue
            _, _, topic, ev = heapq.heappop(schedule)
            self.bus.send(topic, ev["claim_id"], ev)
        self.bus.flush()
        self.stats.update(published=len(self.cases), ready=len(self.cases), held=0)
        return self.stats


def baseline_first_pass(cases: list[SimCase], scrubber: Scrubber) -> dict[str, float]:
    """First-pass acceptance and denial rate if every claim went straight to the payer (pure)."""
    payer = PayerModel(scrubber)
    accepted = denied = 0
    for case in cases:
        claim = ValidClaim.model_validate(case.claim)
        adj = payer.adjudicate(claim, Encounter.model_validate(case.encounter), tuple(case.defects))
        accepted += not adj.rejected
        denied += (not adj.rejected) and adj.denied
    n = max(len(cases), 1)
    return {
        "claims": len(cases),
        "first_pass_acceptance": accepted / n,
        "denial_rate": denied / max(accepted, 1),
    }
