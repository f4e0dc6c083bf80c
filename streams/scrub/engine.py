"""The scrub engine: ``scrub(claim, context) -> ScrubResult``, pure and Faust-free.

A claim that is a ``ValidClaim`` goes straight to the rules. Any other claim (read leniently: a
typo, a missing value) first meets the format step (``rules/claim_format.py``), whose edits name the
fields to fix; when the values the rules read are all there, it then meets every other rule too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from pydantic import ValidationError

import streams.scrub.rules  # noqa: F401  (registers every rule family)
from schemas import ClaimSubmitted, Encounter, ScrubbableClaim, ScrubEdit, ScrubResult, ValidClaim, as_valid
from schemas.base import trusted
from schemas.codec import describe_validation_error
from schemas.codes import PLAN_TYPES
from schemas.ids import derived_event_id
from streams.errors import DataFileError
from streams.scrub.context import ClaimFacts, HistoryEntry, ScrubContext, person_of, same_person
from streams.scrub.icd import IcdValidator
from streams.scrub.packs import RulePack, load_packs
from streams.scrub.payers import PayerDirectory, PayerProfile, load_default_payers
from streams.scrub.registry import CHECKERS, NEEDS, OUTSIDE_MEDICARE, RULES, Checker, Finding, facts_flags
from streams.scrub.rules.claim_data import (
    fits_an_837p,
    frequency_code,
    line_fields,
    patient,
    providers,
    total_matches_lines,
)
from streams.scrub.rules.claim_format import FORMAT_RULES, examine
from streams.scrub.screen import SCREENED, suspects
from streams.trends.windows import LearnedRate

__all__ = ["Scrubber", "check_rules", "derived_event_id", "render", "run_rules", "scrub", "scrub_sendable"]


class _Params(dict[str, object]):
    def __missing__(self, key: str) -> str:  # a template naming an unknown field stays readable
        return "{" + key + "}"


#: parameter types whose equality implies an identical rendering (not Decimal: 1.0 == 1.00)
_RENDER_KEY_TYPES = (str, int, bool, date)
_RENDERED_MAX = 8192


def render(pack: RulePack, finding: Finding) -> ScrubEdit | None:
    """The edit a finding reads as (``None`` if its rule is disabled in the pack).

    Edits are immutable and most findings repeat (same rule, line and parameters), so rendered
    edits are kept per pack in a bounded cache: formatting the templates and building the model
    cost more than the rest of a clean claim's scrub.
    """
    rule = pack.rules[finding.rule_id]
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
            "fix": (
                rule.fix_outside_medicare
                if rule.fix_outside_medicare and params.get(OUTSIDE_MEDICARE)
                else rule.fix
            ).format_map(filled),
            "source": rule.source.format_map(filled)[:200],
        },
    )
    if key is not None:
        if len(cache) >= _RENDERED_MAX:
            cache.clear()
        cache[key] = edit
    return edit


def check_rules(pack: RulePack) -> None:
    """Every rule the engine implements is defined by a pack, and no pack defines another; the
    format rules are enabled errors (a claim they flag cannot be built into its ready claim, so a
    warning or a disabled rule would let a claim pass that cannot be sent)."""
    for rule_id in FORMAT_RULES:
        rule = pack.rules.get(rule_id)
        if rule is not None and (rule.severity != "error" or not rule.enabled):
            where = pack.rule_files.get(rule_id) or ", ".join(p.path for p in pack.packs)
            raise DataFileError(
                f"{where}: rules.{rule_id}: a claim format rule must be an enabled error "
                "(a claim it flags cannot be sent, so it must be held)"
            )
    missing = sorted(set(RULES) - set(pack.rules))
    unknown = sorted(set(pack.rules) - set(RULES))
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"rules without a definition: {', '.join(missing)}")
        if unknown:
            parts.append(f"rules the engine does not implement: {', '.join(unknown)}")
        where = ", ".join(p.path for p in pack.packs)
        raise DataFileError(f"{where}: rules: " + "; ".join(parts))


#: checkers the screen does not answer for: they always run (if their needs are met)
UNSCREENED: tuple[Checker, ...] = tuple(c for c in CHECKERS if c not in SCREENED)
_ORDER: dict[Checker, int] = {c: i for i, c in enumerate(CHECKERS)}


#: what a void (frequency 8) is checked for: that it can be sent and names what it voids — the
#: claim as a document (its payer's rules on voids, its NPIs, its patient, X12's limits), not the
#: services it cancels: a coding error on a line being voided must not keep it from being voided
VOID_CHECKERS: tuple[Checker, ...] = tuple(
    c
    for c in CHECKERS
    if c in (total_matches_lines, line_fields, frequency_code, patient, fits_an_837p, providers)
)


def plan(claim: ScrubbableClaim, ctx: ScrubContext, screen: bool = True) -> Sequence[Checker]:
    """The checkers to run on ``claim``, in registration order (the order of edits)."""
    if not screen:
        return CHECKERS
    maybe = suspects(claim, ctx)
    if UNSCREENED:
        maybe.update(UNSCREENED)
    return sorted(maybe, key=_ORDER.__getitem__)


def _rendered(pack: RulePack, findings: Iterable[Finding], edits: list[ScrubEdit], seen: set[object]) -> None:
    for finding in findings:
        edit = render(pack, finding)
        if edit is None:
            continue
        key = (edit.rule_id, edit.line_number, edit.message)
        if key not in seen:
            seen.add(key)
            edits.append(edit)


def run_rules(claim: ClaimSubmitted, ctx: ScrubContext, screen: bool = True) -> list[ScrubEdit]:
    edits: list[ScrubEdit] = []
    seen: set[object] = set()
    if not isinstance(claim, ValidClaim):
        problems, workable = examine(claim)
        _rendered(ctx.pack, problems, edits, seen)
        if workable is None:
            return edits  # the rest is checked once the values every rule reads are there
        claim = workable
    assert isinstance(claim, ScrubbableClaim)
    # a void is checked as a document only (VOID_CHECKERS), whatever the screen would ask
    checkers = VOID_CHECKERS if claim.frequency_code == "8" else plan(claim, ctx, screen)
    if not checkers:
        return edits
    facts = ClaimFacts(claim, ctx.pack)
    flags = facts_flags(facts, ctx)
    for checker in checkers:
        if NEEDS[checker] <= flags:
            _rendered(ctx.pack, checker(facts, ctx), edits, seen)
    return edits


def scrub(
    claim: ClaimSubmitted, ctx: ScrubContext, now: datetime | None = None, screen: bool = True
) -> ScrubResult:
    """Scrub one claim. Errors hold it; warnings let it pass with a note.

    ``screen=False`` asks every checker instead of the ones the screen names (same result; slower).
    """
    return scrub_sendable(claim, ctx, now, screen)[0]


def scrub_sendable(
    claim: ClaimSubmitted, ctx: ScrubContext, now: datetime | None = None, screen: bool = True
) -> tuple[ScrubResult, ValidClaim | None]:
    """``scrub``, with the claim a clean result sends (``claims-ready`` carries it): a claim the
    rules pass is built into a ``ValidClaim`` here, and one that cannot be is held with
    CLAIM_CONTRACT_INVALID naming the fields — never passed on to fail where it is sent."""
    edits = run_rules(claim, ctx, screen)
    held = False
    for edit in edits:
        if edit.severity == "error":
            held = True
            break
    valid: ValidClaim | None = None
    if not held:
        try:
            valid = as_valid(claim)
        except ValidationError as exc:
            problem = describe_validation_error(exc)
            refused = render(ctx.pack, Finding("CLAIM_CONTRACT_INVALID", None, {"problem": problem}))
            if refused is not None:  # always so: an enabled error (check_rules)
                edits.append(refused)
            held = True
    plan_type = claim.payer.plan_type
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
            "plan_type": plan_type if plan_type in PLAN_TYPES else None,
            "status": "held" if held else "clean",
            "edits": edits,
            "encounter_found": ctx.encounter is not None,
            "rule_pack_version": ctx.pack.version,
            "as_of": ctx.as_of,
        },
    ), valid


@dataclass
class Scrubber:
    """Start-up state (rule packs with the CMS tables, payer profiles, ICD validator) loaded once,
    then pure scrubs."""

    pack: RulePack
    payers: PayerDirectory
    icd: IcdValidator
    #: run only the checkers the screen names (``streams.scrub.screen``); False asks every checker
    screen: bool = True

    @classmethod
    def load(
        cls,
        rules_dir: Path | None = None,
        payers_dir: Path | None = None,
        screen: bool = True,
        cms_dir: Path | None = None,
        cms_cache_dir: Path | None = None,
    ) -> Scrubber:
        pack = load_packs(rules_dir, cms_dir, cms_cache_dir)
        check_rules(pack)
        return cls(pack, load_default_payers(payers_dir), IcdValidator(pack.conventions.icd), screen)

    def payer_for(self, claim: ClaimSubmitted) -> PayerProfile:
        """The claim's payer profile (its plan type's defaults for a payer without one); a claim
        whose plan type is unreadable gets the commercial defaults — it is held before any rule
        reads them."""
        plan_type = claim.payer.plan_type if claim.payer.plan_type in PLAN_TYPES else "commercial"
        return self.payers.get(claim.payer.payer_id, plan_type, claim.payer.name)

    def context(
        self,
        claim: ClaimSubmitted,
        as_of: date,
        encounter: Encounter | None = None,
        history: list[HistoryEntry] | tuple[HistoryEntry, ...] = (),
        learned: Callable[[str], LearnedRate | None] | None = None,
        encounter_feed: bool = True,
    ) -> ScrubContext:
        return ScrubContext(
            self.pack,
            self.payer_for(claim),
            self.icd,
            as_of,
            encounter,
            same_person(history, person_of(claim)),
            learned,
            encounter_feed,
        )

    def scrub(
        self,
        claim: ClaimSubmitted,
        as_of: date,
        encounter: Encounter | None = None,
        history: list[HistoryEntry] | tuple[HistoryEntry, ...] = (),
        now: datetime | None = None,
        learned: Callable[[str], LearnedRate | None] | None = None,
        encounter_feed: bool = True,
    ) -> ScrubResult:
        return self.scrub_sendable(claim, as_of, encounter, history, now, learned, encounter_feed)[0]

    def scrub_sendable(
        self,
        claim: ClaimSubmitted,
        as_of: date,
        encounter: Encounter | None = None,
        history: list[HistoryEntry] | tuple[HistoryEntry, ...] = (),
        now: datetime | None = None,
        learned: Callable[[str], LearnedRate | None] | None = None,
        encounter_feed: bool = True,
    ) -> tuple[ScrubResult, ValidClaim | None]:
        """``scrub``, with the ``ValidClaim`` a clean result sends (see ``scrub_sendable``)."""
        ctx = self.context(claim, as_of, encounter, history, learned, encounter_feed)
        return scrub_sendable(claim, ctx, now, self.screen)
