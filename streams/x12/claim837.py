"""837P (005010X222A1) ↔ ``ClaimSubmitted``.

What the contract carries travels both ways: claim id (CLM01, the patient control number),
encounter id (REF*EA, medical record number), member (2010BA NM1*IL, DMG), payer (2010BB, plan
type from SBR09), billing / rendering / referring NPIs, place of service and frequency (CLM05),
original claim number (REF*F8), prior authorisation (REF*G1), diagnoses (HI), lines (LX/SV1/DTP*472)
and the total (CLM02). ``occurred_at`` is BHT04/05 (UTC, to the second). Not carried by X12:
``replaces_claim_id`` (claimflow's own link between a corrected claim and its original) and the
event id, which on ingest is derived from the interchange and the claim (re-ingesting a file
yields the same events, so the worker applies them once).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from schemas import ValidClaim
from schemas.pseudonym import pseudonymous_key
from streams.x12.profile import X12Profile
from streams.x12.segments import Delimiters, Interchange, Segment, render

IMPLEMENTATION = "005010X222A1"
EVENT_NAMESPACE = uuid.UUID("6f1c1d1e-8a5e-4f8e-9a57-0c5d3b7e8a37")

FILING_INDICATOR = {"medicare": "MB", "medicare_advantage": "16", "medicaid": "MC", "commercial": "CI"}
PLAN_TYPE = {"MB": "medicare", "MA": "medicare", "16": "medicare_advantage", "MC": "medicaid"}


def money(value: Decimal) -> str:
    text = format(value.quantize(Decimal("0.01")), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def event_id(kind: str, interchange: Interchange, st_control: str, key: str) -> uuid.UUID:
    isa = interchange.segments[0]
    return uuid.uuid5(EVENT_NAMESPACE, f"{kind}|{isa.get(6).strip()}|{isa.get(13)}|{st_control}|{key}")


# ---------------------------------------------------------------------------------------- render


def transaction(claim: ValidClaim, profile: X12Profile, st_control: str) -> list[list[str]]:
    d = Delimiters()
    at = claim.occurred_at.astimezone(UTC)
    patient, payer = claim.patient, claim.payer
    segs: list[list[str]] = [
        ["ST", "837", st_control, IMPLEMENTATION],
        ["BHT", "0019", "00", claim.claim_id[:30], at.strftime("%Y%m%d"), at.strftime("%H%M%S"), "CH"],
        ["NM1", "41", "2", profile.submitter_name, "", "", "", "", "46", profile.submitter_id],
        ["PER", "IC", profile.contact_name, "TE", profile.contact_phone],
        ["NM1", "40", "2", profile.receiver_name, "", "", "", "", "46", profile.receiver_id],
        ["HL", "1", "", "20", "1"],
        ["NM1", "85", "2", profile.billing_provider_name, "", "", "", "", "XX", claim.billing_provider_npi],
        ["N3", profile.billing_address],
        ["N4", profile.billing_city, profile.billing_state, profile.billing_zip],
        ["REF", "EI", profile.billing_tax_id],
        ["HL", "2", "1", "22", "0"],
        ["SBR", "P", "18", "", "", "", "", "", "", FILING_INDICATOR[payer.plan_type]],
        ["NM1", "IL", "1", patient.last_name, patient.first_name, "", "", "", "MI", patient.member_id],
        ["DMG", "D8", patient.birth_date.strftime("%Y%m%d"), patient.sex],
        ["NM1", "PR", "2", payer.name, "", "", "", "", "PI", payer.payer_id],
        [
            "CLM",
            claim.claim_id,
            money(claim.total_charge),
            "",
            "",
            d.component.join([claim.place_of_service, "B", claim.frequency_code]),
            "Y",
            "A",
            "Y",
            "Y",
        ],
    ]
    if claim.prior_authorization:
        segs.append(["REF", "G1", claim.prior_authorization])
    if claim.original_claim_number:
        segs.append(["REF", "F8", claim.original_claim_number])
    if claim.encounter_id:
        segs.append(["REF", "EA", claim.encounter_id])
    codes = [c.replace(".", "") for c in claim.diagnoses]
    segs.append(["HI", *(f"{'ABK' if i == 0 else 'ABF'}{d.component}{code}" for i, code in enumerate(codes))])
    if claim.referring_provider_npi:
        last, first = profile.provider_name(claim.referring_provider_npi)
        segs.append(["NM1", "DN", "1", last, first, "", "", "", "XX", claim.referring_provider_npi])
    if claim.rendering_provider_npi != claim.billing_provider_npi:
        last, first = profile.provider_name(claim.rendering_provider_npi)
        segs.append(["NM1", "82", "1", last, first, "", "", "", "XX", claim.rendering_provider_npi])
    for ln in sorted(claim.lines, key=lambda x: x.line_number):
        procedure = d.component.join(["HC", ln.procedure_code, *ln.modifiers])
        pointers = d.component.join(str(p) for p in ln.diagnosis_pointers) or "1"
        segs.append(["LX", str(ln.line_number)])
        segs.append(["SV1", procedure, money(ln.charge), "UN", str(ln.units), "", "", pointers])
        segs.append(["DTP", "472", "D8", ln.service_date.strftime("%Y%m%d")])
    segs.append(["SE", str(len(segs) + 1), st_control])
    return segs


def render_837p(
    claims: list[ValidClaim], profile: X12Profile, control_number: int, now: datetime | None = None
) -> str:
    """One interchange (ISA/GS) with one 837P transaction per claim."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    icn = f"{control_number % 1_000_000_000:09d}"
    gcn = str(control_number % 1_000_000_000 or 1)
    segs: list[list[str]] = [
        [
            "ISA",
            "00",
            " " * 10,
            "00",
            " " * 10,
            "ZZ",
            f"{profile.sender_id:<15}",
            "ZZ",
            f"{profile.receiver_id:<15}",
            now.strftime("%y%m%d"),
            now.strftime("%H%M"),
            "^",
            "00501",
            icn,
            "0",
            profile.usage,
            ":",
        ],
        [
            "GS",
            "HC",
            profile.sender_id,
            profile.receiver_id,
            now.strftime("%Y%m%d"),
            now.strftime("%H%M"),
            gcn,
            "X",
            IMPLEMENTATION,
        ],
    ]
    for i, claim in enumerate(claims, start=1):
        segs.extend(transaction(claim, profile, f"{i:04d}"))
    segs.append(["GE", str(len(claims)), gcn])
    segs.append(["IEA", "1", icn])
    return render(segs)


