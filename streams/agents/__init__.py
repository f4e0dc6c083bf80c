"""Faust agents: thin layers that decode, call the pure domain, emit and count."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from streams.app import ClaimflowApp


def register_all(app: ClaimflowApp) -> None:
    """Attach every agent to the app (imported lazily so the domain never imports Faust)."""
    from streams.agents import encounters, lifecycle, scrub, trends, x12

    encounters.register(app)
    trends.register(app)  # before scrub: the scrubber reads the learned rates it keeps
    scrub.register(app)
    lifecycle.register(app)
    x12.register(app)
