"""Trends agent (``adjudications``, keyed by payer|code): denial rates in hopping windows, trend
alerts on ``denial-trends``, and the learned rates the scrubber reads (the learning loop).

Windows are day buckets in a changelog-backed table (``denial-windows``, one entry per
payer|code and per payer|code|diagnoses, bounded to 30 days; see ``streams.trends.windows``), so
they survive restarts and follow the partition on a rebalance. The learned rates are written to
``denial-rates``, a topic every worker reads whole (``streams.runtime.broadcast``): the scrub agent, which
runs on patient partitions, reads any payer's rate locally.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from faust.types import EventT, StreamT

from schemas import AdjudicationFact, DenialTrend
from schemas.codec import encode
from schemas.ids import derived_event_id
from schemas.topics import Topic
from schemas.trends import TrendScope
from streams.agents.catalogue import Agent, Table
from streams.agents.common import Outbox, batched, decode_event
from streams.trends import (
    NECESSITY_CARCS,
    TrendConfig,
    TrendFound,
    add_fact,
    category_key,
    detect,
    diagnosis_key,
    mark_alerted,
    published_rate,
)
from streams.trends.windows import NECESSITY, LearnedRate

if TYPE_CHECKING:
    from streams.runtime.app import ClaimflowApp
    from streams.runtime.broadcast import BroadcastTable

RATES = Topic.DENIAL_RATES


class LearnedRateLookup:
    """``payer|code|dx`` → LearnedRate from the broadcast table; ``covers(payer, code)`` answers
    whether anything was learned for a payer and code at all (the scrub screen asks it first)."""

    def __init__(self, table: BroadcastTable):
        self.table = table

    def __call__(self, key: str) -> LearnedRate | None:
        raw = self.table.get(key)
        return (
            LearnedRate(raw["adjudicated"], raw["denied"], raw["days"], raw["top_reasons"]) if raw else None
        )

    def covers(self, payer_id: str, code: str) -> bool:
        return self.table.has_group(f"{payer_id}|{code}")


def _payer_and_code(key: str) -> str:
    return key.rsplit("|", 1)[0]  # payer|code|dx+dx -> payer|code


def rate_lookup(app: ClaimflowApp) -> LearnedRateLookup | None:
    """The learned rates of the broadcast table (None when this worker does not read them)."""
    table = app.broadcasts.get(RATES)
    return LearnedRateLookup(table) if table is not None else None


def read_learned_rates(app: ClaimflowApp) -> None:
    """Read the learned rates (the whole ``denial-rates`` topic) without keeping the trends."""
    app.broadcast(RATES, index=_payer_and_code)


def register(app: ClaimflowApp) -> None:
    windows = app.table(Table.DENIAL_WINDOWS)
    read_learned_rates(app)
    metrics = app.metrics
    s = app.settings
    config = TrendConfig(s.trend_window_days, s.trend_baseline_days, s.trend_factor, s.trend_min_denials)

    async def raise_trends(
        fact: AdjudicationFact, key: str, value: dict[str, Any], scope: TrendScope, outbox: Outbox
    ) -> dict[str, Any]:
        found: list[TrendFound] = detect(value, fact.adjudicated_on, config)
        for f in found:
            trend = DenialTrend(
                event_id=derived_event_id(fact.event_id, f"trend:{scope}:{f.group}"),
                occurred_at=fact.occurred_at,
                trend_key=key if scope == "payer_code_diagnosis" else f"{key}|{f.group}",
                scope=scope,
                payer_id=fact.payer_id,
                procedure_code=fact.procedure_code,
                category=None if scope == "payer_code_diagnosis" else f.group,
                diagnoses=fact.diagnoses if scope == "payer_code_diagnosis" else [],
                as_of=fact.adjudicated_on,
                window_days=config.window_days,
                baseline_days=config.baseline_days,
                adjudicated=f.adjudicated,
                denied=f.denied,
                rate=round(f.rate, 4),
                baseline_adjudicated=f.baseline_adjudicated,
                baseline_denied=f.baseline_denied,
                baseline_rate=round(f.baseline_rate, 4),
                factor=round(f.rate / max(f.baseline_rate, config.floor), 2),
                top_reasons=f.top_reasons,
            )
            await outbox.send(
                Topic.DENIAL_TRENDS, category_key(fact.payer_id, fact.procedure_code).encode(), encode(trend)
            )
            metrics.denial_trends.labels(
                payer=metrics.payer(fact.payer_id), scope=scope, category=f.group
            ).inc()
            value = mark_alerted(value, f.group, fact.adjudicated_on)
        return value

    async def handle(event: EventT, outbox: Outbox) -> None:
        fact = await decode_event(app, event, AdjudicationFact)
        if fact is None:
            return
        fid = str(fact.event_id)
        ckey = category_key(fact.payer_id, fact.procedure_code)
        value = add_fact(
            windows.get(ckey), fid, fact.adjudicated_on, fact.categories if fact.denied else [], fact.reasons
        )
        if value is None:  # redelivered: counted already
            metrics.duplicates.labels(topic=Topic.ADJUDICATIONS).inc()
            return
        windows[ckey] = await raise_trends(fact, ckey, value, "payer_code_category", outbox)

        dkey = diagnosis_key(fact.payer_id, fact.procedure_code, fact.diagnoses)
        necessity = [r for r in fact.reasons if r.split("-", 1)[-1] in NECESSITY_CARCS]
        value = add_fact(
            windows.get(dkey), fid, fact.adjudicated_on, [NECESSITY] if necessity else [], necessity
        )
        if value is not None:
            value = await raise_trends(fact, dkey, value, "payer_code_diagnosis", outbox)
            windows[dkey] = value
            await outbox.send(RATES, dkey.encode(), json.dumps(published_rate(value)).encode())

    @app.faust.agent(app.inputs(Agent.TRENDS), name=Agent.TRENDS.faust_name)
    async def trends(stream: StreamT[Any]) -> None:
        await batched(app, Agent.TRENDS, stream, handle)
