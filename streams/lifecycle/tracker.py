"""The claim tracker: one observed event for a claim → the claim's next entry and everything that
follows from it (pure; the lifecycle agent loads the entry, calls ``track``, stores, emits, counts).

An event is claimflow's own lifecycle step (``claim-lifecycle``), a payer's status answer
(``claim-status``: 277CA, portal) or a remittance decision (``claim-denials``: 835). Each is reduced
to a state-machine change and applied (``machine.apply``). Then:

- a payer answer for a claim the tracker does not know yet (its payer unknown) is **parked** on the
  entry and acted on when claimflow's own step for the claim arrives;
- a rejection or a denial becomes **resubmission tasks** (the planner), kept on the entry by the
  event's id so that a redelivered event re-sends the same tasks instead of planning again;
- a task with a corrected claim moves the claim on to ``resubmitted`` (a **follow-up** change with
  an id derived from the event's: idempotent);
- an adjudication of a claim whose lines are known becomes **adjudication facts** for the denial
  trends;
- every applied change is published as a **transition** (``claim-transitions``) and the claim's
  latest **state record** (``claim-states``, compacted), both without PHI. A redelivered event
  publishes the same transitions again (same derived ids) and nothing new.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol, TypeGuard, TypeVar

from pydantic import BaseModel, TypeAdapter

from schemas import (
    AdjudicationFact,
    ClaimStatus,
    ClaimUnfiled,
    Denial,
    Encounter,
    LifecycleEvent,
    ResubmissionTask,
    ValidClaim,
)
from schemas.base import trusted
from schemas.claim_state import ClaimStateRecord, ClaimTransition, OpenTask, StateStep
from schemas.ids import derived_event_id, derived_from_text
from schemas.topics import Topic
from streams.denials.reasons import PREDETERMINATION, REVERSAL, ReasonMap
from streams.denials.tasks import LINE_REJECTION, rejected_lines, unfiled_by
from streams.lifecycle.events import from_denial, from_lifecycle, from_status
from streams.lifecycle.facts import facts_for
from streams.lifecycle.first_pass import ADJUDICATED_STATES
from streams.lifecycle.machine import Change, ClaimRecord, HistoryItem, Outcome, apply

_RECORD = TypeAdapter(ClaimRecord)
M = TypeVar("M", bound=BaseModel)

Observed = LifecycleEvent | ClaimStatus | Denial
Answer = ClaimStatus | Denial

_TOPIC_OF: dict[type, Topic] = {
    LifecycleEvent: Topic.CLAIM_LIFECYCLE,
    ClaimStatus: Topic.CLAIM_STATUS,
    Denial: Topic.CLAIM_DENIALS,
}


class Planner(Protocol):
    """Plans the resubmission tasks for a payer's answer (``streams.denials.TaskPlanner``)."""

    def could_raise(self, answer: Answer) -> bool: ...

    def plan(
        self,
        answer: Answer,
        *,
        claim_id: str,
        payer_id: str | None,
        plan_type: str | None,
        payer_claim_number: str | None,
        claim: ValidClaim | None,
        encounter: Encounter | None,
    ) -> list[ResubmissionTask]: ...


def answer_topic(answer: Answer) -> Topic:
    """The topic a payer answer comes on (the name parked answers are stored under)."""
    return _TOPIC_OF[type(answer)]


@dataclass
class ClaimEntry:
    """A claim as the tracker keeps it (the ``claims`` table's value): its record, the last
    claim sent and the encounter it was scrubbed against (for corrections), the tasks each event
    raised (re-sent on redelivery), and answers parked until the claim is known.

    The claim and the encounter stay in their stored (JSON) form until a plan needs them."""

    record: ClaimRecord
    #: the snapshots as JSON text (stored so: a string costs the changelog's encoder a fraction
    #: of a nested object); entries stored before hold objects, read alike
    claim_json: str | dict[str, Any] | None = None
    encounter_json: str | dict[str, Any] | None = None
    outbox: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    parked: list[dict[str, Any]] = field(default_factory=list)
    #: tasks raised for the claim that nothing has resolved yet (OpenTask, stored form)
    open_tasks: list[dict[str, Any]] = field(default_factory=list)
    _claim: ValidClaim | None = field(default=None, repr=False, compare=False)

    @classmethod
    def new(cls, claim_id: str) -> ClaimEntry:
        return cls(ClaimRecord(claim_id))

    @classmethod
    def decode(cls, stored: dict[str, Any] | None, claim_id: str) -> ClaimEntry:
        if stored is None:
            return cls.new(claim_id)
        return cls(
            _RECORD.validate_python(stored["record"]),
            stored.get("claim"),
            stored.get("encounter"),
            dict(stored.get("outbox") or {}),
            list(stored.get("parked") or []),
            list(stored.get("open_tasks") or []),
        )

    def encode(self) -> dict[str, Any]:
        return {
            "record": _RECORD.dump_python(self.record, mode="json"),
            "claim": self.claim_json,
            "encounter": self.encounter_json,
            "outbox": self.outbox,
            "parked": self.parked,
            "open_tasks": self.open_tasks,
        }

    def claim(self) -> ValidClaim | None:
        """The last claim sent to the payer, validated at most once."""
        if self._claim is None and self.claim_json is not None:
            self._claim = _validated(ValidClaim, self.claim_json)
        return self._claim

    def encounter(self) -> Encounter | None:
        return _validated(Encounter, self.encounter_json) if self.encounter_json else None

    def parked_answers(self) -> list[Answer]:
        return [
            (ClaimStatus if p["topic"] == Topic.CLAIM_STATUS else Denial).model_validate(p["event"])
            for p in self.parked
        ]


