"""Interchange → validated claimflow events (the CLI and the ``x12-inbound`` agent share this).

Each interchange is validated with pyx12 first; an invalid one yields its 999 rejection and no
events. A valid one is mapped by its implementation guide (GS08); every event is then validated
against its contract, so a claim the contract refuses is reported on its own (the others go on).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from schemas import ClaimStatus, Denial, Envelope, read_claim
from schemas.codec import describe_validation_error
from schemas.topics import Topic
from streams.x12.ack277 import statuses_from_277ca
from streams.x12.claim837 import claims_from_837p
from streams.x12.remit835 import remittances_from_835
from streams.x12.segments import X12FormatError, parse
from streams.x12.validation import Validation, validate

GUIDES = {"005010X222": "837P", "005010X214": "277CA", "005010X221": "835"}


@dataclass(frozen=True)
class Routed:
    """One event and where it goes: logical topic and key."""

    topic: Topic
    key: str
    event: Envelope


@dataclass
class IngestResult:
    transaction: str  # 837P, 277CA, 835 or unknown
    validation: Validation
    events: list[Routed] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # contract violations, one per event

    @property
    def accepted(self) -> bool:
        return self.validation.valid

    def summary(self) -> str:
        if not self.accepted:
            return f"{self.transaction}: rejected ({self.validation.summary()})"
        counts: dict[str, int] = {}
        for r in self.events:
            counts[r.event.event_type] = counts.get(r.event.event_type, 0) + 1
        parts = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "no events"
        refused = f", {len(self.refused)} refused by the contracts" if self.refused else ""
        return f"{self.transaction}: accepted, {parts}{refused}"


def _route(raw: dict[str, Any]) -> Routed:
    kind = raw.get("event_type")
    if kind == "denial":
        denial = Denial.model_validate(raw)
        return Routed(Topic.CLAIM_DENIALS, denial.claim_id, denial)
    if kind == "claim_status" or "category_code" in raw:
        status = ClaimStatus.model_validate({**raw, "event_type": "claim_status"})
        return Routed(Topic.CLAIM_STATUS, status.claim_id, status)
    claim = read_claim(raw)
    return Routed(Topic.CLAIMS_SUBMITTED, claim.patient_key or claim.claim_id, claim)


def ingest_text(text: str, secret: bytes) -> IngestResult:
    try:
        interchange = parse(text)
    except X12FormatError as exc:
        return IngestResult("unknown", Validation(False, "", [str(exc)]))
    groups = interchange.of("GS")
    guide = groups[0].get(8) if groups else ""
    transaction = GUIDES.get(guide[:10], "unknown")
    validation = validate(text)
    result = IngestResult(transaction, validation)
    if not validation.valid:
        return result
    if transaction == "837P":
        raws = claims_from_837p(interchange, secret)
    elif transaction == "277CA":
        raws = statuses_from_277ca(interchange)
    elif transaction == "835":
        raws = remittances_from_835(interchange)
    else:
        result.validation = Validation(
            False, validation.ack999, [f"unsupported implementation guide {guide!r}"]
        )
        return result
    for raw in raws:
        try:
            result.events.append(_route(raw))
        except ValidationError as exc:
            result.refused.append(f"{raw.get('claim_id', '?')}: {describe_validation_error(exc)}")
    return result
