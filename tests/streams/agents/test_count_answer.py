"""What the lifecycle agent counts for a payer's answer: money counters never go down."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from schemas import Denial
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
