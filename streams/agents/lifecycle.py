"""Lifecycle agent (``claim-lifecycle``, ``claim-status``, ``claim-denials``), keyed by claim_id.

One agent over the three co-partitioned topics owns the ``claims`` table, so every change to a
claim's entry is applied in one place, in arrival order, without races between agents. The
decisions (state, parked answers, resubmission tasks, follow-ups, adjudication facts) are the
claim tracker's (``streams.lifecycle.tracker``); this agent decodes, loads the entry, calls the
tracker, stores the entry, emits what it returned and counts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from faust.types import EventT, StreamT

from schemas import ClaimStatus, Denial, LifecycleEvent, ResubmissionTask
from schemas.claim_state import ClaimState
from schemas.codec import encode
from schemas.codes import KNOWN_STATUS_CATEGORIES
from schemas.topics import Topic
from streams.agents.catalogue import Agent, Table
from streams.agents.claims_query import ClaimLookup
from streams.agents.common import Outbox, batched, bus_time, decode_event, forwarded, logical_topic
from streams.denials import ReasonMap, TaskPlanner
from streams.denials.reasons import PREDETERMINATION
from streams.lifecycle.events import remitted_charge
from streams.lifecycle.first_pass import ADJUDICATED_STATES
from streams.lifecycle.machine import Change, Outcome, decision_in_force
from streams.lifecycle.tracker import Answer, ClaimEntry, Tracked, Tracker
from streams.runtime.metrics import carc_label
from streams.trends import category_key

if TYPE_CHECKING:
    from streams.runtime.app import ClaimflowApp
    from streams.runtime.metrics import Metrics

#: each input topic's contract
CONTRACTS: dict[Topic, type[LifecycleEvent | ClaimStatus | Denial]] = {
    Topic.CLAIM_LIFECYCLE: LifecycleEvent,
    Topic.CLAIM_STATUS: ClaimStatus,
    Topic.CLAIM_DENIALS: Denial,
}


def count_answer(metrics: Metrics, reasons: ReasonMap, payer: str, ev: Answer) -> None:
    """Count a payer's answer once its claim's payer is known. Counters only go up: a negative
    amount (a reversal's, or a CAS correcting an earlier one) is not counted as money. A
    predetermination (CLP02 25) is an estimate: it denies and pays nothing."""
    if (charge := remitted_charge(ev)) > 0:
        metrics.remitted_charges.labels(payer=payer).inc(float(charge))
    if isinstance(ev, ClaimStatus):
        known = ev.category_code in KNOWN_STATUS_CATEGORIES
        metrics.acknowledgments.labels(payer=payer, category=ev.category_code if known else "other").inc()
        return
    if ev.claim_status_code == PREDETERMINATION:
        return
    categories: set[str] = set()
    for c in reasons.classify(ev.adjustments):
        if c.is_denial:
            categories.add(c.rule.category)
            metrics.denials.labels(
                payer=payer,
                group=c.adjustment.group_code,
                carc=carc_label(c.adjustment.reason_code),
                category=c.rule.category,
            ).inc()
            if c.adjustment.amount > 0:
                metrics.denied_amount.labels(payer=payer, category=c.rule.category).inc(
                    float(c.adjustment.amount)
                )
    for category in sorted(categories):
        metrics.denied_claims.labels(payer=payer, category=category).inc()
    if ev.paid_amount > 0:
        metrics.payments.labels(payer=payer).inc()
        metrics.paid_amount.labels(payer=payer).inc(float(ev.paid_amount))


def adjudication_counted(outcome: Outcome, payer_was_known: bool) -> ClaimState | None:
    """The decision to count in ``claimflow_claims_adjudicated_total`` for this outcome, under the
    claim's payer (once per decision), or None. Decisions are the remittances' (an 835's, itemised;
    a 277 F-status only announces one). A decision read before the claim is known (the payer's
    answer came first) waits for the payer: it is counted when claimflow's own step makes the
    payer known, never under "unknown"."""
    record = outcome.record
    if record.payer_id is None:
        return None
    if outcome.decision is not None:
        return outcome.decision
    if not payer_was_known and record.state in ADJUDICATED_STATES:
        in_force = decision_in_force(record)
        return record.state if in_force is not None and in_force.itemised else None
    return None


def register(app: ClaimflowApp) -> None:
    claims = app.table(Table.CLAIMS)
    metrics = app.metrics
    settings = app.settings
    tracker = Tracker(
        reasons=app.reasons,
        planner=TaskPlanner(app.scrubber, app.reasons, settings.max_resubmissions),
        history_limit=settings.lifecycle_history,
        auto_resubmit=settings.auto_resubmit,
    )

    def count(outcome: Outcome, topic: str, change: Change, payer_was_known: bool) -> None:
        record = outcome.record
        payer = metrics.payer(record.payer_id)
        if outcome.result == "duplicate":
            metrics.duplicates.labels(topic=topic).inc()
            return
        if outcome.result in ("late", "impossible"):
            metrics.anomalies.labels(kind=outcome.result).inc()
        elif outcome.result == "noted" and change.kind == "status":
            category = change.code if change.code in KNOWN_STATUS_CATEGORIES else "other"
            metrics.status_noted.labels(category=category).inc()
        if (decided := adjudication_counted(outcome, payer_was_known)) is not None:
            metrics.claims_adjudicated.labels(payer=payer, outcome=decided).inc()
        if outcome.became is not None:
            metrics.transitions.labels(
                from_state=outcome.previous_state or "none", to_state=outcome.became
            ).inc()
            if outcome.became == "accepted" and record.submitted_at and record.accepted_at:
                metrics.submission_to_acceptance.labels(payer=payer).observe(
                    max(0.0, (record.accepted_at - record.submitted_at).total_seconds())
                )
            if outcome.became == "paid" and record.submitted_at and record.adjudicated_at:
                metrics.submission_to_payment.labels(payer=payer).observe(
                    max(0.0, (record.adjudicated_at - record.submitted_at).total_seconds())
                )
        if outcome.first_acknowledged:
            metrics.first_pass_acknowledged.labels(payer=payer).inc()
        if outcome.first_pass_decided is not None:
            metrics.first_pass.labels(payer=payer, outcome=outcome.first_pass_decided).inc()
        if outcome.resolution_decided is not None:
            metrics.first_pass_resolution.labels(payer=payer, outcome=outcome.resolution_decided).inc()
        # an older answer read after the outcome was counted: the revision takes the count back
        if outcome.first_pass_revised is not None:
            metrics.first_pass.labels(payer=payer, outcome=f"revised_to_{outcome.first_pass_revised}").inc()
        if outcome.resolution_revised is not None:
            metrics.first_pass_resolution.labels(
                payer=payer, outcome=f"revised_to_{outcome.resolution_revised}"
            ).inc()
        if outcome.first_scrub_decided is not None:
            metrics.clean_claim.labels(payer=payer, outcome=outcome.first_scrub_decided).inc()

    async def publish_state(outbox: Outbox, tracked: Tracked) -> None:
        for step in tracked.transitions:
            await outbox.send(Topic.CLAIM_TRANSITIONS, step.claim_id.encode(), encode(step))
        if tracked.state is not None:
            await outbox.send(Topic.CLAIM_STATES, tracked.state.claim_id.encode(), encode(tracked.state))
        for other in tracked.steps:  # the claim a replacement replaces, on its own partition
            await outbox.send(Topic.CLAIM_LIFECYCLE, other.claim_id.encode(), encode(other))
        for unfiled in tracked.unfiled:  # rejected lines, out of the patient's scrub history
            await outbox.send(Topic.CLAIMS_UNFILED, unfiled.patient_key.encode(), encode(unfiled))

    async def send_tasks(outbox: Outbox, tasks: list[ResubmissionTask]) -> None:
        for task in tasks:
            await outbox.send(Topic.RESUBMISSION_TASKS, task.claim_id.encode(), encode(task))
            corrected = task.corrected_claim
            if corrected is not None and settings.auto_resubmit:
                # the corrected claim goes back through the scrubber before it leaves
                await outbox.send(Topic.CLAIMS_SUBMITTED, corrected.patient_key.encode(), encode(corrected))

    async def handle(event: EventT, outbox: Outbox) -> None:
        topic = logical_topic(app, event.message.topic)
        parsed = await decode_event(app, event, CONTRACTS[topic])
        if parsed is None or await forwarded(app, event, parsed.claim_id, outbox):
            return
        entry = ClaimEntry.decode(claims.get(parsed.claim_id), parsed.claim_id)
        # when it reached the bus: tells a late answer from one read late
        received_at = bus_time(event)  # a forwarded copy: when the original reached the bus
        tracked = tracker.track(entry, parsed, received_at)
        known = entry.record.payer_id is not None
        for outcome, change in tracked.outcomes:
            count(outcome, topic, change, known)
            known = known or outcome.record.payer_id is not None
        if not tracked.changed:
            # at-least-once: what the event produced may not have left before a crash; again
            await publish_state(outbox, tracked)
            await send_tasks(outbox, tracked.resend)
            return
        payer = metrics.payer(tracked.entry.record.payer_id)
        for answer in tracked.answers:
            count_answer(metrics, app.reasons, payer, answer)
        claims[parsed.claim_id] = tracked.entry.encode()
        await publish_state(outbox, tracked)
        await send_tasks(outbox, tracked.tasks)
        now = datetime.now(UTC)
        for task in tracked.tasks:
            metrics.tasks.labels(payer=metrics.payer(task.payer_id), action=task.action).inc()
            if task.corrected_claim is not None:
                metrics.corrected_claims.labels(payer=metrics.payer(task.payer_id)).inc()
            # processing lag: from the payer's answer to the task raised for it
            metrics.denial_to_task.observe(max(0.0, (now - task.occurred_at).total_seconds()))
        for fact in tracked.facts:
            await outbox.send(
                Topic.ADJUDICATIONS, category_key(fact.payer_id, fact.procedure_code).encode(), encode(fact)
            )

    app.claim_query = ClaimLookup(app)  # GET /claims/{id} on this worker's listener

    @app.faust.agent(app.inputs(Agent.LIFECYCLE), name=Agent.LIFECYCLE.faust_name)
    async def lifecycle(stream: StreamT[Any]) -> None:
        await batched(app, Agent.LIFECYCLE, stream, handle)
