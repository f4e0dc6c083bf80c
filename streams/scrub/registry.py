"""The rule registry: which checker implements which rule ids, read by the engine and the screen.

Each checker is a pure function of (facts, context) yielding findings. A rule's category,
severity, wording, fix and authority live in the pack (data); a checker only decides *whether* a
rule fires and with which parameters. Rule modules import this module to register; the engine
imports ``streams.scrub.rules`` (which imports every rule module) and reads the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from streams.scrub.context import ClaimFacts, ScrubContext


#: a finding's parameter saying the claim's plan is outside Medicare: its rule's
#: ``fix_outside_medicare`` is the fix then (ABNs, GY and G0403-G0405 are Medicare's)
OUTSIDE_MEDICARE = "outside_medicare"


class Finding(NamedTuple):
    rule_id: str
    line_number: int | None
    params: Mapping[str, object]


Checker = Callable[["ClaimFacts", "ScrubContext"], Iterable[Finding]]

#: every rule id → the function that raises it (a checker, or the format step)
RULES: dict[str, Callable[..., object]] = {}
#: the checkers, in registration order (= the order of edits in a result)
CHECKERS: list[Checker] = []
#: what a checker needs to have anything to say; the engine skips it otherwise (``facts_flags``)
NEEDS: dict[Checker, frozenset[str]] = {}
FLAGS = frozenset({"encounter", "history", "multi_line", "modifiers", "frequency_limits", "learned"})


def register_rules(implementation: Callable[..., object], *rule_ids: str) -> None:
    for rule_id in rule_ids:
        if rule_id in RULES:
            raise RuntimeError(f"rule {rule_id} is implemented twice")
        RULES[rule_id] = implementation


def checks(*rule_ids: str, needs: tuple[str, ...] = ()) -> Callable[[Checker], Checker]:
    """Register a checker as the implementation of ``rule_ids``; ``needs`` names facts without
    which it cannot fire (a claim with one line never has a repeat, …)."""
    unknown = set(needs) - FLAGS
    if unknown:
        raise RuntimeError(f"unknown checker needs: {sorted(unknown)}")

    def register(fn: Checker) -> Checker:
        register_rules(fn, *rule_ids)
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
