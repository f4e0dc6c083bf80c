"""Denials and rejections: reason-code map (data), task planning, mechanical corrections (pure)."""

from streams.denials.planner import TaskPlanner
from streams.denials.reasons import ReasonMap, load_reason_map
from streams.denials.tasks import (
    PlanContext,
    attempt_of,
    plan_for_denial,
    plan_for_denials,
    plan_for_rejection,
)

__all__ = [
    "PlanContext",
    "ReasonMap",
    "TaskPlanner",
    "attempt_of",
    "load_reason_map",
    "plan_for_denial",
    "plan_for_denials",
    "plan_for_rejection",
]
