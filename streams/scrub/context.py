"""What a scrub decision may look at: the claim's surroundings, passed in explicitly."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar

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


T = TypeVar("T")


class lazy(Generic[T]):
    """``functools.cached_property`` without its per-access lock (Python 3.11 takes an RLock on
    every first access, which cost several microseconds per claim on the scrub hot path). Computes
    once per instance and stores the value in the instance ``__dict__``, where later reads find it
    before this (non-data) descriptor. Not thread-safe; a scrub runs on one thread."""

    def __init__(self, fn: Callable[[Any], T]):
        self.fn = fn
        self.name = fn.__name__
        self.__doc__ = fn.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> T:
        if instance is None:
            return self  # type: ignore[return-value]
        value = self.fn(instance)
        instance.__dict__[self.name] = value
        return value


class ScrubContext:
    """Everything a scrub decision may look at besides the claim (read-only by convention: a
    plain class rather than a frozen dataclass, whose ``__init__`` costs microseconds per claim)."""

    def __init__(
        self,
        pack: RulePack,
        payer: PayerProfile,
        icd: IcdValidator,
        as_of: date,
        encounter: Encounter | None = None,
        history: Sequence[HistoryEntry] = (),
        learned: Callable[[str], LearnedRate | None] | None = None,
    ):
        self.pack = pack
        self.payer = payer
        self.icd = icd
        self.as_of = as_of
        self.encounter = encounter
        self.history = history
        #: learned denial rates by ``payer|code|dx+dx`` (the denial trends' learning loop), if any
        self.learned = learned

    @lazy
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

    @lazy
    def by_date(self) -> dict[date, list[tuple[ClaimLine, frozenset[str]]]]:
        out: dict[date, list[tuple[ClaimLine, frozenset[str]]]] = defaultdict(list)
        for line, mods in zip(self.claim.lines, self.mods, strict=True):
            out[line.service_date].append((line, mods))
        return out

    @lazy
    def first_date(self) -> date:
        return min(line.service_date for line in self.claim.lines)

    @lazy
    def codes(self) -> frozenset[str]:
        return frozenset(line.procedure_code for line in self.claim.lines)

    def pointed_diagnoses(self, line: ClaimLine) -> list[str]:
        dx = self.claim.diagnoses
        return [dx[p - 1] for p in line.diagnosis_pointers if 1 <= p <= len(dx)]
