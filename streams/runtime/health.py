"""Liveness and lag: is every agent making progress while its input has lag?

The lag of an input topic is, over this worker's assigned partitions, the broker's highwater minus
the next offset the worker will read (Faust's own read positions). ``/health`` fails when a topic
has had lag for longer than ``CLAIMFLOW_STALL_SECONDS`` without its agent finishing an event —
the signal an orchestrator needs to restart a stuck worker.

A worker rebuilding its tables is making progress as long as its table recovery applies changelog
records (the bulk read, then Faust's): neither a long recovery nor the input lag that builds up
meanwhile is a stall, only ``CLAIMFLOW_STALL_SECONDS`` without a record applied. Records applied
outside a recovery (standby copies of other workers' writes) are not the agents' progress.

A rebalance restarts every agent's clock: from the revocation until the partitions are assigned
again and their positions known, Faust holds no read position for them (the lag then reads as the
whole partition), and no agent can run. A worker that had been idle and caught up is not stalled
because a rebalance began (a crashed peer's partitions arriving after a quiet night); a rebalance
that does not finish within ``CLAIMFLOW_STALL_SECONDS`` still is.
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

from streams.runtime.faust_internals import consumer_partitions, read_position, recovery_in_progress

if TYPE_CHECKING:
    from streams.runtime.app import ClaimflowApp

log = logging.getLogger("claimflow.health")


class Health:
    def __init__(self, app: ClaimflowApp, stall_seconds: float):
        self.app = app
        self.stall_seconds = stall_seconds
        self.started = time.monotonic()
        self.progress: dict[str, float] = {}
        self.recovering_since: float | None = None
        self._reported_stall = False
        #: changelog records applied so far, and when that count last moved
        self._applied = 0.0
        self.applied_at = float("-inf")  # none yet
        #: Faust's count of rebalances started, and when this worker last saw it move
        self._rebalances = 0
        self.rebalanced_at = float("-inf")  # none yet

    def note_rebalance(self, now: float) -> None:
        count = getattr(self.app.faust, "rebalancing_count", 0)
        if count != self._rebalances:
            self._rebalances = count
            self.rebalanced_at = now

    def note_recovery_progress(self, now: float) -> None:
        metrics = self.app.metrics
        if metrics is None:
            return
        total = sum(
            sample.value
            for family in metrics.changelog_applied.collect()
            for sample in family.samples
            if sample.name.endswith("_total")
        )
        if total != self._applied:
            self._applied = total
            if recovery_in_progress(self.app.faust):
                self.applied_at = now

    def recovery_stuck(self, now: float) -> str | None:
        """Faust's table recovery can hang after a rebalance (a known class of Faust issues): report
        it once recovery has applied no changelog record for longer than the stall limit, so the
        orchestrator restarts us."""
        self.note_recovery_progress(now)
        if not recovery_in_progress(self.app.faust):
            self.recovering_since = None
            return None
        if self.recovering_since is None:
            self.recovering_since = now
        idle = now - max(self.recovering_since, self.applied_at)
        if idle > self.stall_seconds:
            return f"table recovery running for {now - self.recovering_since:.0f}s, no record applied for {idle:.0f}s"
        return None

    def touch(self, agent: str) -> None:
        self.progress[agent] = time.monotonic()

    def lag(self) -> dict[str, int]:
        """Lag per logical input topic over this worker's assigned partitions."""
        consumer: Any = self.app.faust.consumer  # Faust's read positions are not in its public type
        prefix = self.app.settings.topic_prefix
        inputs = {t for topics in self.app.agent_inputs.values() for t in topics}
        out: dict[str, int] = {t: 0 for t in inputs}
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
            position = read_position(consumer, tp) or 0
            if high is not None and high >= 0:
                out[logical] += max(0, int(high) - int(position))
        return out

    def update_gauges(self) -> dict[str, int]:
        now = time.monotonic()
        self.note_rebalance(now)
        self.recovery_stuck(now)
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
        self.note_rebalance(now)
        lag = self.lag()
        stuck = []
        for agent, topics in self.app.agent_inputs.items():
            behind = sum(lag.get(t, 0) for t in topics)
            # tables being rebuilt (records applied) hold every agent back: progress, not a stall;
            # a rebalance restarts the clock
            last = max(self.progress.get(agent, self.started), self.applied_at, self.rebalanced_at)
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
        prefix = self.app.settings.topic_prefix
        inputs = {t for topics in self.app.agent_inputs.values() for t in topics}

        def names(tps: Any) -> list[str]:
            return sorted(
                f"{tp.topic.removeprefix(prefix)}[{tp.partition}]"
                for tp in tps or ()
                if tp.topic.removeprefix(prefix) in inputs
            )

        return {
            name: names(value) if isinstance(value, (set, frozenset, list, tuple)) else value
            for name, value in consumer_partitions(self.app.faust).items()
        }
