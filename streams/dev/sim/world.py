"""A synthetic, obviously fake world: practices, providers with valid NPIs, payers, patients.

``patient_key`` is a keyed hash (HMAC-SHA256) of payer id + member id, as a billing company
would pseudonymise it before putting claims on the bus.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from datetime import date, timedelta

from schemas.codes import npi_is_valid
from schemas.pseudonym import pseudonymous_key

MBI_ALPHA = "ACDEFGHJKMNPQRTUVWXY"

PAYERS = (
    {"payer_id": "MCR-JH", "name": "Medicare Part B (Novitas JH)", "plan_type": "medicare"},
    {"payer_id": "SUNMED-MA", "name": "SunMed Medicare Advantage", "plan_type": "medicare_advantage"},
    {"payer_id": "STATE-MCD", "name": "State Medicaid", "plan_type": "medicaid"},
    {"payer_id": "ACME", "name": "Acme Health", "plan_type": "commercial"},
    {"payer_id": "BLUEPEAK", "name": "BluePeak Commercial", "plan_type": "commercial"},
)
PAYER_WEIGHTS = (40, 15, 10, 20, 15)


def make_npi(rng: random.Random) -> str:
    while True:
        base = "1" + "".join(rng.choice(string.digits) for _ in range(8))
        for check in range(10):
            if npi_is_valid(base + str(check)):
                return base + str(check)


def make_mbi(rng: random.Random) -> str:
    a, d = MBI_ALPHA, string.digits
    pattern = [d[1:], a, a + d, d, a, a + d, d, a, a, d, d]
    return "".join(rng.choice(p) for p in pattern)


@dataclass(frozen=True)
class Patient:
    member_id: str
    first_name: str
    last_name: str
    birth_date: date
    sex: str
    payer: dict[str, str]

    @property
    def key(self) -> str:
        return pseudonymous_key(self.payer["payer_id"], self.member_id)

    def as_claim_patient(self) -> dict[str, str]:
        return {
            "member_id": self.member_id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "birth_date": self.birth_date.isoformat(),
            "sex": self.sex,
        }


@dataclass
class World:
    rng: random.Random
    billing_npis: list[str]
    rendering_npis: list[str]
    patients: list[Patient]

    @classmethod
    def build(cls, seed: int, n_patients: int = 5000) -> World:
        rng = random.Random(seed)
        billing = [make_npi(rng) for _ in range(4)]
        rendering = [make_npi(rng) for _ in range(40)]
        patients = []
        for i in range(n_patients):
            payer = rng.choices(PAYERS, PAYER_WEIGHTS)[0]
            medicare = payer["plan_type"] in ("medicare", "medicare_advantage")
            age = rng.randint(66, 92) if medicare else rng.randint(19, 64)
            member = (
                make_mbi(rng) if payer["plan_type"] == "medicare" else f"SYN{rng.randint(10**8, 10**9 - 1)}"
            )
            patients.append(
                Patient(
                    member,
                    "TEST",
                    f"PATIENT-{i:05d}",
                    date(2026, 1, 1) - timedelta(days=365 * age + rng.randint(0, 364)),
                    rng.choice("FM"),
                    payer,
                )
            )
        return cls(rng, billing, rendering, patients)
