"""The scrub engine: ``scrub(claim, context) -> ScrubResult``, pure and Faust-free."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from schemas import ClaimSubmitted, Encounter, ScrubEdit, ScrubResult
from schemas.base import trusted
from streams.scrub.context import ClaimFacts, HistoryEntry, ScrubContext
from streams.scrub.icd import IcdValidator
from streams.scrub.packs import RulePack, load_default_pack
from streams.scrub.payers import PayerDirectory, load_default_payers
from streams.scrub.rules import CHECKERS, NEEDS, Checker, Finding, facts_flags
from streams.scrub.screen import SCREENED, suspects
from streams.trends.windows import LearnedRate


class _Params(dict[str, object]):
    def __missing__(self, key: str) -> str:  # a template naming an unknown field stays readable
        return "{" + key + "}"


_KIND_MASKS: dict[str, int] = {}
_new_uuid = uuid.UUID.__new__
_set_slot = object.__setattr__
_SAFE_UNKNOWN = uuid.SafeUUID.unknown


def derived_event_id(cause: uuid.UUID, kind: str) -> uuid.UUID:
    """Deterministic id of an output caused by an input: a redelivered input yields the same id.

    The cause's 128 bits XOR a per-kind constant: distinct kinds of output of one input get
    distinct ids, and it costs a dict lookup instead of a SHA-1 per event. The UUID is filled in
    directly (``UUID(int=...)`` re-checks its arguments: half the cost; a test pins equality).
    """
    mask = _KIND_MASKS.get(kind)
    if mask is None:
        mask = _KIND_MASKS[kind] = uuid.uuid5(uuid.NAMESPACE_URL, f"claimflow:{kind}").int
    out = _new_uuid(uuid.UUID)
    _set_slot(out, "int", cause.int ^ mask)
    _set_slot(out, "is_safe", _SAFE_UNKNOWN)
    return out


#: parameter types whose equality implies an identical rendering (not Decimal: 1.0 == 1.00)
_RENDER_KEY_TYPES = (str, int, date)
_RENDERED_MAX = 8192


def render(pack: RulePack, finding: Finding) -> ScrubEdit | None:
    """The edit a finding reads as (``None`` if its rule is disabled in the pack).

    Edits are immutable and most findings repeat (same rule, line and parameters), so rendered
    edits are kept per pack in a bounded cache: formatting two templates and building the model
    cost more than the rest of a clean claim's scrub.
    """
    rule = pack.spec.rules[finding.rule_id]
    if not rule.enabled:
        return None
    params = finding.params
    cacheable = all(type(value) in _RENDER_KEY_TYPES for value in params.values())
    key = (finding.rule_id, finding.line_number, *params.items()) if cacheable else None
    cache = pack.rendered
    if key is not None:
        edit = cache.get(key)
        if edit is not None:
            return edit
    filled = _Params(params)
    edit = trusted(
        ScrubEdit,
        {
            "rule_id": finding.rule_id,
            "category": rule.category,
            "severity": rule.severity,
            "line_number": finding.line_number,
            "message": rule.message.format_map(filled),
            "fix": rule.fix.format_map(filled),
        },
    )
    if key is not None:
        if len(cache) >= _RENDERED_MAX:
            cache.clear()
        cache[key] = edit
    return edit


#: checkers the screen does not answer for: they always run (if their needs are met)
UNSCREENED: tuple[Checker, ...] = tuple(c for c in CHECKERS if c not in SCREENED)
_ORDER: dict[Checker, int] = {c: i for i, c in enumerate(CHECKERS)}


def plan(claim: ClaimSubmitted, ctx: ScrubContext, screen: bool = True) -> Sequence[Checker]:
    """The checkers to run on ``claim``, in registration order (the order of edits)."""
    if not screen:
        return CHECKERS
    maybe = suspects(claim, ctx)
    if UNSCREENED:
        maybe.update(UNSCREENED)
    return sorted(maybe, key=_ORDER.__getitem__)


def run_rules(claim: ClaimSubmitted, ctx: ScrubContext, screen: bool = True) -> list[ScrubEdit]:
    checkers = plan(claim, ctx, screen)
    if not checkers:
        return []
    facts = ClaimFacts(claim)
    flags = facts_flags(facts, ctx)
    edits: list[ScrubEdit] = []
    seen: set[tuple[str, int | None, str]] = set()
    for checker in checkers:
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


def scrub(
    claim: ClaimSubmitted, ctx: ScrubContext, now: datetime | None = None, screen: bool = True
) -> ScrubResult:
    """Scrub one claim. Errors hold it; warnings let it pass with a note.

    ``screen=False`` asks every checker instead of the ones the screen names (same result; slower).
    """
    edits = run_rules(claim, ctx, screen)
    held = False
    for edit in edits:
        if edit.severity == "error":
            held = True
            break
    # Built from trusted parts (validated claim, pack-defined edits): skip re-validation.
    return trusted(
        ScrubResult,
        {  # every field of ScrubResult (a test round-trips results through validation)
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
    #: run only the checkers the screen names (``streams.scrub.screen``); False asks every checker
    screen: bool = True

    @classmethod
    def load(
        cls, rules_dir: Path | None = None, payers_dir: Path | None = None, screen: bool = True
    ) -> Scrubber:
        pack = load_default_pack(rules_dir)
        return cls(pack, load_default_payers(payers_dir), IcdValidator(pack.spec.icd), screen)

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
        return scrub(claim, self.context(claim, as_of, encounter, history, learned), now, self.screen)
