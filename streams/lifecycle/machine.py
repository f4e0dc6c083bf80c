"""The claim state machine: pure, idempotent, tolerant of duplicate and out-of-order events.

``apply(record, change) -> Outcome`` takes the claim's current record and one observed change
(from a lifecycle step, a 277CA/835 status or a remittance decision) and returns the new record
plus what happened (applied, duplicate, late, impossible, first-pass decided). The agent stores
the record and counts the outcome; nothing here touches Faust or I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal

from schemas.claim import RESPONSIBILITY_ORDER
from schemas.claim_state import CauseKind, ClaimState, TransitionResult
from schemas.codes import PlanType
from streams.lifecycle.first_pass import (
    ADJUDICATED_STATES,
    PAID_STATES,
    REVERSAL_CODE,
    FirstAdjudication,
    Resolution,
    ResolutionOutcome,
    acknowledges,
    adjudication,
    decisive,
    is_original,
    resolution,
)

STATES: tuple[ClaimState, ...] = ClaimState.__args__  # type: ignore[attr-defined]
#: the payer's decisions that may follow a rejection: the claim was sent again under its id and
#: adjudicated (its ready step may be read after the decision). A newer acknowledgment, acceptance
#: or pending status alone is no such proof (a clearinghouse's A2 about the rejected submission
#: may carry a later time): noted, and taken when the resubmission's ready step shows
REANSWERED: frozenset[ClaimState] = frozenset({"paid", "partially_paid", "denied"})

#: Which state may follow which on a normal path. ``None`` is "no record yet": the first event
#: seen for a claim may be any of these (an 835 can arrive before claimflow's own lifecycle step).
ALLOWED: Mapping[ClaimState | None, frozenset[ClaimState]] = {
    None: frozenset(STATES),
    # before claimflow scrubbed it (a parked claim): anything but a follow-up of a decision
    "received": frozenset(STATES) - {"resubmitted", "appealed"},
    "held": frozenset({"held", "ready", "written_off", "closed", "resubmitted"}),
    # a claim may be replaced (frequency 7/8 under a new claim id) before the payer decides it
    "ready": frozenset(
        {
            "ready",
            "resubmitted",
            "acknowledged",
            "accepted",
            "rejected",
            "pending",
            "paid",
            "partially_paid",
            "denied",
            "written_off",
            "closed",
        }
    ),
    "acknowledged": frozenset(
        {
            "acknowledged",
            "accepted",
            "rejected",
            "pending",
            "paid",
            "partially_paid",
            "denied",
            "closed",
            "resubmitted",
        }
    ),
    # a payer's rejection (A3/A6/A7/A8) after a clearinghouse's acceptance: not in adjudication
    # (newer answers only); F0/F4 finalize without a payment
    "accepted": frozenset(
        {"pending", "paid", "partially_paid", "denied", "rejected", "closed", "resubmitted"}
    ),
    "pending": frozenset(
        {"pending", "accepted", "paid", "partially_paid", "denied", "rejected", "closed", "resubmitted"}
    ),
    # a newer decision after a rejection decides the claim sent again under its id (its ready step
    # may be read after the decision): the payer took it (newer answers only)
    "rejected": frozenset(
        {
            "held",
            "ready",
            "resubmitted",
            "written_off",
            "closed",
            *REANSWERED,
        }
    ),
    # back to pending only by a reversal (CLP02 22), never by a pending status; a paid claim may
    # be replaced (a commercial payer's frequency 7 correcting it)
    "paid": frozenset({"closed", "appealed", "resubmitted"}),
    "partially_paid": frozenset({"paid", "resubmitted", "appealed", "written_off", "closed", "denied"}),
    "denied": frozenset({"resubmitted", "appealed", "written_off", "closed", "paid", "partially_paid"}),
    "resubmitted": frozenset({"closed"}),
    "appealed": frozenset({"paid", "partially_paid", "denied", "written_off", "closed"}),
    # a payment after a write-off or after the claim was closed is money recovered
    "written_off": frozenset({"closed", "paid", "partially_paid"}),
    "closed": frozenset({"paid", "partially_paid"}),
}
#: transitions against the usual flow: taken only from a newer answer (an older one is late)
NEWER_ONLY: frozenset[tuple[ClaimState | None, ClaimState]] = frozenset(
    {
        ("accepted", "rejected"),
        ("pending", "rejected"),
        ("acknowledged", "rejected"),
        # an acceptance and a pending status in either order: the newer one says where the claim is
        ("pending", "accepted"),
        ("accepted", "pending"),
        *(("rejected", state) for state in REANSWERED),
        ("written_off", "paid"),
        ("written_off", "partially_paid"),
        ("closed", "paid"),
        ("closed", "partially_paid"),
    }
)
#: the newer-only targets that win a tie in time (they ask for work: a lost one costs the claim)
TIE_WINS: frozenset[ClaimState] = frozenset({"rejected", "pending"})
#: what the billing company does after a decision: a step older than the decision in force
#: follows a decision that no longer stands
FOLLOW_UPS = frozenset({"appealed", "resubmitted", "written_off"})


def _predecessors() -> dict[ClaimState, frozenset[ClaimState]]:
    """States that can come *before* each state on some normal path (for late-event detection)."""
    preds: dict[ClaimState, set[ClaimState]] = {s: set() for s in STATES}
    for src, targets in ALLOWED.items():
        if src is None:
            continue
        for dst in targets:
            if dst != src:
                preds[dst].add(src)
    changed = True
    while changed:  # transitive closure
        changed = False
        for state, ps in preds.items():
            extra = set().union(*(preds[p] for p in ps)) - ps - {state}
            if extra:
                ps |= extra
                changed = True
    return {s: frozenset(p) for s, p in preds.items()}


PREDECESSORS = _predecessors()

#: 277CA category -> state. A0 (forwarded), A4 (not found), A5 (split), F3 (revised) and E* (errors in
#: the response) change no state; they are recorded.
STATUS_CATEGORY_STATE: Mapping[str, ClaimState] = {
    "A1": "acknowledged",
    "A2": "accepted",
    "A3": "rejected",
    "A6": "rejected",
    "A7": "rejected",
    "A8": "rejected",
    "P0": "pending",
    "P1": "pending",
    "P2": "pending",
    "P3": "pending",
    "P4": "pending",
    "P5": "pending",
    "F0": "closed",
    "F1": "paid",
    "F2": "denied",
    "F4": "closed",
    **{f"R{i}": "pending" for i in range(17)},
}

Kind = CauseKind
#: what one change did (``schemas.claim_state.TransitionResult``), or duplicate: its event was
#: applied before (a redelivery), nothing changes
Result = TransitionResult | Literal["duplicate"]
#: the steps claimflow itself emits for a claim (scrubbing), which make the claim known
OWN_STEPS = frozenset({"ready", "held", "received"})
#: claimflow's own steps that are scrub results, and what each says of the scrub
SCRUB_STEPS: Mapping[str, Literal["clean", "held"]] = {"ready": "clean", "held": "held"}
#: the code of an 835 reversal (CLP02 22): the payer takes back its decision on the claim
#: states in which the payer has decided (or the claim has left the payer's queue): a pending or
#: information-request status no longer moves the claim
SETTLED_STATES = frozenset({*ADJUDICATED_STATES, "appealed", "resubmitted", "written_off", "closed"})
#: where a status leaves a claim that the payer has not decided yet
QUEUE_STATES = frozenset({"acknowledged", "accepted", "pending"})


@dataclass(frozen=True)
class Change:
    """One observed change, already reduced from its event by the agent."""

    event_id: str
    kind: Kind
    occurred_at: datetime
    target: ClaimState | None  # None: recorded but changes no state (A0, A4, E*)
    code: str = ""  # category code, CLP02 or lifecycle stage
    payer_id: str | None = None
    plan_type: PlanType | None = None
    frequency_code: str | None = None
    payer_claim_number: str | None = None
    amount: Decimal | None = None
    submitted_at: datetime | None = None
    replaces_claim_id: str | None = None
    #: when the event reached the bus (its Kafka timestamp, epoch seconds), when known
    received_at: float | None = None
    #: the topic it came on (events on one topic are in bus order whatever their timestamps)
    received_on: str | None = None
    #: a scrub result of claimflow's (its own ``ready`` or ``held`` step for a claim it scrubbed)
    scrubbed: bool = False
    #: a remittance with a denial under group CO (first-pass resolution: "no CO denial")
    co_denial: bool = False
    #: False for a 277 status, which summarises a decision its 835 itemises
    itemised: bool = True
    #: a remittance's order of processing (835 CLP02: 1 primary, 2 secondary, 3 tertiary; 19–21
    #: the same, forwarded), or None
    processed_as: int | None = None
    #: claimflow's own step: the claim's payer responsibility as sent (SBR01 P/S/T), when it says
    responsibility: str | None = None
    #: claimflow's own step: the payer ids of the other payers whose decisions the claim carries
    #: (coordination of benefits: 2320/2330B)
    other_payer_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class HistoryItem:
    """One applied change: the claim's history, and the transition published for it."""

    event_id: str
    kind: Kind
    code: str
    target: str | None
    result: TransitionResult  # a duplicate is never recorded
    at: datetime
    from_state: ClaimState | None = None
    to_state: ClaimState | None = None
    #: the payment the change reported (an 835's paid amount, an F1's amount)
    amount: Decimal | None = None
    #: the first-pass outcome this change decided
    first_pass: Literal["accepted", "rejected"] | None = None
    #: False for a 277 status summarising a decision (its 835 itemises it)
    itemised: bool = True
    #: another payer's decision on the claim (a secondary's 835 after the primary's: coordination
    #: of benefits), recorded beside the claim's own
    other_payer: bool = False
    #: a remittance with a denial under group CO (what the decision says as an adjudication)
    co_denial: bool = False


