"""837P (005010X222A1) ↔ ``ClaimSubmitted``.

What the contract carries travels both ways: claim id (CLM01, the patient control number),
encounter id (REF*EA, medical record number), member (2010BA NM1*IL, DMG; a dependent's name and
birth date from 2010CA), payer (2010BB, plan type from SBR09, its place in the order of payment
from SBR01), billing / rendering / referring NPIs (2010AA, 2310B, 2310A), place of service and
frequency (CLM05), original claim number (2300 REF*F8), prior authorisation (REF*G1), diagnoses
(HI), lines (LX, SV1 with the units as a decimal and their basis UN or MJ, DTP*472 as a day or a
range, REF*6R, the line's own rendering and referring providers: 2420A, 2420F) and the total
(CLM02). ``occurred_at`` is BHT04/05 (UTC, to the second).

Coordination of benefits (loops 2320/2330: another payer's adjudication of this claim) becomes
``other_payers`` — that payer's id and name (2330B), plan type and place in the order (2320 SBR),
its claim number (2330B REF*F8), what it paid (AMT*D), the patient's remaining liability
(AMT*EAF), its adjudication date (DTP*573), its claim-level adjustments (2320 CAS) and its decision
on each line (2430: SVD paid amount and units, line CAS, DTP*573; matched to the payer by SVD01 =
its 2330B id) — a secondary claim balances line by line, as a secondary payer checks. Nothing in
those loops ever becomes the claim's own subscriber, payer, providers or claim numbers: each
segment is read in the loop the guide's walk placed it in.

Not carried by X12: ``replaces_claim_id`` (claimflow's own link between a corrected claim and its
original) and the event id (derived from content on ingest, see ``streams.x12.context``).
``other_payers`` are written back as 2320/2330A/2330B when each names the other payer and its
subscriber (2330A NM1*IL, which the guide requires; read on ingest).

Written out, lines are numbered from 1 in LX, REF*F8 goes with frequency 7/8 only, accented
letters lose their accents; a claim with a value X12 cannot carry (``unwritable``) is refused.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from schemas import Adjustment, OtherPayer, ValidClaim
from schemas.claim import ValidClaimLine, cob_conflicts, x12_values
from schemas.codes import ICD9_PREFIX, npi_is_valid, x12_limit, x12_minimum, x12_text, x12_unsafe_in
from schemas.pseudonym import pseudonymous_key
from streams.x12.context import SetView, parse_date, parse_datetime
from streams.x12.profile import X12Profile
from streams.x12.segments import Delimiters, Segment, render

IMPLEMENTATION = "005010X222A1"

FILING_INDICATOR = {"medicare": "MB", "medicare_advantage": "16", "medicaid": "MC", "commercial": "CI"}
PLAN_TYPE = {"MB": "medicare", "MA": "medicare", "16": "medicare_advantage", "MC": "medicaid"}
#: claim-level loops of another payer: nothing in them is the claim's own
COB_LOOPS = frozenset({"2320", "2330A", "2330B", "2330C", "2330D", "2330E", "2330F", "2330G"})
GROUP_CODES = frozenset({"CO", "PR", "OA", "PI"})


def money(value: Decimal) -> str:
    text = format(value.quantize(Decimal("0.01")), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def quantity(value: Decimal) -> str:
    """Units as X12 writes decimals: no exponent, no trailing zeros (1.5, 2, 0.25)."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# ---------------------------------------------------------------------------------------- render


def unwritable(claim: ValidClaim) -> list[str]:
    """What keeps a claim out of an 837P (the scrubber holds such a claim: CLAIM_X12_UNSAFE,
    CLAIM_X12_TOO_LONG, CLAIM_X12_TOO_SHORT): a value with a delimiter or a character outside X12's
    set, or longer or shorter than its element allows. Names the fields, never the values."""
    out = [
        f"other_payers[{n}] lacks what its COB loops need: {', '.join(missing)}"
        for n, other in enumerate(claim.other_payers)
        if (missing := other.cob_missing())  # 2330A and 2330B are required in a 2320 loop
    ]
    out += [
        f"other_payers[{n - 1}]: {values['problem']}"
        if n is not None
        else "the claim lacks an earlier payer's decision"
        for rule, n, values in cob_conflicts(claim)
    ]
    if claim.subscriber is not None and not claim.patient.has_address():
        out.append("the patient is a dependent without the address 2010CA requires (N3/N4)")
    # what the guide requires of the claim as a whole (the scrubber holds such a claim too)
    if claim.total_charge != sum((ln.charge for ln in claim.lines), Decimal("0")):
        out.append("total_charge is not the sum of the lines' charges (CLM02 = the SV102s)")
    # an NPI whose check digit fails is a typo the payer rejects (the scrubber holds it:
    # PROVIDER_NPI_INVALID); the guide's NM109 would carry it unchecked
    npis = [
        ("billing_provider_npi", claim.billing_provider_npi),
        ("rendering_provider_npi", claim.rendering_provider_npi),
        ("referring_provider_npi", claim.referring_provider_npi),
    ]
    npis += [
        (f"lines.{n}.{role}_provider_npi", npi)
        for n, line in enumerate(claim.lines, start=1)
        for role, npi in (
            ("rendering", line.rendering_provider_npi),
            ("referring", line.referring_provider_npi),
        )
    ]
    out += [
        f"{field} fails the NPI check digit"
        for field, npi in npis
        if npi is not None and not npi_is_valid(npi)
    ]
    if claim.frequency_code in ("7", "8") and not claim.original_claim_number:
        out.append("a replacement or void (frequency 7/8) needs the payer's claim number (REF*F8)")
    for field, value, _ in x12_values(claim):
        if not value:
            continue
        if x12_unsafe_in(field, value):
            out.append(f"{field} holds a character an 837P cannot carry")
        elif not x12_text(value).strip():
            out.append(f"{field} is nothing once written in X12's characters")
        if len(x12_text(value)) > x12_limit(field):
            out.append(f"{field} is longer than its {x12_limit(field)} characters")
        elif 0 < len(x12_text(value).strip()) < x12_minimum(field):
            out.append(f"{field} is shorter than its {x12_minimum(field)} characters")
    return out


