"""Claim lifecycle: the state machine and first-pass logic (pure)."""

from streams.lifecycle.machine import (
    ALLOWED,
    STATES,
    STATUS_CATEGORY_STATE,
    Change,
    ClaimRecord,
    ClaimState,
    Outcome,
    apply,
)

__all__ = [
    "ALLOWED",
    "STATES",
    "STATUS_CATEGORY_STATE",
    "Change",
    "ClaimRecord",
    "ClaimState",
    "Outcome",
    "apply",
]
