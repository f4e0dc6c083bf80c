"""The commit fix: Faust never commits past a message that is still being processed."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from faust.types import TP
from intervaltree import IntervalTree

from streams.faustfix import new_offset

TP0 = TP("claims-waiting", 0)


@dataclass(eq=False)
class Msg:
    tp: TP
    offset: int
    acked: bool = False


def consumer(committed: int | None, acked: list[int], in_flight: list[int]) -> Any:
    return SimpleNamespace(
        _acked=defaultdict(list, {TP0: list(acked)}),
        _acked_index=defaultdict(set, {TP0: set(acked)}),
        _gap=defaultdict(IntervalTree),
        _committed_offset=defaultdict(lambda: None, {TP0: committed}),
        _unacked_messages={Msg(TP0, o) for o in in_flight},
    )


def test_a_message_in_flight_at_the_committed_offset_is_not_skipped() -> None:
    # faust-streaming #606: committed 2585, 2585 still processing, 2586..2589 acknowledged
    c = consumer(2585, [2586, 2587, 2588, 2589], in_flight=[2585])
    assert new_offset(c, TP0) is None


def test_before_the_first_commit_an_in_flight_head_holds_the_commit() -> None:
    c = consumer(None, [1, 2], in_flight=[0])
    assert new_offset(c, TP0) is None
    c._unacked_messages.clear()
    c._acked[TP0].insert(0, 0)
    c._acked_index[TP0].add(0)
    assert new_offset(c, TP0) == 3  # the held offsets are committed once the head is done


def test_the_commit_stops_just_below_an_in_flight_message() -> None:
    c = consumer(10, [10, 11, 13, 14], in_flight=[12])
    assert new_offset(c, TP0) == 12
    assert c._acked[TP0] == [13, 14]


def test_without_messages_in_flight_the_consecutive_run_is_committed() -> None:
    c = consumer(10, [10, 11, 12], in_flight=[])
    assert new_offset(c, TP0) == 13
    assert new_offset(c, TP0) is None


def test_in_flight_messages_of_other_partitions_do_not_hold_this_one() -> None:
    c = consumer(10, [10, 11], in_flight=[])
    c._unacked_messages = {Msg(TP("claims-waiting", 1), 3)}
    assert new_offset(c, TP0) == 12
