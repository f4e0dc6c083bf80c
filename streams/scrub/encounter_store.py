"""The encounters as the scrub stage keeps them: the latest version of each encounter, the versions
before it (bounded), and the encounter events already applied.

A practice corrects an encounter by sending it again under its ``encounter_id`` (the report signed
since). The newest by ``occurred_at`` stands; of two stamped alike, the one read later (a
correction sent within the same second). An encounter event read again (a redelivery) changes
nothing, whatever its stamp: it is no correction.

A claim event is scrubbed against the version it met; redelivered after a correction (a crash
before its offset was committed), it is scrubbed against that same version again, so it gets the
same result (``streams.scrub.history``): the versions before the latest are kept for that.
"""

from __future__ import annotations

from typing import Any

from schemas import Encounter

#: versions kept before the latest (a claim redelivered after more corrections than this meets the
#: oldest kept)
EARLIER_KEPT = 4
#: encounter events remembered per encounter (to recognise a redelivery)
SEEN_KEPT = 16


def stored_with(stored: dict[str, Any] | None, enc: Encounter) -> dict[str, Any] | None:
    """The stored value once ``enc`` is read, or None when it changes nothing (a redelivery)."""
    event_id = str(enc.event_id)
    seen = list(stored.get("seen", ())) if stored else []
    if event_id in seen:
        return None
    seen = [*seen, event_id][-SEEN_KEPT:]
    stamp = enc.occurred_at.timestamp()
    as_json = enc.model_dump_json()  # as JSON text: the changelog's encoder copies a string
    if stored is None:
        return {"ts": stamp, "encounter": as_json, "event_id": event_id, "seen": seen, "earlier": []}
    if stored["ts"] > stamp:
        return {**stored, "seen": seen}  # an older version read late: never in force, no claim met it
    earlier = [list(v) for v in stored.get("earlier", ())]
    current_id = stored.get("event_id")
    if current_id:
        earlier = [*earlier, [current_id, stored["encounter"]]][-EARLIER_KEPT:]
    return {"ts": stamp, "encounter": as_json, "event_id": event_id, "seen": seen, "earlier": earlier}


def encounter_key(patient_key: str, encounter_id: str) -> str:
    """The table key of a patient's encounter: encounter ids are each practice's own, so two
    patients may share one (the patient key is a keyed hash: it holds no ``|``)."""
    return f"{patient_key}|{encounter_id}"


def latest_patient(stored: dict[str, Any]) -> str | None:
    """The patient key of the version in force."""
    enc = latest(stored)
    return enc.patient_key if enc is not None else None


def _decode(text: str | dict[str, Any]) -> Encounter:
    return Encounter.model_validate_json(text) if isinstance(text, str) else Encounter.model_validate(text)


def latest(stored: dict[str, Any] | None) -> Encounter | None:
    """The version in force (JSON text; an object in values stored before)."""
    return _decode(stored["encounter"]) if stored else None


def version(stored: dict[str, Any] | None, event_id: str) -> Encounter | None:
    """The version an encounter event carried; once more corrections came than are kept, the
    oldest kept (the nearest to it); None for an event this encounter never had."""
    if not stored:
        return None
    if stored.get("event_id") == event_id:
        return _decode(stored["encounter"])
    earlier = stored.get("earlier", ())
    for eid, text in earlier:
        if eid == event_id:
            return _decode(text)
    if len(earlier) >= EARLIER_KEPT and event_id in stored.get("seen", ()):
        return _decode(earlier[0][1])
    return None
