"""A Faust monitor that keeps no per-event statistics.

Faust's default ``Monitor`` sensor records every message, stream event, table access, send and
commit (timestamps, deques of recent latencies, per-topic counters) for its ``/stats`` web views.
claimflow does not serve those views — its metrics are Prometheus counters and histograms kept by
the agents (``streams/runtime/metrics.py``) — so that bookkeeping is pure per-event cost. This monitor
keeps Faust's rebalance and assignment hooks (rare) and makes the per-event ones no-ops.
"""

from __future__ import annotations

from typing import Any

from faust.sensors import Monitor


def _noop(*args: Any, **kwargs: Any) -> None:
    return None


class QuietMonitor(Monitor):
    """``faust.sensors.Monitor`` without per-event bookkeeping (``App(Monitor=QuietMonitor)``)."""

    on_message_in = _noop
    on_stream_event_in = _noop
    on_stream_event_out = _noop
    on_message_out = _noop
    on_topic_buffer_full = _noop
    on_table_get = _noop
    on_table_set = _noop
    on_table_del = _noop
    on_commit_initiated = _noop
    on_commit_completed = _noop
    on_send_initiated = _noop
    on_send_completed = _noop
    on_send_error = _noop
    on_tp_commit = _noop
    track_tp_end_offset = _noop
    count = _noop


#: the per-event hooks silenced above (tests check each exists on Faust's Monitor)
SILENCED = tuple(name for name, value in vars(QuietMonitor).items() if value is _noop)
