"""Reduce input events to state-machine changes (pure)."""

from __future__ import annotations

from decimal import Decimal

from schemas import ClaimStatus, ClaimSubmitted, Denial, Encounter, LifecycleEvent, ValidClaim, as_valid
from schemas.codes import PLAN_TYPES
from schemas.ids import derived_event_id
from schemas.outputs import LifecycleStage
from streams.denials.reasons import PREDETERMINATION, REVERSAL, Classified, ReasonMap, unexplained_shortfall
from streams.lifecycle.first_pass import remittance_code
from streams.lifecycle.machine import PROCESSED_AS, SCRUB_STEPS, STATUS_CATEGORY_STATE, Change, ClaimState

#: the ``source`` of claimflow's own lifecycle steps (a practice's own system posts its own)
SCRUBBER = "claimflow"


def from_lifecycle(ev: LifecycleEvent) -> Change:
    return Change(
        event_id=str(ev.event_id),
        kind="lifecycle",
        occurred_at=ev.occurred_at,
        target=ev.stage,
        code=ev.stage,
        payer_id=ev.payer_id,
        plan_type=ev.plan_type,
        frequency_code=ev.frequency_code,
        submitted_at=ev.submitted_at,
        replaces_claim_id=ev.replaces_claim_id,
        scrubbed=ev.source == SCRUBBER and ev.stage in SCRUB_STEPS,
        responsibility=ev.claim.payer_responsibility if ev.claim is not None else None,
        other_payer_ids=tuple(o.payer_id for o in ev.claim.other_payers if o.payer_id)
        if ev.claim is not None
        else (),
    )


def from_status(ev: ClaimStatus) -> Change:
    return Change(
        event_id=str(ev.event_id),
        kind="status",
        occurred_at=ev.occurred_at,
        target=STATUS_CATEGORY_STATE.get(ev.category_code),
        code=ev.category_code,
        payer_claim_number=ev.payer_claim_number,
        amount=ev.amount if ev.category_code == "F1" else None,
        itemised=ev.source == "835",  # an 835 paid in full, bridged as an F1
    )


def remittance_state(
    ev: Denial, reasons: ReasonMap, classified: list[Classified] | None = None
) -> ClaimState | None:
    """835 decision → state (None: no decision). PR-1/2/3 and contractual write-downs are not
    denials. ``classified``: the adjustments already read by ``reasons``."""
    if ev.claim_status_code == PREDETERMINATION:
        return None  # an estimate, recorded only
    if ev.claim_status_code == REVERSAL:
        return "pending"  # reversal: the payment was taken back, the claim is back in adjudication
    if classified is None:
        classified = reasons.classify(ev.adjustments)
    denied = any(c.is_denial for c in classified)
    if reasons.denies_claim(ev.claim_status_code, ev.adjustments):
        # (a CLP02 4 whose adjustments are none of them a denial — all patient share, a prior
        # payer's adjudication — is processed with nothing to pay, not denied)
        return "denied"
    # paid less than charged with nothing to say why (an 835 that does not balance) is not paid
    denied = denied or unexplained_shortfall(ev) > 0
    if ev.paid_amount > 0:
        return "partially_paid" if denied else "paid"
    return "denied" if denied else "paid"


def remitted_charge(ev: ClaimStatus | Denial) -> Decimal:
    """The billed charges of the claim a payer decided on an 835, or 0 when the answer is no such
    decision. A CLP paid in full without adjustments arrives as an F1 status carrying the paid
    amount (then equal to the charges); a decision carries CLP03, or the 835's balance gives it
    (CLP03 = CLP04 + every CAS amount of the claim and its lines). A reversal (22) takes a decision
    back and a predetermination (25) decides nothing: neither is a decision to count."""
    if isinstance(ev, ClaimStatus):
        paid_in_full = ev.category_code == "F1" and ev.source == "835"
        return (ev.amount or Decimal("0")) if paid_in_full else Decimal("0")
    if ev.claim_status_code in (REVERSAL, PREDETERMINATION):
        return Decimal("0")
    if ev.charge_amount is not None:
        return ev.charge_amount
    return ev.paid_amount + sum((a.amount for a in ev.adjustments), Decimal("0"))


def co_denial(ev: Denial, reasons: ReasonMap, classified: list[Classified] | None = None) -> bool:
    """The remittance denies something under group CO (first-pass resolution: "no CO denial"; a
    contractual write-down such as CO-45 is not a denial)."""
    if classified is None:
        classified = reasons.classify(ev.adjustments)
    return any(c.is_denial and c.adjustment.group_code == "CO" for c in classified)


def from_denial(ev: Denial, reasons: ReasonMap) -> Change:
    classified = reasons.classify(ev.adjustments)  # read once for the state and the CO denial
    return Change(
        event_id=str(ev.event_id),
        kind="remittance",
        occurred_at=ev.occurred_at,
        target=remittance_state(ev, reasons, classified),
        code=remittance_code(ev.claim_status_code, ev.remark_codes),
        payer_claim_number=ev.payer_claim_number,
        # a reversal takes back what was paid: its CLP04 is the payment negated (X221A1), and one
        # a payer sends unsigned takes back the same — never pays it a second time
        amount=-abs(ev.paid_amount) if ev.claim_status_code == REVERSAL else (ev.paid_amount or Decimal("0")),
        co_denial=co_denial(ev, reasons, classified),
        processed_as=PROCESSED_AS.get(ev.claim_status_code),
    )


def _is_money(amount: Decimal | None) -> bool:
    """Whether an amount fits the steps' money (0 or more, 10 digits and cents): a held claim's
    total may be anything its coder typed (CLAIM_TOTAL_MISMATCH and the contract edits say so)."""
    return (
        amount is not None
        and amount.is_finite()
        and 0 <= amount < 10_000_000_000
        and amount == amount.quantize(Decimal("0.01"))
    )


def step_for(
    claim: ClaimSubmitted,
    stage: LifecycleStage,
    *,
    edit_count: int = 0,
    snapshot: bool = False,
    encounter: Encounter | None = None,
    source: str = "claimflow",
) -> LifecycleEvent:
    """claimflow's own lifecycle step for a claim; ``snapshot`` attaches the claim (and the
    encounter it was scrubbed against) for the tracker's corrections (a claim sent to the payer,
    so a valid one). A held claim's values may be wrong or missing: the step carries what it can."""
    valid = claim if isinstance(claim, ValidClaim) else None
    plan_type = claim.payer.plan_type
    total = claim.total_charge if _is_money(claim.total_charge) else Decimal("0")
    return LifecycleEvent(
        event_id=derived_event_id(claim.event_id, f"lifecycle:{stage}"),
        occurred_at=claim.occurred_at,
        source=source,
        claim_id=claim.claim_id,
        stage=stage,
        payer_id=claim.payer.payer_id,
        plan_type=plan_type if plan_type in PLAN_TYPES else None,
        frequency_code=claim.frequency_code[:2],
        original_claim_number=claim.original_claim_number if valid is not None else None,
        replaces_claim_id=claim.replaces_claim_id if valid is not None else None,
        total_charge=total,
        submitted_at=claim.occurred_at,
        cause_event_id=claim.event_id,
        edit_count=edit_count,
        claim=(valid or as_valid(claim)) if snapshot else None,
        encounter=encounter if snapshot else None,
    )
