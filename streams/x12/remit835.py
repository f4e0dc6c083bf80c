"""835 (005010X221A1) → remittance events: one per CLP (claim payment), one per PLB.

A CLP with adjustments (CAS at claim level, or at line level inside its SVC loops; the line is the
SVC's position in the claim, and the line item control number its REF*6R echoes), with status 4
(denied) or with any status but 1 (2/3 processed as secondary/tertiary, 19-21 processed and
forwarded to the next payer: the status says whether the next payer was already billed) becomes a ``Denial``: the lifecycle tracker derives paid, partially
paid or denied from it, and the resubmission agent plans tasks for its CARCs. A CLP processed as
primary (1) and paid in full (CLP04 ≥ CLP03, interest included) without adjustments becomes a ``ClaimStatus`` F1 (finalized/payment)
with the paid amount. Remark codes (RARCs) come from MOA (outpatient), MIA (inpatient) and LQ*HE
(line level).

A reversal (CLP02 22: the payer takes a decision back, with the original amounts negated) becomes
a ``Denial`` with status 22, the negative paid amount, and the adjustments it takes back in
``reversed_adjustments`` (never in ``adjustments``: a reversal denies nothing). The correction
that usually follows it (a new CLP for the same claim) is an ordinary decision.

Each PLB (provider-level adjustment: interest, overpayment recovery, forwarding balance; any
number of them, the guide lets PLB repeat) becomes a ``ProviderAdjustment`` on
``provider-adjustments`` — money for the provider's account, never a claim denial.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from streams.x12.context import SetView, parse_date, parse_datetime
from streams.x12.segments import Segment

MOA_REMARKS = (3, 4, 5, 6, 7)
MIA_REMARKS = (5, 20, 21, 22, 23)


def _adjustments(cas: Segment, line_number: int | None) -> list[dict[str, Any]]:
    out = []
    for start in range(2, 19, 3):  # CAS02/03/04, 05/06/07, ... up to six reasons
        reason, amount = cas.get(start), cas.get(start + 1)
        if reason:
            out.append(
                {
                    "line_number": line_number,
                    "group_code": cas.get(1),
                    "reason_code": reason,
                    "amount": amount or "0",
                }
            )
    return out


def _provider_adjustment(
    plb: Segment, view: SetView, header: tuple[int, int], index: int, ordinal: int, payment: dict[str, Any]
) -> dict[str, Any]:
    comp = view.delimiters.component
    items = []
    for start in range(3, 15, 2):  # PLB03/04 ... PLB13/14
        if not plb.get(start):
            continue
        reason, _, reference = plb.get(start).partition(comp)
        items.append(
            {"reason_code": reason, "reference": reference or None, "amount": plb.get(start + 1) or "0"}
        )
    period_end = parse_date(plb.get(2))
    return {
        "event_type": "provider_adjustment",
        "event_id": str(view.event_id("835-PLB", [header, (index, index)], ordinal)),
        "occurred_at": payment["occurred_at"],
        "source": "835",
        "provider_id": plb.get(1),
        "payer_id": payment.get("payer_id"),
        "fiscal_period_end": period_end.isoformat() if period_end else plb.get(2),
        "payment_trace_number": payment.get("trace"),
        "adjustments": items,
    }


def _paid_as_charged(claim: dict[str, Any]) -> bool:
    """CLP04 at least CLP03: paid in full (CLP04 includes any interest, AMT*I); an unreadable amount
    is not taken for it."""
    try:
        return Decimal(claim["paid_amount"]) >= Decimal(claim["charge_amount"] or "")
    except (InvalidOperation, TypeError):
        return False


def remittances_from_835(view: SetView) -> list[dict[str, Any]]:
    """The events of one accepted 835 transaction set, in order."""
    out: list[dict[str, Any]] = []
    payment: dict[str, Any] = {"occurred_at": datetime.now(UTC).isoformat()}
    header_end = view.start
    claim: dict[str, Any] | None = None
    claim_start = 0
    claims = 0
    plbs = 0
    line_number: int | None = None
    line_adjustments: list[dict[str, Any]] = []

    def finish(end: int) -> None:
        nonlocal claim
        if claim is None:
            return
        claim["event_id"] = str(view.event_id("835", [(view.start, header_end), (claim_start, end)], claims))
        # a remark repeated on many lines (LQ*HE) is one remark of the decision
        claim["remark_codes"] = list(dict.fromkeys(claim["remark_codes"]))
        status = claim["claim_status_code"]
        if status == "22":
            claim["reversed_adjustments"], claim["adjustments"] = claim["adjustments"], []
            out.append(claim)
        elif claim["adjustments"] or status != "1" or not _paid_as_charged(claim):
            # denied (4), or processed otherwise than as the only primary (2, 3 as secondary or
            # tertiary; 19-21 forwarded to the next payer), or paid less than charged with no CAS to
            # say why (the guide's balancing, CLP03 - CAS = CLP04, broken): the decision keeps its
            # CLP02 and its charge, and the tracker sees what was not paid
            out.append(claim)
        else:
            out.append(
                {
                    "event_type": "claim_status",
                    "event_id": claim["event_id"],
                    "occurred_at": claim["occurred_at"],
                    "source": "835",
                    "claim_id": claim["claim_id"],
                    "payer_claim_number": claim.get("payer_claim_number"),
                    "category_code": "F1",
                    "status_code": "65",  # paid
                    "amount": claim["paid_amount"],
                }
            )
        claim = None

    for index, seg, loop in view:
        sid = seg.elements[0]
        if loop in ("HEADER", "1000A", "1000B"):
            header_end = index
            if sid == "BPR" and seg.get(16):
                payment["occurred_at"] = (parse_datetime(seg.get(16)) or datetime.now(UTC)).isoformat()
            elif sid == "DTM" and seg.get(1) == "405":
                payment["occurred_at"] = (parse_datetime(seg.get(2)) or datetime.now(UTC)).isoformat()
            elif sid == "TRN":
                payment["trace"] = seg.get(2) or None
                payment.setdefault("payer_id", seg.get(3) or None)
            elif sid == "REF" and loop == "1000A" and seg.get(1) == "2U":
                payment["payer_id"] = seg.get(2) or payment.get("payer_id")
            continue
        if sid == "CLP":
            finish(index - 1)
            claims += 1
            claim_start = index
            claim = {
                "event_type": "denial",
                "occurred_at": payment["occurred_at"],
                "source": "835",
                "claim_id": seg.get(1),
                "claim_status_code": seg.get(2),
                "paid_amount": seg.get(4) or "0",
                "charge_amount": seg.get(3) or None,
                "adjustments": [],
                "remark_codes": [],
            }
            if seg.get(7):
                claim["payer_claim_number"] = seg.get(7)
            line_number = None
        elif sid == "PLB":
            finish(index - 1)
            plbs += 1
            out.append(_provider_adjustment(seg, view, (view.start, header_end), index, plbs, payment))
        elif sid in ("SE", "LX"):
            finish(index - 1)
        elif claim is None:
            continue
        elif sid == "SVC":
            line_number = (line_number or 0) + 1
            line_adjustments = []
        elif sid == "CAS":
            read = _adjustments(seg, line_number if loop == "2110" else None)
            claim["adjustments"].extend(read)
            if loop == "2110":
                line_adjustments.extend(read)
        elif sid == "REF" and loop == "2110" and seg.get(1) == "6R" and seg.get(2):
            # the line item control number the claim sent (REF*6R): it names the line whatever its
            # position here (a payer may reorder or split lines); it follows the line's CAS
            for adjustment in line_adjustments:
                adjustment["line_control_number"] = seg.get(2)
        elif sid == "MOA":
            claim["remark_codes"].extend(seg.get(i) for i in MOA_REMARKS if seg.get(i))
        elif sid == "MIA":
            claim["remark_codes"].extend(seg.get(i) for i in MIA_REMARKS if seg.get(i))
        elif sid == "LQ" and seg.get(1) == "HE":
            claim["remark_codes"].append(seg.get(2))
    finish(view.end - 1)
    return out
