"""What a scrub decision may look at: the claim's surroundings, passed in explicitly."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from schemas import ClaimLine, ClaimSubmitted, Encounter
from streams.scrub.icd import IcdValidator
from streams.scrub.packs import RulePack
from streams.scrub.payers import PayerProfile
from streams.trends.windows import LearnedRate


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One earlier claim line of the same patient (kept by the scrub agent, bounded)."""

    claim_id: str
    payer_id: str
    procedure_code: str
    service_date: date
    rendering_provider_npi: str
    modifiers: tuple[str, ...] = ()
    units: int = 1

    @classmethod
    def from_claim(cls, claim: ClaimSubmitted) -> list[HistoryEntry]:
        return [
            cls(
                claim.claim_id,
                claim.payer.payer_id,
                line.procedure_code,
                line.service_date,
                claim.rendering_provider_npi,
                tuple(line.modifiers),
                line.units,
            )
            for line in claim.lines
        ]


@dataclass(frozen=True)
class ScrubContext:
    pack: RulePack
    payer: PayerProfile
    icd: IcdValidator
    as_of: date
    encounter: Encounter | None = None
    history: Sequence[HistoryEntry] = ()
    #: learned denial rates by ``payer|code|dx+dx`` (the denial trends' learning loop), if any
    learned: Callable[[str], LearnedRate | None] | None = None

    @cached_property
    def history_by_date(self) -> dict[date, list[HistoryEntry]]:
        """The patient's earlier claim lines by date of service (built once per scrub)."""
        out: dict[date, list[HistoryEntry]] = defaultdict(list)
        for h in self.history:
            out[h.service_date].append(h)
        return out


@dataclass
class ClaimFacts:
    """Derived views of one claim, computed once per scrub and shared by the rules."""

    claim: ClaimSubmitted
    mods: list[frozenset[str]] = field(init=False)
    all_mods: frozenset[str] = field(init=False)
    single_line: bool = field(init=False)

    def __post_init__(self) -> None:
        self.mods = [frozenset(line.modifiers) for line in self.claim.lines]
        self.all_mods = frozenset().union(*self.mods)
        self.single_line = len(self.claim.lines) == 1

    @cached_property
    def by_date(self) -> dict[date, list[tuple[ClaimLine, frozenset[str]]]]:
        out: dict[date, list[tuple[ClaimLine, frozenset[str]]]] = defaultdict(list)
        for line, mods in zip(self.claim.lines, self.mods, strict=True):
            out[line.service_date].append((line, mods))
        return out

    @cached_property
    def first_date(self) -> date:
        return min(line.service_date for line in self.claim.lines)

    @cached_property
    def codes(self) -> frozenset[str]:
        return frozenset(line.procedure_code for line in self.claim.lines)

    def pointed_diagnoses(self, line: ClaimLine) -> list[str]:
        dx = self.claim.diagnoses
        return [dx[p - 1] for p in line.diagnosis_pointers if 1 <= p <= len(dx)]
