"""The one Faust app, built from settings, plus the HTTP listener for /metrics and health.

``ClaimflowApp`` is the entry class: it owns the Faust app, the topics of the catalogue, the
tables and the housekeeping timers; the worker start-up (``streams.runtime.worker``) registers the
agents (``streams.agents``) on it. Faust's own web server is disabled because it binds
every interface whatever its host setting; claimflow serves /metrics, /health and /ready from its
own aiohttp listener bound exactly where ``CLAIMFLOW_WEB_HOST``/``CLAIMFLOW_WEB_PORT`` say.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import faust
from faust.types import TopicT

from schemas.topics import CATALOGUE, Topic, topic_name
from streams.denials import load_reason_map
from streams.runtime import faust_internals as faustfix
from streams.runtime.broadcast import BroadcastTable
from streams.runtime.health import Health
from streams.runtime.metrics import Metrics, default_metrics
from streams.runtime.quiet_monitor import QuietMonitor
from streams.runtime.settings import Settings
from streams.runtime.stores import ClaimflowTable
from streams.runtime.tables import RetainedTable
from streams.scrub import Scrubber

if TYPE_CHECKING:
    from streams.agents.catalogue import Agent, Table
    from streams.runtime.listener import ClaimQuery

log = logging.getLogger("claimflow")

#: Settings applied automatically with the embedded (Tansu) broker, never against a real cluster:
#: its "latest offset" answer is wrong after multi-record produce batches (Faust would end table
#: recovery early), its first group join waits about half the session timeout, and it has no
#: transactions for aiokafka.
EMBEDDED_PROFILE: dict[str, Any] = {
    "producer_max_batch_size": 1,
    "broker_session_timeout": 8.0,
    "broker_heartbeat_interval": 1.5,
    "processing_guarantee": "at_least_once",
    # fewer moving parts in a rebalance: no standby copies to promote (recovery reads the changelog)
    "table_standby_replicas": 0,
}

#: Production defaults: producer batching (Faust's defaults give ~14-message batches).
KAFKA_PROFILE: dict[str, Any] = {
    "producer_linger_ms": 10,
    "producer_max_batch_size": 262144,
    "processing_guarantee": "at_least_once",
}


def broker_credentials(settings: Settings) -> faust.types.auth.CredentialsT | None:
    protocol = settings.kafka_security_protocol
    context: ssl.SSLContext | None = None
    if protocol in ("SSL", "SASL_SSL"):
        context = ssl.create_default_context(
            cafile=str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None
        )
    if protocol.startswith("SASL_"):
        return faust.SASLCredentials(
            username=settings.kafka_sasl_username,
            password=settings.sasl_password(),
            ssl_context=context,
            mechanism=settings.kafka_sasl_mechanism,
        )
    if protocol == "SSL":
        return faust.SSLCredentials(context)
    return None


def faust_config(settings: Settings) -> dict[str, Any]:
    servers = settings.require_bootstrap().split(",")
    config: dict[str, Any] = {
        "broker": [f"kafka://{s.strip()}" for s in servers],
        "broker_credentials": broker_credentials(settings),
        "store": settings.store,
        "datadir": str(settings.data_dir),
        "topic_partitions": settings.partitions,
        "topic_replication_factor": settings.replication_factor,
        "topic_disable_leader": True,
        "web_enabled": False,
        # shared with the group by the assignor: where GET /claims/{id} is routed to a key's owner
        "canonical_url": settings.listener_url,
        "consumer_auto_offset_reset": "earliest",
        "table_cleanup_interval": 30.0,
        "stream_wait_empty": True,
        # claimflow's stores: compact values in memory, bounded RocksDB (streams/runtime/stores.py)
        "Table": ClaimflowTable,
        # table recovery reads the changelogs in bulk first (streams/runtime/changelog_reader.py)
        "TableManager": faustfix.ClaimflowTableManager,
        # Faust's Monitor bookkeeps every event for /stats views claimflow does not serve
        "Monitor": QuietMonitor,
    }
    config.update(EMBEDDED_PROFILE if settings.embedded else KAFKA_PROFILE)
    if settings.broker_session_timeout is not None:
        config["broker_session_timeout"] = settings.broker_session_timeout
        config["broker_heartbeat_interval"] = max(1.0, settings.broker_session_timeout / 5)
    if settings.table_standby_replicas is not None:
        config["table_standby_replicas"] = settings.table_standby_replicas
    return config


class ClaimflowApp:
    """The worker: one Faust app, its topics and agents, and the HTTP listener.

    Start-up state (rule pack, payer profiles, ICD data, reason-code map) is loaded and validated
    here, once; a bad rule pack stops the worker before it consumes anything.
    """

    def __init__(self, settings: Settings, metrics: Metrics | None = None):
        self.settings = settings
        self.metrics = metrics or default_metrics()
        self.scrubber = Scrubber.load(
            settings.rules_dir,
            settings.payers_dir,
            settings.scrub_screen,
            settings.cms_dir,
            settings.cms_cache_dir,
        )
        self.reasons = load_reason_map(settings.reason_map)
        self.metrics.initialise(
            [(p.payer_id, p.plan_type) for p in self.scrubber.payers.profiles.values()],
            [spec.name for spec in CATALOGUE if spec.role != "output"],
            self.reasons.denial_categories,
            [(r.category, rule, r.severity) for rule, r in self.scrubber.pack.rules.items() if r.enabled],
        )
        faustfix.install()  # never commit past an in-flight message (faust-streaming #606)
        self.faust = faust.App(settings.app_id, **faust_config(settings))
        self.tables: dict[str, RetainedTable] = {}
        #: the input topics of each agent registered on this worker (health watches their lag)
        self.agent_inputs: dict[str, tuple[Topic, ...]] = {}
        #: GET /claims/{id}, when this worker runs the lifecycle stage (set by its agent)
        self.claim_query: ClaimQuery | None = None
        #: topics every worker reads whole (the learned denial rates), by logical name
        self.broadcasts: dict[Topic, BroadcastTable] = {}
        #: encounter_id -> event set when the encounter agent stores it (wakes parked claims)
        self.encounter_waiters: dict[str, asyncio.Event] = {}
        #: per ``encounters`` partition, the offset of the latest record the encounter agent
        #: applied: a parked claim whose encounter is missing at its deadline waits until the
        #: encounters on the bus by then are applied (a takeover's backlog)
        self.encounter_progress: dict[int, int] = {}
        self.health = Health(self, settings.stall_seconds)
        self.topics: dict[Topic, TopicT] = {
            spec.name: self.faust.topic(
                topic_name(spec.name, settings.topic_prefix),
                key_serializer="raw",
                value_serializer="raw",
                partitions=settings.partitions,
            )
            for spec in CATALOGUE
        }
        self._schedule_housekeeping()

    def topic(self, logical: Topic) -> TopicT:
        return self.topics[logical]

    def inputs(self, agent: Agent) -> TopicT:
        """The channel an agent reads: its declared input topics (``streams.agents.catalogue``),
        recorded for the health checks."""
        topics = agent.inputs
        self.agent_inputs[agent.value] = topics
        if len(topics) == 1:
            return self.topics[topics[0]]
        return self.faust.topic(
            *(self.topics[t].get_topic_name() for t in topics), key_serializer="raw", value_serializer="raw"
        )

    def table(self, name: Table) -> RetainedTable:
        """A changelog-backed table of JSON objects (memory store by default, RocksDB by setting)
        whose entries expire after ``CLAIMFLOW_STATE_RETENTION_DAYS`` without a write."""
        table = self.faust.Table(
            name,
            default=None,
            partitions=self.settings.partitions,
            schema=faust.Schema(key_serializer="json", value_serializer="raw"),  # values: RetainedTable
        )
        applied = self.metrics.changelog_applied.labels(table=name)
        retained = RetainedTable(table, self.settings.state_retention_days * 86400, on_applied=applied.inc)
        self.tables[name] = retained
        return retained

    def broadcast(self, logical: Topic, index: Callable[[str], str] | None = None) -> BroadcastTable:
        """A topic this worker reads whole, latest value per key, outside the consumer group."""
        table = BroadcastTable(self, logical, index)
        self.broadcasts[logical] = table
        self.faust.task(table.run)
        return table

    def sweep_tables(self) -> None:
        """Evict expired entries of this worker's active partitions (never during a rebalance)."""
        if not self.readiness()[0]:
            return
        assigned = self.faust.assignor.assigned_actives()
        for name, table in self.tables.items():
            evicted = table.sweep(assigned)
            if evicted:
                self.metrics.evictions.labels(table=name).inc(evicted)
            self.metrics.table_entries.labels(table=name).set(len(table))

    def _schedule_housekeeping(self) -> None:
        @self.faust.timer(5.0, on_leader=False)
        async def update_health_gauges() -> None:
            self.health.update_gauges()

        @self.faust.timer(self.settings.sweep_seconds, on_leader=False)
        async def sweep_tables() -> None:
            self.sweep_tables()

    def liveness(self) -> tuple[bool, str]:
        return self.health.liveness()

    def readiness(self) -> tuple[bool, str]:
        """Ready once partitions are assigned and table recovery has completed."""
        app = self.faust
        if faustfix.tables_recovering(app) is not False:
            return False, "recovering tables"
        if app.rebalancing:
            return False, "rebalancing"
        return True, "ready"