def _claim_segments(claim: ValidClaim, profile: X12Profile, d: Delimiters) -> list[list[str]]:
    """Loop 2300 and its 2310/2400 loops."""
    segs: list[list[str]] = [
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
    if claim.original_claim_number and claim.frequency_code in ("7", "8"):
        # the payer's claim number, for a replacement or a void only (2300 REF*F8)
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
    for other in claim.other_payers:
        segs.extend(_other_payer_segments(other, d))
    for number, ln in enumerate(sorted(claim.lines, key=lambda x: x.line_number), start=1):
        procedure = d.component.join(["HC", ln.procedure_code, *ln.modifiers])
        pointers = d.component.join(str(p) for p in ln.diagnosis_pointers) or "1"
        segs.append(["LX", str(number)])  # 1, 2, 3... in the set whatever the claim's numbering
        line_pos = ln.place_of_service if ln.place_of_service not in (None, claim.place_of_service) else ""
        segs.append(
            ["SV1", procedure, money(ln.charge), ln.unit_basis, quantity(ln.units), line_pos, "", pointers]
        )
        if ln.service_end_date is not None:
            span = f"{ln.service_date:%Y%m%d}-{ln.service_end_date:%Y%m%d}"
            segs.append(["DTP", "472", "RD8", span])
        else:
            segs.append(["DTP", "472", "D8", ln.service_date.strftime("%Y%m%d")])
        if ln.line_control_number:
            segs.append(["REF", "6R", ln.line_control_number])
        # the line's own rendering (2420A) and referring (2420F) provider, where not the claim's
        if ln.rendering_provider_npi not in (None, claim.rendering_provider_npi):
            last, first = profile.provider_name(ln.rendering_provider_npi)
            segs.append(["NM1", "82", "1", last, first, "", "", "", "XX", ln.rendering_provider_npi])
        if ln.referring_provider_npi not in (None, claim.referring_provider_npi):
            last, first = profile.provider_name(ln.referring_provider_npi)
            segs.append(["NM1", "DN", "1", last, first, "", "", "", "XX", ln.referring_provider_npi])
        for other in claim.other_payers:
            segs.extend(_line_adjudication_segments(other, ln, procedure, d))
    return segs


def _line_adjudication_segments(
    other: OtherPayer, ln: ValidClaimLine, procedure: str, d: Delimiters
) -> list[list[str]]:
    """Loop 2430 per decision another payer sent on this line (SVD, its CAS, DTP*573). A line it
    paid in parts (two SVDs: a payment and a later one) has a 2430 loop per part; the line's
    adjustments, which the claim keeps per line, not per part, go with the first."""
    segs: list[list[str]] = []
    for paid in (p for p in other.line_payments if p.line_number == ln.line_number):
        units = quantity(paid.units if paid.units is not None else ln.units)
        # the code that payer decided: the line's own, unless a correction changed it since (SVD03)
        decided = (
            d.component.join(["HC", paid.procedure_code, *paid.modifiers])
            if paid.procedure_code
            else procedure
        )
        segs.append(["SVD", other.payer_id or "", money(paid.paid_amount), decided, "", units])
        if len(segs) == 1:
            segs.extend(_cas_segments([a for a in other.adjustments if a.line_number == ln.line_number]))
        # DTP*573 is required in 2430: the line's date, else the payer's (``cob_conflicts`` holds
        # a claim with neither)
        on = paid.adjudicated_on or other.adjudicated_on
        if on is not None:
            segs.append(["DTP", "573", "D8", on.strftime("%Y%m%d")])
    return segs


def _cas_segments(adjustments: list[Adjustment]) -> list[list[str]]:
    by_group: dict[str, list[Adjustment]] = {}
    for adjustment in adjustments:
        by_group.setdefault(adjustment.group_code, []).append(adjustment)
    segs: list[list[str]] = []
    for group, found in by_group.items():
        for start in range(0, len(found), 6):  # six reason/amount/quantity triples a CAS
            triples = [[a.reason_code, money(a.amount), ""] for a in found[start : start + 6]]
            segs.append(["CAS", group, *(e for t in triples for e in t)])
    return segs


def _other_payer_segments(other: OtherPayer, d: Delimiters) -> list[list[str]]:
    """Loops 2320/2330A/2330B: another payer of the claim, its subscriber and what it decided
    (``unwritable`` has checked that the subscriber and the payer are named)."""
    segs: list[list[str]] = [
        [
            "SBR", other.responsibility, other.relationship or "21", "", "", "", "", "", "",
            FILING_INDICATOR.get(other.plan_type or "", "ZZ"),
        ],
    ]  # fmt: skip
    segs.extend(_cas_segments([a for a in other.adjustments if a.line_number is None]))
    if other.paid_amount is not None:
        segs.append(["AMT", "D", money(other.paid_amount)])
    if other.patient_responsibility is not None:
        segs.append(["AMT", "EAF", money(other.patient_responsibility)])
    segs.append(["OI", "", "", "Y", "", "", "Y"])  # benefits assigned, information released (as CLM08/09)
    segs.append([
        "NM1", "IL", "1", x12_text(other.subscriber_last_name or ""), x12_text(other.subscriber_first_name or ""),
        "", "", "", "MI", other.subscriber_member_id or "",
    ])  # fmt: skip
    segs.append(["NM1", "PR", "2", x12_text(other.name or ""), "", "", "", "", "PI", other.payer_id or ""])
    if other.adjudicated_on is not None:
        segs.append(["DTP", "573", "D8", other.adjudicated_on.strftime("%Y%m%d")])
    if other.claim_number:
        segs.append(["REF", "F8", other.claim_number])
    return segs


def _subscriber_segments(claim: ValidClaim, hl: int, parent: int) -> list[list[str]]:
    """Loop 2000B (the subscriber and the payer) and, for a dependent patient, 2000C (its HL is
    ``hl + 1``): the member id is the subscriber's, the patient named in 2010CA with the address
    the guide requires there."""
    patient, payer, insured = claim.patient, claim.payer, claim.subscriber
    filing = FILING_INDICATOR[payer.plan_type]
    group = claim.group_number or ""
    address = (
        [
            ["N3", x12_text(patient.address or "")],
            ["N4", x12_text(patient.city or ""), patient.state or "", patient.postal_digits()],
        ]
        if patient.has_address()
        else []
    )
    if insured is None:
        return [
            ["HL", str(hl), str(parent), "22", "0"],
            ["SBR", claim.payer_responsibility, "18", group, "", "", "", "", "", filing],
            [
                "NM1", "IL", "1", x12_text(patient.last_name), x12_text(patient.first_name),
                "", "", "", "MI", patient.member_id,
            ],
            *address,
            ["DMG", "D8", patient.birth_date.strftime("%Y%m%d"), patient.sex],
            ["NM1", "PR", "2", x12_text(payer.name), "", "", "", "", "PI", payer.payer_id],
        ]  # fmt: skip
    segs = [
        ["HL", str(hl), str(parent), "22", "1"],
        ["SBR", claim.payer_responsibility, "", group, "", "", "", "", "", filing],  # SBR02: not the patient
        [
            "NM1", "IL", "1", x12_text(insured.last_name), x12_text(insured.first_name),
            "", "", "", "MI", patient.member_id,
        ],
    ]  # fmt: skip
    # 2010BA DMG: "required when the subscriber is the patient; if not required, do not send" —
    # here the patient is a dependent (2000C), so the subscriber's birth date stays out
    segs += [
        ["NM1", "PR", "2", x12_text(payer.name), "", "", "", "", "PI", payer.payer_id],
        ["HL", str(hl + 1), str(hl), "23", "0"],
        ["PAT", claim.relationship or "21"],
        ["NM1", "QC", "1", x12_text(patient.last_name), x12_text(patient.first_name)],
        *address,
        ["DMG", "D8", patient.birth_date.strftime("%Y%m%d"), patient.sex],
    ]
    return segs


def _billing_segments(npi: str, profile: X12Profile, hl: int) -> list[list[str]]:
    return [
        ["HL", str(hl), "", "20", "1"],
        ["NM1", "85", "2", profile.billing_provider_name, "", "", "", "", "XX", npi],
        ["N3", profile.billing_address],
        ["N4", profile.billing_city, profile.billing_state, profile.billing_zip],
        ["REF", "EI", profile.billing_tax_id],
    ]


def transaction(
    claims: list[ValidClaim], profile: X12Profile, st_control: str, reference: str, at: datetime
) -> list[list[str]]:
    """One 837P transaction set holding ``claims`` (one subscriber HL each, under one billing
    provider HL per run of claims with the same billing NPI)."""
    d = Delimiters()
    at = at.astimezone(UTC)
    segs: list[list[str]] = [
        ["ST", "837", st_control, IMPLEMENTATION],
        ["BHT", "0019", "00", reference[:30], at.strftime("%Y%m%d"), at.strftime("%H%M%S"), "CH"],
        ["NM1", "41", "2", profile.submitter_name, "", "", "", "", "46", profile.submitter_id],
        ["PER", "IC", profile.contact_name, "TE", profile.contact_phone],
        ["NM1", "40", "2", profile.receiver_name, "", "", "", "", "46", profile.receiver_id],
    ]
    hl = 0
    billing_hl = 0
    billing_npi: str | None = None
    for claim in claims:
        if claim.billing_provider_npi != billing_npi:
            hl += 1
            billing_hl, billing_npi = hl, claim.billing_provider_npi
            segs.extend(_billing_segments(claim.billing_provider_npi, profile, hl))
        hl += 1
        segs.extend(_subscriber_segments(claim, hl, billing_hl))
        if claim.subscriber is not None:
            hl += 1  # the dependent's level (2000C)
        segs.extend(_claim_segments(claim, profile, d))
    segs.append(["SE", str(len(segs) + 1), st_control])
    return segs


def render_837p(
    claims: list[ValidClaim],
    profile: X12Profile,
    control_number: int,
    now: datetime | None = None,
    per_transaction: int = 1,
) -> str:
    """One interchange (ISA/GS). With ``per_transaction=1`` (the default) each claim is its own
    transaction set, its BHT carrying the claim's id and time; otherwise up to that many claims
    share one (as clearinghouse batches do; the guide recommends at most 5,000)."""
    for claim in claims:
        if problems := unwritable(claim):
            raise ValueError(f"claim {claim.claim_id!r} cannot be written as an 837P: " + "; ".join(problems))
    now = (now or datetime.now(UTC)).astimezone(UTC)
    icn = f"{control_number % 1_000_000_000:09d}"
    gcn = str(control_number % 1_000_000_000 or 1)
    segs: list[list[str]] = [
        [
            "ISA", "00", " " * 10, "00", " " * 10, "ZZ", f"{profile.sender_id:<15}", "ZZ",
            f"{profile.receiver_id:<15}", now.strftime("%y%m%d"), now.strftime("%H%M"), "^", "00501",
            icn, "0", profile.usage, ":",
        ],
        [
            "GS", "HC", profile.sender_id, profile.receiver_id, now.strftime("%Y%m%d"),
            now.strftime("%H%M"), gcn, "X", IMPLEMENTATION,
        ],
    ]  # fmt: skip
    sets = 0
    for start in range(0, len(claims), max(1, per_transaction)):
        batch = claims[start : start + max(1, per_transaction)]
        sets += 1
        if per_transaction == 1:
            segs.extend(transaction(batch, profile, f"{sets:04d}", batch[0].claim_id, batch[0].occurred_at))
        else:
            segs.extend(transaction(batch, profile, f"{sets:04d}", f"BATCH{icn}{sets:04d}", now))
    segs.append(["GE", str(sets), gcn])
    segs.append(["IEA", "1", icn])
    return render(segs)


# ----------------------------------------------------------------------------------------- parse


def _decimal(value: str) -> str | None:
    """A decimal element as text the contract reads exactly (None when absent or unreadable)."""
    if not value:
        return None
    try:
        Decimal(value)
    except InvalidOperation:
        return None
    return value


def _adjustments(cas: Segment, notes: list[str]) -> list[dict[str, Any]]:
    out = []
    group = cas.get(1)
    for start in range(2, 19, 3):  # CAS02/03/04, 05/06/07, ... up to six reasons
        reason, amount = cas.get(start), cas.get(start + 1)
        if not reason:
            continue
        if group not in GROUP_CODES:
            notes.append(
                f"an other payer's CAS with group {group} (corrections and reversals) is not carried"
            )
            continue
        out.append({"group_code": group, "reason_code": reason, "amount": amount or "0"})
    return out


#: what a dependent claim keeps of its subscriber (the member id is the patient's; no address)
_SUBSCRIBER_FIELDS = ("first_name", "last_name", "birth_date", "sex")


def _address(seg: Segment) -> dict[str, str]:
    """N3 (street) or N4 (city, state, postal code) as the patient's address fields."""
    if seg.elements[0] == "N3":
        return {"address": " ".join(p for p in (seg.get(1), seg.get(2)) if p)}
    return {"city": seg.get(1), "state": seg.get(2), "postal_code": seg.get(3)}


class _Claim837:
    """The parts of the 837P hierarchy a claim inherits, as the walk goes: the billing provider
    (2000A), the subscriber and payer (2000B), a dependent patient (2000C), and the span of each
    level's own segments (its HL up to its first child HL or claim) for the claim's event id."""

    def __init__(self) -> None:
        self.billing_npi = ""
        self.subscriber: dict[str, Any] = {}
        self.dependent: dict[str, Any] = {}
        self.payer: dict[str, Any] = {}
        self.responsibility = "P"
        self.group_number = ""
        self.relationship = ""
        self.plan_type = "commercial"
        self.spans: dict[str, tuple[int, int]] = {}
        self.open: tuple[str, int] | None = None

    def close_level(self, before: int) -> None:
        if self.open is not None:
            level, start = self.open
            self.spans[level] = (start, before)
            self.open = None

    def enter_level(self, level: str, index: int) -> None:
        self.close_level(index - 1)
        # a new level ends the levels below it
        drop = {"20": ("20", "22", "23"), "22": ("22", "23"), "23": ("23",)}.get(level, (level,))
        for name in drop:
            self.spans.pop(name, None)
        if level in ("20", "22"):
            self.dependent = {}
            self.relationship = ""
        self.open = (level, index)

    def claim_spans(self, start: int, end: int) -> list[tuple[int, int]]:
        return [self.spans[level] for level in ("20", "22", "23") if level in self.spans] + [(start, end)]


#: the key a mapped claim carries when it is refused (``streams.x12.ingest`` reports it)
REFUSED = "_refused"
#: what an 837P may carry that no claim field holds: noted, never silently dropped
NOT_CARRIED_LOOPS = {
    "2310C": "the service facility location (2310C)",
    "2420E": "a line's ordering provider (2420E)",
    "2310D": "the supervising provider (2310D)",
    "2420D": "a line's supervising provider (2420D)",
}
NOT_CARRIED_SEGMENTS = {
    ("DTP", "431"): "the onset date (DTP*431)",
    ("DTP", "454"): "the initial treatment date (DTP*454)",
    ("DTP", "435"): "the admission date (DTP*435)",
    ("DTP", "096"): "the discharge date (DTP*096)",
    ("DTP", "304"): "the date last seen (DTP*304)",
    ("PRV", "PE"): "the rendering provider's taxonomy (PRV)",
    ("AMT", "A8"): "another payer's non-covered amount (AMT*A8)",
    ("AMT", "F5"): "the patient's payment (AMT*F5)",
    ("REF", "9F"): "the referral number (REF*9F)",
    ("REF", "D9"): "the clearinghouse's claim number (REF*D9)",
}
NOT_CARRIED_IDS = {
    "PWK": "attachments (PWK)",
    "NTE": "notes (NTE)",
    "K3": "file information (K3)",
    "CRC": "condition indicators (CRC)",
    "MOA": "another payer's outpatient adjudication remarks (MOA)",
}

#: the claim-level loops (2300 and below): a segment of theirs the mapper does not read is named in
#: the set's note — the lists above word the known ones, any other by its id and qualifier
CLAIM_LOOPS = frozenset(
    {"2300", "2305", "2310A", "2310B", "2310C", "2310D", "2310E", "2310F", "2400", "2410", "2440"}
    | {f"2420{x}" for x in "ABCDEFGH"}
    | {"2430"}
    | COB_LOOPS
)
#: what the mapper reads in those loops: (loop, segment id) for every qualifier, or (loop, segment
#: id, qualifier); ``OI`` is written back from the claim's own values (assignment and release)
READ: frozenset[tuple[str, ...]] = frozenset(
    {
        ("2300", "CLM"), ("2300", "HI"), ("2300", "REF", "F8"), ("2300", "REF", "G1"), ("2300", "REF", "EA"),
        ("2310A", "NM1", "DN"), ("2310A", "NM1", "P3"), ("2310B", "NM1"),
        ("2320", "SBR"), ("2320", "CAS"), ("2320", "AMT", "D"), ("2320", "AMT", "EAF"), ("2320", "OI"),
        ("2330A", "NM1"), ("2330B", "NM1"), ("2330B", "REF", "F8"), ("2330B", "DTP", "573"),
        ("2400", "LX"), ("2400", "SV1"), ("2400", "DTP", "472"), ("2400", "REF", "6R"),
        ("2420A", "NM1"), ("2420F", "NM1"),
        ("2430", "SVD"), ("2430", "CAS"), ("2430", "DTP", "573"),
    }
)  # fmt: skip
#: diagnosis qualifiers the mapper reads from HI (ICD-10-CM, and ICD-9-CM kept as sent)
HI_READ = frozenset({"ABK", "ABF", "BK", "BF"})
_QUALIFIER = re.compile(r"^[A-Z0-9]{1,3}$")
#: segments whose first element is a qualifier from the guide's code list (a date's, a
#: reference's, an amount's kind): named with it; any other segment's first element may be a
#: value (a street number, a city, an id) and is never repeated
_QUALIFIED = frozenset({"DTP", "REF", "AMT", "QTY", "MEA", "NM1", "PWK", "NTE", "PRV", "CRC", "CN1", "HCP"})


def _unread(loop: str, seg: Segment) -> str | None:
    """How to name a segment of a claim loop the mapper does not read (None when it reads it): the
    known ones by their words, any other by its id and qualifier — never by a free-text value."""
    sid, qualifier = seg.elements[0], seg.get(1)
    if loop in NOT_CARRIED_LOOPS:
        return NOT_CARRIED_LOOPS[loop]
    if (loop, sid) in READ or (loop, sid, qualifier) in READ:
        return None  # HI: the mapper names the qualifiers it does not read
    known = NOT_CARRIED_SEGMENTS.get((sid, qualifier)) or NOT_CARRIED_IDS.get(sid)
    if known:
        return known
    if sid in _QUALIFIED and _QUALIFIER.match(qualifier):
        return f"{sid}*{qualifier} ({loop})"
    return f"{sid} ({loop})"


def _line_providers(claim: dict[str, Any], providers: list[tuple[int, str, str]]) -> None:
    """Lines that name their own provider (2420A rendering, 2420F referring): one the claim lacks,
    named alike on every line, is the claim's; one that differs from the claim's, between lines,
    or that only some lines name stays on its line — a group bills several physicians' services
    on one claim, and the scrubber judges each line as its own provider's (duplicates, bundling
    and MUEs are per provider); a referring provider of one line is not the other lines'. The
    837P claimflow writes names it on the line again."""
    field = {"rendering": "rendering_provider_npi", "referring": "referring_provider_npi"}
    lines = {line.get("line_number"): line for line in claim.get("lines") or []}
    for role in ("rendering", "referring"):
        named = {npi for _, r, npi in providers if r == role}
        if not named:
            continue
        own = claim.get(field[role])
        every_line = len({n for n, r, _ in providers if r == role}) == len(lines)
        if not own and len(named) == 1 and every_line:
            claim[field[role]] = next(iter(named))
            continue
        for n, r, npi in providers:
            if r == role and npi != own and n in lines:
                lines[n][field[role]] = npi


def claims_from_837p(view: SetView, secret: bytes) -> list[dict[str, Any]]:
    """Every CLM of one accepted 837P transaction set as a ``ClaimSubmitted``-shaped dict
    (validated by the caller: one claim the contract refuses is reported on its own)."""
    d = view.delimiters
    comp = d.component
    out: list[dict[str, Any]] = []
    ctx = _Claim837()
    occurred_at = datetime.now(UTC)
    claim: dict[str, Any] | None = None
    claim_start = 0
    line: dict[str, Any] | None = None
    other: dict[str, Any] | None = None
    #: the current 2430 loop: the other payer it names and its decision on the line
    decision: tuple[dict[str, Any], dict[str, Any]] | None = None
    #: the claim's lines' own providers (2420A rendering, 2420F referring): (line, role, NPI)
    line_providers: list[tuple[int, str, str]] = []
    #: what a claim of the set carried that no claim field holds (named in a note, never silently)
    not_carried: dict[str, None] = {}

    def finish(end: int) -> None:
        nonlocal claim, line, other, decision, line_providers
        if claim is not None:
            _line_providers(claim, line_providers)
            if "rendering_provider_npi" not in claim:
                claim["rendering_provider_npi"] = ctx.billing_npi
            claim["event_id"] = str(view.event_id("837P", ctx.claim_spans(claim_start, end)))
            out.append(claim)
        claim, line, other, decision, line_providers = None, None, None, None, []

    for index, seg, loop in view:
        sid = seg.elements[0]
        if sid == "BHT":
            occurred_at = parse_datetime(seg.get(4), seg.get(5)) or occurred_at
            if seg.get(6) == "RP":
                # BHT06 RP: encounter reporting (a capitated plan's data), not a claim for payment:
                # no payer will pay or remit it, so it is not a claim claimflow tracks. Each claim
                # is read and refused with the reason (dead-lettered, the 999 says E), so the
                # sender is not told its claims went through.
                view.not_taken = (
                    "encounter reporting (BHT06 RP), not a claim for payment: send it as BHT06 CH "
                    "if it is billed, or to the plan's encounter-data intake"
                )
        elif sid == "HL":
            finish(index - 1)
            ctx.enter_level(seg.get(3), index)
        elif sid == "SE":
            finish(index - 1)
            if not_carried:
                view.notes.append(
                    "not carried into the claims (no claim field holds it): " + ", ".join(not_carried)
                )
        elif loop in ("2420A", "2420F") and sid == "NM1" and line is not None:
            # a line's own rendering (NM1*82) or referring (NM1*DN) provider
            if seg.get(8) == "XX" and seg.get(9):
                role = "rendering" if loop == "2420A" else "referring"
                line_providers.append((line.get("line_number", 0), role, seg.get(9)))
        elif loop in CLAIM_LOOPS and (unread := _unread(loop, seg)) is not None:
            not_carried[unread] = None
        elif loop == "2000B" and sid == "SBR":
            ctx.responsibility = seg.get(1) or "P"
            ctx.group_number = seg.get(3)
            ctx.plan_type = PLAN_TYPE.get(seg.get(9), "commercial")
        elif loop == "2010AA" and sid == "NM1":
            ctx.billing_npi = seg.get(9) if seg.get(8) == "XX" else ""
        elif loop == "2010BA":
            if sid == "NM1":
                ctx.subscriber = {"member_id": seg.get(9), "last_name": seg.get(3), "first_name": seg.get(4)}
            elif sid == "DMG":
                ctx.subscriber.update(birth_date=seg.get(2), sex=seg.get(3))
            elif sid in ("N3", "N4"):
                ctx.subscriber.update(_address(seg))
        elif loop == "2010BB" and sid == "NM1":
            ctx.payer = {"payer_id": seg.get(9), "name": seg.get(3)}
        elif loop == "2000C" and sid == "PAT":
            ctx.relationship = seg.get(1)
        elif loop == "2010CA":  # a dependent patient: their name and birth date, the subscriber's member id
            if sid == "NM1":
                ctx.dependent.update(last_name=seg.get(3), first_name=seg.get(4))
            elif sid == "DMG":
                ctx.dependent.update(birth_date=seg.get(2), sex=seg.get(3))
            elif sid in ("N3", "N4"):
                ctx.dependent.update(_address(seg))
        elif sid == "CLM" and loop == "2300":
            finish(index - 1)
            ctx.close_level(index - 1)
            claim_start = index
            pos, _, freq = [*seg.get(5).split(comp), "", "", ""][:3]
            member_id = ctx.subscriber.get("member_id", "")
            # a dependent is the patient (2010CA) under the subscriber's member id; the subscriber
            # (2010BA) is the insured, kept apart — never merged into one person
            patient = {**ctx.dependent, "member_id": member_id} if ctx.dependent else dict(ctx.subscriber)
            birth = parse_date(patient.get("birth_date", ""))
            patient["birth_date"] = birth.isoformat() if birth else patient.get("birth_date") or None
            patient["sex"] = patient.get("sex") or "U"
            subscriber = None
            if ctx.dependent:
                subscriber = {k: v for k, v in ctx.subscriber.items() if k in _SUBSCRIBER_FIELDS and v}
                if "birth_date" in subscriber:
                    born = parse_date(subscriber["birth_date"])
                    subscriber["birth_date"] = born.isoformat() if born else None
            # the patient's key: the member id, and for a dependent who they are under it (a
            # parent's and a child's services are two patients' histories)
            who = member_id
            if ctx.dependent:
                who += "|" + "|".join(
                    str(ctx.dependent.get(k, "")) for k in ("last_name", "first_name", "birth_date")
                )
            claim = {
                "occurred_at": occurred_at.isoformat(),
                "source": "x12-837p",
                "claim_id": seg.get(1),
                "patient_key": pseudonymous_key(ctx.payer.get("payer_id", ""), who, secret),
                "subscriber": subscriber,
                "relationship": (ctx.relationship or "21") if ctx.dependent else None,
                "group_number": ctx.group_number or None,
                "patient": patient,
                "payer": {**ctx.payer, "plan_type": ctx.plan_type},
                "payer_responsibility": ctx.responsibility,
                "billing_provider_npi": ctx.billing_npi,
                "place_of_service": pos,
                "frequency_code": freq or "1",
                "diagnoses": [],
                "lines": [],
                "other_payers": [],
                "total_charge": seg.get(2),
            }
        elif claim is None:
            continue
        elif loop == "2300":
            if sid == "REF":
                name = {"F8": "original_claim_number", "G1": "prior_authorization", "EA": "encounter_id"}.get(
                    seg.get(1)
                )
                if name:
                    claim[name] = seg.get(2)
            elif sid == "HI":
                for element in seg.elements[1:]:
                    qualifier, _, code = element.partition(comp)
                    if qualifier and qualifier not in HI_READ:
                        # condition codes (BG), anesthesia procedures (BP/BO), ...: no claim field
                        not_carried[f"HI codes of qualifier {qualifier}"] = None
                    elif qualifier in ("ABK", "ABF") and code:
                        claim["diagnoses"].append(code.split(comp)[0])
                    elif qualifier in ("BK", "BF") and code:
                        # ICD-9-CM, not valid for services since 2015-10-01: kept as sent, marked,
                        # so the scrubber holds the claim naming the code (never reshaped as ICD-10)
                        claim["diagnoses"].append(f"{ICD9_PREFIX}{code.split(comp)[0]}")
        elif loop == "2310A" and sid == "NM1":
            # NM1*DN is the referring provider; NM1*P3 (the primary care provider) stands in only
            # when no DN is sent, and never overwrites one
            npi = seg.get(9) if seg.get(8) == "XX" else ""
            if seg.get(1) == "DN" or (seg.get(1) == "P3" and not claim.get("referring_provider_npi")):
                claim["referring_provider_npi"] = npi
        elif loop == "2310B" and sid == "NM1":
            claim["rendering_provider_npi"] = seg.get(9) if seg.get(8) == "XX" else ""
        elif loop in COB_LOOPS:
            if loop == "2320" and sid == "SBR":
                other = {
                    "responsibility": seg.get(1) or "U",
                    # ZZ (mutually defined): what claimflow writes for a payer of no known plan type
                    "plan_type": None if seg.get(9) == "ZZ" else PLAN_TYPE.get(seg.get(9), "commercial"),
                    "adjustments": [],
                    "relationship": seg.get(2) or None,
                }
                claim["other_payers"].append(other)
                if seg.get(3) or seg.get(4):
                    not_carried["another payer's group number or name (2320 SBR03, SBR04)"] = None
            elif other is None:
                continue
            elif loop == "2320":
                if sid == "CAS":
                    other["adjustments"].extend(_adjustments(seg, view.notes))
                elif sid == "AMT" and seg.get(1) in ("D", "EAF"):
                    other["paid_amount" if seg.get(1) == "D" else "patient_responsibility"] = _decimal(
                        seg.get(2)
                    )
            elif loop == "2330A" and sid == "NM1":
                other["subscriber_last_name"] = seg.get(3) or None
                other["subscriber_first_name"] = seg.get(4) or None
                other["subscriber_member_id"] = seg.get(9) or None
            elif loop == "2330B":
                if sid == "NM1":
                    other["payer_id"] = seg.get(9) or None
                    other["name"] = seg.get(3) or None
                elif sid == "REF" and seg.get(1) == "F8":
                    other["claim_number"] = seg.get(2)
                elif sid == "DTP" and seg.get(1) == "573":
                    day = parse_date(seg.get(3))
                    other["adjudicated_on"] = day.isoformat() if day else None
        elif loop == "2400":
            if sid == "LX":
                line = {"line_number": int(seg.get(1)) if seg.get(1).isdigit() else len(claim["lines"]) + 1}
                claim["lines"].append(line)
            elif line is None:
                continue
            elif sid == "SV1":
                procedure = seg.get(1).split(comp)
                line.update(
                    procedure_code=procedure[1] if len(procedure) > 1 else "",
                    modifiers=[m for m in procedure[2:6] if m],
                    charge=seg.get(2),
                    unit_basis=seg.get(3) or "UN",
                    units=_decimal(seg.get(4)) or "1",
                    diagnosis_pointers=[int(p) for p in seg.get(7).split(comp) if p.isdigit()],
                )
                if seg.get(5) and seg.get(5) != claim["place_of_service"]:
                    line["place_of_service"] = seg.get(5)  # SV105: this line's own place of service
                if len(procedure) > 6 and procedure[6]:
                    # a description, which payers ask for with unlisted (NOC) codes: named, not kept
                    not_carried["a line's procedure description (SV101-7)"] = None
            elif sid == "DTP" and seg.get(1) == "472":
                if seg.get(2) == "RD8":
                    first, _, last = seg.get(3).partition("-")
                    start, end = parse_date(first), parse_date(last)
                    line["service_date"] = start.isoformat() if start else first
                    line["service_end_date"] = end.isoformat() if end else last
                else:
                    day = parse_date(seg.get(3))
                    line["service_date"] = day.isoformat() if day else seg.get(3)
            elif sid == "REF" and seg.get(1) == "6R":
                line["line_control_number"] = seg.get(2)
        elif loop == "2430" and line is not None:
            # another payer's decision on this line: SVD01 names the payer (its 2330B id)
            if sid == "SVD":
                payers = claim["other_payers"]
                named = [o for o in payers if o.get("payer_id") == seg.get(1)] or (
                    payers if len(payers) == 1 else []
                )
                decision = None
                if not named:
                    view.notes.append(
                        f"a line adjudication (SVD) names payer {seg.get(1)!r}, not one of the claim's other payers"
                    )
                    continue
                paid = {"line_number": line["line_number"], "paid_amount": seg.get(2) or "0"}
                code, *rest = seg.get(3).split(comp)[1:] or [""]
                mods = [m for m in rest[:4] if m]
                if code and (code != line.get("procedure_code") or mods != list(line.get("modifiers") or [])):
                    # the payer decided another code than the line's (SVD03): kept as it decided it
                    paid["procedure_code"], paid["modifiers"] = code, mods
                if (units := _decimal(seg.get(5))) is not None:
                    paid["units"] = units
                named[0].setdefault("line_payments", []).append(paid)
                decision = (named[0], paid)
            elif decision is None:
                continue
            elif sid == "CAS":
                for adjustment in _adjustments(seg, view.notes):
                    decision[0]["adjustments"].append({**adjustment, "line_number": line["line_number"]})
            elif sid == "DTP" and seg.get(1) == "573":
                day = parse_date(seg.get(3))
                decision[1]["adjudicated_on"] = day.isoformat() if day else None
    finish(view.end - 1)
    return out
