"""A patient's claim history as the scrub agent keeps it: earlier claim lines (for duplicate,
frequency and bundling edits across claims) and the claim events already counted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from schemas import ClaimSubmitted, ClaimUnfiled, Encounter, ScrubResult, ValidClaim
from streams.scrub.context import HistoryEntry

if TYPE_CHECKING:
    from streams.scrub.engine import Scrubber
    from streams.trends import LearnedRate

#: claim events remembered per patient, to tell a redelivered claim from a new one
SEEN_PER_PATIENT = 64
#: a row's last field: the (``seen_key`` of the) claim event that recorded it (rows stored before
#: have none)
RECORDED_BY = 8


@dataclass(frozen=True, slots=True)
class PatientHistory:
    """Rows stay encoded until read: a scrub decodes them once, an update re-encodes only the
    claim it adds."""

    rows: tuple[list[Any], ...] = ()
    seen: tuple[str, ...] = ()
    #: seen key -> the encounter event a claim event with an encounter id was scrubbed against
    #: ("" when none had arrived): a redelivery is scrubbed against the same version
    met: tuple[tuple[str, str], ...] = ()

    @classmethod
    def decode(cls, stored: dict[str, Any] | None) -> PatientHistory:
        if not stored:
            return cls()
        met = tuple((k, v) for k, v in (stored.get("met") or {}).items())
        return cls(tuple(stored.get("entries", ())), tuple(stored.get("seen", ())), met)

    def encode(self) -> dict[str, Any]:
        out: dict[str, Any] = {"entries": list(self.rows), "seen": list(self.seen)}
        if self.met:
            out["met"] = dict(self.met)
        return out

    def met_by(self, event_id: str) -> str | None:
        """The encounter event a claim event met when first scrubbed ("" none; None not recorded)."""
        key = seen_key(event_id)
        for k, v in self.met:
            if k == key:
                return v
        return None

    def entries(self, redelivered: str | None = None) -> list[HistoryEntry]:
        """The earlier lines; for a ``redelivered`` claim event (its id), the history as that
        event first found it: lines recorded by claim events after it are left out, so a claim
        redelivered after a crash is scrubbed to the same result as the first time."""
        rows = self.rows
        if redelivered is not None:
            later = self._recorded_after(redelivered)
            if later:
                rows = tuple(r for r in rows if len(r) <= RECORDED_BY or r[RECORDED_BY] not in later)
        return [HistoryEntry.decode(row) for row in rows]

    def _recorded_after(self, event_id: str) -> frozenset[str]:
        key = seen_key(event_id)
        seen = self.seen
        at = seen.index(key) if key in seen else seen.index(event_id) if event_id in seen else None
        return frozenset(seen[at + 1 :]) if at is not None else frozenset()

    def has_seen(self, event_id: str) -> bool:
        return seen_key(event_id) in self.seen or event_id in self.seen  # (full ids: stored before)

    def with_claim(
        self, claim: ClaimSubmitted, limit: int, sent: bool = True, met: str | None = None
    ) -> PatientHistory:
        """The history once this claim event is scrubbed. Only services billed count later
        (reference §3: a duplicate is a service "already submitted"), so:

        * a claim ``sent`` to the payer (clean) records its lines, replacing any earlier version of
          it (a corrected resend keeps one copy) and the lines of the claim it replaces (a
          replacement, frequency 7, supersedes it; a void, 8, takes it back and bills nothing);
        * a held claim (not ``sent``) records nothing: it was never submitted, and its fix —
          under its own id or a new one — must not be held as its duplicate. What was sent
          before under its id stays.

        The event is remembered either way (a redelivery is recognised), with the encounter event
        it ``met`` (when it names an encounter); the newest ``limit`` lines by date of service are
        kept."""
        key = seen_key(str(claim.event_id))
        seen = (*self.seen, key)[-SEEN_PER_PATIENT:]
        kept = set(seen)
        mets = tuple((k, v) for k, v in self.met if k in kept and k != key)
        if met is not None:
            mets = (*mets, (key, met))
        if not sent:
            return PatientHistory(self.rows, seen, mets)
        gone = {claim.claim_id}
        if claim.frequency_code in ("7", "8") and claim.replaces_claim_id:
            gone.add(claim.replaces_claim_id)
        rows = [r for r in self.rows if r[0] not in gone]
        if claim.frequency_code != "8":
            rows.extend([*h.encode(), key, h.person] for h in HistoryEntry.from_claim(claim))
        rows.sort(key=lambda r: r[3])  # ISO dates sort as dates; stable for equal dates
        return PatientHistory(tuple(rows[-limit:]), seen, mets)

    def without(self, unfiled: ClaimUnfiled) -> PatientHistory:
        """The history once a 277CA rejection's lines are taken out (``ClaimUnfiled``): never
        filed, they were never billed, so the new claim that bills them is no duplicate. Only rows
        the rejected claim event recorded go (rows stored before the recording event was kept
        count as its), one row per line named; a resend of the claim since then stays billed."""
        key = seen_key(str(unfiled.submission_event_id))
        wanted = [
            (u.procedure_code, u.service_date.isoformat(), u.rendering_provider_npi, list(u.modifiers))
            for u in unfiled.lines
        ]
        kept: list[list[Any]] = []
        for row in self.rows:
            mine = row[0] == unfiled.claim_id and (len(row) <= RECORDED_BY or row[RECORDED_BY] == key)
            shape = (row[2], row[3], row[4], list(row[5]))
            if mine and shape in wanted:
                wanted.remove(shape)
            else:
                kept.append(row)
        if len(kept) == len(self.rows):
            return self
        return PatientHistory(tuple(kept), self.seen, self.met)


def met_of(encounter: Encounter | None, claim: ClaimSubmitted) -> str:
    """How the encounter a claim event met is remembered: its event id, and the patient key it is
    stored under when it is another patient's (a mistyped id: ``event@patient_key``); "" none."""
    if encounter is None:
        return ""
    whose = "" if encounter.patient_key == claim.patient_key else f"@{encounter.patient_key}"
    return f"{encounter.event_id}{whose}"


