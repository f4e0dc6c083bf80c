"""835 (005010X221A1) → remittance events, one per CLP (claim payment).

A CLP with adjustments (CAS at claim level, or at line level inside its SVC loops) or with status
4 (denied) / 22 (reversal) becomes a ``Denial`` event: the lifecycle tracker derives paid, partially
paid or denied from it, and the resubmission agent plans tasks for its CARCs. A CLP paid in full
without adjustments becomes a ``ClaimStatus`` F1 (finalized/payment) with the paid amount.
Remark codes (RARCs) come from MOA (outpatient), MIA (inpatient) and LQ*HE (line level).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from streams.x12.claim837 import event_id
from streams.x12.segments import Interchange, Segment

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


def remittances_from_835(interchange: Interchange) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    st_control = ""
    produced = ""
    claim: dict[str, Any] | None = None
    line_number: int | None = None

    def finish() -> None:
        nonlocal claim
        if claim is None:
            return
        if claim["adjustments"] or claim["claim_status_code"] in ("4", "22"):
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
                    "status_code": "65" if claim["claim_status_code"] == "1" else "",
                    "amount": claim["paid_amount"],
                }
            )
        claim = None

    for seg in interchange.segments:
        sid = seg.id
        if sid == "ST":
            finish()
            st_control = seg.get(2)
        elif sid == "BPR" and seg.get(16):
            produced = seg.get(16)
        elif sid == "DTM" and seg.get(1) == "405":
            produced = seg.get(2)
        elif sid == "CLP":
            finish()
            at = (
                datetime.strptime(produced[:8], "%Y%m%d").replace(tzinfo=UTC)
                if produced
                else datetime.now(UTC)
            )
            claim_id = seg.get(1)
            claim = {
                "event_type": "denial",
                "event_id": str(event_id("835", interchange, st_control, f"{claim_id}|{len(out)}")),
                "occurred_at": at.isoformat(),
                "source": "835",
                "claim_id": claim_id,
                "claim_status_code": seg.get(2),
                "paid_amount": seg.get(4) or "0",
                "adjustments": [],
                "remark_codes": [],
            }
            if seg.get(7):
                claim["payer_claim_number"] = seg.get(7)
            line_number = None
        elif claim is None:
            continue
        elif sid == "SVC":
            line_number = (line_number or 0) + 1
        elif sid == "CAS":
            claim["adjustments"].extend(_adjustments(seg, line_number))
        elif sid == "MOA":
            claim["remark_codes"].extend(seg.get(i) for i in MOA_REMARKS if seg.get(i))
        elif sid == "MIA":
            claim["remark_codes"].extend(seg.get(i) for i in MIA_REMARKS if seg.get(i))
        elif sid == "LQ" and seg.get(1) == "HE":
            claim["remark_codes"].append(seg.get(2))
        elif sid in ("SE", "PLB"):
            finish()
    finish()
    return out