@dataclass
class Tracked:
    """What one event did to a claim."""

    entry: ClaimEntry
    #: the state machine's outcomes with their changes: the event's own, then any follow-up
    outcomes: list[tuple[Outcome, Change]]
    #: False for a duplicate: nothing to store
    changed: bool = True
    #: payer answers acted on now that the claim's payer is known (the event itself, or answers
    #: parked before), for counting
    answers: list[Answer] = field(default_factory=list)
    #: tasks planned for this event (new: to count)
    tasks: list[ResubmissionTask] = field(default_factory=list)
    #: a redelivered event: the tasks it raised the first time, to send again (not to count)
    resend: list[ResubmissionTask] = field(default_factory=list)
    facts: list[AdjudicationFact] = field(default_factory=list)
    #: the event's transitions (a redelivered event: the ones it published the first time)
    transitions: list[ClaimTransition] = field(default_factory=list)
    #: the claim's state record after the event
    state: ClaimStateRecord | None = None
    #: steps for other claims: a replacement sent moves the claim it replaces on (``replaced_steps``)
    steps: list[LifecycleEvent] = field(default_factory=list)
    #: lines a 277CA rejection left never filed, for the scrub agent's patient history (sent again
    #: for a redelivered rejection: taking them out twice changes nothing)
    unfiled: list[ClaimUnfiled] = field(default_factory=list)

    @property
    def outcome(self) -> Outcome:
        return self.outcomes[0][0]


