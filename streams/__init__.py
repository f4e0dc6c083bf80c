"""claimflow worker: Faust app, agents, and the pure domain logic they call."""

__version__ = "0.1.0"
