"""Waiting for an encounter that never comes leaves nothing behind in the map of waiters."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace
from typing import Any

from streams.agents.scrub import wait_for_encounter, wait_for_encounters


class FakeEvent:
    """A claim event (only its identity matters here: it becomes the current event)."""


def fake_app() -> Any:
    return SimpleNamespace(tables={"encounters": {}}, encounter_waiters={})


def test_waiters_for_encounters_that_never_come_are_forgotten() -> None:
    app = fake_app()

    async def run() -> None:
        assert await wait_for_encounter(app, "PK-1", "E-NEVER", time.time() + 0.05) is None
        await wait_for_encounters(app, [(FakeEvent(), "PK-1", "E-A"), (FakeEvent(), "PK-2", "E-B")], 0.05)

    asyncio.run(run())
    assert app.encounter_waiters == {}


def test_an_encounter_stored_while_waiting_ends_the_wait_early() -> None:
    app = fake_app()

    async def run() -> float:
        async def arrive() -> None:
            await asyncio.sleep(0.05)
            app.tables["encounters"]["PK-1|E-A"] = {"encounter": {}}
            app.encounter_waiters.pop("E-A").set()  # what the encounter agent does

        started = time.monotonic()
        await asyncio.gather(wait_for_encounters(app, [(FakeEvent(), "PK-1", "E-A")], 5.0), arrive())
        return time.monotonic() - started

    assert asyncio.run(run()) < 2.0
    assert app.encounter_waiters == {}


def test_each_encounter_is_looked_up_in_its_claim_events_context() -> None:
    from faust.streams import current_event

    seen: list[tuple[str, Any]] = []

    class Table(dict[str, Any]):
        def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
            seen.append((key, current_event()))
            return {"encounter": {}}  # found: nothing to wait for

    app = SimpleNamespace(tables={"encounters": Table()}, encounter_waiters={})
    first, second = FakeEvent(), FakeEvent()
    asyncio.run(wait_for_encounters(app, [(first, "PK-1", "E-1"), (second, "PK-2", "E-2")], 1.0))
    assert seen == [("PK-1|E-1", first), ("PK-2|E-2", second)]


def test_two_patients_encounters_under_one_id_are_each_their_own() -> None:
    """Encounter ids are each practice's own numbering: two practices' patients may share one.
    Each claim finds its own patient's encounter (never the other's, which would hold a correct
    claim as another patient's record); another patient's is only what a claim whose own never
    came is checked against (a mistyped id)."""
    from schemas import Encounter
    from streams.agents.encounters import lookup, lookup_any
    from streams.scrub.encounter_store import encounter_key, stored_with
    from tests.builders import encounter_dict

    first = Encounter.model_validate(encounter_dict(encounter_id="1001", patient_key="pk-a"))
    second = Encounter.model_validate(encounter_dict(encounter_id="1001", patient_key="pk-b"))
    table: dict[str, Any] = {}
    for enc in (first, second):  # as the encounter agent stores them
        stored = stored_with(table.get(encounter_key(enc.patient_key, enc.encounter_id)), enc)
        table[encounter_key(enc.patient_key, enc.encounter_id)] = table[enc.encounter_id] = stored
    app: Any = SimpleNamespace(tables={"encounters": table}, encounter_waiters={})
    assert lookup(app, "pk-a", "1001") == first and lookup(app, "pk-b", "1001") == second
    assert lookup(app, "pk-c", "1001") is None and lookup_any(app, "1001") == second
