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


class Consumer:
    """The consumer's view of the ``encounters`` partitions' end offsets (highwater)."""

    def __init__(self, ends: dict[int, int]) -> None:
        self.ends = ends

    def highwater(self, tp: Any) -> int:
        return self.ends[tp.partition]


def catching_up_app(ends: dict[int, int]) -> Any:
    return SimpleNamespace(
        tables={"encounters": {}},
        encounter_waiters={},
        encounter_progress={},
        settings=SimpleNamespace(encounter_grace_seconds=30.0, topic_prefix=""),
        faust=SimpleNamespace(consumer=Consumer(ends)),
    )


def applied(app: Any, partition: int, offset: int) -> None:
    from streams.agents.encounters import note_progress

    note_progress(app, SimpleNamespace(message=SimpleNamespace(partition=partition, offset=offset)))


def test_a_parked_claim_whose_encounter_is_in_the_partitions_backlog_meets_it() -> None:
    """The worker that parked a claim died; the new owner's wait for it ends while the encounter —
    on the bus well before the deadline — is still in the encounters backlog it has not applied
    (offsets 0..40 on the bus, 0..9 applied). README: a claim waits until its encounter arrives
    or the grace ends — the encounter did arrive in time: the claim must meet it, not be held with
    DOC_ENCOUNTER_MISSING. Offsets decide, never record times (a producer's clock may be off)."""
    from schemas import Encounter
    from streams.agents.scrub import catch_up
    from streams.scrub.encounter_store import stored_with
    from tests.builders import encounter_dict, make_claim

    app = catching_up_app({2: 41})
    applied(app, 2, 9)
    claim = make_claim(encounter_id="ENC-0001", patient_key="pk-test-0001")
    enc = Encounter.model_validate(encounter_dict(encounter_id="ENC-0001", patient_key="pk-test-0001"))

    async def run() -> Any:
        async def backlog() -> None:  # the encounter agent applying the partition's backlog
            await asyncio.sleep(0.3)
            app.tables["encounters"]["pk-test-0001|ENC-0001"] = stored_with(None, enc)
            applied(app, 2, 25)
            waiter = app.encounter_waiters.pop("ENC-0001", None)
            if waiter is not None:
                waiter.set()

        found, _ = await asyncio.gather(catch_up(app, 2, claim), backlog())
        return found

    assert asyncio.run(run()) == enc


def test_a_parked_claim_gives_up_once_its_partitions_encounters_on_the_bus_are_applied() -> None:
    """Every encounter on the partition's bus is applied (or the partition has none): the claim's
    never came — no waiting beyond its grace."""
    from streams.agents.scrub import catch_up
    from tests.builders import make_claim

    for ends, done in (({2: 41}, 40), ({2: 0}, None)):
        app = catching_up_app(ends)
        if done is not None:
            applied(app, 2, done)
        started = time.monotonic()
        assert asyncio.run(catch_up(app, 2, make_claim(encounter_id="ENC-NEVER"))) is None
        assert time.monotonic() - started < 5.0  # well inside the 10 s a claim waits otherwise