@dataclass(frozen=True)
class ClaimRecord:
    claim_id: str
    state: ClaimState | None = None
    payer_id: str | None = None
    plan_type: PlanType | None = None
    frequency_code: str = "1"
    replaces_claim_id: str | None = None
    payer_claim_number: str | None = None
    known: bool = False  # a lifecycle step from claimflow (held/ready/received) was seen
    submission_count: int = 0  # times sent to the payer (ready steps)
    first_decisive: Literal["accepted", "rejected"] | None = None  # first decisive answer (by time)
    first_decisive_at: datetime | None = None  # its time (None in records stored before)
    first_pass: Literal["accepted", "rejected"] | None = None
    #: an acknowledgment (or a decisive answer) was seen: the first-pass acceptance denominator
    acknowledged: bool = False
    #: what the payer's first adjudication did, and the first-pass resolution decided from it
    first_adjudication: FirstAdjudication | None = None
    first_adjudication_at: datetime | None = None  # its time (None in records stored before)
    first_pass_resolution: Resolution | None = None
    #: rejected (A3/A6/A7/A8) before any adjudication: never resolved on the first pass
    rejected_first: bool = False
    first_rejection_at: datetime | None = None  # the time of the earliest rejection
    #: the payer responsibility the claim was sent with (SBR01), from claimflow's own step
    payer_responsibility: str | None = None
    #: how claimflow's first scrub of the claim went (the clean-claim rate's: no manual touch)
    first_scrub: Literal["clean", "held"] | None = None
    submitted_at: datetime | None = None
    accepted_at: datetime | None = None
    adjudicated_at: datetime | None = None
    updated_at: datetime | None = None
    paid_amount: Decimal = Decimal("0")
    seen_event_ids: tuple[str, ...] = ()
    history: tuple[HistoryItem, ...] = ()
    anomalies: int = 0
    #: the latest bus time (Kafka timestamp) of the events applied to the record, and its topic
    latest_received: float | None = None
    latest_received_on: str | None = None
    #: when the claim was billed on to a later payer under its own claim id (a ready step of a
    #: secondary or later claim carrying the claim's payer's decision): not a resubmission, and
    #: that payer's decisions are another payer's
    billed_on_at: datetime | None = None
    #: the payer claim numbers another payer's answers came under (a crossover's, a secondary's):
    #: an answer under one of them is that payer's, whatever the claim's payer did since
    other_payer_numbers: tuple[str, ...] = ()

    @property
    def is_original(self) -> bool:
        return is_original(self.frequency_code, self.replaces_claim_id)

    @property
    def first_pass_acknowledged(self) -> bool:
        """An original claim known to claimflow that received its first acknowledgment: counted
        once in the first-pass acceptance denominator."""
        return self.known and self.is_original and self.acknowledged


