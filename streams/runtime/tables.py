"""Bounded table state: changelog-backed tables whose entries expire after a retention period.

Every value written through ``RetainedTable`` carries two bookkeeping fields: ``_p``, the
partition it lives in (the partition of the event that wrote it, which is where Faust puts its
changelog record), and ``_w``, the wall-clock time of the write. A sweep (a timer on each worker)
removes the entries of this worker's *active* partitions that have not been written for
``CLAIMFLOW_STATE_RETENTION_DAYS`` and writes a tombstone to the changelog, so a restarted worker
does not recover them either. Reads and writes otherwise behave like the Faust table underneath.

Eviction policy: least recently *written* first, by age only. The default retention (400 days) is
past every payer window claimflow tracks (timely filing 365 days, reopening one year, Medicare
redetermination 120 days), so an evicted claim can no longer change state; an event for it that
still arrives starts a new record, which the lifecycle machine treats as out of order.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from faust.streams import current_event
from faust.types import TP

PARTITION = "_p"
WRITTEN = "_w"


class RetainedTable:
    """A Faust table of JSON objects with per-entry write stamps (see the module docstring)."""

    def __init__(self, table: Any, retention_seconds: float):
        self.table = table
        self.retention_seconds = retention_seconds

    def get(self, key: Any, default: Any = None) -> Any:
        return self.table.get(key, default)

    def __len__(self) -> int:
        return len(self.table.data)

    def __setitem__(self, key: Any, value: dict[str, Any]) -> None:
        event = current_event()
        partition = event.message.partition if event is not None else None
        self.table[key] = {**value, PARTITION: partition, WRITTEN: time.time()}

    def changelog_partitions(self, assigned: Iterable[TP]) -> set[int]:
        topic = self.table.changelog_topic.get_topic_name()
        return {tp.partition for tp in assigned if tp.topic == topic}

    def expired(self, now: float, partitions: set[int]) -> list[tuple[Any, int]]:
        cutoff = now - self.retention_seconds
        out = []
        for key, value in list(self.table.data.items()):
            if not isinstance(value, dict):
                continue
            partition = value.get(PARTITION)
            if partition in partitions and value.get(WRITTEN, now) < cutoff:
                out.append((key, partition))
        return out

    def sweep(self, assigned: Iterable[TP], now: float | None = None) -> int:
        """Drop expired entries of the given active partitions; tombstone them in the changelog."""
        now = time.time() if now is None else now
        expired = self.expired(now, self.changelog_partitions(assigned))
        for key, partition in expired:
            self.table.send_changelog(partition, key, None, value_serializer="raw")
            del self.table.data[key]
        return len(expired)
