"""Faust agents: thin layers that decode, call the pure domain, emit and count.

What each agent reads and the tables they keep are declared in ``streams.agents.catalogue``; the
worker start-up calls ``register_agents``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from streams.runtime.app import ClaimflowApp


def register_agents(app: ClaimflowApp) -> None:
    """Attach the agents of the configured stages (``CLAIMFLOW_STAGES``) to the app (the agent
    modules import Faust: imported here, so reading the catalogue does not)."""
    from streams.agents import encounters, lifecycle, scrub, trends, x12

    stages = app.settings.stages
    if "trends" in stages:
        trends.register(app)  # before scrub: the scrubber reads the learned rates it keeps
    elif "scrub" in stages:
        trends.read_learned_rates(app)  # another deployment keeps them; this one only reads
    if "scrub" in stages:
        encounters.register(app)
        scrub.register(app)
    if "lifecycle" in stages:
        lifecycle.register(app)
    x12.register(app)
