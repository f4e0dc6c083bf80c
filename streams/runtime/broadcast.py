"""A topic every worker reads whole (latest value per key), outside the consumer group.

The denial trends' learned rates are written by whichever worker owns a payer's partition but
read by every scrub agent. Faust's ``GlobalTable`` would do this through standby partitions that
take part in every rebalance and recovery; this reader is a plain aiokafka consumer with no group:
it assigns every partition, reads from the beginning and keeps following, so the consumer group
and its rebalances stay as they were. Values are JSON; an empty value deletes the key.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

from schemas.topics import Topic

if TYPE_CHECKING:
    from streams.runtime.app import ClaimflowApp

log = logging.getLogger("claimflow.broadcast")


class BroadcastTable:
    """Latest value per key of a whole topic; ``index`` (optional) maps a key to a group whose
    presence can be asked cheaply (``has_group``), kept up to date as keys come and go."""

    def __init__(self, app: ClaimflowApp, logical: Topic, index: Callable[[str], str] | None = None):
        self.app = app
        self.topic = app.topic(logical).get_topic_name()
        self.values: dict[str, Any] = {}
        self.index = index
        self.groups: Counter[str] = Counter()
        self.caught_up = asyncio.Event()  # set once the backlog present at start has been read

    def get(self, key: str) -> Any:
        return self.values.get(key)

    def has_group(self, group: str) -> bool:
        return group in self.groups

    def apply(self, key: bytes | None, value: bytes | None) -> None:
        if key is None:
            return
        name = key.decode(errors="replace")
        if not value:
            if self.values.pop(name, None) is not None and self.index is not None:
                group = self.index(name)
                self.groups[group] -= 1
                if self.groups[group] <= 0:
                    del self.groups[group]
            return
        try:
            decoded = json.loads(value)
        except ValueError:
            log.warning("%s: a value that is not JSON was ignored", self.topic)
            return
        if name not in self.values and self.index is not None:
            self.groups[self.index(name)] += 1
        self.values[name] = decoded

    async def run(self) -> None:
        settings = self.app.settings
        consumer = AIOKafkaConsumer(
            bootstrap_servers=settings.require_bootstrap().split(","),
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            **credentials_to_aiokafka_auth(self.app.faust.conf.broker_credentials),
        )
        await consumer.start()
        try:
            partitions: set[int] = set()
            while not partitions:
                await consumer.topics()  # refresh metadata
                partitions = consumer.partitions_for_topic(self.topic) or set()
                if not partitions:
                    await asyncio.sleep(1.0)
            tps = [TopicPartition(self.topic, p) for p in sorted(partitions)]
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            while True:
                batches = await consumer.getmany(timeout_ms=1000, max_records=5000)
                for records in batches.values():
                    for record in records:
                        self.apply(record.key, record.value)
                if not batches:
                    self.caught_up.set()
        finally:
            await consumer.stop()
