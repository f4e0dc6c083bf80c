"""X12 agent (``x12-inbound``, optional: ``CLAIMFLOW_X12_INBOUND=true``): raw interchanges in,
events out to ``claims-submitted`` / ``claim-status`` / ``claim-denials``, the 999 to
``x12-acknowledgments``. A rejected interchange, and every claim the contracts refuse inside an
accepted one, goes to ``dead-letters`` with the whole interchange. Event ids are derived from the
interchange, so a redelivered file changes nothing downstream."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from faust.types import EventT, StreamT

from schemas.codec import encode
from schemas.topics import Topic
from streams.agents.catalogue import Agent
from streams.agents.common import Outbox, batched, logical_topic, send_dead_letter
from streams.x12.ingest import ingest_text

if TYPE_CHECKING:
    from streams.runtime.app import ClaimflowApp


def register(app: ClaimflowApp) -> None:
    if not app.settings.x12_inbound:
        return
    metrics = app.metrics
    secret = app.settings.patient_key_bytes
    max_bytes = app.settings.max_event_bytes

    async def handle(event: EventT, outbox: Outbox) -> None:
        metrics.events_consumed.labels(topic=logical_topic(app, event.message.topic)).inc()
        raw = event.value if isinstance(event.value, bytes) else b""
        if len(raw) > max_bytes:
            await send_dead_letter(
                app, event, "too_large", f"interchange of {len(raw)} bytes exceeds CLAIMFLOW_MAX_EVENT_BYTES"
            )
            return
        result = ingest_text(raw.decode("utf-8", errors="replace"), secret)
        key: Any = event.message.key
        if result.validation.ack999:
            await outbox.send(Topic.X12_ACKNOWLEDGMENTS, key, result.validation.ack999.encode())
        if not result.accepted:
            await send_dead_letter(
                app, event, "x12_rejected", f"{result.transaction}: {result.validation.summary()}"
            )
            return
        for routed in result.events:
            await outbox.send(routed.topic, routed.key.encode(), encode(routed.event))
        for problem in result.refused:
            await send_dead_letter(app, event, "schema_violation", f"{result.transaction} claim {problem}")

    @app.faust.agent(app.inputs(Agent.X12), name=Agent.X12.faust_name)
    async def x12(stream: StreamT[Any]) -> None:
        await batched(app, Agent.X12, stream, handle)
