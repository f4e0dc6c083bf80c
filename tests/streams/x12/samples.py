"""Synthetic claims and interchanges for the X12 tests (fake people, valid-by-check-digit NPIs).

``interchange`` builds an X12 file from transaction sets written as segment lists, counting SE01,
GE01 and IEA01 itself; ``python -m tests.streams.x12.samples`` rewrites the files in
``tests/data/x12`` that are built here (their shapes are described in ``tests/data/x12/README.md``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from schemas import ClaimSubmitted
from schemas.pseudonym import pseudonymous_key
from tests.builders import VALID_NPIS, claim_dict, line

SECRET = b"x12-test-secret-key-0001"
AT = datetime(2026, 11, 12, 9, 30, 5, tzinfo=UTC)
DATA = Path(__file__).resolve().parents[2] / "data" / "x12"
BILLING, RENDERING, REFERRING = VALID_NPIS


def claim(claim_id: str, **overrides: Any) -> ClaimSubmitted:
    base = claim_dict(claim_id=claim_id, encounter_id=f"ENC-{claim_id}", occurred_at=AT.isoformat())
    base.update(overrides)
    payer_id, member = base["payer"]["payer_id"], base["patient"]["member_id"]
    base["patient_key"] = pseudonymous_key(payer_id, member, SECRET)
    return ClaimSubmitted.model_validate(base)


def variety() -> list[ClaimSubmitted]:
    """Every shape the 837P mapping handles: plan types, modifiers, several lines and diagnoses,
    referring provider, prior authorisation, a replacement (frequency 7 with REF*F8), a secondary
    claim, anesthesia minutes, fractional units, a date range and line control numbers."""
    dos = date(2026, 11, 10)
    commercial = {"payer_id": "ACME", "name": "ACME HEALTH", "plan_type": "commercial"}
    patient = {
        "member_id": "XJK000000001",
        "first_name": "ALEX",
        "last_name": "SAMPLE",
        "birth_date": "1971-03-09",
        "sex": "F",
    }
    return [
        claim("X12-CLM-001"),
        claim(
            "X12-CLM-002",
            payer=commercial,
            patient=patient,
            diagnoses=["R07.9", "I10", "R00.2", "Z01.810"],
            lines=[
                line(1, "93005", service_date=dos, pointers=[1, 2]),
                line(2, "93010", service_date=dos, modifiers=["59"], pointers=[3]),
                line(3, "93000", service_date=dos, modifiers=["76", "59"], pointers=[4, 1, 2, 3]),
            ],
            total_charge="135.00",
            referring_provider_npi=REFERRING,
            prior_authorization="PA12345",
        ),
        claim(
            "X12-CLM-003",
            payer=commercial,
            patient=patient,
            frequency_code="7",
            original_claim_number="ACME261120003",
            place_of_service="22",
            lines=[line(1, "93010", service_date=dos)],
        ),
        # Medicaid after Medicare (a crossover): the primary's decision whole — 45.00 charged, 36.00
        # paid, CO-45 5.00 and the PR-2 4.00 coinsurance Medicaid is billed for, on the line
        claim(
            "X12-CLM-004",
            payer={"payer_id": "STATE-MCD", "name": "STATE MEDICAID", "plan_type": "medicaid"},
            patient={**patient, "member_id": "MCD0000042", "sex": "M"},
            payer_responsibility="S",
            other_payers=[
                {
                    "payer_id": "MCR-JH",
                    "name": "MEDICARE PART B",
                    "plan_type": "medicare",
                    "responsibility": "P",
                    "relationship": "18",
                    "claim_number": "MCR26110400042",
                    "paid_amount": "36.00",
                    "adjudicated_on": "2026-11-04",
                    "subscriber_member_id": "1EG4TE5MK73",
                    "subscriber_last_name": "SAMPLE",
                    "subscriber_first_name": "ALEX",
                    "adjustments": [
                        {"group_code": "CO", "reason_code": "45", "amount": "5.00", "line_number": 1},
                        {"group_code": "PR", "reason_code": "2", "amount": "4.00", "line_number": 1},
                    ],
                    "line_payments": [
                        {
                            "line_number": 1,
                            "paid_amount": "36.00",
                            "units": "1",
                            "adjudicated_on": "2026-11-04",
                        }
                    ],
                }
            ],
        ),
        claim(
            "X12-CLM-005",
            payer={
                "payer_id": "SUNMED-MA",
                "name": "SUNMED MEDICARE ADVANTAGE",
                "plan_type": "medicare_advantage",
            },
            rendering_provider_npi=BILLING,  # billed and rendered by the same NPI: no 2310B
        ),
        claim(
            "X12-CLM-006",
            payer=commercial,
            patient=patient,
            diagnoses=["R07.9"],
            lines=[
                {**line(1, "00142", service_date=dos, modifiers=["QK"]), "units": "61", "unit_basis": "MJ"},
                {
                    **line(2, "97110", service_date=date(2026, 11, 3)),
                    "units": "1.5",
                    "service_end_date": "2026-11-07",
                    "line_control_number": "CF-006-2",
                },
                {**line(3, "97112", service_date=dos), "units": "0.5", "line_control_number": "CF-006-3"},
            ],
            total_charge="135.00",
        ),
    ]


# ----------------------------------------------------------------------------- interchanges


def isa(control: str, sender: str = "SUBMITTER", receiver: str = "CLAIMFLOW", usage: str = "T") -> str:
    return (
        f"ISA*00*          *00*          *ZZ*{sender:<15}*ZZ*{receiver:<15}*261120*0930*^*00501*"
        f"{control}*0*{usage}*:~"
    )


def interchange(
    groups: list[tuple[str, str, str, list[list[str]]]],
    control: str = "000000501",
    sender: str = "SUBMITTER",
    receiver: str = "CLAIMFLOW",
) -> str:
    """An interchange: ``groups`` are (GS01, GS08, GS06, transaction sets); each set is its
    segments between ST and SE (ST01 and ST03 are taken from the group)."""
    out = [isa(control, sender, receiver)]
    for fic, version, gcn, sets in groups:
        out.append(f"GS*{fic}*{sender}*{receiver}*20261120*0930*{gcn}*X*{version}~")
        st01 = {"HC": "837", "HP": "835", "HN": "277", "FA": "999"}[fic]
        for n, body in enumerate(sets, start=1):
            st = f"ST*{st01}*{n:04d}" + ("" if st01 == "835" else f"*{version}")
            out.append(st + "~")
            out.extend(s + "~" for s in body)
            out.append(f"SE*{len(body) + 2}*{n:04d}~")
        out.append(f"GE*{len(sets)}*{gcn}~")
    out.append(f"IEA*{len(groups)}*{control}~")
    return "\n".join(out) + "\n"


HEADER_837 = [
    "BHT*0019*00*BATCH0001*20261120*093005*CH",
    "NM1*41*2*DEMO BILLING SERVICE*****46*SUBMIT01",
    "PER*IC*BILLING DESK*TE*5555550100",
    "NM1*40*2*CLAIMFLOW CLEARINGHOUSE*****46*CLAIMFLOW",
    "HL*1**20*1",
    f"NM1*85*2*DEMO CARDIOLOGY GROUP*****XX*{BILLING}",
    "N3*100 EXAMPLE AVE",
    "N4*SPRINGFIELD*IL*627010001",
    "REF*EI*990000001",
]


def cob_837p() -> list[str]:
    """A secondary claim with the primary payer's adjudication (2320/2330A/2330B/2330D), a second
    claim of the same subscriber without it, and a claim of another subscriber."""
    return [
        *HEADER_837,
        "HL*2*1*22*0",
        "SBR*S*18*GRP42******CI",
        "NM1*IL*1*SAMPLE*ALEX****MI*XJK000000001",
        "DMG*D8*19710309*F",
        "NM1*PR*2*ACME HEALTH*****PI*ACME",
        "CLM*COB-CLM-001*200***11:B:1*Y*A*Y*Y",
        "REF*EA*ENC-COB-001",
        "HI*ABK:R079*ABF:I10",
        f"NM1*82*1*HEART*HANNAH****XX*{RENDERING}",
        "SBR*P*01*PRIMARY01******MB",
        "CAS*PR*1*20*1*2*5",
        "CAS*CO*45*115",
        "AMT*D*60",
        "AMT*EAF*25",
        "OI***Y*P**Y",
        "NM1*IL*1*SAMPLE*JORDAN****MI*1EG4TE5MK73",
        "NM1*PR*2*MEDICARE PART B*****PI*MCR-JH",
        "DTP*573*D8*20261115",
        "REF*F8*MCR2611150042",
        "NM1*82*1",
        "REF*G2*PRIMARY-RENDER-7",
        "LX*1",
        "SV1*HC:93000*200*UN*1***1:2",
        "DTP*472*D8*20261110",
        "CLM*COB-CLM-002*45***11:B:1*Y*A*Y*Y",
        "HI*ABK:R079",
        "LX*1",
        "SV1*HC:93010*45*UN*1***1",
        "DTP*472*D8*20261110",
        "HL*3*1*22*0",
        "SBR*P*18*******MB",
        "NM1*IL*1*EXAMPLE*RILEY****MI*2EG4TE5MK74",
        "DMG*D8*19500401*M",
        "NM1*PR*2*MEDICARE PART B*****PI*MCR-JH",
        "CLM*COB-CLM-003*45***11:B:1*Y*A*Y*Y",
        "HI*ABK:I10",
        "LX*1",
        "SV1*HC:93005*45*UN*1***1",
        "DTP*472*D8*20261111",
    ]


def units_837p() -> list[str]:
    """Anesthesia minutes (MJ), fractional units (1.5, 0.5), a date range (RD8), line control
    numbers (REF*6R), a dependent patient (2000C)."""
    return [
        *HEADER_837,
        "HL*2*1*22*1",
        "SBR*P**GRP42******CI",
        "NM1*IL*1*SAMPLE*ALEX****MI*XJK000000001",
        "NM1*PR*2*ACME HEALTH*****PI*ACME",
        "HL*3*2*23*0",
        "PAT*19",
        "NM1*QC*1*SAMPLE*JAMIE",
        "N3*1 ELM ST",
        "N4*SPRINGFIELD*IL*627010003",
        "DMG*D8*20100615*F",
        "CLM*UNITS-CLM-001*1335***11:B:1*Y*A*Y*Y",
        "HI*ABK:R079",
        f"NM1*82*1*HEART*HANNAH****XX*{RENDERING}",
        "LX*1",
        "SV1*HC:00142:QK:QS*1200*MJ*61***1",
        "DTP*472*D8*20261110",
        "REF*6R*UNITS-001-1",
        "LX*2",
        "SV1*HC:97110*90*UN*1.5***1",
        "DTP*472*RD8*20261103-20261107",
        "REF*6R*UNITS-001-2",
        "LX*3",
        "SV1*HC:97112*45*UN*.5***1",
        "DTP*472*RD8*20261110-20261110",
        "REF*6R*UNITS-001-3",
    ]


def remit_header(paid: str, trace: str) -> list[str]:
    """An 835's payment, payer and payee (ACME pays the demo group), up to the first LX."""
    total = f"{float(paid):g}"
    return [
        f"BPR*I*{total}*C*ACH*CCP*01*999999992*DA*123456789*1512345678**01*999999992*DA*987654321*20261125",
        f"TRN*1*{trace}*1512345678",
        "DTM*405*20261125",
        "N1*PR*ACME HEALTH",
        "N3*1 PAYER WAY",
        "N4*SPRINGFIELD*IL*627010002",
        "REF*2U*ACME",
        "PER*BL*PROVIDER SERVICES*TE*5555550199",
        f"N1*PE*DEMO CARDIOLOGY GROUP*XX*{BILLING}",
        "LX*1",
    ]