@dataclass(frozen=True)
class Outcome:
    record: ClaimRecord
    result: Result
    previous_state: ClaimState | None
    first_pass_decided: Literal["accepted", "rejected"] | None = None
    became: ClaimState | None = None  # the new state when it changed
    #: the payer's itemised decision this change made (an 835's, once per decision: a corrected
    #: remittance of the same outcome is not a new one, the 835 after a 277 F-status is)
    decision: ClaimState | None = None
    #: an original claim's first scrub, decided by this change (counted once in the clean-claim rate)
    first_scrub_decided: Literal["clean", "held"] | None = None
    #: the claim entered the first-pass acceptance denominator with this change (counted once)
    first_acknowledged: bool = False
    #: the first-pass resolution this change decided (counted once), or ``resubmitted``: a claim
    #: counted resolved was sent again
    resolution_decided: ResolutionOutcome | None = None
    #: an older answer read after the first-pass outcome was counted changed it: the outcome it
    #: has now (counted as a revision: the one counted before is taken back)
    first_pass_revised: Literal["accepted", "rejected"] | None = None
    resolution_revised: Resolution | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: this change was claimflow's step billing the claim on to a later payer (``_billed_on``)
    billed_on: bool = False


def decision_in_force(record: ClaimRecord) -> HistoryItem | None:
    """The payer's decision in force: the latest adjudication applied (the last read of those
    made at the same time), within the record's bounded history."""
    found: HistoryItem | None = None
    for h in record.history:
        if h.result == "applied" and h.to_state in ADJUDICATED_STATES and (found is None or h.at >= found.at):
            found = h
    return found


def _reverses_another(change: Change, in_force: HistoryItem | None) -> bool:
    """A reversal dated like the decision in force (one 835 carries a reversal and its correction,
    both dated by the 835) that does not take back that decision's payment: it takes back the
    one before, which the correction already replaced."""
    return (
        in_force is not None
        and in_force.at == change.occurred_at
        and in_force.amount is not None
        and change.amount is not None
        and in_force.amount != -change.amount
    )


def _decide_first_pass(
    known: bool, original: bool, first_decisive: str | None
) -> Literal["accepted", "rejected"] | None:
    """First pass (reference §6): an original claim's first decisive acknowledgment.

    Decided once both are known: the claim's origin (from claimflow's own lifecycle step, which
    may arrive after the payer's answer) and its first decisive answer. A resubmission
    (frequency 7/8, or a claim that replaces another) is never first pass.
    """
    if not known or not original or first_decisive is None:
        return None
    return "accepted" if first_decisive == "accepted" else "rejected"


#: the order of processing an 835's CLP02 states (1 primary, 2 secondary, 3 tertiary; 19–21 the
#: same, forwarded to the next payer), and the rank of a claim's payer responsibility (SBR01: P
#: primary, S secondary, T tertiary, A–H the fourth to the eleventh)
PROCESSED_AS: Mapping[str, int] = {"1": 1, "19": 1, "2": 2, "20": 2, "3": 3, "21": 3}
RESPONSIBILITY_RANK: Mapping[str, int] = {
    **RESPONSIBILITY_ORDER,
    "U": 99,  # unknown: no answer can be told another payer's
}


