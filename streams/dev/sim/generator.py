"""Encounters and claims for the ECG family with a configurable defect mix (seeded)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from streams.dev.sim.world import World

DEFECTS = (
    "missing_interpretation",
    "unsigned_report",
    "component_with_global",
    "modifier_26_on_global",
    "unsupported_diagnosis",
    "retired_icd",
    "bad_npi",
    "facility_pos",
    "late_filing",
    "duplicate",
    "repeat_without_76",
)
#: Defects a scrubber cannot see: the payer finds them anyway (eligibility, member not on file).
HIDDEN_DEFECTS = ("coverage_ended", "member_not_found")

SUPPORTING = ("R07.9", "R07.89", "R00.2", "I10", "I48.91", "R55", "I25.10", "Z01.810", "R94.31")
UNSUPPORTED = ("M54.50", "J06.9", "K21.9", "Z00.00")
#: comorbidities coded beside the reason for the ECG (``max_diagnoses`` above 2)
SECONDARY = ("E78.5", "E11.9", "I25.10", "R06.02", "Z79.899", "N18.30", "E66.9", "I10")
FEES = {
    "93000": Decimal("45.00"),
    "93005": Decimal("25.00"),
    "93010": Decimal("20.00"),
    "99213": Decimal("110.00"),
    "99214": Decimal("150.00"),
}


@dataclass
class SimCase:
    claim: dict[str, Any]
    encounter: dict[str, Any]
    defects: list[str] = field(default_factory=list)
    #: sent to the payer by the practice's own system, not through claimflow's scrubber (claimflow
    #: only tracks it, from the lifecycle step that system posts)
    direct: bool = False


def _line(
    n: int, code: str, dos: date, mods: list[str] | None = None, pointers: list[int] | None = None
) -> dict[str, Any]:
    return {
        "line_number": n,
        "procedure_code": code,
        "modifiers": mods or [],
        "units": 1,
        "charge": str(FEES[code]),
        "service_date": dos.isoformat(),
        "diagnosis_pointers": pointers or [1],
    }


def generate(
    n: int,
    seed: int = 7,
    defect_rate: float = 0.2,
    hidden_rate: float = 0.03,
    today: date | None = None,
    world: World | None = None,
    max_diagnoses: int = 2,
    direct_rate: float = 0.0,
    weeks: int = 0,
) -> list[SimCase]:
    """``n`` cases; ``defect_rate`` of them carry one visible defect, ``hidden_rate`` a hidden one.

    Claims carry one or two diagnoses (``max_diagnoses=2``, the demo's mix); a larger
    ``max_diagnoses`` (up to 8) adds up to that many in all, the extra ones comorbidities coded
    beside the reason for the ECG (the scrub benchmark uses 4). ``direct_rate`` of the cases are
    sent to the payer by the practice's own system (claimflow tracks them but does not scrub
    them). With ``weeks`` the dates of service spread over that many weeks before the last month
    and each claim is submitted a few days after its service (its ``occurred_at``), so the payers'
    answers, denials and trends spread over time too; without, every claim is submitted now.
    """
    if not 1 <= max_diagnoses <= len(SECONDARY):
        raise ValueError(f"max_diagnoses must be 1..{len(SECONDARY)}")
    world = world or World.build(seed)
    rng = world.rng
    today = today or datetime.now(UTC).date()
    cases: list[SimCase] = []
    now = datetime.now(UTC)
    for i in range(n):
        patient = rng.choice(world.patients)
        if weeks:
            dos = today - timedelta(days=rng.randint(35, 35 + 7 * weeks))
        else:
            dos = today - timedelta(days=rng.randint(2, 40))
        rendering = rng.choice(world.rendering_npis)
        dx = [rng.choice(SUPPORTING)]
        if max_diagnoses == 2:
            if rng.random() < 0.4:
                dx.append(rng.choice(SUPPORTING))
        elif max_diagnoses > 2:
            extra = rng.choices(range(max_diagnoses), weights=[4, 3, 2, 1, 1, 1, 1, 1][:max_diagnoses])[0]
            dx += rng.sample([d for d in SECONDARY if d != dx[0]], extra)
        ecg = {
            "tracing_recorded": True,
            "interpretation_documented": True,
            "report_signed": True,
            "interpreting_provider_npi": rendering,
            "performed_at": None,
            "repeat_count": 1,
        }
        lines = [_line(1, "93000", dos)]
        commercial = patient.payer["plan_type"] == "commercial"
        if rng.random() < 0.35:  # a same-day office visit
            mods = ["25"] if commercial else []
            lines.insert(0, _line(1, rng.choice(("99213", "99214")), dos, mods))
            lines[1]["line_number"] = 2
        pos = "11"
        billing = rng.choice(world.billing_npis)
        defects: list[str] = []
        if rng.random() < defect_rate:
            defects.append(rng.choice(DEFECTS))
        if rng.random() < hidden_rate:
            defects.append(rng.choice(HIDDEN_DEFECTS))
        ecg_line = lines[-1]
        for d in defects:
            if d == "missing_interpretation":
                ecg.update(interpretation_documented=False, report_signed=False)
            elif d == "unsigned_report":
                ecg["report_signed"] = False
            elif d == "component_with_global":
                lines.append(_line(len(lines) + 1, "93010", dos))
            elif d == "modifier_26_on_global":
                ecg_line["modifiers"] = ["26"]
            elif d == "unsupported_diagnosis":
                dx = [rng.choice(UNSUPPORTED)]
            elif d == "retired_icd":
                dx = ["I47.1"]
            elif d == "bad_npi":
                rendering_bad = rendering[:-1] + str((int(rendering[-1]) + 1) % 10)
                ecg["interpreting_provider_npi"] = rendering_bad
                rendering = rendering_bad
            elif d == "facility_pos":
                pos = rng.choice(("21", "22", "23"))
            elif d == "late_filing":
                dos = today - timedelta(days=400)
                for ln in lines:
                    ln["service_date"] = dos.isoformat()
            elif d == "repeat_without_76":
                lines.append(_line(len(lines) + 1, "93000", dos))
                ecg["repeat_count"] = 2
        for ln in lines:
            ln["diagnosis_pointers"] = list(range(1, min(len(dx), 4) + 1))  # a line points at 4 at most
        claim_id = f"SIM-{seed}-{i:06d}"
        if weeks and "late_filing" not in defects:
            submitted = datetime.combine(dos, datetime.min.time(), UTC) + timedelta(
                days=rng.randint(1, 6), hours=rng.randint(8, 17), minutes=rng.randint(0, 59)
            )
            occurred = min(submitted, now).isoformat()
        else:
            occurred = now.isoformat()
        direct = bool(direct_rate) and rng.random() < direct_rate
        encounter = {
            "event_id": str(uuid.UUID(int=rng.getrandbits(128))),
            "occurred_at": occurred,
            "source": "simulator",
            "encounter_id": f"ENC-{seed}-{i:06d}",
            "patient_key": patient.key,
            "service_date": dos.isoformat(),
            "place_of_service": pos,
            "rendering_provider_npi": rendering,
            "diagnoses": dx,
            "symptoms": ["synthetic symptom"],
            "ecg": ecg,
        }
        claim = {
            "event_id": str(uuid.UUID(int=rng.getrandbits(128))),
            "occurred_at": occurred,
            "source": "simulator",
            "claim_id": claim_id,
            "encounter_id": encounter["encounter_id"],
            "patient_key": patient.key,
            "patient": patient.as_claim_patient(),
            "payer": patient.payer,
            "billing_provider_npi": billing,
            "rendering_provider_npi": rendering,
            "referring_provider_npi": None,
            "place_of_service": pos,
            "frequency_code": "1",
            "original_claim_number": None,
            "diagnoses": dx,
            "lines": lines,
            "total_charge": str(sum(Decimal(ln["charge"]) for ln in lines)),
        }
        cases.append(SimCase(claim, encounter, defects, direct))
        if "duplicate" in defects and cases:  # the same service billed again under a new claim id
            dup = dict(claim, claim_id=f"{claim_id}-DUP", event_id=str(uuid.UUID(int=rng.getrandbits(128))))
            cases[-1].defects = [d for d in defects if d != "duplicate"]
            cases.append(SimCase(dup, encounter, ["duplicate"], direct))
    return cases
