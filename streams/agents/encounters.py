"""Encounter agent (``encounters``): keep the latest encounter per encounter_id.

The topic is keyed by patient_key like ``claims-submitted``, so the table's changelog partition
is the patient's partition and the scrub agent finds the encounter locally.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from faust.types import StreamT

from schemas import Encounter
from streams.agents.catalogue import Agent, Table
from streams.agents.common import decode_event, guarded

if TYPE_CHECKING:
    from streams.runtime.app import ClaimflowApp


def register(app: ClaimflowApp) -> None:
    table = app.table(Table.ENCOUNTERS)

    @app.faust.agent(app.inputs(Agent.ENCOUNTERS), name=Agent.ENCOUNTERS.faust_name)
    async def encounters(stream: StreamT[Any]) -> None:
        async for event in stream.events():

            async def body(event: Any = event) -> None:
                enc = await decode_event(app, event, Encounter)
                if enc is None:
                    return
                current = table.get(enc.encounter_id)
                stamp = enc.occurred_at.timestamp()
                if current is None or current["ts"] <= stamp:
                    # as JSON text: the changelog's encoder copies a string, it walks an object
                    table[enc.encounter_id] = {"ts": stamp, "encounter": enc.model_dump_json()}
                waiter = app.encounter_waiters.pop(enc.encounter_id, None)
                if waiter is not None:  # a parked claim is waiting for this encounter
                    waiter.set()

            await guarded(app, Agent.ENCOUNTERS, event, body)


def lookup_raw(app: ClaimflowApp, encounter_id: str) -> dict[str, Any] | None:
    """The stored encounter record, undecoded (for a presence check)."""
    item: dict[str, Any] | None = app.tables[Table.ENCOUNTERS].get(encounter_id)
    return item


def lookup(app: ClaimflowApp, encounter_id: str | None) -> Encounter | None:
    if not encounter_id:
        return None
    item = lookup_raw(app, encounter_id)
    if not item:
        return None
    stored = item["encounter"]  # JSON text; an object in values stored before
    return (
        Encounter.model_validate_json(stored) if isinstance(stored, str) else Encounter.model_validate(stored)
    )
