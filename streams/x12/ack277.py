"""277CA (005010X214) → ``ClaimStatus`` events: one per claim-level STC (loop 2200D).

The claim is matched by the patient control number the 837P sent (TRN02 in 2200D, which is
claimflow's ``claim_id``); the payer's claim number comes from REF*1K. STC01 is
category:status[:entity]; STC02 the status date; STC04 the claim amount; STC10 and STC11 further
statuses of the same answer (often what exactly was wrong: A3:21 "missing or invalid
information", then A3:153:82 "the rendering provider's identifier").

Service lines the answer names one by one (loop 2220D: SVC, its own STC, REF*FJ — the line item
control number the 837P sent in REF*6R — and DTP*472) travel as ``line_statuses`` of the claim's
first status event: what happened to a line never becomes the claim's status (a claim accepted
with one line rejected stays accepted).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from streams.x12.context import GroupRejected, SetView, parse_date, parse_datetime

#: statuses above the claim: a rejection there rejects every claim below it (listed or not)
_ABOVE_CLAIMS = {
    "2200B": ("batch", "the whole batch (information receiver level)"),
    "2200C": ("provider", "a billing provider's claims"),
}
_REJECTIONS = frozenset({"A3", "A6", "A7", "A8"})
#: levels above the claim whose segments identify the answer (for the event id)
_LEVELS = ("20", "21", "19", "PT")


def _status(composite: str, comp: str) -> dict[str, Any]:
    """An STC health care claim status composite (category:status:entity[:code list])."""
    category, status, entity = [*composite.split(comp), "", "", ""][:3]
    out: dict[str, Any] = {"category_code": category, "status_code": status}
    if entity:
        out["entity_code"] = entity
    return out


def _more_statuses(seg: Any, comp: str) -> list[dict[str, Any]]:
    """STC10 and STC11: the further statuses of the same answer."""
    return [_status(seg.get(n), comp) for n in (10, 11) if seg.get(n)]


def statuses_from_277ca(view: SetView) -> list[dict[str, Any]]:
    comp = view.delimiters.component
    out: list[dict[str, Any]] = []
    answered = datetime.now(UTC)
    spans: dict[str, tuple[int, int]] = {}
    level_start: tuple[str, int] | None = None
    claim_id = ""
    claim_start = 0
    statuses: list[dict[str, Any]] = []  # the claim-level statuses of the current 2200D loop
    lines: list[dict[str, Any]] = []
    line: dict[str, Any] | None = None
    payer_claim_number: str | None = None
    traces: dict[str, str] = {}  # TRN02 of the levels above the claim (the batch: the 837's BHT03)

    def finish(end: int) -> None:
        nonlocal statuses, lines, line, payer_claim_number, claim_id
        context = [spans[level] for level in _LEVELS if level in spans]
        for ordinal, status in enumerate(statuses):
            status["event_id"] = str(view.event_id("277CA", [*context, (claim_start, end)], ordinal))
            if payer_claim_number:
                status["payer_claim_number"] = payer_claim_number
            out.append(status)
        if statuses and lines:
            statuses[0]["line_statuses"] = lines
        elif lines:
            view.notes.append("service line statuses without a claim status were left out")
        statuses, lines, line, payer_claim_number, claim_id = [], [], None, None, ""

    def close_level(before: int) -> None:
        nonlocal level_start
        if level_start is not None:
            spans[level_start[0]] = (level_start[1], before)
            level_start = None

    for index, seg, loop in view:
        sid = seg.elements[0]
        if sid == "BHT":
            answered = parse_datetime(seg.get(4), seg.get(5)) or answered
        elif sid == "HL":
            finish(index - 1)
            close_level(index - 1)
            level = seg.get(3)
            for name in _LEVELS[_LEVELS.index(level) :] if level in _LEVELS else ():
                spans.pop(name, None)
            level_start = (level, index)
        elif sid == "SE":
            finish(index - 1)
        elif sid == "STC" and loop in _ABOVE_CLAIMS:
            status = seg.get(1)
            if status.split(comp)[0] in _REJECTIONS:
                # no claim is listed under a rejected receiver or provider: no claim's status can
                # change, so the rejection is reported (the worker counts it and logs it)
                level, what = _ABOVE_CLAIMS[loop]
                trace = f", trace {traces[loop]}" if traces.get(loop) else ""
                view.groups_rejected.append(
                    GroupRejected(
                        level,
                        f"the payer rejected {what} ({loop} STC {status.replace(comp, ':')}{trace}): "
                        "none of its claims entered adjudication; correct and send them again",
                    )
                )
        elif sid == "TRN" and loop in _ABOVE_CLAIMS:
            traces[loop] = seg.get(2)
        elif loop == "2200D":
            if sid == "TRN":
                finish(index - 1)
                close_level(index - 1)
                claim_id, claim_start = seg.get(2), index
            elif sid == "STC" and claim_id:
                at = parse_datetime(seg.get(2)) or answered
                event: dict[str, Any] = {
                    "event_type": "claim_status",
                    "occurred_at": at.isoformat(),
                    "source": "277CA",
                    "claim_id": claim_id,
                    **_status(seg.get(1), comp),
                }
                if more := _more_statuses(seg, comp):
                    event["more_statuses"] = more
                if seg.get(4):
                    event["amount"] = seg.get(4)
                statuses.append(event)
            elif sid == "REF" and seg.get(1) == "1K":
                payer_claim_number = seg.get(2)
        elif loop == "2220D":
            if sid == "SVC":
                procedure = seg.get(1).split(comp)
                line = {
                    "procedure_code": procedure[1] if len(procedure) > 1 else None,
                    "modifiers": [m for m in procedure[2:6] if m],
                    "charge": seg.get(2) or None,
                    "units": seg.get(7) or None,
                    "category_code": "",
                }
                lines.append(line)
            elif line is None:
                continue
            elif sid == "STC":
                line.update(_status(seg.get(1), comp))
                if more := _more_statuses(seg, comp):
                    line["more_statuses"] = more
            elif sid == "REF" and seg.get(1) == "FJ":
                line["line_control_number"] = seg.get(2)
            elif sid == "DTP" and seg.get(1) == "472":
                first, _, last = seg.get(3).partition("-")
                start, end = parse_date(first), parse_date(last) if last else None
                line["service_date"] = start.isoformat() if start else None
                if end is not None:
                    line["service_end_date"] = end.isoformat()
    finish(view.end - 1)
    return out
