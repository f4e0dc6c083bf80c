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
from streams.agents.common import Outbox, decode_event, forwarded, guarded
from streams.scrub.encounter_store import encounter_key, latest, latest_patient, stored_with, version

if TYPE_CHECKING:
    from streams.runtime.app import ClaimflowApp


def register(app: ClaimflowApp) -> None:
    table = app.table(Table.ENCOUNTERS)

    @app.faust.agent(app.inputs(Agent.ENCOUNTERS), name=Agent.ENCOUNTERS.faust_name)
    async def encounters(stream: StreamT[Any]) -> None:
        async for event in stream.events():

            async def body(event: Any = event) -> None:
                try:
                    await store(event)
                finally:  # read, stored or dead-lettered: this record is behind the partition
                    note_progress(app, event)

            await guarded(app, Agent.ENCOUNTERS, event, body)

    async def store(event: Any) -> None:
        enc = await decode_event(app, event, Encounter)
        if enc is None:
            return
        outbox = Outbox(app)
        if await forwarded(app, event, enc.patient_key, outbox):
            await outbox.confirm()  # delivered before this copy is acknowledged
            return
        key = encounter_key(enc.patient_key, enc.encounter_id)
        stored = stored_with(table.get(key), enc)
        if stored is not None:  # (None: a redelivery, which changes nothing)
            table[key] = stored
            # the id's latest encounter, whoever's: a claim naming an id only another patient has
            # (a typo) is told so once its own never came
            table[enc.encounter_id] = stored
        waiter = app.encounter_waiters.pop(enc.encounter_id, None)
        if waiter is not None:  # a parked claim is waiting for this encounter
            waiter.set()


def note_progress(app: ClaimflowApp, event: Any) -> None:
    """Remember the offset of the latest record the encounter agent applied, per partition."""
    message = event.message
    if message.offset > app.encounter_progress.get(message.partition, -1):
        app.encounter_progress[message.partition] = message.offset


def lookup_raw(app: ClaimflowApp, patient_key: str | None, encounter_id: str) -> dict[str, Any] | None:
    """The patient's encounter of that id as stored, undecoded (for a presence check). Encounter
    ids are the practices' own: two practices' patients may share one, so the patient's key is
    part of the table's (an entry stored before, under the id alone, is read when it is this
    patient's)."""
    table = app.tables[Table.ENCOUNTERS]
    item: dict[str, Any] | None = table.get(encounter_key(patient_key or "", encounter_id))
    if item is None:
        legacy: dict[str, Any] | None = table.get(encounter_id)
        if legacy is not None and latest_patient(legacy) == patient_key:
            item = legacy
    return item


def lookup(app: ClaimflowApp, patient_key: str | None, encounter_id: str | None) -> Encounter | None:
    """The version in force of the patient's encounter of that id."""
    return latest(lookup_raw(app, patient_key, encounter_id)) if encounter_id else None


def lookup_any(app: ClaimflowApp, encounter_id: str | None) -> Encounter | None:
    """The latest encounter of that id, whoever's (what a claim whose own encounter never came is
    checked against: another patient's is a mistyped id, ``DOC_ENCOUNTER_OTHER_PATIENT``)."""
    return latest(app.tables[Table.ENCOUNTERS].get(encounter_id)) if encounter_id else None


def lookup_version(
    app: ClaimflowApp, patient_key: str | None, encounter_id: str, event_id: str
) -> Encounter | None:
    """The version an encounter event carried, while it is kept (what a redelivered claim met), of
    the patient it is stored under."""
    return version(lookup_raw(app, patient_key, encounter_id), event_id)
