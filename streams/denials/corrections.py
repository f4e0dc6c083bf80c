"""Mechanical corrections: fixes the worker can apply to a claim without a person.

Each correction takes the claim and the rule pack's code facts and returns the corrected lines,
or None when it does not apply (nothing to fix, or the fix is not mechanical).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from schemas import ClaimLine, ClaimSubmitted
from streams.scrub.packs import RulePack

Correction = Callable[[ClaimSubmitted, RulePack], list[ClaimLine] | None]


def fix_ecg_components(claim: ClaimSubmitted, pack: RulePack) -> list[ClaimLine] | None:
    """Global billed with its own component → drop the component; tracing + interpretation by
    the same entity on one day → one complete code (charges added)."""
    lines = list(claim.lines)
    changed = False
    by_day: dict[object, list[ClaimLine]] = {}
    for line in lines:
        by_day.setdefault(line.service_date, []).append(line)
    for day_lines in by_day.values():
        for parts in pack.family_parts.values():
            global_code = parts.get("global")
            comp_codes = {parts[p] for p in ("technical", "professional") if p in parts}
            if global_code is None:
                continue
            present = {line.procedure_code for line in day_lines}
            if global_code in present and present & comp_codes:
                drop = [line for line in day_lines if line.procedure_code in comp_codes]
                lines = [line for line in lines if line not in drop]
                changed = True
            elif len(comp_codes) == 2 and comp_codes <= present:
                parts_lines = [line for line in day_lines if line.procedure_code in comp_codes]
                first = min(parts_lines, key=lambda ln: ln.line_number)
                merged = first.model_copy(
                    update={
                        "procedure_code": global_code,
                        "charge": sum((ln.charge for ln in parts_lines), Decimal("0")),
                        "modifiers": [m for m in first.modifiers if m not in pack.component_modifiers],
                        "units": 1,
                    }
                )
                lines = [
                    merged if line is first else line
                    for line in lines
                    if line not in parts_lines or line is first
                ]
                changed = True
    return _renumber(lines) if changed else None


def fix_ecg_modifiers(claim: ClaimSubmitted, pack: RulePack) -> list[ClaimLine] | None:
    """26/TC on codes that have their own component codes → remove the modifier."""
    codes = pack.spec.codes
    changed = False
    lines = []
    for line in claim.lines:
        info = codes.get(line.procedure_code)
        bad = [m for m in line.modifiers if m in pack.component_modifiers]
        if info is not None and info.part is not None and bad:
            line = line.model_copy(update={"modifiers": [m for m in line.modifiers if m not in bad]})
            changed = True
        lines.append(line)
    return lines if changed else None


def _renumber(lines: list[ClaimLine]) -> list[ClaimLine]:
    """Keep line numbers 1..n; diagnosis pointers stay as they were."""
    ordered = sorted(lines, key=lambda ln: ln.line_number)
    return [ln.model_copy(update={"line_number": i}) for i, ln in enumerate(ordered, start=1)]


CORRECTIONS: dict[str, Correction] = {
    "fix_ecg_components": fix_ecg_components,
    "fix_ecg_modifiers": fix_ecg_modifiers,
}
