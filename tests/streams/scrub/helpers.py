"""Small helpers for scrub tests: build a claim + encounter + history and return what fired."""

from __future__ import annotations

from datetime import date
from typing import Any

from schemas import ScrubResult, read_claim
from streams.scrub import HistoryEntry, Scrubber
from streams.trends.windows import LearnedRate
from tests.builders import DEFAULT_AS_OF, claim_dict, encounter_dict

MISSING = object()

#: the vocabularies the property tests draw claims from (ECG family, E/M, codes outside the pack)
PROCEDURE_CODES = [
    "93000",
    "93005",
    "93010",
    "93040",
    "93041",
    "93042",
    "G0402",
    "G0403",
    "G0404",
    "G0405",
    "99213",
    "99214",
    "99282",
    "71045",
    "71046",
    "A0428",
]
MODIFIERS = ["25", "26", "TC", "59", "XU", "76", "77", "GA", "GY", "GZ", "GC", "GD", "ZZ", "Q6"]
PAYERS = [
    {"payer_id": "MCR-JH", "name": "Medicare", "plan_type": "medicare"},
    {"payer_id": "ACME", "name": "Acme Health", "plan_type": "commercial"},
    {"payer_id": "BLUEPEAK", "name": "BluePeak", "plan_type": "commercial"},
    {"payer_id": "SUNMED-MA", "name": "SunMed", "plan_type": "medicare_advantage"},
    {"payer_id": "ODD", "name": "Unlisted payer", "plan_type": "medicaid"},
    {"payer_id": "STRICTCO", "name": "StrictCo Health", "plan_type": "commercial"},
    {"payer_id": "LISTCO", "name": "ListCo Medicaid", "plan_type": "medicaid"},
]


def scrub_case(
    scrubber: Scrubber,
    claim: dict[str, Any] | None = None,
    encounter: dict[str, Any] | object | None = None,
    history: list[dict[str, Any]] | None = None,
    as_of: date = DEFAULT_AS_OF,
    learned: dict[str, LearnedRate] | None = None,
    encounter_feed: bool = True,
) -> ScrubResult:
    """``claim``: overrides for claim_dict (read as the worker reads it: strictly when every value
    is well-formed, leniently otherwise); ``encounter``: overrides for encounter_dict, or MISSING."""
    c = read_claim(claim_dict(**(claim or {})))
    enc = None
    if encounter is not MISSING:
        overrides = dict(encounter or {})  # type: ignore[call-overload]
        first = c.lines[0].service_date if c.lines else None
        if first is not None:
            overrides.setdefault("service_date", first.isoformat())
        from schemas import Encounter

        enc = Encounter.model_validate(encounter_dict(**overrides))
    past: list[HistoryEntry] = []
    for h in history or []:
        past.extend(HistoryEntry.from_claim(read_claim(claim_dict(**h))))
    return scrubber.scrub(
        c,
        as_of,
        enc,
        past,
        learned=learned.get if learned is not None else None,
        encounter_feed=encounter_feed,
    )


def fired(result: ScrubResult) -> set[str]:
    return {e.rule_id for e in result.edits}
