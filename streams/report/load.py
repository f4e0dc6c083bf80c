"""Read the events a report needs: from a JSON-lines export, or straight from the topics."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from schemas.topics import BY_NAME, Topic

#: The topics a report reads (the worker's outputs and the answers it tracked).
REPORT_TOPICS = (
    Topic.CLAIMS_SUBMITTED,
    Topic.CLAIM_LIFECYCLE,
    Topic.CLAIM_STATES,
    Topic.CLAIMS_SCRUBBED,
    Topic.CLAIM_STATUS,
    Topic.CLAIM_DENIALS,
    Topic.RESUBMISSION_TASKS,
    Topic.DENIAL_TRENDS,
    Topic.DEAD_LETTERS,
)


class Progress:
    """A line on stderr every ``every`` events (long reads say how far they are)."""

    def __init__(self, what: str, every: int = 10_000, out: TextIO | None = None):
        self.what, self.every, self.count = what, every, 0
        #: lines of an export that are no event (not JSON, or an object of no known kind)
        self.skipped = 0
        self.out = out or sys.stderr

    def tick(self) -> None:
        self.count += 1
        if self.count % self.every == 0:
            print(f"  {self.what}: {self.count:,} events read", file=self.out, flush=True)

    def done(self) -> None:
        print(f"  {self.what}: {self.count:,} events", file=self.out, flush=True)
        if self.skipped:
            print(
                f"  {self.skipped:,} lines left out: not JSON, or an object with no event_type that is"
                " not shaped as a claim, a claim status or a denial",
                file=self.out,
                flush=True,
            )


def _event_type(topic: Topic) -> str:
    model = BY_NAME[topic].model
    assert model is not None
    return str(model.model_fields["event_type"].default)


#: what the input contracts require and no other event of the report topics has, by event type:
#: producers other than claimflow may leave ``event_type`` out (it has a default), and a topic
#: export written one value per line no longer says which topic a line came from
_SHAPES = (
    ("denial", ("claim_status_code",)),
    ("claim_status", ("category_code",)),
    ("claim_submitted", ("lines", "payer", "patient", "billing_provider_npi")),
)


def event_type_of(event: dict[str, Any]) -> str | None:
    """The event's ``event_type``, or the input kind its fields say it is (None when neither)."""
    kind = event.get("event_type")
    if isinstance(kind, str):
        return kind
    for name, keys in _SHAPES:
        if "claim_id" in event and any(key in event for key in keys):
            return name
    return None


def from_jsonl(path: Path, progress: Progress | None = None) -> Iterator[dict[str, Any]]:
    """Events from a JSON-lines file, one event per line. A line without ``event_type`` is read as
    the input it is shaped as (``event_type_of``), as the topic reader reads it with its topic's
    type; a line that is not JSON, not UTF-8 text, nested too deep, or of no known kind is left out
    and counted (``Progress.skipped``)."""
    with path.open("rb") as f:
        for line in f:
            line = line.strip().removeprefix(b"\xef\xbb\xbf")  # a byte-order mark is no part of it
            if not line:
                continue
            try:
                event = json.loads(line)
            except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
                event = None
            kind = event_type_of(event) if isinstance(event, dict) else None
            if event is None or kind is None:
                if progress:
                    progress.skipped += 1
                continue
            event["event_type"] = kind
            if progress:
                progress.tick()
            yield event


def from_topics(
    bootstrap: str, prefix: str = "", progress: Progress | None = None
) -> Iterator[dict[str, Any]]:
    """Every event currently on the report topics (read from the beginning, no consumer group)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap.split(","), enable_auto_commit=False, consumer_timeout_ms=2000
    )
    try:
        tps = []
        for topic in REPORT_TOPICS:
            for p in sorted(consumer.partitions_for_topic(prefix + topic) or ()):
                tps.append(TopicPartition(prefix + topic, p))
        if not tps:
            return
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        kinds = {prefix + t: _event_type(t) for t in REPORT_TOPICS}
        for msg in consumer:
            try:
                event = json.loads(msg.value) if msg.value else None
            except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested too deep
                continue
            if isinstance(event, dict):
                event.setdefault("event_type", kinds.get(msg.topic))  # producers may omit the default
                if progress:
                    progress.tick()
                yield event
    finally:
        consumer.close()