def remit_835(
    paid: str = "150", trace: str = "EFT261125777", claim_paid: str = "80", correction_paid: str = "70"
) -> list[str]:
    """A payment, a reversal (CLP02 22, amounts negated) and its correction, and two PLBs."""
    return [
        *remit_header(paid, trace),
        f"CLP*RMT-CLM-001*1*100*{claim_paid}*20*12*ACME261120101*11*1",
        "CAS*PR*2*20",
        "NM1*QC*1*SAMPLE*ALEX****MI*XJK000000001",
        f"SVC*HC:93000*100*{claim_paid}**1",
        "DTM*472*20261110",
        "CLP*RMT-CLM-002*22*-100*-80*-20*12*ACME261110055*11*1",
        "CAS*PR*2*-20",
        "NM1*QC*1*EXAMPLE*RILEY****MI*XJK000000004",
        "REF*F8*ACME261110055",
        "SVC*HC:93000*-100*-80**-1",
        "DTM*472*20261101",
        "CAS*CO*45*0",
        f"CLP*RMT-CLM-002*1*100*{correction_paid}*30*12*ACME261125056*11*1",
        "CAS*PR*2*30",
        "NM1*QC*1*EXAMPLE*RILEY****MI*XJK000000004",
        "REF*F8*ACME261110055",
        f"SVC*HC:93000*100*{correction_paid}**1",
        "DTM*472*20261101",
        f"PLB*{BILLING}*20261231*WO:ACME260901009*45.5*L6*-2.1",
        f"PLB*{BILLING}*20261231*72:RETURN0017*-30",
    ]