@dataclass(frozen=True)
class Tracker:
    reasons: ReasonMap
    planner: Planner
    history_limit: int = 32
    #: events whose tasks are kept for a resend on redelivery
    outbox_keep: int = 8
    #: answers kept while the claim is unknown
    parked_keep: int = 16
    #: corrected claims are sent back through the scrubber (``CLAIMFLOW_AUTO_RESUBMIT``)
    auto_resubmit: bool = True

    def change_for(self, event: Observed, received_at: float | None = None) -> Change:
        if isinstance(event, LifecycleEvent):
            change = from_lifecycle(event)
        elif isinstance(event, ClaimStatus):
            change = from_status(event)
        else:
            change = from_denial(event, self.reasons)
        return (
            replace(change, received_at=received_at, received_on=_TOPIC_OF[type(event)])
            if received_at
            else change
        )

    def track(self, entry: ClaimEntry, event: Observed, received_at: float | None = None) -> Tracked:
        """Apply one event. ``received_at``: when it reached the bus (its Kafka timestamp, epoch
        seconds), which tells an answer read late from one that came late."""
        change = self.change_for(event, received_at)
        outcome = apply(entry.record, change, max_history=self.history_limit)
        if outcome.result == "duplicate":
            # at-least-once: what this event produced may not have left before a crash
            resend = [ResubmissionTask.model_validate(t) for t in entry.outbox.get(change.event_id, [])]
            unfiled = unfiled_by(event, entry.claim()) if resend and isinstance(event, ClaimStatus) else None
            return Tracked(
                entry,
                [(outcome, change)],
                changed=False,
                resend=resend,
                transitions=transitions_of(entry.record, change.event_id),
                steps=replaced_steps(event),
                state=state_record(entry, change.event_id),
                unfiled=[unfiled] if unfiled is not None else [],
            )

        entry = ClaimEntry(
            outcome.record,
            entry.claim_json,
            entry.encounter_json,
            entry.outbox,
            entry.parked,
            entry.open_tasks,
            entry._claim,
        )
        tracked = Tracked(entry, [(outcome, change)])
        known = outcome.record.payer_id is not None
        if isinstance(event, LifecycleEvent):
            # the claim billed on to a later payer under its id: the claim kept is the one its own
            # payer decided (what a correction of that payer's decision starts from)
            if event.claim is not None and not outcome.billed_on:
                entry.claim_json = event.claim.model_dump_json()
                entry._claim = event.claim
                entry.encounter_json = event.encounter.model_dump_json() if event.encounter else None
            to_act = entry.parked_answers() if known else []
            if to_act:
                entry.parked = []
        elif known:
            to_act = [event]
        else:  # the claim is not known yet: act when it is
            entry.parked = [
                *entry.parked,
                {"topic": answer_topic(event), "event": event.model_dump(mode="json")},
            ][-self.parked_keep :]
            to_act = []

        # the same remittance again under another id (an ERA re-sent in a new interchange) is noted
        # by the machine: the payer decided once, so it is counted (and learnt from) once. A
        # decision read late is still one the payer made: counted. Another payer's decision (a
        # secondary's 835, crossed over) is not this claim's payer's: neither counted nor planned.
        # Answers parked until the claim was known are read by what the machine made of each.
        items = {h.event_id: h for h in entry.record.history} if to_act else {}
        fresh: list[Answer] = []
        planned: list[tuple[Answer, bool]] = []
        for answer in to_act:
            item = items.get(str(answer.event_id))
            if item is not None and item.other_payer:
                continue
            # a remittance noted is one re-sent (or a predetermination): the payer decided once
            noted = item is not None and item.result == "noted"
            if not (noted and (isinstance(answer, Denial) or adjudicates(answer))):
                fresh.append(answer)
            if self.planner.could_raise(answer):
                planned.append((answer, _superseded(entry.record, item)))
        tracked.answers = fresh
        moved = outcome.became is not None
        for answer, superseded in planned:
            for task in self._plan(entry, answer):
                # a superseded answer asks for nothing, but for lines rejected in an accepted claim
                # (never filed: they wait for a claim of their own whatever the claim does); one
                # task per request: the same one planned for two answers (an ERA re-sent under a
                # new id while the claim was unknown) is raised once
                if (not superseded or task.category == LINE_REJECTION) and all(
                    (t.category, t.reason_codes) != (task.category, task.reason_codes) for t in tracked.tasks
                ):
                    tracked.tasks.append(task)
            if isinstance(answer, ClaimStatus) and (not superseded or rejected_lines(answer)):
                # a rejection still in force (lines rejected one by one always are): never filed
                unfiled = unfiled_by(answer, entry.claim())
                if unfiled is not None and not (superseded and unfiled.whole_claim):
                    tracked.unfiled.append(unfiled)
        if tracked.tasks and entry.open_tasks:
            # the same request again (a clearinghouse's A7 then the payer's, an R4 repeated):
            # the task already open stands, no second one in the work queue
            asked = {(t.get("category"), tuple(t.get("reason_codes") or ())) for t in entry.open_tasks}
            tracked.tasks = [t for t in tracked.tasks if (t.category, tuple(t.reason_codes)) not in asked]
        if tracked.tasks:
            entry.outbox = dict(
                list(
                    {
                        **entry.outbox,
                        change.event_id: [t.model_dump(mode="json") for t in tracked.tasks],
                    }.items()
                )[-self.outbox_keep :]
            )
            # every task waits, beside the tasks already open (those the claim's move closed
            # apart) — one with a corrected claim too: the corrected claim goes back through the
            # scrubber, which may hold it (a duplicate the planner's re-scrub cannot see, a
            # missing encounter); its ready step, once it is sent, moves this claim to
            # resubmitted (``replaced_steps``) and that move closes the task
            kept = still_open(entry.open_tasks, change.occurred_at) if moved else entry.open_tasks
            entry.open_tasks = kept + [open_task(t).model_dump(mode="json") for t in tracked.tasks]
        elif moved_at := [c.occurred_at for o, c in tracked.outcomes if o.became is not None]:
            entry.open_tasks = still_open(entry.open_tasks, max(moved_at))  # the claim moved on
        decisions = [answer for answer in fresh if adjudicates(answer)]
        if decisions and (claim := entry.claim()) is not None:  # the snapshot validated only then
            tracked.facts = [fact for answer in decisions for fact in facts_for(claim, answer, self.reasons)]
        tracked.transitions = transitions_of(entry.record, change.event_id)
        tracked.state = state_record(entry, change.event_id)
        if outcome.result != "impossible":
            tracked.steps = replaced_steps(event)
        return tracked

    def _plan(self, entry: ClaimEntry, answer: Answer) -> list[ResubmissionTask]:
        record = entry.record
        return self.planner.plan(
            answer,
            claim_id=record.claim_id,
            payer_id=record.payer_id,
            plan_type=record.plan_type,
            payer_claim_number=record.payer_claim_number,
            claim=entry.claim(),
            encounter=entry.encounter(),
        )


