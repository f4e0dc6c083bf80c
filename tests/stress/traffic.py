"""A steady stream of claims and payer answers, sent from a background thread while workers are
killed and restarted (the stress tests' load, after faust-streaming's ``tests/stress``)."""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from streams.dev.localrun import Bus
from tests.consistency.checker import Expected
from tests.integration.scenario import denial, now, status, submit

DENY_EVERY = 4  # every fourth claim is denied CO-50 after its A2


def partition_of(key: str, partitions: int) -> int:
    """The partition kafka-python's default partitioner gives ``key``."""
    from kafka.partitioner.default import murmur2

    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


def warm_up(bus: Bus, partitions: int) -> list[str]:
    """Put a first record on every partition of every input topic (a parked claim, an
    acknowledgment and a denial per partition) before the faults begin, as a running deployment
    has (optional: the default run starts on fresh partitions, the harder case). Returns the
    warm-up claim ids."""
    ids: list[str] = []
    covered: set[int] = set()
    i = 0
    while len(covered) < partitions:
        cid = f"WARM-{i:03d}"
        p = partition_of(cid, partitions)
        if p not in covered and partition_of(f"pk-{cid}", partitions) not in {
            partition_of(f"pk-{c}", partitions) for c in ids
        }:
            covered.add(p)
            ids.append(cid)
        i += 1
    for cid in ids:
        submit(bus, cid, encounter=False)  # parked on claims-waiting until the grace period ends
        status(bus, cid, "A2")
        denial(bus, cid, [{"group_code": "CO", "reason_code": "50", "amount": "45.00"}])
    bus.flush()
    return ids


class SteadyStream(threading.Thread):
    """Claim ``i`` (with its encounter) at ``i / rate`` seconds; its A2 ``answer_after`` seconds later;
    for every ``DENY_EVERY``-th claim a CO-50 denial one second after that."""

    def __init__(self, bus: Bus, prefix: str, count: int, rate: float, answer_after: float = 2.0):
        super().__init__(daemon=True, name="steady-stream")
        self.bus = bus
        self.ids = [f"{prefix}-{i:04d}" for i in range(count)]
        self.rate = rate
        self.answer_after = answer_after
        self.sent_claims = 0
        self.claims: dict[str, dict[str, object]] = {}
        self.acks: dict[str, dict[str, object]] = {}
        self.error: BaseException | None = None
        self._lock = threading.Lock()

    def expected(self) -> dict[str, Expected]:
        return {
            cid: Expected("denied", task=True) if i % DENY_EVERY == 0 else Expected("accepted")
            for i, cid in enumerate(self.ids)
        }

    def run(self) -> None:
        try:
            self._run()
        except BaseException as exc:  # reported by the test, never swallowed
            self.error = exc

    def _run(self) -> None:
        start = time.monotonic()
        queue: list[tuple[float, int, Callable[[], object]]] = []
        for i, cid in enumerate(self.ids):
            due = i / self.rate
            queue.append((due, len(queue), lambda cid=cid: self._submit(cid)))
            queue.append((due + self.answer_after, len(queue), lambda cid=cid: self._ack(cid)))
            if i % DENY_EVERY == 0:
                at = now() + timedelta(seconds=due + self.answer_after + 1)
                queue.append(
                    (
                        due + self.answer_after + 1,
                        len(queue),
                        lambda cid=cid, at=at: denial(
                            self.bus,
                            cid,
                            [{"group_code": "CO", "reason_code": "50", "amount": "45.00"}],
                            at=at,
                        ),
                    )
                )
        heapq.heapify(queue)
        while queue:
            due, _, action = heapq.heappop(queue)
            delay = start + due - time.monotonic()
            if delay > 0:
                self.bus.flush()
                time.sleep(delay)
            action()
        self.bus.flush()

    def _submit(self, claim_id: str) -> None:
        self.claims[claim_id] = submit(self.bus, claim_id)
        with self._lock:
            self.sent_claims += 1

    def _ack(self, claim_id: str) -> None:
        self.acks[claim_id] = status(self.bus, claim_id, "A2")