# ----------------------------------------------------------------------------------------- parse


def _date(value: str) -> date:
    return datetime.strptime(value[:8], "%Y%m%d").date()


def _bht_time(bht: Segment) -> datetime:
    raw_time = (bht.get(5) + "000000")[:6]
    return datetime.strptime(bht.get(4) + raw_time, "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def claims_from_837p(interchange: Interchange, secret: bytes) -> list[dict[str, Any]]:
    """Every CLM as a ``ClaimSubmitted``-shaped dict (validated by the caller, so one bad claim
    becomes one dead letter, not a lost file)."""
    d = interchange.delimiters
    out: list[dict[str, Any]] = []
    st_control = ""
    occurred_at: datetime | None = None
    billing_npi = ""
    subscriber: dict[str, Any] = {}
    payer: dict[str, Any] = {}
    plan_type = "commercial"
    claim: dict[str, Any] | None = None
    line: dict[str, Any] | None = None
    hl_level = ""

    def finish() -> None:
        nonlocal claim, line
        if claim is not None:
            claim["rendering_provider_npi"] = claim.get("rendering_provider_npi") or billing_npi
            out.append(claim)
        claim, line = None, None

    for seg in interchange.segments:
        sid = seg.id
        if sid == "ST":
            finish()
            st_control = seg.get(2)
        elif sid == "BHT":
            occurred_at = _bht_time(seg)
        elif sid == "HL":
            finish()
            hl_level = seg.get(3)
        elif sid == "NM1":
            entity = seg.get(1)
            if entity == "85":
                billing_npi = seg.get(9)
            elif entity == "IL":
                subscriber = {"member_id": seg.get(9), "last_name": seg.get(3), "first_name": seg.get(4)}
            elif entity == "QC" and hl_level == "23":  # a dependent patient: their name, same member
                subscriber = {**subscriber, "last_name": seg.get(3), "first_name": seg.get(4)}
            elif entity == "PR":
                payer = {"payer_id": seg.get(9), "name": seg.get(3)}
            elif entity == "82" and claim is not None and line is None:
                claim["rendering_provider_npi"] = seg.get(9)
            elif entity == "DN" and claim is not None and line is None:
                claim["referring_provider_npi"] = seg.get(9)
        elif sid == "SBR":
            plan_type = PLAN_TYPE.get(seg.get(9), "commercial")
        elif sid == "DMG" and claim is None:
            subscriber = {**subscriber, "birth_date": _date(seg.get(2)).isoformat(), "sex": seg.get(3) or "U"}
        elif sid == "CLM":
            finish()
            pos, _, freq = ([*seg.components(5, d), "", "", ""])[:3]
            claim_id = seg.get(1)
            full_payer = {**payer, "plan_type": plan_type}
            claim = {
                "event_id": str(event_id("837P", interchange, st_control, claim_id)),
                "occurred_at": (occurred_at or datetime.now(UTC)).isoformat(),
                "source": "x12-837p",
                "claim_id": claim_id,
                "patient_key": pseudonymous_key(
                    payer.get("payer_id", ""), subscriber.get("member_id", ""), secret
                ),
                "patient": dict(subscriber),
                "payer": full_payer,
                "billing_provider_npi": billing_npi,
                "place_of_service": pos,
                "frequency_code": freq or "1",
                "diagnoses": [],
                "lines": [],
                "total_charge": seg.get(2),
            }
        elif sid == "REF" and claim is not None and line is None:
            field = {"F8": "original_claim_number", "G1": "prior_authorization", "EA": "encounter_id"}
            if seg.get(1) in field:
                claim[field[seg.get(1)]] = seg.get(2)
        elif sid == "HI" and claim is not None:
            for element in seg.elements[1:]:
                qualifier, _, code = element.partition(d.component)
                if qualifier in ("ABK", "ABF", "BK", "BF") and code:
                    claim["diagnoses"].append(code.split(d.component)[0])
        elif sid == "LX" and claim is not None:
            line = {"line_number": int(seg.get(1) or len(claim["lines"]) + 1)}
            claim["lines"].append(line)
        elif sid == "SV1" and line is not None:
            procedure = seg.components(1, d)
            line.update(
                procedure_code=procedure[1] if len(procedure) > 1 else "",
                modifiers=[m for m in procedure[2:6] if m],
                charge=seg.get(2),
                units=int(Decimal(seg.get(4) or "1")),
                diagnosis_pointers=[int(p) for p in seg.components(7, d) if p.isdigit()],
            )
        elif sid == "DTP" and line is not None and seg.get(1) == "472":
            line["service_date"] = _date(seg.get(3)).isoformat()
        elif sid == "SE":
            finish()
    finish()
    return out
