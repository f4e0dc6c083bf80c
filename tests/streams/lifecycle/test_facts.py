"""Adjudication facts: one per claim line, denied only where the payer's denial applies."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from schemas import ClaimStatus, ClaimSubmitted, Denial
from streams.denials import load_reason_map
from streams.lifecycle.facts import facts_for
from tests.builders import claim_dict, line

REASONS = load_reason_map()
AT = datetime(2026, 11, 20, 12, tzinfo=UTC)


def two_line_claim() -> ClaimSubmitted:
    return ClaimSubmitted.model_validate(
        claim_dict(
            diagnoses=["I10", "R07.9"],
            lines=[line(1, "93005", pointers=[2, 1]), line(2, "93010", pointers=[1])],
            total_charge="90.00",
        )
    )


def denial(adjustments: list[dict[str, object]], clp02: str = "1", paid: str = "45") -> Denial:
    return Denial(
        event_id=uuid.uuid4(),
        occurred_at=AT,
        claim_id="C-1",
        claim_status_code=clp02,
        adjustments=adjustments,
        paid_amount=paid,
    )


def test_a_line_level_denial_marks_only_its_line() -> None:
    facts = facts_for(
        two_line_claim(),
        denial([{"line_number": 2, "group_code": "CO", "reason_code": "11", "amount": "45"}]),
        REASONS,
    )
    assert [(f.procedure_code, f.diagnoses, f.denied, f.reasons) for f in facts] == [
        ("93005", ["I10", "R07.9"], False, []),
        ("93010", ["I10"], True, ["CO-11"]),
    ]
    assert facts[1].categories == ["diagnosis"] and facts[1].adjudicated_on == AT.date()


def test_contractual_adjustments_and_patient_share_are_not_denials() -> None:
    adjustments = [
        {"group_code": "CO", "reason_code": "45", "amount": "5"},
        {"group_code": "PR", "reason_code": "2", "amount": "9"},
    ]
    assert not any(f.denied for f in facts_for(two_line_claim(), denial(adjustments), REASONS))


def test_a_finalized_status_is_an_adjudication_and_an_acknowledgment_is_not() -> None:
    def status(code: str) -> ClaimStatus:
        return ClaimStatus(occurred_at=AT, claim_id="C-1", category_code=code)

    assert len(facts_for(two_line_claim(), status("F1"), REASONS)) == 2
    assert facts_for(two_line_claim(), status("A2"), REASONS) == []


def test_redelivered_answers_yield_the_same_fact_ids() -> None:
    answer = denial([], clp02="4", paid="0")
    first = facts_for(two_line_claim(), answer, REASONS)
    again = facts_for(two_line_claim(), answer, REASONS)
    assert [f.event_id for f in first] == [f.event_id for f in again]
    assert all(f.denied and f.categories == ["unspecified"] for f in first)


def test_a_denied_status_is_a_denial_fact_unless_its_adjustments_say_otherwise() -> None:
    """Reference 5: PR-1/2/3 are patient share and OA-23 a prior payer's adjudication, not
    denials, whatever CLP02 says; a CLP02 4 with nothing to explain it is a denial."""
    deductible = denial([{"group_code": "PR", "reason_code": "1", "amount": "90.00"}], clp02="4", paid="0")
    prior_payer = denial([{"group_code": "OA", "reason_code": "23", "amount": "90.00"}], clp02="4", paid="0")
    for answer in (deductible, prior_payer):
        assert not any(f.denied for f in facts_for(two_line_claim(), answer, REASONS))
    bare = facts_for(two_line_claim(), denial([], clp02="4", paid="0"), REASONS)
    assert all(f.denied and f.categories == ["unspecified"] for f in bare)


def test_a_reason_code_without_a_carcs_shape_is_counted_as_other() -> None:
    """The adjudications topic and the trends it feeds carry codes only, no PHI (README): a payer
    system's free text in CAS02 is CO-other, as in the tasks and the metrics."""
    facts = facts_for(
        two_line_claim(),
        denial([{"line_number": 1, "group_code": "CO", "reason_code": "SMITH", "amount": "45"}]),
        REASONS,
    )
    assert facts[0].reasons == ["CO-other"]
