"""The scrub engine: ``scrub(claim, context) -> ScrubResult``, pure and Faust-free."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from schemas import ClaimSubmitted, Encounter, ScrubEdit, ScrubResult
from schemas.base import trusted
from streams.scrub.context import ClaimFacts, HistoryEntry, ScrubContext
from streams.scrub.icd import IcdValidator
from streams.scrub.packs import RulePack, load_default_pack
from streams.scrub.payers import PayerDirectory, load_default_payers
from streams.scrub.rules import CHECKERS, NEEDS, Finding, facts_flags
from streams.trends.windows import LearnedRate


class _Params(dict[str, object]):
    def __missing__(self, key: str) -> str:  # a template naming an unknown field stays readable
        return "{" + key + "}"


_KIND_MASKS: dict[str, int] = {}


def derived_event_id(cause: uuid.UUID, kind: str) -> uuid.UUID:
    """Deterministic id of an output caused by an input: a redelivered input yields the same id.

    The cause's 128 bits XOR a per-kind constant: distinct kinds of output of one input get
    distinct ids, and it costs a dict lookup instead of a SHA-1 per event.
    """
    mask = _KIND_MASKS.get(kind)
    if mask is None:
        mask = _KIND_MASKS[kind] = uuid.uuid5(uuid.NAMESPACE_URL, f"claimflow:{kind}").int
    return uuid.UUID(int=cause.int ^ mask)


def render(pack: RulePack, finding: Finding) -> ScrubEdit | None:
    rule = pack.spec.rules[finding.rule_id]
    if not rule.enabled:
        return None
    params = _Params(finding.params)
    return trusted(
        ScrubEdit,
        {
            "rule_id": finding.rule_id,
            "category": rule.category,
            "severity": rule.severity,
            "line_number": finding.line_number,
            "message": rule.message.format_map(params),
            "fix": rule.fix.format_map(params),
        },
    )


def run_rules(claim: ClaimSubmitted, ctx: ScrubContext) -> list[ScrubEdit]:
    facts = ClaimFacts(claim)
    flags = facts_flags(facts, ctx)
    edits: list[ScrubEdit] = []
    seen: set[tuple[str, int | None, str]] = set()
    for checker in CHECKERS:
        if not NEEDS[checker] <= flags:
            continue
        for finding in checker(facts, ctx):
            edit = render(ctx.pack, finding)
            if edit is None:
                continue
            key = (edit.rule_id, edit.line_number, edit.message)
            if key not in seen:
                seen.add(key)
                edits.append(edit)
    return edits


def scrub(claim: ClaimSubmitted, ctx: ScrubContext, now: datetime | None = None) -> ScrubResult:
    """Scrub one claim. Errors hold it; warnings let it pass with a note."""
    edits = run_rules(claim, ctx)
    held = any(e.severity == "error" for e in edits)
    # Built from trusted parts (validated claim, pack-defined edits): skip re-validation.
    return trusted(
        ScrubResult,
        {
            "event_id": derived_event_id(claim.event_id, "scrub_result"),
            "event_type": "scrub_result",
            "schema_version": 1,
            "occurred_at": now or datetime.now(UTC),
            "source": "claimflow",
            "claim_id": claim.claim_id,
            "claim_event_id": claim.event_id,
            "payer_id": claim.payer.payer_id,
            "plan_type": claim.payer.plan_type,
            "status": "held" if held else "clean",
            "edits": edits,
            "encounter_found": ctx.encounter is not None,
            "rule_pack_version": ctx.pack.version,
            "as_of": ctx.as_of,
        },
    )


@dataclass
class Scrubber:
    """Start-up state (rule pack, payer profiles, ICD validator) loaded once, then pure scrubs."""

    pack: RulePack
    payers: PayerDirectory
    icd: IcdValidator

    @classmethod
    def load(cls, rules_dir: Path | None = None, payers_dir: Path | None = None) -> Scrubber:
        pack = load_default_pack(rules_dir)
        return cls(pack, load_default_payers(payers_dir), IcdValidator(pack.spec.icd))

    def context(
        self,
        claim: ClaimSubmitted,
        as_of: date,
        encounter: Encounter | None = None,
        history: list[HistoryEntry] | tuple[HistoryEntry, ...] = (),
        learned: Callable[[str], LearnedRate | None] | None = None,
    ) -> ScrubContext:
        payer = self.payers.get(claim.payer.payer_id, claim.payer.plan_type, claim.payer.name)
        return ScrubContext(self.pack, payer, self.icd, as_of, encounter, history, learned)

    def scrub(
        self,
        claim: ClaimSubmitted,
        as_of: date,
        encounter: Encounter | None = None,
        history: list[HistoryEntry] | tuple[HistoryEntry, ...] = (),
        now: datetime | None = None,
        learned: Callable[[str], LearnedRate | None] | None = None,
    ) -> ScrubResult:
        return scrub(claim, self.context(claim, as_of, encounter, history, learned), now)
