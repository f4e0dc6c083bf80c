"""How the worker process is put together: its stages, event loop and Faust monitor."""

from __future__ import annotations

import asyncio
import gc

import pytest
from faust.sensors import Monitor

from streams.agents import register_agents
from streams.runtime.app import ClaimflowApp, faust_config
from streams.runtime.quiet_monitor import SILENCED, QuietMonitor
from streams.runtime.settings import ConfigError, load_settings
from streams.runtime.worker import freeze_startup_heap, use_event_loop

BASE = {"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"}


def agents_of(stages: str | None) -> tuple[set[str], set[str], set[str]]:
    env = dict(BASE) if stages is None else {**BASE, "CLAIMFLOW_STAGES": stages}
    app = ClaimflowApp(load_settings(env))
    register_agents(app)
    names = {name.rsplit(".", 1)[-1] for name in app.faust.agents}
    return names, set(app.tables), set(app.broadcasts)


def test_a_default_worker_runs_every_stage() -> None:
    agents, tables, broadcasts = agents_of(None)
    assert {"encounters", "scrub", "scrub-waiting", "lifecycle", "trends"} <= agents
    assert {"encounters", "patient-history", "claims", "denial-windows"} <= tables
    assert broadcasts == {"denial-rates"}


def test_a_scrub_only_worker_runs_the_join_and_the_scrubber_and_reads_the_learned_rates() -> None:
    agents, tables, broadcasts = agents_of("scrub")
    assert agents == {"encounters", "scrub", "scrub-waiting"}
    assert tables == {"encounters", "patient-history"}
    assert broadcasts == {"denial-rates"}  # the denial_risk rules still see what trends learned


def test_a_lifecycle_only_worker_keeps_the_claims_and_nothing_else() -> None:
    agents, tables, broadcasts = agents_of("lifecycle")
    assert agents == {"lifecycle"} and tables == {"claims"} and broadcasts == set()


def test_an_unknown_stage_is_refused_by_name() -> None:
    with pytest.raises(ConfigError, match="CLAIMFLOW_STAGES"):
        load_settings({**BASE, "CLAIMFLOW_STAGES": "scrub,billing"})


def test_the_worker_uses_a_monitor_without_per_event_bookkeeping() -> None:
    assert faust_config(load_settings(BASE))["Monitor"] is QuietMonitor
    # every silenced hook is one Faust really calls (a rename in Faust would surface here)
    assert SILENCED and all(callable(getattr(Monitor, name, None)) for name in SILENCED)
    monitor = QuietMonitor()
    assert monitor.on_stream_event_in(None, 0, None, None) is None


def test_uvloop_is_the_default_event_loop_and_asyncio_can_be_chosen() -> None:
    import uvloop

    assert load_settings(BASE).event_loop == "uvloop"
    before = asyncio.get_event_loop_policy()
    try:
        use_event_loop("uvloop")
        assert isinstance(asyncio.get_event_loop_policy(), uvloop.EventLoopPolicy)
    finally:
        asyncio.set_event_loop_policy(before)
    use_event_loop("asyncio")
    assert asyncio.get_event_loop_policy() is before


def test_the_worker_scrubs_through_the_screen_unless_told_to_ask_every_checker() -> None:
    assert ClaimflowApp(load_settings(BASE)).scrubber.screen is True
    assert ClaimflowApp(load_settings({**BASE, "CLAIMFLOW_SCRUB_SCREEN": "off"})).scrubber.screen is False


def test_start_up_objects_are_frozen_out_of_every_later_collection() -> None:
    """The rule packs and code tables live as long as the worker: after start-up the garbage
    collector no longer walks them (a full collection walked ~680,000 of them each time)."""
    try:
        kept = [[n] for n in range(1000)]  # containers the collector tracks
        frozen = freeze_startup_heap()
        assert frozen >= len(kept) and gc.get_freeze_count() == frozen
        walked = {id(o) for o in gc.get_objects(generation=2)}
        assert not any(id(o) in walked for o in kept)
    finally:
        gc.unfreeze()
