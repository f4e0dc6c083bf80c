"""Events reduced to what the tracker and the metrics need: what an 835 decision says about the
charges it decided (the denial rate's denominator by dollars: CLP03 as sent, or the 835's balance,
CLP03 = CLP04 + every CAS amount), and which lifecycle steps are claimflow's scrub results (the
clean-claim rate's)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from schemas import ClaimStatus, Denial, LifecycleEvent
from streams.denials import load_reason_map
from streams.lifecycle.events import co_denial, from_denial, from_lifecycle, remitted_charge
from tests.builders import FIXED_TIME


def decision(clp02: str, paid: str, *cas: tuple[str, str, str], charge: str | None = None) -> Denial:
    adjustments = [{"group_code": g, "reason_code": r, "amount": a} for g, r, a in cas]
    key = "reversed_adjustments" if clp02 == "22" else "adjustments"
    body: dict[str, Any] = {
        "claim_id": "C1",
        "claim_status_code": clp02,
        "paid_amount": paid,
        key: adjustments,
    }
    return Denial.model_validate({**body, "charge_amount": charge, "occurred_at": FIXED_TIME})


@pytest.mark.parametrize(
    ("answer", "charges"),
    [
        (decision("1", "80", ("CO", "45", "20"), charge="100"), "100"),
        (decision("1", "80", ("CO", "45", "15"), ("PR", "2", "5")), "100"),  # the balance
        (decision("4", "0", ("CO", "50", "45")), "45"),
        (decision("2", "30", ("OA", "23", "70")), "100"),  # processed as secondary
        (decision("22", "-80", ("PR", "2", "-20"), charge="-100"), "0"),  # a reversal decides nothing
        (decision("25", "0", ("CO", "50", "45"), charge="45"), "0"),  # an estimate decides nothing
    ],
)
def test_the_charges_a_remittance_decided(answer: Denial, charges: str) -> None:
    assert remitted_charge(answer) == Decimal(charges)


@pytest.mark.parametrize(
    ("answer", "denied_under_co", "target"),
    [
        (decision("1", "80", ("CO", "45", "20")), False, "paid"),  # contractual write-down: no denial
        (decision("1", "80", ("CO", "45", "15"), ("PR", "2", "5")), False, "paid"),  # coinsurance
        (decision("1", "40", ("PR", "49", "60")), False, "partially_paid"),  # the patient's (GY)
        (decision("1", "40", ("CO", "97", "60")), True, "partially_paid"),  # a line bundled
        (decision("4", "0", ("CO", "50", "45")), True, "denied"),
        (decision("4", "0", ("PR", "204", "45")), False, "denied"),
        (decision("2", "30", ("OA", "23", "70")), False, "paid"),  # the prior payer's adjudication
    ],
)
def test_a_remittance_says_whether_it_denies_under_group_co(
    answer: Denial, denied_under_co: bool, target: str
) -> None:
    """First-pass resolution (reference §6) asks for "no CO denial"; liability follows the group code
    (§5), and CO-45 or PR-1/2/3 are no denials."""
    reasons = load_reason_map()
    assert co_denial(answer, reasons) is denied_under_co
    change = from_denial(answer, reasons)
    assert (change.co_denial, change.target) == (denied_under_co, target)


def test_only_a_payment_in_full_on_the_835_carries_charges_among_statuses() -> None:
    def status(category: str, source: str) -> ClaimStatus:
        body = {"claim_id": "C1", "category_code": category, "amount": "45", "source": source}
        return ClaimStatus.model_validate({**body, "occurred_at": FIXED_TIME})

    assert remitted_charge(status("F1", "835")) == Decimal("45")
    assert remitted_charge(status("F1", "277CA")) == 0  # a status, not the remittance
    assert remitted_charge(status("A2", "277CA")) == 0


@pytest.mark.parametrize(
    ("stage", "source", "scrubbed"),
    [
        ("ready", "claimflow", True),
        ("held", "claimflow", True),
        ("received", "claimflow", False),  # parked for its encounter: not scrubbed yet
        ("ready", "practice-system", False),  # sent by the practice's own system, never scrubbed here
        ("appealed", "claimflow", False),
    ],
)
def test_a_lifecycle_step_is_a_scrub_result_only_when_claimflow_scrubbed_the_claim(
    stage: str, source: str, scrubbed: bool
) -> None:
    step = LifecycleEvent.model_validate(
        {"claim_id": "C1", "stage": stage, "source": source, "payer_id": "MCR-JH", "occurred_at": FIXED_TIME}
    )
    assert from_lifecycle(step).scrubbed is scrubbed