def _processed_rank(code: str) -> int | None:
    """The order of processing a remittance's code (``CLP02=2``) states, or None."""
    clp02 = _processed_code(code)
    return PROCESSED_AS.get(clp02) if clp02 is not None else None


def _other_payers(
    change: Change, in_force: HistoryItem | None, record: ClaimRecord, responsibility: str | None
) -> bool:
    """An 835 from another payer: processed later in the order of payers (CLP02 2 after a 1, 3
    after a 2; after a denial, later than the claim's ``responsibility``, P when not known) than
    the claim's own payer's decision in force, not taken back since — the claim's payer crossed it
    over to the next payer, whose remittance names the same claim. Before the claim's payer has
    decided, such an answer is the claim's payer's own (it processed the claim as secondary: it
    knows of another coverage). The 835 names no payer claimflow can match, so one read before the
    claim's payer's decision is taken as that payer's."""
    number = change.payer_claim_number
    if (
        number
        and number in record.other_payer_numbers
        and number != record.payer_claim_number
        and (change.kind == "remittance" or change.itemised)
    ):
        return True  # under a number another payer's answers came under: that payer's again
    if in_force is None or in_force.other_payer:
        return False
    if (
        _processed_code(in_force.code) in FORWARDED
        and (change.kind == "remittance" or change.itemised)
        and change.payer_claim_number
        and record.payer_claim_number
        and change.payer_claim_number != record.payer_claim_number
    ):
        # the claim's payer forwarded it (CLP02 19-21: processed, and crossed over to the next
        # payer): a decision — or a reversal — under another payer claim number is the next
        # payer's, whatever its CLP02 (a Medigap's denial, CLP02 4, or its reversal, 22): the
        # claim's payer changes its own decision only by a reversal under its own claim number
        return not _reversed_since(record, in_force)
    if (
        record.billed_on_at is not None
        and (change.kind == "remittance" or change.itemised)
        and change.payer_claim_number
        and record.payer_claim_number
        and change.payer_claim_number != record.payer_claim_number
    ):
        # the claim was billed on to the next payer under its own id (a secondary claim carrying
        # this payer's decision): a decision — or a reversal — under another payer claim number is
        # that payer's, whatever its CLP02; the claim's payer speaks under its own number
        return not _reversed_since(record, in_force)
    if change.kind != "remittance" or change.processed_as is None:
        return False
    # the order the claim's payer processed it in: its decision's own CLP02, else the claim's
    # responsibility (a denial, CLP02 4, does not say)
    decided_as = _processed_rank(in_force.code) or RESPONSIBILITY_RANK.get(responsibility or "P", 1)
    if change.processed_as <= decided_as:
        return False
    # a reversal applied since takes the claim's payer's decision back: the claim is its again
    return not _reversed_since(record, in_force)


def _billed_on(record: ClaimRecord, change: Change) -> bool:
    """Whether claimflow's ready step sends the claim on to a later payer under its own id: a claim
    already sent to its payer, now billed to another payer later in the order of payment, that
    carries the claim's payer's decision among its other payers (the secondary claim a practice
    sends under the same patient control number, CLM01). Coordination of benefits, not a
    resubmission."""
    if not record.known or record.payer_id is None or change.payer_id in (None, record.payer_id):
        return False
    was = RESPONSIBILITY_RANK.get(record.payer_responsibility or "P", 1)
    now = RESPONSIBILITY_RANK.get(change.responsibility or "P", 1)
    return now > was and record.payer_id in change.other_payer_ids


def _reversed_since(record: ClaimRecord, decision: HistoryItem) -> bool:
    return any(
        h.code == REVERSAL_CODE and h.result == "applied" and h.at >= decision.at for h in record.history
    )


#: CLP02 19-21: processed (as primary, secondary, tertiary) and forwarded to the next payer
FORWARDED = frozenset({"19", "20", "21"})


def _processed_code(code: str) -> str | None:
    """The CLP02 of a remittance's code (``CLP02=19`` → ``19``), or None."""
    return code.removeprefix("CLP02=").partition("+")[0] if code.startswith("CLP02=") else None


def _on_bus_first(change: Change, record: ClaimRecord) -> bool:
    """Whether an older answer was on the bus before the answers already applied (the tracker
    merely read its topic later: reordered) rather than after them (late). Kafka timestamps are
    milliseconds: a tie across two topics is no evidence either way (reordered), while on one
    topic the later offset is the later arrival (late)."""
    return (
        change.received_at is not None
        and record.latest_received is not None
        and (
            change.received_at < record.latest_received
            or (
                change.received_at == record.latest_received
                and change.received_on != record.latest_received_on
            )
        )
    )


def _rejected_since(record: ClaimRecord, latest: datetime | None) -> datetime:
    """When a rejected claim was rejected: the time of the newest rejection applied (the claim's
    latest time when the history no longer shows it)."""
    times = [h.at for h in record.history if h.result == "applied" and h.to_state == "rejected"]
    if times:
        return max(times)
    return latest or datetime.max.replace(tzinfo=UTC)


