"""Does a consumer keep fetching after a rebalance on the embedded broker? Plain aiokafka.

    python -m bench.rebalance_fetch [--cycles 8] [--faust-like]

Two aiokafka consumers in one group on a 4-partition topic (plus a second topic, as a worker
subscribes to several) while a producer writes ~40 records/s round-robin over the partitions.
Each cycle: consumer B joins (A gives up partitions), B leaves gracefully (A takes every partition
back). After each rebalance, every partition A holds must deliver a record produced after the
rebalance within ``--deadline`` seconds; one that does not is a stalled fetch. ``--faust-like``
also does what Faust does on an assignment: pause every partition, seek to the committed offsets,
resume after a moment (its table recovery), with Faust's fetch settings (fetch_max_wait 1.5 s).

Prints one line per rebalance and a summary; exit status 1 when a stall was seen.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from kafka import KafkaAdminClient
from kafka.admin import NewTopic

from streams.dev.broker import EmbeddedBroker

PARTITIONS = 4


class Member:
    """One group member: records the last time each partition delivered a record."""

    def __init__(self, name: str, bootstrap: str, group: str, topics: list[str], faust_like: bool):
        self.name = name
        self.faust_like = faust_like
        self.topics = topics
        self.last: dict[TopicPartition, float] = {}
        self.assigned_at = 0.0
        self.assignments = 0
        kwargs: dict[str, Any] = {
            "bootstrap_servers": bootstrap,
            "group_id": group,
            "session_timeout_ms": 8000,
            "heartbeat_interval_ms": 1500,
            "enable_auto_commit": False,
            "auto_offset_reset": "earliest",
        }
        if faust_like:
            kwargs |= {"fetch_max_wait_ms": 1500, "max_poll_records": None}
        self.consumer = AIOKafkaConsumer(**kwargs)
        self.task: asyncio.Task[None] | None = None

    def listener(self) -> ConsumerRebalanceListener:
        member = self

        class Listener(ConsumerRebalanceListener):
            async def on_partitions_revoked(self, revoked: Any) -> None:
                if revoked:
                    await member.consumer.commit()

            async def on_partitions_assigned(self, assigned: Any) -> None:
                member.assigned_at = time.monotonic()
                member.assignments += 1
                if member.faust_like and assigned:
                    member.consumer.pause(*assigned)
                    for tp in assigned:
                        committed = await member.consumer.committed(tp)
                        member.consumer.seek(tp, committed or 0)
                    asyncio.get_running_loop().call_later(0.5, member.consumer.resume, *assigned)

        return Listener()

    async def start(self) -> None:
        self.consumer.subscribe(self.topics, listener=self.listener())
        await self.consumer.start()
        self.task = asyncio.create_task(self.run())

    async def run(self) -> None:
        while True:
            batches = await self.consumer.getmany(timeout_ms=200)
            now = time.monotonic()
            for tp, records in batches.items():
                if records:
                    self.last[tp] = now
            if batches:
                await self.consumer.commit()

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
        await self.consumer.stop()  # LeaveGroup

    def stalled(self, since: float, deadline: float, topic: str) -> list[int]:
        """Partitions of ``topic`` held now that delivered nothing after ``since``."""
        held = [tp for tp in self.consumer.assignment() if tp.topic == topic]
        return sorted(tp.partition for tp in held if self.last.get(tp, 0.0) < since)


async def produce(bootstrap: str, topics: list[str], stop: asyncio.Event) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
    await producer.start()
    i = 0
    try:
        while not stop.is_set():
            for topic in topics:
                await producer.send(topic, b"r%d" % i, key=b"k%d" % i, partition=i % PARTITIONS)
            i += 1
            await asyncio.sleep(0.025)
    finally:
        await producer.stop()


async def wait_assigned(member: Member, partitions: int, topic: str, timeout: float = 60) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        held = [tp for tp in member.consumer.assignment() if tp.topic == topic]
        if len(held) == partitions:
            return time.monotonic() - started
        await asyncio.sleep(0.1)
    raise TimeoutError(f"{member.name}: {partitions} partitions not assigned within {timeout}s")


async def check(member: Member, topic: str, deadline: float) -> tuple[float | None, list[int]]:
    """Seconds until every partition ``member`` holds delivered a record after the rebalance."""
    since = member.assigned_at
    started = time.monotonic()
    while time.monotonic() - started < deadline:
        if not member.stalled(since, deadline, topic):
            return time.monotonic() - since, []
        await asyncio.sleep(0.1)
    return None, member.stalled(since, deadline, topic)


async def scenario(bootstrap: str, cycles: int, deadline: float, faust_like: bool) -> int:
    tag = uuid.uuid4().hex[:6]
    topics = [f"rf-{tag}-a", f"rf-{tag}-b"]
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(t, PARTITIONS, 1) for t in topics])
    admin.close()
    stop = asyncio.Event()
    feeder = asyncio.create_task(produce(bootstrap, topics, stop))
    group = f"rf-{tag}"
    a = Member("A", bootstrap, group, topics, faust_like)
    await a.start()
    await wait_assigned(a, PARTITIONS, topics[0])
    stalls = 0
    try:
        for cycle in range(cycles):
            b = Member("B", bootstrap, group, topics, faust_like)
            await b.start()
            await wait_assigned(b, PARTITIONS // 2, topics[0])
            await wait_assigned(a, PARTITIONS // 2, topics[0])
            for who in (a, b):
                took, stuck = await check(who, topics[0], deadline)
                stalls += bool(stuck)
                print(
                    f"cycle {cycle}: join,  {who.name}: "
                    + (f"stalled {stuck}" if stuck else f"flowing after {took:.1f}s")
                )
            await b.stop()
            await wait_assigned(a, PARTITIONS, topics[0])
            took, stuck = await check(a, topics[0], deadline)
            stalls += bool(stuck)
            print(
                f"cycle {cycle}: leave, A: " + (f"stalled {stuck}" if stuck else f"flowing after {took:.1f}s")
            )
            sys.stdout.flush()
    finally:
        stop.set()
        await feeder
        await a.stop()
    return stalls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=8)
    parser.add_argument("--deadline", type=float, default=20.0)
    parser.add_argument("--faust-like", action="store_true")
    parser.add_argument("--bootstrap", help="an existing broker (default: start the embedded one)")
    args = parser.parse_args()
    if args.bootstrap:
        stalls = asyncio.run(scenario(args.bootstrap, args.cycles, args.deadline, args.faust_like))
    else:
        with EmbeddedBroker() as broker:
            stalls = asyncio.run(scenario(broker.bootstrap, args.cycles, args.deadline, args.faust_like))
    print(f"{stalls} stalled rebalances of {args.cycles * 3}")
    sys.exit(1 if stalls else 0)


if __name__ == "__main__":
    main()
