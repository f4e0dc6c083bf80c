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


def checks(*rule_ids: str) -> Callable[[Checker], Checker]:
    """Register a checker as the implementation of ``rule_ids``."""

    def register(fn: Checker) -> Checker:
        for rule_id in rule_ids:
            if rule_id in RULES:
                raise RuntimeError(f"rule {rule_id} is implemented twice")
            RULES[rule_id] = fn
        CHECKERS.append(fn)
        return fn

    return register


# Import the families so they register (order = order of edits in a result).
from streams.scrub.rules import (  # noqa: E402,F401
    bundling,
    claim_data,
    codes,
    documentation,
    modifiers,
    necessity,
    payer,
    place_of_service,
    units,
)
