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
        assert await wait_for_encounter(app, "E-NEVER", time.time() + 0.05) is None
        await wait_for_encounters(app, [(FakeEvent(), "E-A"), (FakeEvent(), "E-B")], 0.05)

    asyncio.run(run())
    assert app.encounter_waiters == {}


def test_an_encounter_stored_while_waiting_ends_the_wait_early() -> None:
    app = fake_app()

    async def run() -> float:
        async def arrive() -> None:
            await asyncio.sleep(0.05)
            app.tables["encounters"]["E-A"] = {"encounter": {}}
            app.encounter_waiters.pop("E-A").set()  # what the encounter agent does

        started = time.monotonic()
        await asyncio.gather(wait_for_encounters(app, [(FakeEvent(), "E-A")], 5.0), arrive())
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
    asyncio.run(wait_for_encounters(app, [(first, "E-1"), (second, "E-2")], 1.0))
    assert seen == [("E-1", first), ("E-2", second)]