def seen_key(event_id: str) -> str:
    """How a claim event is remembered: the first 64 bits of its id (a patient's last
    ``SEEN_PER_PATIENT`` claim events never collide in practice; half the bytes of the full id)."""
    return event_id.replace("-", "")[:16]


@dataclass(frozen=True, slots=True)
class ScrubTurn:
    """One claim event scrubbed in its turn: the result, the patient's history to store after it
    (None: unchanged), whether the event had been scrubbed before (a redelivery), and the claim a
    clean result sends (None when held)."""

    result: ScrubResult
    stored: dict[str, Any] | None
    redelivered: bool
    valid: ValidClaim | None = None


def scrub_in_turn(
    scrubber: Scrubber,
    claim: ClaimSubmitted,
    stored: dict[str, Any] | None,
    encounter: Encounter | None,
    limit: int,
    learned: Callable[[str], LearnedRate | None] | None = None,
    as_of: date | None = None,
    encounter_feed: bool = True,
    encounter_version: Callable[[str, str | None], Encounter | None] | None = None,
) -> ScrubTurn:
    """Scrub a claim event against the patient's stored history, as the scrub agent does for each
    one in arrival order: a redelivered event meets the history it first met and the version of
    its encounter it first met (``encounter_version``: an encounter event's version, while kept,
    and the patient it is stored under when it is not the claim's) —
    the same result, even after the encounter was corrected — and only a claim sent on (clean) is
    recorded as billed (``PatientHistory.with_claim``). ``as_of``: the day it is scrubbed on
    (default: the day the claim was submitted)."""
    past = PatientHistory.decode(stored)
    event_id = str(claim.event_id)
    redelivered = past.has_seen(event_id)
    if redelivered and claim.encounter_id:
        first = past.met_by(event_id)
        if first == "":
            encounter = None  # none had arrived: scrubbed without it then (the grace had ended)
        elif first and (encounter is None or met_of(encounter, claim) != first) and encounter_version:
            event_id, _, whose = first.partition("@")
            encounter = encounter_version(event_id, whose or None) or encounter
    earlier = past.entries(redelivered=event_id if redelivered else None)
    # the sender's calendar day (the offset it wrote): a claim sent at 23:30 in New York on the last
    # day of timely filing, or for this morning's visit in Guam, is judged on that day, not on UTC's
    day = as_of if as_of is not None else claim.occurred_at.date()
    result, valid = scrubber.scrub_sendable(
        claim, day, encounter, earlier, now=claim.occurred_at, learned=learned, encounter_feed=encounter_feed
    )
    if redelivered or not claim.patient_key:
        return ScrubTurn(result, None, redelivered, valid)
    met = met_of(encounter, claim) if claim.encounter_id else None
    after = past.with_claim(claim, limit, sent=result.status == "clean", met=met)
    return ScrubTurn(result, after.encode(), redelivered, valid)
