"""Liveness and lag: is every agent making progress while its input has lag?

The lag of an input topic is, over this worker's assigned partitions, the broker's highwater minus
the next offset the worker will read (Faust's own read positions). ``/health`` fails when a topic
has had lag for longer than ``CLAIMFLOW_STALL_SECONDS`` without its agent finishing an event —
the signal an orchestrator needs to restart a stuck worker.
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from streams.runtime.app import ClaimflowApp

log = logging.getLogger("claimflow.health")

#: Which agent drains which input topic.
AGENT_TOPICS: dict[str, tuple[str, ...]] = {
    "encounters": ("encounters",),
    "scrub": ("claims-submitted",),
    "scrub-waiting": ("claims-waiting",),
    "lifecycle": ("claim-lifecycle", "claim-status", "claim-denials"),
    "x12": ("x12-inbound",),
    "trends": ("adjudications",),
}


class Health:
    def __init__(self, app: ClaimflowApp, stall_seconds: float):
        self.app = app
        self.stall_seconds = stall_seconds
        self.started = time.monotonic()
        self.progress: dict[str, float] = {}
        self.recovering_since: float | None = None
        self._reported_stall = False

    def recovery_stuck(self, now: float) -> str | None:
        """Faust's table recovery can hang after a rebalance (a known class of Faust issues): report
        it once recovery has lasted longer than the stall limit, so the orchestrator restarts us."""
        recovery = getattr(self.app.faust.tables, "recovery", None)
        if recovery is None or not recovery.in_recovery:
            self.recovering_since = None
            return None
        if self.recovering_since is None:
            self.recovering_since = now
        elapsed = now - self.recovering_since
        return f"table recovery running for {elapsed:.0f}s" if elapsed > self.stall_seconds else None

    def touch(self, agent: str) -> None:
        self.progress[agent] = time.monotonic()

    def lag(self) -> dict[str, int]:
        """Lag per logical input topic over this worker's assigned partitions."""
        consumer: Any = self.app.faust.consumer  # Faust's read positions are not in its public type
        prefix = self.app.settings.topic_prefix
        inputs = {t for topics in AGENT_TOPICS.values() for t in topics}
        out = {t: 0 for t in inputs}
        try:
            assigned = consumer.assignment()
        except Exception:  # not started yet
            return out
        for tp in assigned:
            logical = tp.topic.removeprefix(prefix)
            if logical not in out:
                continue
            try:
                high = consumer.highwater(tp)
            except Exception:
                continue
            read = consumer._read_offset.get(tp)
            position = (read + 1) if read is not None else (consumer._committed_offset.get(tp) or 0)
            if high is not None and high >= 0:
                out[logical] += max(0, int(high) - int(position))
        return out

    def update_gauges(self) -> dict[str, int]:
        self.recovery_stuck(time.monotonic())
        lag = self.lag()
        metrics = self.app.metrics
        for topic, value in lag.items():
            metrics.consumer_lag.labels(topic=topic).set(value)
        with contextlib.suppress(Exception):  # the consumer may not have started yet
            metrics.assigned_partitions.set(len(self.app.faust.consumer.assignment()))
        return lag

    def liveness(self) -> tuple[bool, str]:
        now = time.monotonic()
        stuck_recovery = self.recovery_stuck(now)
        if stuck_recovery:
            return False, f"stalled: {stuck_recovery}"
        if now - self.started < self.stall_seconds:
            return True, "starting"
        lag = self.lag()
        stuck = []
        for agent, topics in AGENT_TOPICS.items():
            behind = sum(lag.get(t, 0) for t in topics)
            last = self.progress.get(agent, self.started)
            if behind > 0 and now - last > self.stall_seconds:
                stuck.append(f"{agent} ({behind} behind, idle {now - last:.0f}s)")
        if stuck:
            if not self._reported_stall:  # once per stall: what the consumer holds and fetches
                self._reported_stall = True
                log.warning("stalled: %s; consumer: %s", ", ".join(stuck), self.consumer_state())
            return False, "stalled: " + ", ".join(stuck)
        self._reported_stall = False
        return True, "ok"

    def consumer_state(self) -> dict[str, Any]:
        """Where each input partition stands in Faust and aiokafka (topic names and numbers only):
        assigned, active (fetched) in Faust, paused, held back as buffer-full, flow control, and the
        partitions with fetched records waiting in aiokafka."""
        consumer: Any = self.app.faust.consumer
        prefix = self.app.settings.topic_prefix
        inputs = {t for topics in AGENT_TOPICS.values() for t in topics}

        def names(tps: Any) -> list[str]:
            return sorted(
                f"{tp.topic.removeprefix(prefix)}[{tp.partition}]"
                for tp in tps or ()
                if tp.topic.removeprefix(prefix) in inputs
            )

        state: dict[str, Any] = {}
        with contextlib.suppress(Exception):
            state["assigned"] = names(consumer.assignment())
            state["active"] = names(consumer._active_partitions)
            state["paused"] = names(consumer._paused_partitions)
            state["buffered"] = names(consumer._buffered_partitions)
            state["flow_active"] = bool(consumer.flow_active)
            state["in_recovery"] = bool(self.app.faust.tables.recovery.in_recovery)  # type: ignore[attr-defined]
            fetcher = consumer._thread._ensure_consumer()._fetcher
            state["fetched_waiting"] = names(list(fetcher._records))
        return state