#: the payer's answers that move a claim on: an answer older than one of them was superseded
_MOVING = frozenset({*ADJUDICATED_STATES, "accepted", "rejected"})


def _superseded(record: ClaimRecord, item: HistoryItem | None) -> bool:
    """Whether a payer's answer (its history item) no longer asks for anything: the machine took
    it as late, reordered or impossible (older than the decision in force, or contradicting it),
    a newer answer moved the claim on to another state after it (an answer parked while the claim
    was unknown, acted on when it became known), or the claim has been replaced since."""
    if record.state == "resubmitted":
        return True
    if item is None:  # beyond the bounded history: nothing to tell it by
        return False
    if item.result in ("late", "reordered", "impossible"):
        return True
    if item.target == "rejected":
        # a rejection's fix is done once the claim was sent again (its newer ready step) or the
        # payer decided it since; a newer status alone may be about the rejected submission
        return any(
            h.result == "applied"
            and h.at > item.at
            and ((h.kind == "lifecycle" and h.code == "ready") or h.to_state in ADJUDICATED_STATES)
            for h in record.history
        )
    # any other answer once the payer moved the claim on to another state since
    return any(
        h.kind != "lifecycle"
        and h.result == "applied"
        and h.to_state in _MOVING
        and h.to_state != h.from_state
        and h.to_state != item.target
        and h.at > item.at
        for h in record.history
    )


def _validated(model: type[M], stored: str | dict[str, Any]) -> M:
    return model.model_validate_json(stored) if isinstance(stored, str) else model.model_validate(stored)


def still_open(open_tasks: list[dict[str, Any]], moved_at: datetime) -> list[dict[str, Any]]:
    """The open tasks a claim's move (at ``moved_at``, the payer's or claimflow's time) leaves
    open: lines rejected in an accepted claim wait for their own new claim whatever the claim does,
    and a task raised by a newer answer than the move (an information request after the denial
    read before it) still asks; the move closes the rest."""
    return [t for t in open_tasks if t.get("category") == LINE_REJECTION or _raised_at(t) > moved_at]


def _raised_at(task: dict[str, Any]) -> datetime:
    raised = task.get("raised_at")
    if isinstance(raised, datetime):
        return raised
    try:
        return datetime.fromisoformat(str(raised).replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)


def adjudicates(event: Observed) -> TypeGuard[Answer]:
    """An 835 decision: what the denial trends learn from — a claim payment with its adjustments,
    or one paid in full without any (bridged as an F1 status from the 835). A reversal (CLP02 22)
    decides nothing: it takes a decision back, and the corrected one that follows is the fact. A
    finalized 277 status (F1, F2) is not one either: it says nothing of why, and the 835 it
    announces is the decision (a fact from both counted one denied claim twice, the first time as
    not denied)."""
    if isinstance(event, ClaimStatus):
        return event.source == "835" and event.category_code == "F1"
    return isinstance(event, Denial) and event.claim_status_code not in (REVERSAL, PREDETERMINATION)


def replaced_steps(event: Observed) -> list[LifecycleEvent]:
    """A replacement claim sent (its ``ready`` step, frequency 7/8 naming the claim it replaces):
    the replaced claim's own step to ``resubmitted``, published on ``claim-lifecycle`` under that
    claim's id so its record moves on (its open tasks close; a claim counted resolved on the first
    pass is no longer). A derived id: the same step for a redelivered event."""
    if (
        not isinstance(event, LifecycleEvent)
        or event.stage != "ready"
        or not event.replaces_claim_id
        or event.replaces_claim_id == event.claim_id
    ):
        return []
    return [
        LifecycleEvent(
            event_id=derived_event_id(event.event_id, "replaced"),
            occurred_at=event.occurred_at,
            source=event.source,
            claim_id=event.replaces_claim_id,
            stage="resubmitted",
            payer_id=event.payer_id,
            plan_type=event.plan_type,
            cause_event_id=event.event_id,
        )
    ]


