"""Every Prometheus metric claimflow exports, defined once.

Naming follows the Prometheus guide: ``claimflow_`` prefix, ``_total`` counters, ``_seconds``
histograms, base units. Labels are bounded and never carry PHI: payer id, plan type, code,
category, rule id, CARC, group, action, state, topic, agent. Never claim ids, patient keys,
member ids, names or dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

from schemas.codes import PLAN_TYPES, carc_shaped
from schemas.outputs import DEAD_LETTER_REASONS, TASK_ACTIONS
from streams.lifecycle.first_pass import FIRST_PASS_OUTCOMES, RESOLUTION_OUTCOMES
from streams.trends.windows import NECESSITY
from streams.x12.ack_received import SET_OUTCOMES

#: a claim adjustment reason code's shape (X12 code list 139)


def carc_label(reason_code: str) -> str:
    """The ``carc`` label of a claim adjustment reason code: the code when it has a CARC's shape
    (1-3 digits, or a letter and 1-2 digits: 50, B15), ``other`` for anything else (a free-text
    field on the way in is no label: every distinct value is a series)."""
    return reason_code if carc_shaped(reason_code) else "other"


#: Lifecycle latencies span seconds (tests, simulator) to months (real payers).
LATENCY_BUCKETS = (
    1,
    5,
    30,
    60,
    300,
    900,
    3600,
    4 * 3600,
    86400,
    3 * 86400,
    7 * 86400,
    14 * 86400,
    30 * 86400,
    60 * 86400,
    90 * 86400,
    float("inf"),
)
PROCESSING_BUCKETS = (
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    1.0,
    float("inf"),
)


class Metrics:
    """One instance per process (or per test registry)."""

    def __init__(self, registry: CollectorRegistry = REGISTRY):
        r = registry
        self.registry = registry
        self.events_consumed = Counter(
            "claimflow_events_consumed_total", "Events read from an input topic.", ["topic"], registry=r
        )
        self.events_forwarded = Counter(
            "claimflow_events_forwarded_total",
            "Events read on another partition than their key's (a producer without the key or with "
            "another partitioner) and forwarded to it.",
            ["topic"],
            registry=r,
        )
        self.dead_letters = Counter(
            "claimflow_dead_letters_total",
            "Events sent to the dead-letter topic, by source topic and reason.",
            ["topic", "reason"],
            registry=r,
        )
        self.duplicates = Counter(
            "claimflow_duplicate_events_total",
            "Redelivered events recognised by event_id and not applied again.",
            ["topic"],
            registry=r,
        )
        self.claims_scrubbed = Counter(
            "claimflow_claims_scrubbed_total",
            "Claims scrubbed, by payer and result (clean/held).",
            ["payer", "plan_type", "result"],
            registry=r,
        )
        self.scrub_edits = Counter(
            "claimflow_scrub_edits_total",
            "Scrub edits raised, by category, rule and severity.",
            ["category", "rule", "severity"],
            registry=r,
        )
        self.claims_waiting = Gauge(
            "claimflow_claims_waiting_for_encounter",
            "Claims parked until their encounter arrives or the grace period ends.",
            registry=r,
        )
        self.encounter_late_joins = Counter(
            "claimflow_encounter_late_joins_total",
            "Claims whose encounter arrived while their batch finished (joined without parking).",
            registry=r,
        )
        self.claims_parked = Counter(
            "claimflow_claims_parked_total",
            "Claims parked on claims-waiting because their encounter had not arrived.",
            registry=r,
        )
        self.history_lines_unfiled = Counter(
            "claimflow_history_lines_unfiled_total",
            "Claim lines taken out of patients' scrub history because a 277CA rejected them "
            "(never filed: their new claim is no duplicate).",
            registry=r,
        )
        self.encounter_timeouts = Counter(
            "claimflow_encounter_grace_expired_total",
            "Claims scrubbed without their encounter after the grace period.",
            registry=r,
        )
        self.first_pass = Counter(
            "claimflow_first_pass_total",
            "Original claims by first-pass outcome, decided by their first decisive answer (the "
            "earliest by the payer's time): accepted (277CA A2, or an adjudication before any) or "
            "rejected (A3/A6/A7/A8, MA130); revised_to_accepted / revised_to_rejected: a claim "
            "counted the other way whose older decisive answer was read later. First-pass acceptance "
            "rate = (accepted + revised_to_accepted - revised_to_rejected) / "
            "claimflow_first_pass_acknowledged_total.",
            ["payer", "outcome"],
            registry=r,
        )
        self.first_pass_acknowledged = Counter(
            "claimflow_first_pass_acknowledged_total",
            "Original claims that received their first acknowledgment (a 277CA A-category answer "
            "other than A4, or a decisive answer), once each: the first-pass acceptance denominator. "
            "A claim acknowledged only as received (A1) counts here and not as accepted until its "
            "A2 arrives.",
            ["payer"],
            registry=r,
        )
        self.first_pass_resolution = Counter(
            "claimflow_first_pass_resolution_total",
            "Original claims by first-pass resolution, once each: resolved (the payer's first "
            "adjudication, its 835, paid the claim with no CO denial, and it was sent once) or "
            "unresolved (paid nothing, a CO denial, sent again, or rejected before adjudication); "
            "resubmitted: a claim counted resolved and then sent again; reversed: one whose payment the "
            "payer reversed and decided again without paying; revised_to_resolved / "
            "revised_to_unresolved: a claim counted the other way whose older first adjudication was "
            "read later. First-pass resolution rate = (resolved + revised_to_resolved - resubmitted - "
            "reversed - revised_to_unresolved) / (resolved + unresolved).",
            ["payer", "outcome"],
            registry=r,
        )
        self.clean_claim = Counter(
            "claimflow_clean_claim_total",
            "Original claims by their first scrub, once each: clean (passed every error-level edit, "
            "no manual touch) or held. Clean-claim rate = clean / (clean + held); a claim held, "
            "fixed and scrubbed again stays held (claimflow_claims_scrubbed_total counts every scrub).",
            ["payer", "outcome"],
            registry=r,
        )
        self.sets_acknowledged = Counter(
            "claimflow_x12_sets_acknowledged_total",
            "Transaction sets a received 999/997 acknowledged (sets sent to the clearinghouse), by "
            "outcome: accepted, accepted_with_errors, rejected — a rejected 837 set's claims never "
            "reached the payer.",
            ["transaction", "outcome"],
            registry=r,
        )
        self.claim_groups_rejected = Counter(
            "claimflow_x12_claim_groups_rejected_total",
            "A payer's 277CA rejections above the claim level, by level: batch (2200B, the whole "
            "batch) or provider (2200C, a billing provider's claims). No claim is listed, so no "
            "claim's state changes: none of the group's claims entered adjudication.",
            ["level"],
            registry=r,
        )
        self.acknowledgments = Counter(
            "claimflow_acknowledgments_total",
            "Claim status answers by payer and X12 category code.",
            ["payer", "category"],
            registry=r,
        )
        self.payments = Counter(
            "claimflow_payments_total", "Remittances with a payment, by payer.", ["payer"], registry=r
        )
        self.paid_amount = Counter(
            "claimflow_paid_amount_usd_total", "Amount paid by payers (USD).", ["payer"], registry=r
        )
        self.denials = Counter(
            "claimflow_denials_total",
            "Denial adjustments by payer, group code, CARC and reason category.",
            ["payer", "group", "carc", "category"],
            registry=r,
        )
        self.denied_amount = Counter(
            "claimflow_denied_amount_usd_total",
            "Amount denied (USD) by payer and reason category.",
            ["payer", "category"],
            registry=r,
        )
        self.denied_claims = Counter(
            "claimflow_denied_claims_total",
            "Payer decisions denying all or part of a claim, once per reason category among their "
            "denial adjustments (a decision denied for two categories counts under both).",
            ["payer", "category"],
            registry=r,
        )
        self.remitted_charges = Counter(
            "claimflow_remitted_charges_usd_total",
            "Billed charges (USD) of the claims payers decided on an 835 (CLP03), by payer: the "
            "denominator of the denial rate by dollars.",
            ["payer"],
            registry=r,
        )
        self.claims_adjudicated = Counter(
            "claimflow_claims_adjudicated_total",
            "Remittance decisions by payer and outcome (paid/partially_paid/denied).",
            ["payer", "outcome"],
            registry=r,
        )
        self.tasks = Counter(
            "claimflow_resubmission_tasks_total",
            "Resubmission tasks raised, by action and payer.",
            ["payer", "action"],
            registry=r,
        )
        self.corrected_claims = Counter(
            "claimflow_corrected_claims_total",
            "Corrected claims generated automatically (re-scrubbed clean).",
            ["payer"],
            registry=r,
        )
        self.transitions = Counter(
            "claimflow_state_transitions_total",
            "Claim state transitions.",
            ["from_state", "to_state"],
            registry=r,
        )
        self.status_noted = Counter(
            "claimflow_status_noted_total",
            "Status answers recorded without changing the claim's state (A0, D0, F3F, E*, ...), by "
            "category (other: a code outside the X12 list).",
            ["category"],
            registry=r,
        )
        self.anomalies = Counter(
            "claimflow_lifecycle_anomalies_total",
            "Events that did not move a claim forward: late (out of order) or impossible transitions.",
            ["kind"],
            registry=r,
        )
        self.submission_to_acceptance = Histogram(
            "claimflow_submission_to_acceptance_seconds",
            "From claim submission to acceptance (A2).",
            ["payer"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.submission_to_payment = Histogram(
            "claimflow_submission_to_payment_seconds",
            "From claim submission to a paid remittance.",
            ["payer"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.denial_to_task = Histogram(
            "claimflow_denial_to_task_seconds",
            "From the payer's denial or rejection to the resubmission task.",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.processing = Histogram(
            "claimflow_agent_processing_seconds",
            "Time an agent spends on one event.",
            ["agent"],
            buckets=PROCESSING_BUCKETS,
            registry=r,
        )
        self.consumer_lag = Gauge(
            "claimflow_consumer_lag_messages",
            "Messages not yet read on an input topic (this worker's partitions).",
            ["topic"],
            registry=r,
        )
        self.assigned_partitions = Gauge(
            "claimflow_assigned_partitions", "Partitions assigned to this worker (all topics).", registry=r
        )
        self.denial_trends = Counter(
            "claimflow_denial_trends_total",
            "Denial rates that rose above their own baseline (DenialTrend events).",
            ["payer", "scope", "category"],
            registry=r,
        )
        self.table_entries = Gauge(
            "claimflow_table_entries",
            "Entries held in a table on this worker (active partitions; set by the sweep).",
            ["table"],
            registry=r,
        )
        self.changelog_applied = Counter(
            "claimflow_table_changelog_records_applied_total",
            "Changelog records applied to a table (recovery after a start or rebalance, standby "
            "reading); with the RocksDB store a restart applies only the changelog tail.",
            ["table"],
            registry=r,
        )
        self.evictions = Counter(
            "claimflow_table_evictions_total",
            "Table entries evicted after CLAIMFLOW_STATE_RETENTION_DAYS without a write.",
            ["table"],
            registry=r,
        )
        self.last_progress = Gauge(
            "claimflow_last_progress_timestamp_seconds",
            "Unix time an agent last finished an event.",
            ["agent"],
            registry=r,
        )

        #: labelled children of the per-event series, by label value (``labels()`` validates and
        #: locks on every call; these are looked up once per topic or agent)
        self._consumed: dict[str, Any] = {}
        self._agent: dict[str, tuple[Any, Any]] = {}

    def consumed(self, topic: str) -> Any:
        """``events_consumed`` for ``topic`` (a bounded set: the catalogue's input topics)."""
        child = self._consumed.get(topic)
        if child is None:
            child = self._consumed[topic] = self.events_consumed.labels(topic=topic)
        return child

    def agent_series(self, agent: str) -> tuple[Any, Any]:
        """(``processing`` histogram, ``last_progress`` gauge) for ``agent``."""
        pair = self._agent.get(agent)
        if pair is None:
            pair = self._agent[agent] = (
                self.processing.labels(agent=agent),
                self.last_progress.labels(agent=agent),
            )
        return pair

    #: the payer ids with a profile: the only payer label values besides "other" and "unknown"
    known_payers: frozenset[str] = frozenset()

    def payer(self, payer_id: str | None) -> str:
        """The ``payer`` label of a payer id: its own for a payer with a profile, ``other`` for
        any other (a payer id is free text on the way in — a mis-keyed field could carry a name or
        a member id, and every distinct value is a series), ``unknown`` for none."""
        if not payer_id:
            return "unknown"
        return payer_id if payer_id in self.known_payers else "other"

    def initialise(
        self,
        payers: list[tuple[str, str]],
        topics: list[str],
        denial_categories: Sequence[str],
        edits: Sequence[tuple[str, str, str]] = (),
    ) -> None:
        """Create at 0 every series an alert or a recording rule reads with ``increase()``: the
        known payers' and the ``other`` and ``unknown`` payer labels, every input topic and
        dead-letter reason, every trend a worker can raise (a series born at 1 hides that first
        increment from increase() and rate(): the first dead letter, the first trend would never
        alert) — and what the dashboard's panels read: each rule's edits (``edits``: category,
        rule, severity of every rule the pack enables), tasks by action, payments and latencies."""
        self.known_payers = frozenset(payer for payer, _ in payers)
        # the payer labels a claim can be counted under, with the plan types it may carry
        plan_types = (*PLAN_TYPES, "unknown")
        labelled = [
            *payers,
            *(("other", plan_type) for plan_type in plan_types),
            *(("unknown", plan_type) for plan_type in plan_types),
        ]
        for payer, plan_type in labelled:
            for result in ("clean", "held"):
                self.claims_scrubbed.labels(payer=payer, plan_type=plan_type, result=result)
        for payer in dict.fromkeys(payer for payer, _ in labelled):
            for category in denial_categories:
                self.denied_claims.labels(payer=payer, category=category)
                self.denied_amount.labels(payer=payer, category=category)
            for outcome in FIRST_PASS_OUTCOMES:
                self.first_pass.labels(payer=payer, outcome=outcome)
            self.first_pass_acknowledged.labels(payer=payer)
            for outcome in RESOLUTION_OUTCOMES:
                self.first_pass_resolution.labels(payer=payer, outcome=outcome)
            for result in ("clean", "held"):
                self.clean_claim.labels(payer=payer, outcome=result)
            for outcome in ("paid", "partially_paid", "denied"):
                self.claims_adjudicated.labels(payer=payer, outcome=outcome)
            self.remitted_charges.labels(payer=payer)
            for action in TASK_ACTIONS:
                self.tasks.labels(payer=payer, action=action)
            self.corrected_claims.labels(payer=payer)
            self.payments.labels(payer=payer)
            self.paid_amount.labels(payer=payer)
            self.submission_to_acceptance.labels(payer=payer)
            self.submission_to_payment.labels(payer=payer)
        for category, rule, severity in edits:
            self.scrub_edits.labels(category=category, rule=rule, severity=severity)
        for payer in (*self.known_payers, "other"):
            for category in denial_categories:
                self.denial_trends.labels(payer=payer, scope="payer_code_category", category=category)
            self.denial_trends.labels(payer=payer, scope="payer_code_diagnosis", category=NECESSITY)
        for outcome in dict.fromkeys(SET_OUTCOMES.values()):  # claimflow sends 837s
            self.sets_acknowledged.labels(transaction="837", outcome=outcome)
        for level in ("batch", "provider"):
            self.claim_groups_rejected.labels(level=level)
        for topic in topics:
            self.events_consumed.labels(topic=topic)
            self.events_forwarded.labels(topic=topic)
            self.consumer_lag.labels(topic=topic)
            for reason in DEAD_LETTER_REASONS:
                self.dead_letters.labels(topic=topic, reason=reason)


_DEFAULT: Metrics | None = None


def default_metrics() -> Metrics:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Metrics()
    return _DEFAULT
