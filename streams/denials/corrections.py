"""Mechanical corrections: fixes the worker can apply to a claim without a person.

Each correction takes the claim (as sent) and the rule pack and returns the corrected lines, or
None when it does not apply (nothing to fix, or the fix is not mechanical). A correction never
bills something the payer was not told was performed: it changes a code only to one of its own
components (93000-26 → 93010, never 93010 → 93000), drops lines, or drops a modifier that
restates the code; the total never rises. Every corrected claim is re-scrubbed before it is sent.
"""

from __future__ import annotations

from collections.abc import Callable

from schemas import ValidClaim
from schemas.claim import ValidClaimLine
from streams.scrub.cms.tables import Part
from streams.scrub.packs import RulePack

Correction = Callable[[ValidClaim, RulePack], list[ValidClaimLine] | None]

_PART: dict[str, Part] = {"26": "professional", "TC": "technical"}
#: PC/TC indicator of a code that already bills only that part (2 professional, 3 technical)
_ALREADY = {"26": 2, "TC": 3}


def code_for_component_modifier(claim: ValidClaim, pack: RulePack) -> list[ValidClaimLine] | None:
    """CO-4 on 26/TC where the modifier does not fit the code: bill the component code instead.

    A global test-only code (PC/TC indicator 4) with 26 or TC becomes the code of that part
    (93000-26 → 93010, 93000-TC → 93005, 93040-26 → 93042, G0403-TC → G0404): keeping 93000 would
    bill a tracing nobody did. On a code that already bills that part alone (93010-26, 93005-TC)
    the modifier is dropped. Anything else (93010-TC: which part was done?) is for a person.
    """
    cms = pack.cms
    lines: list[ValidClaimLine] = []
    changed = False
    for line in claim.lines:
        bad = [m for m in line.modifiers if m in _PART]
        if not bad:
            lines.append(line)
            continue
        if len(bad) > 1:
            return None  # 26 and TC together: which part was performed is for a person to say
        modifier = bad[0]
        pctc = cms.pctc(line.procedure_code)
        keep = [m for m in line.modifiers if m != modifier]
        if pctc == 4:
            component = cms.component_code(line.procedure_code, _PART[modifier])
            if component is None:
                return None
            lines.append(line.model_copy(update={"procedure_code": component, "modifiers": keep}))
        elif pctc == _ALREADY[modifier]:
            lines.append(line.model_copy(update={"modifiers": keep}))
        elif pctc == 1:
            lines.append(line)  # 26/TC fit an indicator-1 code: not what the payer objected to
            continue
        else:
            return None
        changed = True
    return lines if changed else None


def renumber(lines: list[ValidClaimLine]) -> list[ValidClaimLine]:
    """Keep line numbers 1..n; diagnosis pointers stay as they were."""
    ordered = sorted(lines, key=lambda ln: ln.line_number)
    return [ln.model_copy(update={"line_number": i}) for i, ln in enumerate(ordered, start=1)]


CORRECTIONS: dict[str, Correction] = {
    "code_for_component_modifier": code_for_component_modifier,
}