def lines_277ca() -> list[str]:
    """A claim accepted with one service line rejected (2220D), and a claim rejected as a whole."""
    return [
        "BHT*0085*08*277CA301*20261120*0930*TH",
        "HL*1**20*1",
        "NM1*PR*2*ACME HEALTH*****PI*ACME",
        "TRN*1*301",
        "DTP*050*D8*20261120",
        "DTP*009*D8*20261120",
        "HL*2*1*21*1",
        "NM1*41*2*DEMO BILLING SERVICE*****46*SUBMIT01",
        "TRN*2*20261120BATCH1",
        "STC*A1:19*20261120*WQ*245",
        "QTY*90*1",
        "QTY*AA*1",
        "AMT*YU*145",
        "AMT*YY*100",
        "HL*3*2*19*1",
        f"NM1*85*2*DEMO CARDIOLOGY GROUP*****XX*{BILLING}",
        "TRN*1*0",
        "STC*A1:19**WQ*245",
        "QTY*QA*1",
        "QTY*QC*1",
        "AMT*YU*145",
        "AMT*YY*100",
        "HL*4*3*PT",
        "NM1*QC*1*SAMPLE*ALEX****MI*XJK000000001",
        "TRN*2*LINES-CLM-001",
        "STC*A2:20*20261120*WQ*145",
        "REF*1K*ACME261120301",
        "DTP*472*RD8*20261103-20261110",
        "SVC*HC:93000*45*****1",
        "STC*A2:20*20261120*U",
        "REF*FJ*LINES-001-1",
        "DTP*472*D8*20261110",
        "SVC*HC:97110:GP*100*****1.5",
        "STC*A7:453*20261120*U",
        "REF*FJ*LINES-001-2",
        "DTP*472*RD8*20261103-20261107",
        "HL*5*3*PT",
        "NM1*QC*1*EXAMPLE*JORDAN****MI*XJK000000002",
        "TRN*2*LINES-CLM-002",
        "STC*A3:21*20261120*U*100",
        "REF*1K*ACME261120302",
        "DTP*472*D8*20261111",
    ]


