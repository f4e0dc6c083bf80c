"""Builders for scripted bus scenarios (claims, encounters, payer answers) with recent dates."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from streams.dev.localrun import Bus
from tests.builders import claim_dict, encounter_dict, line

COMMERCIAL_PATIENT = {
    "member_id": "XJK000000001",
    "first_name": "TEST",
    "last_name": "PATIENT",
    "birth_date": "1980-07-15",
    "sex": "M",
}


def now() -> datetime:
    return datetime.now(UTC)


def recent_dos(days_ago: int = 5) -> date:
    return (now() - timedelta(days=days_ago)).date()


def submit(
    bus: Bus,
    claim_id: str,
    *,
    payer: dict[str, str] | None = None,
    codes: tuple[str, ...] = ("93000",),
    ecg: dict[str, Any] | None = None,
    encounter: bool = True,
    diagnoses: tuple[str, ...] = ("R07.9",),
    patient_key: str | None = None,
    **claim_fields: Any,
) -> dict[str, Any]:
    """A claim (``claim_fields``: any other field, e.g. a replacement's frequency_code) and its
    encounter, sent on claims-submitted and encounters."""
    dos = recent_dos()
    pk = patient_key or f"pk-{claim_id}"
    extra: dict[str, Any] = dict(claim_fields)
    if payer is not None:
        extra["payer"] = payer
        if payer["plan_type"] != "medicare":
            extra["patient"] = COMMERCIAL_PATIENT
    claim = claim_dict(
        claim_id=claim_id,
        encounter_id=f"E-{claim_id}",
        patient_key=pk,
        occurred_at=now().isoformat(),
        diagnoses=list(diagnoses),
        # "93000-26": a code with its modifier
        lines=[
            line(
                i,
                code.partition("-")[0],
                service_date=dos,
                modifiers=[m] if (m := code.partition("-")[2]) else None,
            )
            for i, code in enumerate(codes, start=1)
        ],
        **extra,
    )
    if encounter:
        bus.send(
            "encounters",
            pk,
            encounter_dict(
                encounter_id=f"E-{claim_id}",
                patient_key=pk,
                service_date=dos.isoformat(),
                occurred_at=now().isoformat(),
                diagnoses=list(diagnoses),
                ecg_fields=ecg or {},
            ),
        )
    bus.send("claims-submitted", pk, claim)
    return claim


def send_encounter(bus: Bus, claim: dict[str, Any], ecg: dict[str, Any] | None = None) -> None:
    bus.send(
        "encounters",
        claim["patient_key"],
        encounter_dict(
            encounter_id=claim["encounter_id"],
            patient_key=claim["patient_key"],
            service_date=claim["lines"][0]["service_date"],
            occurred_at=now().isoformat(),
            diagnoses=claim["diagnoses"],
            ecg_fields=ecg or {},
        ),
    )


def status(
    bus: Bus,
    claim_id: str,
    category: str,
    *,
    at: datetime | None = None,
    event_id: str | None = None,
    pcn: str | None = None,
    code: str = "",
) -> dict[str, Any]:
    ev = {
        "event_id": event_id or str(uuid.uuid4()),
        "occurred_at": (at or now()).isoformat(),
        "source": "277CA",
        "claim_id": claim_id,
        "category_code": category,
        "status_code": code,
        "payer_claim_number": pcn or f"PCN-{claim_id}",
    }
    bus.send("claim-status", claim_id, ev)
    return ev


def denial(
    bus: Bus,
    claim_id: str,
    adjustments: list[dict[str, Any]],
    *,
    paid: str = "0",
    clp02: str = "4",
    remarks: list[str] | None = None,
    at: datetime | None = None,
    charge: str | None = None,
    partition: int | None = None,
) -> dict[str, Any]:
    """An 835 answer on claim-denials (``partition``: where a producer with another partitioner
    would put it, whatever its key)."""
    ev = {
        "event_id": str(uuid.uuid4()),
        "occurred_at": (at or now()).isoformat(),
        "source": "835",
        "charge_amount": charge,
        "claim_id": claim_id,
        "payer_claim_number": f"PCN-{claim_id}",
        "claim_status_code": clp02,
        "adjustments": adjustments,
        "remark_codes": remarks or [],
        "paid_amount": paid,
    }
    bus.send("claim-denials", claim_id, ev, partition=partition)
    return ev