def _queued_by_newer_statuses(record: ClaimRecord, at: datetime) -> bool:
    """Whether the claim's queue state (acknowledged, accepted, pending) comes only from statuses
    newer than ``at`` — none of claimflow's ready steps newer than ``at`` and no queue status no
    newer than it was applied."""
    newer = False
    for h in record.history:
        if h.result not in ("applied", "caught_up"):
            continue
        if h.kind == "lifecycle" and h.code == "ready" and h.at > at:
            return False  # sent again after it
        if h.kind == "status" and h.to_state in QUEUE_STATES and h.from_state != h.to_state:
            if h.at <= at:
                return False  # in the queue before the rejection: the rejection is the older news
            newer = True
    return newer


def _decided_again_unpaid(
    record: ClaimRecord, change: Change, result: str, new_state: ClaimState | None, first_at: datetime | None
) -> bool:
    """Whether the payer's decision in force once ``change`` is applied is newer than the first
    adjudication (at ``first_at``) and pays nothing, or pays with a CO denial: the claim was decided
    again (after a reversal, read before or after it) and is not paid on the first pass after all."""
    if first_at is None:
        return False
    current = decision_in_force(record)
    state: ClaimState | None
    if (
        result == "applied"
        and change.itemised
        and new_state in ADJUDICATED_STATES
        and (current is None or change.occurred_at >= current.at)
    ):
        at, state, co_denial, itemised = change.occurred_at, new_state, change.co_denial, True
    elif current is not None:
        at, state, co_denial, itemised = current.at, current.to_state, current.co_denial, current.itemised
    else:
        return False
    return at > first_at and adjudication(state, co_denial, itemised) == "not_paid"


def _reversal_applied(record: ClaimRecord) -> bool:
    """Whether the payer took a decision back (CLP02 22) in the record's history."""
    return any(h.code == REVERSAL_CODE and h.result == "applied" for h in record.history)


def _earlier(at: datetime, than: datetime | None, known: object) -> bool:
    """``at`` decides a first-of-its-kind over the one recorded: nothing recorded yet, or older
    than it (a record stored before the times were kept is never revised)."""
    return known is None or (than is not None and at < than)


