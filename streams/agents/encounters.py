"""Encounter agent (``encounters``): keep each encounter's latest version, and the versions before it
that claims met (``streams.scrub.encounter_store``).

The topic is keyed by patient_key like ``claims-submitted``, so the table's changelog partition
is the patient's partition and the scrub agent finds the encounter locally.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from faust.types import StreamT

from schemas import Encounter
from streams.agents.catalogue import Agent, Table
from streams.agents.common import decode_event, guarded
from streams.scrub.encounter_store import latest, stored_with, version

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
                stored = stored_with(table.get(enc.encounter_id), enc)
                if stored is not None:  # (None: a redelivery, which changes nothing)
                    table[enc.encounter_id] = stored
                waiter = app.encounter_waiters.pop(enc.encounter_id, None)
                if waiter is not None:  # a parked claim is waiting for this encounter
                    waiter.set()

            await guarded(app, Agent.ENCOUNTERS, event, body)


def lookup_raw(app: ClaimflowApp, encounter_id: str) -> dict[str, Any] | None:
    """The stored encounter record, undecoded (for a presence check)."""
    item: dict[str, Any] | None = app.tables[Table.ENCOUNTERS].get(encounter_id)
    return item


def lookup(app: ClaimflowApp, encounter_id: str | None) -> Encounter | None:
    """The encounter's version in force."""
    return latest(lookup_raw(app, encounter_id)) if encounter_id else None


def lookup_version(app: ClaimflowApp, encounter_id: str, event_id: str) -> Encounter | None:
    """The version an encounter event carried, while it is kept (what a redelivered claim met)."""
    return version(lookup_raw(app, encounter_id), event_id)
