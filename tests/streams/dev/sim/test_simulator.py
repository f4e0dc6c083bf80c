"""The simulator's defect mix and the payer model: a claim with defect X gets what a payer sends for X."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from schemas import ClaimSubmitted, Encounter
from schemas.codes import npi_is_valid
from streams.dev.sim.generator import DEFECTS, HIDDEN_DEFECTS, generate
from streams.dev.sim.payer import PayerModel
from streams.dev.sim.runner import baseline_first_pass
from streams.dev.sim.world import World, pseudonymous_key
from streams.scrub import Scrubber


def parse(case):  # type: ignore[no-untyped-def]
    return ClaimSubmitted.model_validate(case.claim), Encounter.model_validate(case.encounter)


def test_same_seed_same_traffic() -> None:
    a, b = generate(50, seed=9), generate(50, seed=9)
    assert [c.claim["claim_id"] for c in a] == [c.claim["claim_id"] for c in b]
    assert [c.claim["lines"] for c in a] == [c.claim["lines"] for c in b]
    assert [c.defects for c in a] == [c.defects for c in b]


def test_defect_mix_follows_the_rate_and_covers_every_defect() -> None:
    cases = generate(3000, seed=1, defect_rate=0.2, hidden_rate=0.03)
    visible = Counter(d for c in cases for d in c.defects if d in DEFECTS)
    hidden = Counter(d for c in cases for d in c.defects if d in HIDDEN_DEFECTS)
    share = sum(1 for c in cases if any(d in DEFECTS for d in c.defects)) / len(cases)
    assert 0.16 < share < 0.24
    assert set(visible) == set(DEFECTS) and set(hidden) == set(HIDDEN_DEFECTS)
    assert all(ClaimSubmitted.model_validate(c.claim) for c in cases[:200])


def test_world_is_synthetic_and_pseudonymous() -> None:
    world = World.build(3, n_patients=50)
    assert all(npi_is_valid(n) for n in world.billing_npis + world.rendering_npis)
    patient = world.patients[0]
    assert patient.first_name == "TEST" and patient.last_name.startswith("PATIENT-")
    assert patient.key == pseudonymous_key(patient.payer["payer_id"], patient.member_id)
    assert patient.member_id not in patient.key and len(patient.key) == 32


EXPECTED = {
    # defect -> (rejected on the 277CA?, expected CARCs on the 835)
    "missing_interpretation": (False, {"16"}),
    "unsigned_report": (False, {"16"}),
    "component_with_global": (False, {"97"}),
    "modifier_26_on_global": (False, {"4"}),
    "facility_pos": (False, {"5"}),
    "late_filing": (False, {"29"}),
    "repeat_without_76": (False, {"18"}),
    "bad_npi": (True, set()),
    "retired_icd": (True, set()),
    "coverage_ended": (False, {"27"}),
    "member_not_found": (True, set()),
}


@pytest.fixture(scope="module")
def cases_by_defect() -> dict[str, list]:
    out: dict[str, list] = {}
    for case in generate(4000, seed=2, defect_rate=0.3, hidden_rate=0.05):
        if len(case.defects) == 1:
            out.setdefault(case.defects[0], []).append(case)
    return out


@pytest.mark.parametrize("defect", sorted(EXPECTED))
def test_payer_answers_a_defect_the_way_a_payer_would(
    scrubber: Scrubber, cases_by_defect, defect: str
) -> None:
    rejected, carcs = EXPECTED[defect]
    payer = PayerModel(scrubber)
    cases = cases_by_defect[defect][:5]
    assert cases, f"no case with {defect}"
    for case in cases:
        claim, encounter = parse(case)
        adj = payer.adjudicate(claim, encounter, tuple(case.defects))
        assert adj.rejected == rejected, (defect, adj)
        if rejected:
            assert adj.category_code in {"A3", "A7"}
        else:
            assert adj.category_code == "A2"
            assert {a["reason_code"] for a in adj.adjustments} >= carcs, (defect, adj.adjustments)


def test_unsupported_diagnosis_is_denied_for_medical_necessity_on_medicare(
    scrubber: Scrubber, cases_by_defect
) -> None:
    payer = PayerModel(scrubber)
    medicare = [
        c for c in cases_by_defect["unsupported_diagnosis"] if c.claim["payer"]["plan_type"] == "medicare"
    ]
    claim, encounter = parse(medicare[0])
    adj = payer.adjudicate(claim, encounter, ())
    assert {a["reason_code"] for a in adj.adjustments} & {"50"}


def test_a_clean_claim_is_accepted_and_paid(scrubber: Scrubber) -> None:
    clean = next(c for c in generate(100, seed=4, defect_rate=0.0, hidden_rate=0.0))
    claim, encounter = parse(clean)
    adj = PayerModel(scrubber).adjudicate(claim, encounter, (), as_of=datetime.now(UTC))
    assert not adj.rejected and not adj.denied and adj.paid_amount > 0


def test_the_same_claim_twice_is_a_duplicate_for_the_payer(scrubber: Scrubber) -> None:
    case = generate(1, seed=5, defect_rate=0.0, hidden_rate=0.0)[0]
    payer = PayerModel(scrubber)
    claim, encounter = parse(case)
    payer.adjudicate(claim, encounter)
    again = claim.model_copy(update={"claim_id": "AGAIN"})
    adj = payer.adjudicate(again, encounter)
    assert {a["reason_code"] for a in adj.adjustments} == {"18"}


def test_baseline_accepts_fewer_claims_than_scrubbed_traffic_would(scrubber: Scrubber) -> None:
    cases = generate(600, seed=6)
    baseline = baseline_first_pass(cases, scrubber)
    clean = []
    for case in cases:
        claim, encounter = parse(case)
        if scrubber.scrub(claim, claim.occurred_at.date(), encounter).status == "clean":
            clean.append(case)
    scrubbed = baseline_first_pass(clean, scrubber)
    assert scrubbed["first_pass_acceptance"] > baseline["first_pass_acceptance"]
    assert scrubbed["denial_rate"] < baseline["denial_rate"]


def test_the_benchmark_mix_codes_one_to_four_diagnoses_each_pointed_at() -> None:
    from schemas import ClaimSubmitted

    cases = generate(400, seed=12, max_diagnoses=4, defect_rate=0.0, hidden_rate=0.0)
    counts = {len(c.claim["diagnoses"]) for c in cases}
    assert counts == {1, 2, 3, 4}
    for case in cases:
        claim = ClaimSubmitted.model_validate(case.claim)
        assert len(set(claim.diagnoses)) == len(claim.diagnoses)
        assert all(
            line.diagnosis_pointers == list(range(1, len(claim.diagnoses) + 1)) for line in claim.lines
        )
        assert set(claim.diagnoses) <= set(case.encounter["diagnoses"])
    # the demo's mix is unchanged by the option
    default, explicit = generate(30, seed=12), generate(30, seed=12, max_diagnoses=2)
    assert [(c.claim["diagnoses"], c.claim["lines"], c.defects) for c in default] == [
        (c.claim["diagnoses"], c.claim["lines"], c.defects) for c in explicit
    ]


def test_with_weeks_services_and_submissions_spread_over_time() -> None:
    cases = generate(400, seed=13, weeks=6)
    submitted = {datetime.fromisoformat(c.claim["occurred_at"]).date() for c in cases}
    assert len(submitted) > 20  # many submission days, not one
    for case in cases:
        if "late_filing" in case.defects:
            continue
        dos = min(line["service_date"] for line in case.claim["lines"])
        assert dos < case.claim["occurred_at"][:10]  # submitted after the service


def test_some_claims_go_to_the_payer_without_claimflow_scrubbing_them() -> None:
    cases = generate(1000, seed=14, direct_rate=0.1)
    share = sum(c.direct for c in cases) / len(cases)
    assert 0.07 < share < 0.13

    # the default mix (benchmarks, tests) is unchanged by the options
    def shape(cases: list) -> list:  # type: ignore[type-arg]
        return [(c.claim["claim_id"], c.claim["lines"], c.claim["diagnoses"], c.defects) for c in cases]

    assert shape(generate(50, seed=14)) == shape(generate(50, seed=14, direct_rate=0.0))


def test_payers_overturn_some_appeals_deterministically() -> None:
    ids = [f"SIM-7-{i:06d}" for i in range(1000)]
    overturned = [PayerModel.overturns(i) for i in ids]
    assert 0.5 < sum(overturned) / len(ids) < 0.7
    assert overturned == [PayerModel.overturns(i) for i in ids]
