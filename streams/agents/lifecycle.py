"""Lifecycle tracker (``claim-lifecycle``, ``claim-status``, ``claim-denials``), keyed by claim_id.

One agent over the three co-partitioned topics owns the ``claims`` table, so every change to a
claim's record is applied in one place, in arrival order, without races between agents. Denials
and rejections become resubmission tasks here (``streams.agents.resubmission``) because a task
needs the claim's current record (payer, last submitted version, payer claim number). A payer
answer that arrives before claimflow's own lifecycle step is applied to the state at once and its
task is planned when the claim becomes known.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from faust.types import EventT, StreamT
from pydantic import TypeAdapter

from schemas import ClaimStatus, Denial, Encounter, LifecycleEvent, ValidClaim
from schemas.codec import encode
from schemas.codes import KNOWN_STATUS_CATEGORIES
from streams.agents.common import Outbox, batched, decode_event, logical_topic
from streams.agents.resubmission import emit_tasks, plan_tasks
from streams.denials.tasks import raises_task
from streams.lifecycle.events import from_denial, from_lifecycle, from_status
from streams.lifecycle.machine import Change, ClaimRecord, Outcome, apply
from streams.trends import category_key
from streams.trends.facts import facts_for

if TYPE_CHECKING:
    from streams.runtime.app import ClaimflowApp

RECORD = TypeAdapter(ClaimRecord)
OUTBOX_KEEP = 8
PARKED_KEEP = 16


def load_value(raw: dict[str, Any] | None, claim_id: str) -> dict[str, Any]:
    if raw is None:
        return {"record": ClaimRecord(claim_id), "claim": None, "encounter": None, "outbox": {}, "parked": []}
    return {**raw, "record": RECORD.validate_python(raw["record"])}


def dump_value(value: dict[str, Any]) -> dict[str, Any]:
    return {**value, "record": RECORD.dump_python(value["record"], mode="json")}


def register(app: ClaimflowApp) -> None:
    claims = app.table("claims")
    metrics = app.metrics
    settings = app.settings
    channel = app.faust.topic(
        *(app.topic(name).get_topic_name() for name in ("claim-lifecycle", "claim-status", "claim-denials")),
        key_serializer="raw",
        value_serializer="raw",
    )

    def count(outcome: Outcome, topic: str, change: Change) -> None:
        record = outcome.record
        payer = record.payer_id or "unknown"
        if outcome.result == "duplicate":
            metrics.duplicates.labels(topic=topic).inc()
            return
        if outcome.result in ("late", "impossible"):
            metrics.anomalies.labels(kind=outcome.result).inc()
        elif outcome.result == "noted" and change.kind == "status":
            category = change.code if change.code in KNOWN_STATUS_CATEGORIES else "other"
            metrics.status_noted.labels(category=category).inc()
        if outcome.became in ("paid", "partially_paid", "denied"):
            metrics.claims_adjudicated.labels(payer=payer, outcome=outcome.became).inc()
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
        if outcome.first_pass_decided is not None:
            metrics.first_pass.labels(payer=payer, outcome=outcome.first_pass_decided).inc()

    def count_answer(payer: str, ev: ClaimStatus | Denial) -> None:
        if isinstance(ev, ClaimStatus):
            known = ev.category_code in KNOWN_STATUS_CATEGORIES
            metrics.acknowledgments.labels(payer=payer, category=ev.category_code if known else "other").inc()
            return
        for c in app.reasons.classify(ev.adjustments):
            if c.is_denial:
                metrics.denials.labels(
                    payer=payer,
                    group=c.adjustment.group_code,
                    carc=c.adjustment.reason_code,
                    category=c.rule.category,
                ).inc()
                metrics.denied_amount.labels(payer=payer, category=c.rule.category).inc(
                    float(c.adjustment.amount)
                )
        if ev.paid_amount > 0:
            metrics.payments.labels(payer=payer).inc()
            metrics.paid_amount.labels(payer=payer).inc(float(ev.paid_amount))

    async def handle(event: EventT, outbox: Outbox) -> None:
        topic = logical_topic(app, event.message.topic)
        parsed: LifecycleEvent | ClaimStatus | Denial | None
        if topic == "claim-lifecycle":
            parsed = await decode_event(app, event, LifecycleEvent)
        elif topic == "claim-status":
            parsed = await decode_event(app, event, ClaimStatus)
        else:
            parsed = await decode_event(app, event, Denial)
        if parsed is None:
            return
        value = load_value(claims.get(parsed.claim_id), parsed.claim_id)
        if isinstance(parsed, LifecycleEvent):
            change = from_lifecycle(parsed)
        elif isinstance(parsed, ClaimStatus):
            change = from_status(parsed)
        else:
            change = from_denial(parsed, app.reasons)
        if event.message.timestamp:  # when it reached the bus: tells a late answer from a reordered read
            change = dataclasses.replace(change, received_at=float(event.message.timestamp))
        outcome = apply(value["record"], change, max_history=settings.lifecycle_history)
        count(outcome, topic, change)
        if outcome.result == "duplicate":
            # at-least-once: what this event produced may not have left before a crash; resend it
            await emit_tasks(app, outbox, value["outbox"].get(change.event_id, []), count=False)
            return
        value["record"] = outcome.record
        billed: ValidClaim | None = None  # the claim snapshot, validated at most once per event

        def snapshot() -> ValidClaim | None:
            nonlocal billed
            if billed is None and value["claim"] is not None:
                billed = ValidClaim.model_validate(value["claim"])
            return billed

        if isinstance(parsed, LifecycleEvent):
            if parsed.claim is not None:
                billed = parsed.claim
                value["claim"] = parsed.claim.model_dump(mode="json")
                value["encounter"] = parsed.encounter.model_dump(mode="json") if parsed.encounter else None
            answers = [(p["topic"], p["event"]) for p in value["parked"]] if outcome.record.payer_id else []
            value["parked"] = [] if answers else value["parked"]
        else:
            if outcome.record.payer_id is not None:
                count_answer(outcome.record.payer_id, parsed)
            answers = [(topic, parsed.model_dump(mode="json"))]
        tasks = []
        for answer_topic, answer in answers:
            ev: ClaimStatus | Denial = (
                ClaimStatus if answer_topic == "claim-status" else Denial
            ).model_validate(answer)
            if outcome.record.payer_id is None:  # the claim is not known yet: plan when it is
                value["parked"] = [*value["parked"], {"topic": answer_topic, "event": answer}][-PARKED_KEEP:]
                continue
            if answer_topic != topic:  # a parked answer, counted now that the payer is known
                count_answer(outcome.record.payer_id, ev)
            if not raises_task(ev, app.reasons):  # acknowledgments and payments: nothing to plan
                continue
            encounter = Encounter.model_validate(value["encounter"]) if value["encounter"] else None
            planned = plan_tasks(app, outcome.record, snapshot(), encounter, ev)
            if planned:
                # processing lag: from the payer's answer to the task raised for it
                lag = max(0.0, (datetime.now(UTC) - ev.occurred_at).total_seconds())
                for _ in planned:
                    metrics.denial_to_task.observe(lag)
            tasks.extend(planned)
        if tasks:
            value["outbox"] = dict(
                list(
                    {**value["outbox"], change.event_id: [t.model_dump(mode="json") for t in tasks]}.items()
                )[-OUTBOX_KEEP:]
            )
            if any(t.corrected_claim is not None for t in tasks):
                follow = apply(
                    value["record"],
                    _resubmitted_change(change),
                    max_history=settings.lifecycle_history,
                )
                count(follow, topic, _resubmitted_change(change))
                value["record"] = follow.record
        claims[parsed.claim_id] = dump_value(value)
        if tasks:
            await emit_tasks(app, outbox, value["outbox"][change.event_id], count=True)
        if not isinstance(parsed, LifecycleEvent) and (known := snapshot()) is not None:
            # the denial trends learn from every adjudication of a claim whose lines are known
            for fact in facts_for(known, parsed, app.reasons):
                key = category_key(fact.payer_id, fact.procedure_code).encode()
                await outbox.send("adjudications", key, encode(fact))

    @app.faust.agent(channel, name="claimflow.lifecycle")
    async def lifecycle(stream: StreamT[Any]) -> None:
        await batched(app, "lifecycle", stream, handle)


def _resubmitted_change(change: Change) -> Change:
    """The claim's own step once its corrected claim has been sent (derived id: idempotent)."""
    return Change(
        event_id=f"{change.event_id}:resubmitted",
        kind="lifecycle",
        occurred_at=change.occurred_at,
        target="resubmitted",
        code="resubmitted",
    )
