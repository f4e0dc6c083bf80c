"""X12 agent (``x12-inbound``, optional: ``CLAIMFLOW_X12_INBOUND=true``): raw interchanges in,
events out to ``claims-submitted`` / ``claim-status`` / ``claim-denials`` /
``provider-adjustments``, every acknowledgment (999, or TA1 for a broken envelope) to
``x12-acknowledgments``. As ``claimflow x12 ingest --publish`` does: a message with anything
rejected goes to ``dead-letters`` whole (``x12_rejected``, with the findings), and every item the
contracts refuse inside an accepted transaction set goes there on its own (``schema_violation``,
the mapped item as payload). Event ids derive from content, so a redelivered message changes
nothing downstream."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from faust.types import EventT, StreamT

from schemas.codec import dead_letter, encode
from schemas.topics import Topic
from streams.agents.catalogue import Agent
from streams.agents.common import Outbox, batched, logical_topic, position, send_dead_letter
from streams.x12.ingest import ingest_text

if TYPE_CHECKING:
    from streams.runtime.app import ClaimflowApp

log = logging.getLogger("claimflow.agents")


def register(app: ClaimflowApp) -> None:
    if not app.settings.x12_inbound:
        return
    metrics = app.metrics
    secret = app.settings.patient_key_bytes
    max_bytes = app.settings.max_event_bytes

    async def handle(event: EventT, outbox: Outbox) -> None:
        topic = logical_topic(app, event.message.topic)
        metrics.events_consumed.labels(topic=topic).inc()
        raw = event.value if isinstance(event.value, bytes) else b""
        if len(raw) > max_bytes:
            await send_dead_letter(
                app, event, "too_large", f"interchange of {len(raw)} bytes exceeds CLAIMFLOW_MAX_EVENT_BYTES"
            )
            return
        result = ingest_text(raw.decode("utf-8", errors="replace"), secret)
        key: Any = event.message.key
        for outcome in result.interchanges:
            for answer in (outcome.ack, outcome.ta1):
                if answer:
                    await outbox.send(Topic.X12_ACKNOWLEDGMENTS, key, answer.encode())
        for ack in result.acknowledged:  # a clearinghouse's 999 about sets sent to it
            metrics.sets_acknowledged.labels(transaction=ack.label, outcome=ack.outcome).inc(ack.sets)
            if ack.outcome == "rejected":
                log.warning("a 999 on %s rejected %s", topic, ack.describe())
        for group in result.groups_rejected:  # no claim named: counted and logged (an alert fires)
            metrics.claim_groups_rejected.labels(level=group.level).inc()
            log.warning("a 277CA on %s: %s", topic, group.description)
        for routed in result.events:
            await outbox.send(routed.topic, routed.key.encode(), routed.payload)
        pos = position(event)
        for refusal in result.refused:
            error = f"{refusal.transaction} {refusal.item}: {refusal.reason}"
            letter = dead_letter(refusal.payload, pos, "schema_violation", error)
            await outbox.send(Topic.DEAD_LETTERS, pos.topic.encode(), encode(letter))
            metrics.dead_letters.labels(topic=topic, reason="schema_violation").inc()
            log.warning(
                "dead letter from %s[%d]@%d: schema_violation: %s",
                topic,
                pos.partition,
                pos.offset,
                error[:300],
            )
        if result.verdict in ("rejected", "partly accepted") and result.problems:
            await send_dead_letter(
                app, event, "x12_rejected", f"{result.summary()}: {'; '.join(result.problems[:5])}"
            )

    @app.faust.agent(app.inputs(Agent.X12), name=Agent.X12.faust_name)
    async def x12(stream: StreamT[Any]) -> None:
        await batched(app, Agent.X12, stream, handle)
