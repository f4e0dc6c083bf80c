"""Claim scrubbing: pure domain logic (no Faust, no I/O on the hot path)."""

from streams.scrub.context import HistoryEntry, ScrubContext
from streams.scrub.engine import Scrubber, scrub
from streams.scrub.history import PatientHistory, ScrubTurn, scrub_in_turn
from streams.scrub.packs import DataFileError, RulePack, load_packs
from streams.scrub.payers import PayerDirectory, PayerProfile, load_payers

__all__ = [
    "DataFileError",
    "HistoryEntry",
    "PatientHistory",
    "PayerDirectory",
    "PayerProfile",
    "RulePack",
    "ScrubContext",
    "ScrubTurn",
    "Scrubber",
    "load_packs",
    "load_payers",
    "scrub",
    "scrub_in_turn",
]
