"""The claim/encounter join's waits: an encounter that never comes leaves nothing behind in the map
of waiters; a batch's claims wait for their encounters while the encounters partitions are still
being read up to what the broker held, and no longer."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace
from typing import Any

from streams.agents import scrub
from streams.agents.scrub import wait_for_encounter, wait_for_encounters


class FakeEvent:
    """A claim event: it becomes the current event; its partition is its encounters' partition."""

    def __init__(self, partition: int = 0):
        self.message = SimpleNamespace(partition=partition)


def fake_app(highwater: int | None = None, read: int = -1) -> Any:
    """An app whose encounters partition 0 holds ``highwater`` on the broker (None: not known) and
    has been read up to offset ``read``."""
    return SimpleNamespace(
        tables={"encounters": {}},
        encounter_waiters={},
        encounters_read={0: read},
        encounters_highwater=lambda partition: highwater if partition == 0 else None,
    )


async def read_on(app: Any, until: int, step: int = 10, every: float = 0.02) -> None:
    """The encounter agent reading partition 0 up to offset ``until``."""
    while app.encounters_read[0] < until:
        await asyncio.sleep(every)
        app.encounters_read[0] = min(until, app.encounters_read[0] + step)


def arrives(app: Any, encounter_id: str) -> None:
    """What the encounter agent does when it stores an encounter."""
    app.tables["encounters"][encounter_id] = {"encounter": {}}
    waiter = app.encounter_waiters.pop(encounter_id, None)
    if waiter is not None:
        waiter.set()


async def timed(wait: Any) -> float:
    started = time.monotonic()
    await wait
    return time.monotonic() - started


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

    app = fake_app()
    app.tables["encounters"] = Table()
    first, second = FakeEvent(), FakeEvent()
    asyncio.run(wait_for_encounters(app, [(first, "E-1"), (second, "E-2")], 1.0))
    assert seen == [("E-1", first), ("E-2", second)]


def test_claims_keep_waiting_while_their_encounters_partition_is_still_being_read() -> None:
    # after a backlog the claims run ahead of their encounters: the encounter comes long after the
    # join wait, but the encounter agent is moving through what the broker held, so it is awaited
    app = fake_app(highwater=1000, read=0)

    async def run() -> float:
        reader = asyncio.ensure_future(read_on(app, 999))

        async def later() -> None:
            await asyncio.sleep(0.4)
            arrives(app, "E-A")

        took, _ = await asyncio.gather(
            timed(wait_for_encounters(app, [(FakeEvent(), "E-A")], 0.05, 30)), later()
        )
        reader.cancel()
        return float(took)

    took = asyncio.run(run())
    assert 0.35 <= took < 5
    assert app.encounter_waiters == {}


def test_a_partition_read_up_to_the_broker_ends_the_wait_after_one_join_wait() -> None:
    # nothing left to read: the encounter was not sent before its claim, the claim is parked
    app = fake_app(highwater=100, read=99)
    took = asyncio.run(timed(wait_for_encounters(app, [(FakeEvent(), "E-A")], 0.1, 30)))
    assert 0.09 <= took < 3
    assert app.encounter_waiters == {}


def test_a_reader_that_stops_moving_ends_the_wait_after_its_patience(monkeypatch: Any) -> None:
    monkeypatch.setattr(scrub, "READER_PATIENCE_SECONDS", 0.4)
    app = fake_app(highwater=100, read=10)  # far behind, but not moving
    took = asyncio.run(timed(wait_for_encounters(app, [(FakeEvent(), "E-A")], 0.1, 30)))
    assert 0.38 <= took < 3


def test_a_reader_fetching_in_bursts_further_apart_than_the_join_wait_is_waited_for(monkeypatch: Any) -> None:
    # the broker may hold a fetch for a while: the encounters come in bursts, not one by one
    monkeypatch.setattr(scrub, "READER_PATIENCE_SECONDS", 1.0)
    app = fake_app(highwater=1000, read=0)

    async def run() -> float:
        reader = asyncio.ensure_future(read_on(app, 999, step=100, every=0.4))

        async def later() -> None:
            await asyncio.sleep(1.0)
            arrives(app, "E-A")

        took, _ = await asyncio.gather(
            timed(wait_for_encounters(app, [(FakeEvent(), "E-A")], 0.1, 30)), later()
        )
        reader.cancel()
        return float(took)

    assert 0.95 <= asyncio.run(run()) < 5
    assert app.encounter_waiters == {}


def test_with_its_own_buffer_crowded_a_reader_that_does_not_move_is_not_waited_for(monkeypatch: Any) -> None:
    # the consumer may be holding the encounters back until the waiting agent takes its claims
    monkeypatch.setattr(scrub, "READER_PATIENCE_SECONDS", 5.0)
    app = fake_app(highwater=100, read=10)
    wait = wait_for_encounters(app, [(FakeEvent(), "E-A")], 0.1, 30, crowded=lambda: True)
    assert 0.09 <= asyncio.run(timed(wait)) < 3


def test_the_wait_ends_once_what_the_broker_held_is_read() -> None:
    # the reader reaches the highwater seen when the wait began; the encounter was not among it
    app = fake_app(highwater=100, read=0)

    async def run() -> float:
        reader = asyncio.ensure_future(read_on(app, 99))
        took = await timed(wait_for_encounters(app, [(FakeEvent(), "E-NEVER")], 0.05, 30))
        reader.cancel()
        return took

    assert asyncio.run(run()) < 5  # read up in ~0.2 s; never the 30 s bound
    assert app.encounters_read[0] == 99


def test_an_unknown_highwater_waits_one_join_wait() -> None:
    app = fake_app(highwater=None, read=0)

    async def run() -> float:
        reader = asyncio.ensure_future(read_on(app, 10**9))
        took = await timed(wait_for_encounters(app, [(FakeEvent(), "E-A")], 0.1, 30))
        reader.cancel()
        return took

    assert 0.09 <= asyncio.run(run()) < 3


def test_a_wait_never_outlasts_its_bound() -> None:
    app = fake_app(highwater=10**9, read=0)  # an endless backlog, read steadily

    async def run() -> float:
        reader = asyncio.ensure_future(read_on(app, 10**9))
        took = await timed(wait_for_encounters(app, [(FakeEvent(), "E-A")], 0.05, 0.4))
        reader.cancel()
        return took

    assert 0.35 <= asyncio.run(run()) < 3
    assert app.encounter_waiters == {}
