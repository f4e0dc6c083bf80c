"""What /health reports when an agent stalls: the consumer's partition state, once per stall."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

import pytest
from faust.types import TP

from streams.runtime.health import Health


def fake_app() -> Any:
    tps = {TP("p.claims-submitted", 0), TP("p.claims-submitted", 1), TP("cf-claims-changelog", 0)}
    fetcher = SimpleNamespace(_records={TP("p.claims-submitted", 1): object()})
    consumer = SimpleNamespace(
        assignment=lambda: tps,
        highwater=lambda tp: 10,
        _read_offset={tp: 2 for tp in tps},
        _committed_offset={},
        _active_partitions={TP("p.claims-submitted", 0)},
        _paused_partitions=set(),
        _buffered_partitions={TP("p.claims-submitted", 1)},
        flow_active=True,
        _thread=SimpleNamespace(_ensure_consumer=lambda: SimpleNamespace(_fetcher=fetcher)),
    )
    faust = SimpleNamespace(
        consumer=consumer, tables=SimpleNamespace(recovery=SimpleNamespace(in_recovery=False))
    )
    return SimpleNamespace(
        faust=faust,
        settings=SimpleNamespace(topic_prefix="p."),
        metrics=None,
        agent_inputs={"scrub": ("claims-submitted",)},
    )


def test_a_stall_is_logged_once_with_where_each_input_partition_stands(
    caplog: pytest.LogCaptureFixture,
) -> None:
    health = Health(fake_app(), stall_seconds=5)
    health.started -= 60  # past start-up; no agent ever made progress
    with caplog.at_level(logging.WARNING, logger="claimflow.health"):
        assert health.liveness()[0] is False
        assert health.liveness()[0] is False
    stalls = [r for r in caplog.records if "stalled" in r.getMessage()]
    assert len(stalls) == 1
    state = health.consumer_state()
    assert state["assigned"] == ["claims-submitted[0]", "claims-submitted[1]"]  # inputs only
    assert state["active"] == ["claims-submitted[0]"]
    assert state["buffered"] == ["claims-submitted[1]"]
    assert state["fetched_waiting"] == ["claims-submitted[1]"]
    assert state["flow_active"] is True and state["in_recovery"] is False


class AppliedCounter:
    """The shape of ``claimflow_table_changelog_records_applied_total`` as prometheus_client
    collects it."""

    def __init__(self) -> None:
        self.value = 0.0

    def collect(self) -> list[Any]:
        samples = [
            SimpleNamespace(name="claimflow_table_changelog_records_applied_total", value=self.value),
            SimpleNamespace(name="claimflow_table_changelog_records_applied_created", value=1.7e9),
        ]
        return [SimpleNamespace(samples=samples)]


def test_a_worker_rebuilding_its_tables_longer_than_the_stall_limit_is_alive_while_records_apply() -> None:
    app = fake_app()
    applied = AppliedCounter()
    app.metrics = SimpleNamespace(changelog_applied=applied)
    health = Health(app, stall_seconds=5)
    health.started -= 60  # a long cold start: inputs have lag, no agent has run yet
    app.faust.tables.recovery.in_recovery = True
    health.recovering_since = health.started  # recovering for a minute, applying all along
    applied.value = 1_000_000.0
    assert health.liveness() == (True, "ok")
    applied.value += 5000
    assert health.liveness() == (True, "ok")
    # nothing applied for longer than the stall limit: a stuck recovery, restart it
    health.applied_at -= 10
    alive, why = health.liveness()
    assert alive is False and "no record applied" in why


def test_standby_records_applied_outside_a_recovery_do_not_hide_a_stuck_agent() -> None:
    app = fake_app()
    applied = AppliedCounter()
    app.metrics = SimpleNamespace(changelog_applied=applied)
    health = Health(app, stall_seconds=5)
    health.started -= 60
    applied.value = 700.0  # other workers' writes, copied as standbys; no recovery running
    assert health.liveness()[0] is False


def test_inputs_with_lag_and_no_records_applied_is_still_a_stall() -> None:
    app = fake_app()
    app.metrics = SimpleNamespace(changelog_applied=AppliedCounter())
    health = Health(app, stall_seconds=5)
    health.started -= 60  # and no changelog record was ever applied
    assert health.liveness()[0] is False


def test_a_rebalance_after_a_quiet_spell_is_not_a_stall_but_one_that_never_ends_is() -> None:
    app = fake_app()
    app.faust.rebalancing_count = 1
    health = Health(app, stall_seconds=5)
    health.started -= 3600
    for agent in app.agent_inputs:  # caught up an hour ago, idle since
        health.progress[agent] = health.started
    # a peer crashed: its partitions are revoked and reassigned; meanwhile Faust holds no read
    # position for them, so the whole partition reads as lag
    app.faust.consumer._read_offset = {}
    app.faust.rebalancing_count = 2
    assert health.liveness() == (True, "ok")
    # the rebalance never completes (no agent runs): a stall once the limit has passed
    health.rebalanced_at -= 10
    alive, why = health.liveness()
    assert alive is False and "scrub" in why
