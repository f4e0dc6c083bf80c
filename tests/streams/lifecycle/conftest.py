"""The claim tracker the lifecycle tests share: the real reason map and planner."""

from __future__ import annotations

import pytest

from streams.denials import TaskPlanner, load_reason_map
from streams.lifecycle.tracker import Tracker
from streams.scrub import Scrubber


@pytest.fixture(scope="module")
def tracker(scrubber: Scrubber) -> Tracker:
    reasons = load_reason_map()
    return Tracker(reasons, TaskPlanner(scrubber, reasons, max_resubmissions=3))
