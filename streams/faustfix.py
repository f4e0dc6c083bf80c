"""A fix for faust-streaming's offset commit under concurrency (faust-streaming issue #606, open;
the proposed fix is PR #707): never commit past a message that is still being processed.

Faust commits the highest run of consecutive acknowledged offsets. Its guard against a gap at the
head of that run is off by one (a single in-flight message right at the committed offset is skipped)
and does nothing before the first commit of a partition. An agent with ``concurrency > 1`` finishes
events out of order — claimflow's ``claims-waiting`` agent holds a claim until its encounter comes —
so the offset of a claim that was still waiting could be committed, and the claim lost when its
worker stopped or was killed (found by ``tests/stress``).

The fix caps the committable run below the lowest offset that was handed to a stream and not yet
acknowledged. Acknowledged offsets above the cap stay in the list and are committed once the held
message is acknowledged. Installed once by ``ClaimflowApp``; remove it when Faust ships the fix.
"""

from __future__ import annotations

from typing import Any

from faust.transport.consumer import Consumer
from faust.types import TP
from faust.utils.functional import consecutive_numbers

_INSTALLED = False


def lowest_in_flight(consumer: Any, tp: TP) -> int | None:
    """The lowest offset of ``tp`` delivered to a stream and not acknowledged yet."""
    for _ in range(3):  # the set is only changed on the event loop; retry if it ever races
        try:
            return min(
                (m.offset for m in consumer._unacked_messages if m.tp == tp and not m.acked),
                default=None,
            )
        except RuntimeError:
            continue
    return None


def new_offset(consumer: Any, tp: TP) -> int | None:
    """``Consumer._new_offset`` with the in-flight cap (otherwise Faust 0.15.3's logic)."""
    acked: list[int] = consumer._acked[tp]
    if not acked:
        return None
    max_offset = max(acked)
    gap_for_tp = consumer._gap[tp]
    if gap_for_tp:  # offsets known to hold no message (transaction markers, compaction) count as acked
        candidates = sorted(gap_for_tp.overlap(0, max_offset), key=lambda x: x.begin)
        if candidates:
            filled: list[int] = []
            for entry in candidates:
                filled.extend(range(entry.begin, entry.end))
            acked.extend(filled)
            gap_for_tp.chop(0, max(filled[-1], max_offset + 1))
    acked.sort()
    committed = consumer._committed_offset[tp]
    if committed and min(acked) - committed > 1:
        return None
    batch = next(consecutive_numbers(acked))
    held = lowest_in_flight(consumer, tp)
    if held is not None and held <= batch[-1]:
        batch = batch[: max(0, held - batch[0])]
        if not batch:
            return None
    acked[: len(batch)] = []
    consumer._acked_index[tp].difference_update(batch)
    return int(batch[-1]) + 1


def install() -> None:
    """Patch Faust's consumer (idempotent)."""
    global _INSTALLED
    if not _INSTALLED:
        Consumer._new_offset = new_offset  # type: ignore[method-assign,assignment]
        _INSTALLED = True
