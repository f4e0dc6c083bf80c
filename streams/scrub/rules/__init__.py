"""Rule families. Each checker is a pure function of (facts, context) yielding findings.

The rule's category, severity, wording and fix live in the pack (data); a checker only decides
*whether* a rule fires and with which parameters. ``RULES`` maps every rule_id to its checker;
the pack loader refuses a pack that lacks a definition for one of them (or defines an unknown one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple

from streams.scrub.context import ClaimFacts, ScrubContext


class Finding(NamedTuple):
    rule_id: str
    line_number: int | None
    params: Mapping[str, object]


Checker = Callable[[ClaimFacts, ScrubContext], Iterable[Finding]]

RULES: dict[str, Checker] = {}
CHECKERS: list[Checker] = []
#: What a checker needs to have anything to say; the engine skips it otherwise (see ``facts_flags``).
NEEDS: dict[Checker, frozenset[str]] = {}
FLAGS = frozenset({"encounter", "history", "multi_line", "modifiers", "frequency_limits", "learned"})


def checks(*rule_ids: str, needs: tuple[str, ...] = ()) -> Callable[[Checker], Checker]:
    """Register a checker as the implementation of ``rule_ids``; ``needs`` names facts without
    which it cannot fire (a claim with one line never has a repeat, …)."""
    unknown = set(needs) - FLAGS
    if unknown:
        raise RuntimeError(f"unknown checker needs: {sorted(unknown)}")

    def register(fn: Checker) -> Checker:
        for rule_id in rule_ids:
            if rule_id in RULES:
                raise RuntimeError(f"rule {rule_id} is implemented twice")
            RULES[rule_id] = fn
        CHECKERS.append(fn)
        NEEDS[fn] = frozenset(needs)
        return fn

    return register


def facts_flags(facts: ClaimFacts, ctx: ScrubContext) -> frozenset[str]:
    flags = []
    if ctx.encounter is not None:
        flags.append("encounter")
    if ctx.history:
        flags.append("history")
    if not facts.single_line:
        flags.append("multi_line")
    if facts.all_mods:
        flags.append("modifiers")
    if ctx.payer.frequency_limits:
        flags.append("frequency_limits")
    if ctx.learned is not None:
        flags.append("learned")
    return frozenset(flags)


# Import the families so they register (order = order of edits in a result).
from streams.scrub.rules import (  # noqa: E402,F401
    bundling,
    claim_data,
    codes,
    denial_risk,
    documentation,
    modifiers,
    necessity,
    payer,
    place_of_service,
    units,
)
