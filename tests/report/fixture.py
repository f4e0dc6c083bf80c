"""A small, deterministic export of the output topics for the report tests: 40 simulated claims
over ten days, scrubbed by the real scrubber, with acknowledgments, payments, denials, tasks."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from schemas import ClaimSubmitted, Encounter, ResubmissionTask
from streams.dev.sim.generator import generate
from streams.scrub import Scrubber

START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _ev(kind: str, at: datetime, **body: Any) -> dict[str, Any]:
    return {
        "event_type": kind,
        "event_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{kind}{at}{body}")),
        "occurred_at": at.isoformat(),
        **body,
    }


def events(scrubber: Scrubber) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, case in enumerate(generate(40, seed=21, defect_rate=0.25, today=date(2026, 10, 25))):
        at = START + timedelta(days=i % 10, minutes=i)
        raw = {**case.claim, "occurred_at": at.isoformat()}
        claim = ClaimSubmitted.model_validate(raw)
        out.append(json.loads(claim.model_dump_json()))
        encounter = Encounter.model_validate(case.encounter) if case.encounter else None
        result = scrubber.scrub(claim, at.date(), encounter, now=at)
        out.append(json.loads(result.model_dump_json()))
        if result.status == "held":
            continue
        cid, total = claim.claim_id, str(claim.total_charge)
        out.append(
            _ev(
                "claim_status",
                at + timedelta(hours=2),
                source="277CA",
                claim_id=cid,
                category_code="A1",
                status_code="19",
            )
        )
        if i % 9 == 4:
            out.append(
                _ev(
                    "claim_status",
                    at + timedelta(hours=5),
                    source="277CA",
                    claim_id=cid,
                    category_code="A7",
                    status_code="562",
                )
            )
            continue
        out.append(
            _ev(
                "claim_status",
                at + timedelta(hours=5),
                source="277CA",
                claim_id=cid,
                category_code="A2",
                status_code="20",
            )
        )
        paid_at = at + timedelta(days=12)
        if i % 5 == 0:
            carc = "11" if i % 10 == 0 else "97"
            out.append(
                _ev(
                    "denial", paid_at, source="835", claim_id=cid, claim_status_code="4", paid_amount="0",
                    adjustments=[{"group_code": "CO", "reason_code": carc, "amount": total}], remark_codes=[],
                )
            )  # fmt: skip
            task = ResubmissionTask(
                task_id=f"T-{cid}", occurred_at=paid_at + timedelta(minutes=1), claim_id=cid,
                payer_id=claim.payer.payer_id, plan_type=claim.payer.plan_type,
                action="appeal" if carc == "11" else "replacement_claim", root_cause="test", category="diagnosis",
                reason_codes=[f"CO-{carc}"], recoverable=True, patient_billable=False, amount_at_stake=claim.total_charge,
                priority="high", due_date=(paid_at + timedelta(days=120)).date(), instructions="test", attempt=1,
            )  # fmt: skip
            out.append(json.loads(task.model_dump_json()))
            if carc == "97":  # the corrected claim is paid
                out.append(
                    _ev("denial", paid_at + timedelta(days=10), source="835", claim_id=cid, claim_status_code="1",
                        paid_amount=total, adjustments=[], remark_codes=[])
                )  # fmt: skip
        else:
            out.append(
                _ev("denial", paid_at, source="835", claim_id=cid, claim_status_code="1", paid_amount=total,
                    adjustments=[{"group_code": "CO", "reason_code": "45", "amount": "3.00"}], remark_codes=[])
            )  # fmt: skip
    out.append(
        _ev("denial_trend", START + timedelta(days=9), trend_key="ACME|93000|I10", scope="payer_code_diagnosis",
            payer_id="ACME", procedure_code="93000", category=None, diagnoses=["I10"], as_of="2026-11-10",
            window_days=7, baseline_days=23, adjudicated=20, denied=8, rate=0.4, baseline_adjudicated=30,
            baseline_denied=1, baseline_rate=0.0333, factor=12.0, top_reasons=["CO-11"])
    )  # fmt: skip
    return out


def write_export(path: Path, scrubber: Scrubber) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events(scrubber)))
    return path