def ack_999() -> list[str]:
    """A 999 accepting a group (an acknowledgment claimflow receives and skips)."""
    return ["AK1*HC*101*005010X222A1", "AK2*837*0001*005010X222A1", "IK5*A", "AK9*A*1*1*1"]


def institutional_837i() -> list[str]:
    """The start of an 837I: claimflow names it and refuses it (never validated further)."""
    return [
        "BHT*0019*00*INST0001*20261120*0930*CH",
        "NM1*41*2*DEMO HOSPITAL*****46*SUBMIT01",
    ]


def write_data() -> None:
    files = {
        "cob-837p.x12": interchange([("HC", "005010X222A1", "601", [cob_837p()])], "000000601"),
        "units-837p.x12": interchange([("HC", "005010X222A1", "602", [units_837p()])], "000000602"),
        "reversal-835.x12": interchange(
            [("HP", "005010X221A1", "603", [remit_835()])], "000000603", "ACMEHEALTH", "CLAIMFLOW"
        ),
        "lines-277ca.x12": interchange(
            [("HN", "005010X214", "604", [lines_277ca()])], "000000604", "ACMEHEALTH", "CLAIMFLOW"
        ),
        "mixed-groups.x12": interchange(
            [
                ("FA", "005010X231A1", "701", [ack_999()]),
                ("HN", "005010X214", "702", [lines_277ca()]),
                ("HC", "005010X222A1", "703", [cob_837p()]),
                ("HP", "005010X221A1", "704", [remit_835()]),
                ("HC", "005010X223A2", "705", [institutional_837i()]),
            ],
            "000000700",
        ),
    }
    for name, text in files.items():
        (DATA / name).write_text(text)


if __name__ == "__main__":
    write_data()