def resubmitted_id(event_id: str) -> str:
    return f"{event_id}:resubmitted"


def resubmitted(change: Change, at: datetime | None = None) -> Change:
    """The claim's own step once its corrected claim has been sent (derived id: idempotent),
    dated ``at`` (by default the change's time)."""
    return Change(
        event_id=resubmitted_id(change.event_id),
        kind="lifecycle",
        occurred_at=at or change.occurred_at,
        target="resubmitted",
        code="resubmitted",
    )


def _derived(event_id: str, kind: str) -> uuid.UUID:
    """An output id derived from a change's id (``<uuid>`` or ``<uuid>:<follow-up>``)."""
    cause, _, follow_up = event_id.partition(":")
    kind = f"{kind}:{follow_up}" if follow_up else kind
    try:
        return derived_from_text(cause, kind)
    except ValueError:  # not a contract's id (tests may use names): still deterministic
        return derived_event_id(uuid.uuid5(uuid.NAMESPACE_URL, f"claimflow:{cause}"), kind)


def transitions_of(record: ClaimRecord, event_id: str) -> list[ClaimTransition]:
    """The transitions an event published: its own and the follow-up it caused, rebuilt from the
    claim's history (so a redelivered event publishes the same ones again)."""
    ids = (event_id, resubmitted_id(event_id))
    return [transition(record, item) for item in record.history if item.event_id in ids]


# The published records are built from values the machine already holds, typed: assembled without
# validation (``trusted``: every event builds several; the tests read them back through the
# contracts).


def transition(record: ClaimRecord, item: HistoryItem) -> ClaimTransition:
    return trusted(
        ClaimTransition,
        dict(
            event_type="claim_transition",
            schema_version=1,
            source="claimflow",
            event_id=_derived(item.event_id, "claim_transition"),
            occurred_at=item.at,
            claim_id=record.claim_id,
            payer_id=record.payer_id,
            plan_type=record.plan_type,
            cause_event_id=item.event_id,
            cause_kind=item.kind,
            cause_code=item.code,
            from_state=item.from_state,
            to_state=item.to_state,
            result=item.result,
            changed=item.to_state != item.from_state,
            paid_amount=item.amount,
            first_pass=item.first_pass,
        ),
    )


def state_step(item: HistoryItem) -> StateStep:
    return trusted(
        StateStep,
        dict(
            cause_event_id=item.event_id,
            cause_kind=item.kind,
            cause_code=item.code,
            from_state=item.from_state,
            to_state=item.to_state,
            result=item.result,
            at=item.at,
        ),
    )


def open_task(task: ResubmissionTask) -> OpenTask:
    return OpenTask(
        task_id=task.task_id,
        action=task.action,
        category=task.category,
        priority=task.priority,
        due_date=task.due_date,
        reason_codes=task.reason_codes,
        amount_at_stake=task.amount_at_stake,
        raised_at=task.occurred_at,
    )


#: history steps on a ``claim-states`` record (the transitions topic has them all; GET /claims shows
#: every step the tracker keeps)
STATE_STEPS = 4


def state_record(entry: ClaimEntry, event_id: str, steps: int | None = STATE_STEPS) -> ClaimStateRecord:
    """The claim's state record after the event ``event_id``, with its last ``steps`` history
    steps (None: all kept)."""
    r = entry.record
    history = r.history if steps is None else r.history[-steps:]
    return trusted(
        ClaimStateRecord,
        dict(
            event_type="claim_state",
            schema_version=1,
            source="claimflow",
            event_id=_derived(event_id, "claim_state"),
            occurred_at=r.updated_at or datetime.now(UTC),  # set by every applied event
            claim_id=r.claim_id,
            state=r.state,
            payer_id=r.payer_id,
            plan_type=r.plan_type,
            frequency_code=r.frequency_code,
            replaces_claim_id=r.replaces_claim_id,
            original=r.is_original,
            known=r.known,
            first_pass=r.first_pass,
            acknowledged=r.first_pass_acknowledged,
            first_pass_resolution=r.first_pass_resolution,
            submission_count=r.submission_count,
            submitted_at=r.submitted_at,
            accepted_at=r.accepted_at,
            adjudicated_at=r.adjudicated_at,
            updated_at=r.updated_at,
            paid_amount=r.paid_amount,
            anomalies=r.anomalies,
            history=[state_step(item) for item in history],
            open_tasks=[OpenTask.model_validate(t) for t in entry.open_tasks],
        ),
    )
