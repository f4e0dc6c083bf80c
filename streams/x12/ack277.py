"""277CA (005010X214) → ``ClaimStatus`` events: one per claim-level STC (loop 2200D).

The claim is matched by the patient control number the 837P sent (TRN02 in 2200D, which is
claimflow's ``claim_id``); the payer's claim number comes from REF*1K. STC01 is
category:status[:entity]; STC02 the status date; STC04 the claim amount.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from streams.x12.claim837 import event_id
from streams.x12.segments import Interchange


def statuses_from_277ca(interchange: Interchange) -> list[dict[str, Any]]:
    d = interchange.delimiters
    out: list[dict[str, Any]] = []
    st_control = ""
    level = ""
    claim_id = ""
    current: list[dict[str, Any]] = []  # the STCs of the current claim (REF*1K may follow them)
    bht_date = ""
    for seg in interchange.segments:
        sid = seg.id
        if sid == "ST":
            st_control = seg.get(2)
        elif sid == "BHT":
            bht_date = seg.get(4)
        elif sid == "HL":
            level, claim_id, current = seg.get(3), "", []
        elif sid == "TRN" and level == "PT" and seg.get(1) == "2":
            claim_id, current = seg.get(2), []
        elif sid == "STC" and level == "PT" and claim_id:
            category, status, *_ = [*seg.components(1, d), ""]
            day = seg.get(2) or bht_date
            at = datetime.strptime(day[:8], "%Y%m%d").replace(tzinfo=UTC) if day else datetime.now(UTC)
            event = {
                "event_id": str(event_id("277CA", interchange, st_control, f"{claim_id}|{len(out)}")),
                "occurred_at": at.isoformat(),
                "source": "277CA",
                "claim_id": claim_id,
                "category_code": category,
                "status_code": status,
            }
            if seg.get(4):
                event["amount"] = seg.get(4)
            out.append(event)
            current.append(event)
        elif sid == "REF" and level == "PT" and seg.get(1) == "1K":
            for event in current:
                event["payer_claim_number"] = seg.get(2)
    return out
