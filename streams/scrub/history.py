"""A patient's claim history as the scrub agent keeps it: earlier claim lines (for duplicate,
frequency and bundling edits across claims) and the claim events already counted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from schemas import ClaimSubmitted
from streams.scrub.context import HistoryEntry

#: claim events remembered per patient, to tell a redelivered claim from a new one
SEEN_PER_PATIENT = 64


@dataclass(frozen=True, slots=True)
class PatientHistory:
    """Rows stay encoded until read: a scrub decodes them once, an update re-encodes only the
    claim it adds."""

    rows: tuple[list[Any], ...] = ()
    seen: tuple[str, ...] = ()

    @classmethod
    def decode(cls, stored: dict[str, Any] | None) -> PatientHistory:
        if not stored:
            return cls()
        return cls(tuple(stored.get("entries", ())), tuple(stored.get("seen", ())))

    def encode(self) -> dict[str, Any]:
        return {"entries": list(self.rows), "seen": list(self.seen)}

    def entries(self) -> list[HistoryEntry]:
        return [HistoryEntry.decode(row) for row in self.rows]

    def has_seen(self, event_id: str) -> bool:
        return seen_key(event_id) in self.seen or event_id in self.seen  # (full ids: stored before)

    def with_claim(self, claim: ClaimSubmitted, limit: int) -> PatientHistory:
        """This claim's lines replace any earlier version of it (a corrected resend keeps one
        copy); the newest ``limit`` lines by date of service are kept."""
        rows = [r for r in self.rows if r[0] != claim.claim_id]
        rows.extend(h.encode() for h in HistoryEntry.from_claim(claim))
        rows.sort(key=lambda r: r[3])  # ISO dates sort as dates; stable for equal dates
        seen = (*self.seen, seen_key(str(claim.event_id)))[-SEEN_PER_PATIENT:]
        return PatientHistory(tuple(rows[-limit:]), seen)


def seen_key(event_id: str) -> str:
    """How a claim event is remembered: the first 64 bits of its id (a patient's last
    ``SEEN_PER_PATIENT`` claim events never collide in practice; half the bytes of the full id)."""
    return event_id.replace("-", "")[:16]