def apply(record: ClaimRecord, change: Change, *, max_seen: int = 128, max_history: int = 32) -> Outcome:
    """Apply one change to a claim record. Never raises for odd input: it is recorded instead.

    The firsts that define first pass (the first decisive answer, the first adjudication, the
    first rejection) are the earliest by the payer's time, whatever order they are read in: an
    older one read after an outcome was counted revises it (``first_pass_revised``,
    ``resolution_revised``).

    The new record is built once (the changes are collected first: ``replace`` re-runs the
    record's ``__init__`` and was the machine's main cost)."""
    prev = record.state
    if change.event_id in record.seen_event_ids:
        return Outcome(record, "duplicate", prev)
    latest = record.updated_at
    kind, code, target, at = change.kind, change.code, change.target, change.occurred_at

    # facts every event may carry, filled in when first known
    u: dict[str, object] = {
        "payer_id": record.payer_id or change.payer_id,
        "plan_type": record.plan_type or change.plan_type,
        "seen_event_ids": (*record.seen_event_ids, change.event_id)[-max_seen:],
    }
    own_step = kind == "lifecycle" and code in OWN_STEPS
    responsibility = record.payer_responsibility
    billed_on = own_step and code == "ready" and _billed_on(record, change)
    if billed_on:
        u["billed_on_at"] = record.billed_on_at or at
    elif own_step and change.responsibility:
        responsibility = u["payer_responsibility"] = change.responsibility
    reversal = kind == "remittance" and code == REVERSAL_CODE
    # the decision in force: only decisions and follow-up steps ask (a history scan)
    asks = kind == "remittance" or target in FOLLOW_UPS or target in ADJUDICATED_STATES
    in_force = decision_in_force(record) if asks else None
    other_payer = _other_payers(change, in_force, record, responsibility)
    if (
        other_payer
        and change.payer_claim_number
        and change.payer_claim_number not in record.other_payer_numbers
    ):
        u["other_payer_numbers"] = (*record.other_payer_numbers, change.payer_claim_number)[-8:]
    known = record.known
    submissions = record.submission_count
    frequency_code, replaces = record.frequency_code, record.replaces_claim_id
    if own_step:
        if not known:
            # the claim's origin is what its first step says: the same claim id sent again as a
            # replacement (7) or a void (8) is a resubmission of an original claim
            frequency_code = change.frequency_code or frequency_code
            replaces = change.replaces_claim_id or replaces
            u["frequency_code"] = frequency_code
            u["replaces_claim_id"] = replaces
        known = True
        u["known"] = True
        u["submitted_at"] = record.submitted_at or change.submitted_at or at
        u["submission_count"] = submissions = record.submission_count + (code == "ready" and not billed_on)
    original = is_original(frequency_code, replaces)
    # first pass: the earliest decisive answer by the payer's time
    first_decisive = record.first_decisive
    answer = None if other_payer else decisive(kind, code, target)
    if answer is not None and _earlier(at, record.first_decisive_at, first_decisive):
        first_decisive = u["first_decisive"] = answer
        u["first_decisive_at"] = at
    if not record.acknowledged and not other_payer and acknowledges(kind, code, target):
        u["acknowledged"] = True
    decided = revised = None
    if record.first_pass is None:
        decided = _decide_first_pass(known, original, first_decisive)
        if decided is not None:
            u["first_pass"] = decided
    elif known and original and first_decisive is not None and first_decisive != record.first_pass:
        # an older decisive answer read after the outcome was counted (a clearinghouse's A2 read
        # after the payer's later A3, an A2 read after the 835): the first pass is what it says
        revised = u["first_pass"] = first_decisive
    first_scrub = None
    if change.scrubbed and own_step and code in SCRUB_STEPS and record.first_scrub is None:
        # clean-claim rate (reference §6): a claim passes "with no manual touch" only if its first
        # scrub passed; sent again after a coder's fix it is the same claim, held
        u["first_scrub"] = first_scrub = SCRUB_STEPS[code]
        if not original:  # a resubmission is not a claim of its own
            first_scrub = None

    decision_at = in_force.at if in_force is not None else None
    #: a payer's itemised decision (an 835's: a remittance, or a paid-in-full F1 bridged from it)
    itemised_decision = (
        kind in ("remittance", "status") and change.itemised and target in ADJUDICATED_STATES and not reversal
    )
    older = prev is not None and target in PREDECESSORS[prev] and (latest is None or at <= latest)
    # a rejection or a pending status dated like the answer in force (277CA STC dates are days):
    # the one that asks for work wins the tie — a rejection or a documentation request lost costs
    # the claim, one taken by mistake costs a look
    blocked = (prev, target) in NEWER_ONLY and (
        older and (target not in TIE_WINS or (latest is not None and at < latest))
    )
    # a rejection of a submission the claim was sent again after (a newer ready step applied)
    sent_again_since = (
        target == "rejected"
        and kind == "status"
        and any(
            h.kind == "lifecycle" and h.code == "ready" and h.result == "applied" and h.at > at
            for h in record.history
        )
    )
    #: the itemised decision this change made, where it is not the state it leaves the claim in
    decided_beside: ClaimState | None = None
    waits_for_step = False
    caught: datetime | None = None  # a waiting status taken with the resubmission's step
    result: TransitionResult
    if target is None or other_payer or billed_on:
        result, new_state = "noted", prev
    elif (
        (kind == "remittance" or (kind == "status" and change.itemised))
        and change.payer_claim_number in (None, record.payer_claim_number)
        and any(
            h.kind == kind
            and h.result != "duplicate"
            and h.itemised
            and h.code == code
            and h.amount == change.amount
            and h.at == at
            for h in record.history
        )
    ):
        # the same remittance again under another id (an ERA re-sent in a new interchange: same
        # CLP02, payment, date and payer claim number — a reprocessed claim gets a new one):
        # recorded, the decision stands and is counted once
        result, new_state = "noted", prev
    elif reversal and (prev in ADJUDICATED_STATES or (prev in SETTLED_STATES and record.paid_amount > 0)):
        # a reversal takes back whatever the payer decided (a payment, a partial payment or a
        # denial): the claim is in adjudication again until the corrected decision arrives. A
        # claim already replaced, written off or closed keeps its state; the money goes back. One
        # older than the decision in force (its correction was read first), or one of the same
        # 835 as the correction that reverses the payment before it, takes nothing back.
        if decision_at is not None and (at < decision_at or _reverses_another(change, in_force)):
            result, new_state = "late", prev
        else:
            result, new_state = "applied", target if prev in ADJUDICATED_STATES else prev
    elif (
        kind == "remittance"
        and not reversal
        and any(h.code == REVERSAL_CODE and h.result == "applied" and h.at > at for h in record.history)
    ):
        # a decision older than a reversal already applied (the reversal was read first): the
        # payer took it back, so it is history, not the decision in force — yet a decision made
        result, new_state = "late", prev
        decided_beside = target if change.itemised and target in ADJUDICATED_STATES else None
    elif (
        kind == "remittance"
        and target in ADJUDICATED_STATES
        and prev in ADJUDICATED_STATES
        and in_force is not None
        and not in_force.itemised
    ):
        # the 835 itemising a decision a 277 status (F1, F2) announced: the remittance's detail
        # (a line denied beside the payment) is the decision in force, whichever was read first
        result, new_state = "applied", target
    elif (
        not change.itemised
        and target in ADJUDICATED_STATES
        and in_force is not None
        and in_force.itemised
        and at <= in_force.at
    ):
        # a 277 F-status no newer than the remittance in force summarises it: the 835 stands
        result, new_state = "noted", prev
    elif (
        kind == "remittance"
        and target in ADJUDICATED_STATES
        and prev == "resubmitted"
        and decision_at is None
    ):
        # the payer decided a claim that has been replaced since it was sent (or whose replacement
        # was read first): the decision and its payment are recorded, the claim stays replaced —
        # unless a newer decision was recorded so already (then this one is history)
        if any(
            h.result == "applied"
            and h.to_state == "resubmitted"
            and h.target in ADJUDICATED_STATES
            and h.at > at
            for h in record.history
        ):
            result, new_state = ("reordered" if _on_bus_first(change, record) else "late"), prev
        else:
            result, new_state = "applied", prev
            decided_beside = target
    elif (
        kind == "status"
        and prev == "rejected"
        and target in QUEUE_STATES
        and not (older and latest is not None and at < latest)
    ):
        # an acknowledgment, acceptance or pending status newer than the rejection: about the claim
        # sent again (taken when its ready step shows: below) or about the rejected submission
        result, new_state = "noted", prev
        waits_for_step = True
    elif own_step and code == "ready" and prev == "rejected" and at <= _rejected_since(record, latest):
        # claimflow's ready step read after the payer rejected what it sent (a resubmission's
        # step is newer than the rejection): the claim stays rejected, its fix task open
        result, new_state = "caught_up", prev
    elif target in FOLLOW_UPS - {"resubmitted"} and decision_at is not None and at < decision_at:
        # an appeal (or write-off) step older than the payer's decision in force, read after it
        result, new_state = ("caught_up" if kind == "lifecycle" else "late"), prev
    elif (
        kind == "status"
        and target == "rejected"
        and prev in QUEUE_STATES
        and older
        and _queued_by_newer_statuses(record, at)
    ):
        # a rejection read after statuses newer than it, with no resubmission since (no newer
        # ready step): those statuses are about the rejected submission or wait for a
        # resubmission's step, as they would have had the rejection been read first
        result, new_state = "applied", "rejected"
    elif sent_again_since:
        result, new_state = ("reordered" if _on_bus_first(change, record) else "late"), prev
    elif (
        itemised_decision
        and prev in ADJUDICATED_STATES | {"appealed"}
        and decision_at is not None
        and at < decision_at
    ):
        # a payer's decision older than the one in force, read after it (a paid 835 read after
        # the newer denial that replaced it): history, whatever its outcome — it moves no money,
        # yet it was a decision (counted once, as in the order the payer made them)
        result, new_state = ("reordered" if _on_bus_first(change, record) else "late"), prev
        if not any(h.code == code and h.amount == change.amount and h.at == at for h in record.history):
            decided_beside = target  # (not when it is an ERA re-sent under its own claim number)
    elif (
        itemised_decision
        and prev in PAID_STATES
        and target in ADJUDICATED_STATES
        and target != prev
        and decision_at is not None
        and at > decision_at
    ):
        # the payer decided the paid claim again (a re-adjudication) and its reversal is not read
        # yet: the newer decision is in force; the reversal, read later, is older than it and
        # takes nothing back
        result, new_state = "applied", target
    elif target in ALLOWED[prev] and not blocked:
        result, new_state = "applied", target
    elif own_step and prev is not None and target in PREDECESSORS[prev]:
        # claimflow's own step behind the payer's answer (the answer to claims-ready can arrive
        # before the tracker reads the ready step): expected ordering, not an anomaly
        result, new_state = "caught_up", prev
    elif older:
        # an A2 older than the F1 already applied: history only (reordered or late)
        result, new_state = ("reordered" if _on_bus_first(change, record) else "late"), prev
    elif target == prev and kind == "remittance" and (decision_at is None or at >= decision_at):
        # a newer decision of the same kind (a corrected remittance): it is the one in force
        result, new_state = "applied", prev
    elif target == prev or (kind == "status" and target in QUEUE_STATES and prev in SETTLED_STATES):
        # the same answer again under another id (a clearinghouse's A2 then the payer's, a 277
        # F2 then another), or an acknowledgment, acceptance, pending or information-request
        # status after the payer decided: recorded, the decision stands
        result, new_state = "noted", prev
    else:
        result, new_state = "impossible", prev
    if result in ("late", "impossible"):  # what claimflow_lifecycle_anomalies_total counts
        u["anomalies"] = record.anomalies + 1

    if result == "applied" and prev == "rejected" and new_state == "ready":
        since = _rejected_since(record, latest)
        # the claim sent again: the payer's statuses about it read before this step take effect
        # (the newest of those no older than the step)
        waiting = [
            h
            for h in record.history
            if h.kind == "status"
            and h.result in ("noted", "applied")
            and h.target in QUEUE_STATES
            and h.at >= at
            and h.at > since
        ]
        if waiting:
            newest = max(waiting, key=lambda h: h.at)
            caught = newest.at
            new_state = newest.target  # type: ignore[assignment]
            if new_state == "accepted" and record.accepted_at is None:
                u["accepted_at"] = newest.at
    # an answer the machine refused, another payer's, or a status about a rejected claim that
    # waits for the resubmission's step does not move the claim's clock nor name its claim number
    taken = result != "impossible" and not other_payer and not waits_for_step
    if taken and change.payer_claim_number and result != "late":
        # a late answer (a re-sent ERA's reversal read after its correction) is history: the claim
        # number in force stays the newer decision's, so that decision re-sent is recognised
        u["payer_claim_number"] = change.payer_claim_number
    u["updated_at"] = at if taken and (latest is None or at > latest) else latest
    if caught is not None and (u["updated_at"] is None or caught > u["updated_at"]):  # type: ignore[operator]
        u["updated_at"] = caught
    # what the event says of the claim's dates and money counts only when the machine took it
    if taken:
        if target == "accepted" and record.accepted_at is None:
            u["accepted_at"] = at
        if target in ADJUDICATED_STATES:
            u["adjudicated_at"] = record.adjudicated_at or at
    # first-pass resolution: the payer's earliest decision by time (one the machine refused as
    # impossible is none) and the earliest rejection, decided once the claim is known
    first_adjudication, adjudicated_first = record.first_adjudication, record.first_adjudication_at
    made = adjudication(target, change.co_denial, change.itemised) if taken else None
    if made is not None and _earlier(at, adjudicated_first, first_adjudication):
        first_adjudication = u["first_adjudication"] = made
        adjudicated_first = u["first_adjudication_at"] = at
    rejected_at = record.first_rejection_at
    if taken and target == "rejected" and (rejected_at is None or at < rejected_at):
        rejected_at = u["first_rejection_at"] = at
    rejected = (
        rejected_at is not None and (adjudicated_first is None or rejected_at < adjudicated_first)
    ) or (record.rejected_first and adjudicated_first is None)  # (records stored before the times)
    if rejected != record.rejected_first:
        u["rejected_first"] = rejected
    resolved: ResolutionOutcome | None = None
    resolution_revised: Resolution | None = None
    if known and original:
        inputs_revised = (
            revised is not None
            or (record.first_adjudication is not None and first_adjudication != record.first_adjudication)
            or rejected != record.rejected_first
        )
        now: Resolution | None = None
        if (
            first_adjudication is not None
            or rejected
            or (revised or record.first_pass or decided) == "rejected"
        ):
            # replaced by a claim of its own (frequency 7/8 under a new id): sent again (a history
            # scan, only once there is something to decide)
            replaced = (result == "applied" and new_state == "resubmitted") or any(
                h.result == "applied" and h.to_state == "resubmitted" for h in record.history
            )
            now = resolution(
                revised or record.first_pass or decided, first_adjudication, submissions + replaced, rejected
            )
            if now == "resolved" and _decided_again_unpaid(
                record, change, result, new_state, adjudicated_first
            ):
                # the first payment no longer stands: the payer decided the claim again, later,
                # without paying it in full (whatever order the answers were read in)
                now = "unresolved"
        if record.first_pass_resolution is None:
            if now is not None:
                resolved = u["first_pass_resolution"] = now
        elif record.first_pass_resolution == "resolved" and (
            submissions > record.submission_count > 0 or (result == "applied" and new_state == "resubmitted")
        ):
            # a resolved claim sent again (a replacement of a paid claim under its id, or a
            # corrected claim for a line denied beside the payment): "no resubmission" no longer
            # holds
            resolved = "resubmitted"
            u["first_pass_resolution"] = "unresolved"
        elif (
            record.first_pass_resolution == "resolved"
            and result == "applied"
            and not reversal
            and adjudication(target, change.co_denial, change.itemised) == "not_paid"
            and (prev in PAID_STATES or _reversal_applied(record))
        ):
            # the payer took the payment back (CLP02 22, read before or after this) and decided
            # again without paying: the claim was not paid on the first pass after all
            resolved = "reversed"
            u["first_pass_resolution"] = "unresolved"
        elif (
            inputs_revised
            and now is not None
            and now != record.first_pass_resolution
            and (
                now == "unresolved"
                or not (
                    reversal or any(h.code == REVERSAL_CODE and h.result == "applied" for h in record.history)
                )
            )
        ):
            # an older answer read late changed what the first adjudication (or the first pass)
            # was: a claim counted resolved whose first decision was a CO denial is not; one
            # counted unresolved is resolved only if nothing since took it back (a reversal)
            resolution_revised = u["first_pass_resolution"] = now
    if result == "applied":
        if reversal and change.amount is not None:
            # the payment taken back (CLP04 is negative in a reversal); never below nothing paid
            u["paid_amount"] = max(Decimal("0"), record.paid_amount + change.amount)
        elif target in ADJUDICATED_STATES and change.amount is not None:
            u["paid_amount"] = change.amount

    if (
        change.received_at is not None
        and result == "applied"
        and change.received_at >= (record.latest_received or 0.0)
    ):
        u["latest_received"] = change.received_at
        u["latest_received_on"] = change.received_on
    item = HistoryItem(
        change.event_id,
        kind,
        code,
        target,
        result,
        at,
        prev,
        new_state,
        change.amount,
        decided or revised,
        change.itemised,
        other_payer,
        change.co_denial,
    )
    # the itemised decision made: a new state, or the 835 after a 277 F-status announcing it
    decision = decided_beside
    if (
        result == "applied"
        and change.itemised
        and new_state in ADJUDICATED_STATES
        and (new_state != prev or (in_force is not None and not in_force.itemised))
    ):
        decision = new_state
    u["state"] = new_state
    u["history"] = (*record.history, item)[-max_history:]
    acknowledged_before = record.first_pass_acknowledged
    record = replace(record, **u)  # type: ignore[arg-type]
    became = new_state if new_state != prev else None
    return Outcome(
        record,
        result,
        prev,
        decided,
        became,
        first_scrub_decided=first_scrub,
        decision=decision,
        first_acknowledged=record.first_pass_acknowledged and not acknowledged_before,
        resolution_decided=resolved,
        first_pass_revised=revised,
        resolution_revised=resolution_revised,
        billed_on=billed_on,
    )
