"""What the lifecycle agent counts for a payer's answer: money counters never go down."""

from __future__ import annotations

from decimal import Decimal

from prometheus_client import CollectorRegistry

from schemas import ClaimStatus, Denial
from streams.agents.lifecycle import count_answer
from streams.denials import load_reason_map
from streams.runtime.metrics import Metrics
from tests.builders import FIXED_TIME

REASONS = load_reason_map()


def answer(clp02: str, paid: str, adjustments: list[dict[str, str]], *, reversed_: bool = False) -> Denial:
    key = "reversed_adjustments" if reversed_ else "adjustments"
    return Denial.model_validate(
        {
            "claim_id": "C1",
            "claim_status_code": clp02,
            "paid_amount": paid,
            key: adjustments,
            "occurred_at": FIXED_TIME,
        }
    )


def sample(registry: CollectorRegistry, name: str) -> float:
    return sum(s.value for metric in registry.collect() for s in metric.samples if s.name == name)


def test_a_reversal_and_a_negative_correction_count_no_money_and_do_not_raise() -> None:
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    count_answer(
        metrics, REASONS, "P1", answer("4", "0", [{"group_code": "CO", "reason_code": "50", "amount": "45"}])
    )
    count_answer(
        metrics,
        REASONS,
        "P1",
        answer("22", "-45.00", [{"group_code": "CO", "reason_code": "50", "amount": "-45"}], reversed_=True),
    )
    count_answer(
        metrics, REASONS, "P1", answer("1", "10", [{"group_code": "CO", "reason_code": "50", "amount": "-5"}])
    )
    assert sample(registry, "claimflow_denied_amount_usd_total") == 45.0
    assert sample(registry, "claimflow_paid_amount_usd_total") == 10.0


def status(category: str, amount: str | None, source: str) -> ClaimStatus:
    return ClaimStatus.model_validate(
        {
            "claim_id": "C1",
            "category_code": category,
            "amount": amount,
            "source": source,
            "occurred_at": FIXED_TIME,
        }
    )


def labelled(registry: CollectorRegistry, name: str) -> dict[tuple[str, ...], float]:
    return {
        tuple(f"{k}={v}" for k, v in sorted(s.labels.items())): s.value
        for metric in registry.collect()
        for s in metric.samples
        if s.name == name and s.value
    }


def test_the_denial_rate_counts_a_decision_once_per_category_and_its_charges_by_dollars() -> None:
    """Two lines denied for medical necessity (CO-50) and one bundled (CO-97) in one decision on
    $300 of charges: denials 3 adjustments, denied claims once per category, $300 remitted, $250
    denied; the contractual write-down (CO-45) is no denial."""
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    adjustments = [
        {"group_code": "CO", "reason_code": "50", "amount": "100", "line_number": "1"},
        {"group_code": "CO", "reason_code": "50", "amount": "100", "line_number": "2"},
        {"group_code": "CO", "reason_code": "97", "amount": "50", "line_number": "3"},
    ]
    decision = answer("4", "0", adjustments).model_copy(update={"charge_amount": Decimal("300")})
    count_answer(metrics, REASONS, "P1", decision)
    assert sample(registry, "claimflow_denials_total") == 3
    assert labelled(registry, "claimflow_denied_claims_total") == {
        ("category=bundling", "payer=P1"): 1.0,
        ("category=medical_necessity", "payer=P1"): 1.0,
    }
    assert labelled(registry, "claimflow_remitted_charges_usd_total") == {("payer=P1",): 300.0}
    assert sample(registry, "claimflow_denied_amount_usd_total") == 250.0


def test_without_clp03_the_charges_are_the_835s_balance_paid_plus_every_adjustment() -> None:
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    adjustments = [
        {"group_code": "CO", "reason_code": "45", "amount": "30"},  # contractual: not a denial
        {"group_code": "PR", "reason_code": "2", "amount": "20"},  # coinsurance: not a denial
        {"group_code": "CO", "reason_code": "97", "amount": "45", "line_number": "2"},
    ]
    count_answer(metrics, REASONS, "P1", answer("1", "60", adjustments))
    assert sample(registry, "claimflow_remitted_charges_usd_total") == 155.0
    assert labelled(registry, "claimflow_denied_claims_total") == {("category=bundling", "payer=P1"): 1.0}
    assert sample(registry, "claimflow_denied_amount_usd_total") == 45.0


def test_a_payment_in_full_counts_its_charges_only_when_it_comes_from_the_835() -> None:
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    count_answer(metrics, REASONS, "P1", status("F1", "45", "835"))
    count_answer(metrics, REASONS, "P1", status("F1", "45", "277CA"))  # a status, not the remittance
    count_answer(metrics, REASONS, "P1", status("A2", "45", "277CA"))
    assert sample(registry, "claimflow_remitted_charges_usd_total") == 45.0
    assert sample(registry, "claimflow_denied_claims_total") == 0


def test_a_reversal_or_a_predetermination_is_no_decision_to_count() -> None:
    """A reversal takes a decision back (its correction is the next decision); a predetermination
    (CLP02 25) is an estimate: neither denies, pays or remits anything."""
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    co50 = [{"group_code": "CO", "reason_code": "50", "amount": "45"}]
    estimate = answer("25", "0", co50).model_copy(update={"charge_amount": Decimal("45")})
    count_answer(metrics, REASONS, "P1", estimate)
    reversal = answer(
        "22", "-45", [{"group_code": "CO", "reason_code": "50", "amount": "-45"}], reversed_=True
    )
    count_answer(metrics, REASONS, "P1", reversal.model_copy(update={"charge_amount": Decimal("-90")}))
    for name in (
        "claimflow_denials_total",
        "claimflow_denied_claims_total",
        "claimflow_denied_amount_usd_total",
        "claimflow_remitted_charges_usd_total",
        "claimflow_paid_amount_usd_total",
    ):
        assert sample(registry, name) == 0, name


def test_the_denial_series_exist_at_zero_before_the_first_denial() -> None:
    """A series born at 1 hides its first increment from increase(): the denial-rate numerators
    are created at 0 for every known payer and denial category when the worker starts."""
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    metrics.initialise([("P1", "commercial")], [], REASONS.denial_categories)
    names = {
        (s.name, s.labels.get("payer"), s.labels.get("category"))
        for metric in registry.collect()
        for s in metric.samples
    }
    for name in ("claimflow_denied_claims_total", "claimflow_denied_amount_usd_total"):
        assert (name, "P1", "medical_necessity") in names
    assert ("claimflow_remitted_charges_usd_total", "P1", None) in names
