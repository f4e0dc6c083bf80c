"""What a scrub decision may look at: the claim's surroundings, passed in explicitly."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Generic, TypeVar

from schemas import ClaimSubmitted, Encounter, ScrubbableClaim
from schemas.claim import ClaimLine, ScrubbableLine
from streams.scrub.cms.tables import Part
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
    units: Decimal = Decimal(1)
    encounter_id: str | None = None
    #: who among the people sharing the patient key (``person_of``): None when not known
    person: str | None = None

    @classmethod
    def from_claim(cls, claim: ClaimSubmitted) -> list[HistoryEntry]:
        """The claim's lines that can be told apart later (those with a date of service)."""
        person = person_of(claim)
        return [
            cls(
                claim.claim_id,
                claim.payer.payer_id,
                line.procedure_code,
                line.service_date,
                provider_of(claim, line),
                tuple(line.modifiers),
                line.units if line.units is not None else Decimal(1),
                claim.encounter_id,
                person,
            )
            for line in claim.lines
            if line.service_date is not None
        ]

    def encode(self) -> list[Any]:
        """The entry as a JSON row (the patient-history table's stored form)."""
        return [
            self.claim_id,
            self.payer_id,
            self.procedure_code,
            self.service_date.isoformat(),
            self.rendering_provider_npi,
            list(self.modifiers),
            str(self.units),
            self.encounter_id,
        ]

    @classmethod
    def decode(cls, row: Sequence[Any]) -> HistoryEntry:
        """An entry from its stored row (rows written before the encounter id have 7 fields; the
        patient history appends the claim event that recorded it, then the person, at 8 and 9)."""
        return cls(
            row[0],
            row[1],
            row[2],
            date.fromisoformat(row[3]),
            row[4],
            tuple(row[5]),
            Decimal(str(row[6])),
            row[7] if len(row) > 7 else None,
            row[9] if len(row) > 9 else None,
        )


def provider_of(claim: ClaimSubmitted, line: ClaimLine) -> str:
    """Who rendered ``line``: its own rendering provider (837P 2420A) when it names one, else the
    claim's (2310B; the billing provider's NPI when the claim names none). Duplicates, NCCI pairs,
    a global with its component and MUEs are judged per provider (reference §1), so per line."""
    return line.rendering_provider_npi or claim.rendering_provider_npi or ""


def person_of(claim: ClaimSubmitted) -> str | None:
    """Who a claim's patient is among the people one patient key may cover: a subscriber and their
    dependents share a member id, and a sender keying by payer and member id (the documented
    key) gives a family one key — a child's visit is no duplicate of a parent's, nor counts
    against the parent's frequency limits. A fingerprint of the birth date and the first name
    (letters only: twins differ by name; a last name changes nothing), cut to 16 bits — enough to
    tell a family apart; each fits thousands of names and dates, but not a secret: with the first
    name known, a birth date search leaves one or two (README). None when either is missing (then
    the lines count for everyone under the key, as before)."""
    patient = claim.patient
    first = "".join(ch for ch in (patient.first_name or "").upper() if ch.isalpha())
    born = patient.birth_date
    if not first or born is None:
        return None
    return hashlib.sha256(f"{born.isoformat()}|{first}".encode()).hexdigest()[:4]


def same_person(history: Sequence[HistoryEntry], person: str | None) -> list[HistoryEntry]:
    """The entries that may be this person's (an entry or a claim whose person is unknown counts)."""
    if person is None:
        return list(history)
    return [h for h in history if h.person is None or h.person == person]


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
        encounter_feed: bool = True,
    ):
        self.pack = pack
        self.payer = payer
        self.icd = icd
        self.as_of = as_of
        self.encounter = encounter
        self.history = history
        #: learned denial rates by ``payer|code|dx+dx`` (the denial trends' learning loop), if any
        self.learned = learned
        #: whether encounters are available at all (False: a scrub without a clinical feed, where a
        #: referenced encounter that is not found is unverified rather than missing)
        self.encounter_feed = encounter_feed

    @lazy
    def history_by_date(self) -> dict[date, list[HistoryEntry]]:
        """The patient's earlier claim lines by date of service (built once per scrub)."""
        out: dict[date, list[HistoryEntry]] = defaultdict(list)
        for h in self.history:
            out[h.service_date].append(h)
        return out

    def same_day_history(self, claim: ClaimSubmitted, day: date, provider: str | None) -> list[HistoryEntry]:
        """Earlier lines of this patient on ``day`` from other claims (not one this replaces),
        rendered by ``provider`` or, with None, by anyone."""
        entries = self.history_by_date.get(day)
        if not entries:
            return []
        skip = (claim.claim_id, claim.replaces_claim_id)
        return [
            h
            for h in entries
            if h.claim_id not in skip and (provider is None or h.rendering_provider_npi == provider)
        ]


@dataclass
class ClaimFacts:
    """Derived views of one claim, computed once per scrub and shared by the rules."""

    claim: ScrubbableClaim
    pack: RulePack
    mods: list[frozenset[str]] = field(init=False)
    all_mods: frozenset[str] = field(init=False)
    single_line: bool = field(init=False)

    def __post_init__(self) -> None:
        self.mods = [frozenset(line.modifiers) for line in self.claim.lines]
        self.all_mods = frozenset().union(*self.mods)
        self.single_line = len(self.claim.lines) == 1

    @lazy
    def by_provider_day(self) -> dict[tuple[date, str], list[tuple[ScrubbableLine, frozenset[str]]]]:
        """The lines by date of service and rendering provider (``provider_of``): what the
        per-provider edits (duplicates, NCCI pairs, a global with its component, MUEs, repeats)
        judge together."""
        out: dict[tuple[date, str], list[tuple[ScrubbableLine, frozenset[str]]]] = defaultdict(list)
        claim = self.claim
        for line, mods in zip(claim.lines, self.mods, strict=True):
            out[(line.service_date, provider_of(claim, line))].append((line, mods))
        return out

    def provider_of(self, line: ScrubbableLine) -> str:
        return provider_of(self.claim, line)

    @lazy
    def first_date(self) -> date:
        return min(line.service_date for line in self.claim.lines)

    @lazy
    def codes(self) -> frozenset[str]:
        return frozenset(line.procedure_code for line in self.claim.lines)

    @lazy
    def parts(self) -> list[Part | None]:
        """Each line's part of a diagnostic test (global, technical, professional) or None."""
        part = self.pack.cms.part
        return [
            part(line.procedure_code, mods) for line, mods in zip(self.claim.lines, self.mods, strict=True)
        ]

    def pointed_diagnoses(self, line: ScrubbableLine) -> list[str]:
        dx = self.claim.diagnoses
        return [dx[p - 1] for p in line.diagnosis_pointers if 1 <= p <= len(dx)]
