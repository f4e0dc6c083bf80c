"""Environment → typed settings, with clear errors and the embedded-broker profile.

Every setting is an environment variable; the names are part of the deployment contract
(docker-compose, Kubernetes manifests and other tools rely on them).
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import socket
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from streams.errors import ConfigError

__all__ = ["ConfigError", "Settings", "load_settings"]

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
#: What a worker can run: scrub = encounters + scrub agents; lifecycle = the claim tracker and its
#: resubmission tasks; trends = denial trends and the learned rates.
Stage = Literal["scrub", "lifecycle", "trends"]
STAGES: tuple[Stage, ...] = ("scrub", "lifecycle", "trends")


log = logging.getLogger("claimflow")
#: CLAIMFLOW_* variables read outside the settings (the demo's and the stress tests' own)
NOT_SETTINGS = frozenset({"CLAIMFLOW_KEEP_DEMO_DIR", "CLAIMFLOW_STRESS_WARMUP"})

#: a Kafka bootstrap address: host:port, or [IPv6]:port
_HOST_PORT = re.compile(r"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::[0-9]{1,5})?$")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    # --- Kafka connection -------------------------------------------------------------------
    kafka_bootstrap_servers: str = Field(default="", alias="KAFKA_BOOTSTRAP_SERVERS")

    @field_validator("kafka_bootstrap_servers")
    @classmethod
    def _host_ports(cls, v: str) -> str:
        """host[:port][,host[:port]]: a URL (``http://kafka:9092``) is no Kafka address."""
        for entry in (e.strip() for e in v.split(",") if e.strip()):
            if "://" in entry or "/" in entry or not _HOST_PORT.match(entry):
                raise ValueError(f"{entry!r} is not host[:port] (a Kafka address has no scheme or path)")
        return v

    kafka_security_protocol: SecurityProtocol = Field(default="PLAINTEXT", alias="KAFKA_SECURITY_PROTOCOL")
    kafka_sasl_mechanism: SaslMechanism | None = Field(default=None, alias="KAFKA_SASL_MECHANISM")
    kafka_sasl_username: str | None = Field(default=None, alias="KAFKA_SASL_USERNAME")
    kafka_sasl_password: SecretStr | None = Field(default=None, alias="KAFKA_SASL_PASSWORD")
    kafka_ssl_cafile: Path | None = Field(default=None, alias="KAFKA_SSL_CAFILE")

    # --- claimflow --------------------------------------------------------------------------
    app_id: str = Field(default="claimflow", alias="CLAIMFLOW_APP_ID", pattern=r"^[A-Za-z0-9_.-]+$")
    topic_prefix: str = Field(default="", alias="CLAIMFLOW_TOPIC_PREFIX", pattern=r"^[A-Za-z0-9_.-]*$")
    partitions: int = Field(default=4, alias="CLAIMFLOW_PARTITIONS", ge=1, le=1024)
    replication_factor: int = Field(default=1, alias="CLAIMFLOW_REPLICATION_FACTOR", ge=1, le=10)
    store: str = Field(default="memory://", alias="CLAIMFLOW_STORE")
    data_dir: Path = Field(default=Path("claimflow-data"), alias="CLAIMFLOW_DATA_DIR")
    web_host: str = Field(default="127.0.0.1", alias="CLAIMFLOW_WEB_HOST")
    web_port: int = Field(default=6066, alias="CLAIMFLOW_WEB_PORT", ge=1, le=65535)
    advertised_url: str | None = Field(
        default=None,
        alias="CLAIMFLOW_ADVERTISED_URL",
        pattern=r"^https?://[^/\s]+$",
        description="where the other workers reach this worker's listener (GET /claims/{id} is routed there)",
    )
    rules_dir: Path | None = Field(default=None, alias="CLAIMFLOW_RULES_DIR")
    payers_dir: Path | None = Field(default=None, alias="CLAIMFLOW_PAYERS_DIR")
    reason_map: Path | None = Field(
        default=None,
        alias="CLAIMFLOW_REASON_MAP",
        description="the CARC/RARC reason-code map (YAML): the bundled streams/denials/carc.yaml by default",
    )
    cms_dir: Path | None = Field(
        default=None,
        alias="CLAIMFLOW_CMS_DIR",
        description="folder of official CMS files (NCCI PTP, MUE, PPRRVU, HCPCS); bundled excerpts otherwise",
    )
    cms_cache_dir: Path | None = Field(
        default=None,
        alias="CLAIMFLOW_CMS_CACHE_DIR",
        description="where the compiled form of the CMS files is cached (default: the CMS folder "
        "itself; created when missing)",
    )
    scrub_screen: bool = Field(
        default=True,
        alias="CLAIMFLOW_SCRUB_SCREEN",
        description="ask only the checkers the one-pass screen names (false: ask every checker; same edits, slower)",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", alias="CLAIMFLOW_LOG_LEVEL"
    )
    event_loop: Literal["uvloop", "asyncio"] = Field(
        default="uvloop",
        alias="CLAIMFLOW_EVENT_LOOP",
        description="the worker's event loop: uvloop (faster per event) or the standard asyncio loop",
    )
    broker_profile: Literal["kafka", "embedded"] = Field(default="kafka", alias="CLAIMFLOW_BROKER_PROFILE")
    broker_session_timeout: float | None = Field(
        default=None,
        alias="CLAIMFLOW_BROKER_SESSION_TIMEOUT",
        ge=6,
        le=300,
        description="consumer-group session timeout in seconds (Faust default 60; embedded profile 8)",
    )
    table_standby_replicas: int | None = Field(
        default=None,
        alias="CLAIMFLOW_TABLE_STANDBY_REPLICAS",
        ge=0,
        le=5,
        description=(
            "standby copies of each table partition kept warm by other workers of the group (Faust "
            "default 1; embedded profile 0): a takeover then reads no changelog, and each worker "
            "applies the others' table writes"
        ),
    )
    encounter_grace_seconds: float = Field(default=30.0, alias="CLAIMFLOW_ENCOUNTER_GRACE_SECONDS", ge=0)
    join_wait_seconds: float = Field(
        default=0.2,
        alias="CLAIMFLOW_JOIN_WAIT_SECONDS",
        ge=0,
        le=5,
        description=(
            "how long a batch's claims without their encounter wait for it before they are parked "
            "(once per batch; 0 parks at once)"
        ),
    )
    batch_size: int = Field(default=200, alias="CLAIMFLOW_BATCH_SIZE", ge=1, le=10000)
    batch_seconds: float = Field(default=0.02, alias="CLAIMFLOW_BATCH_SECONDS", gt=0, le=5)
    waiting_concurrency: int = Field(default=64, alias="CLAIMFLOW_WAITING_CONCURRENCY", ge=1, le=1024)
    stages: frozenset[Stage] = Field(
        default=frozenset(STAGES),
        alias="CLAIMFLOW_STAGES",
        description=(
            "which stages this worker runs (comma list of scrub, lifecycle, trends; default all). "
            "A worker running fewer stages is a separate deployment: give it its own CLAIMFLOW_APP_ID"
        ),
    )
    fault_fail_topics: frozenset[str] = Field(
        default=frozenset(),
        alias="CLAIMFLOW_FAULT_FAIL_TOPICS",
        description="testing only: logical topics whose sends fail (proves nothing is committed past them)",
    )
    max_event_bytes: int = Field(default=1_048_576, alias="CLAIMFLOW_MAX_EVENT_BYTES", ge=1024)
    max_resubmissions: int = Field(default=3, alias="CLAIMFLOW_MAX_RESUBMISSIONS", ge=1, le=20)
    stall_seconds: float = Field(default=120.0, alias="CLAIMFLOW_STALL_SECONDS", ge=5)
    shutdown_seconds: float = Field(
        default=20.0,
        alias="CLAIMFLOW_SHUTDOWN_SECONDS",
        ge=1,
        le=600,
        description="bound on a graceful stop (SIGTERM/SIGINT); keep it under the orchestrator's grace period",
    )
    auto_resubmit: bool = Field(default=True, alias="CLAIMFLOW_AUTO_RESUBMIT")
    history_per_patient: int = Field(default=200, alias="CLAIMFLOW_HISTORY_PER_PATIENT", ge=1)
    lifecycle_history: int = Field(default=32, alias="CLAIMFLOW_LIFECYCLE_HISTORY", ge=4)
    state_retention_days: float = Field(
        default=400.0,
        alias="CLAIMFLOW_STATE_RETENTION_DAYS",
        gt=0,
        description="table entries (claims, encounters, patient histories) not written for this long are evicted",
    )
    sweep_seconds: float = Field(default=60.0, alias="CLAIMFLOW_SWEEP_SECONDS", ge=1, le=3600)
    patient_key_secret: SecretStr = Field(
        default=SecretStr("claimflow-demo-key-not-a-secret"),
        alias="CLAIMFLOW_PATIENT_KEY_SECRET",
        min_length=16,
        repr=False,
        description="HMAC secret of the pseudonymous patient_key (payer id + member id); set your own",
    )
    trend_factor: float = Field(
        default=2.0,
        alias="CLAIMFLOW_TREND_FACTOR",
        gt=1,
        description="current rate vs baseline that raises a trend",
    )
    trend_min_denials: int = Field(default=5, alias="CLAIMFLOW_TREND_MIN_DENIALS", ge=1)
    trend_window_days: int = Field(default=7, alias="CLAIMFLOW_TREND_WINDOW_DAYS", ge=1, le=14)
    trend_baseline_days: int = Field(default=23, alias="CLAIMFLOW_TREND_BASELINE_DAYS", ge=1, le=29)
    x12_inbound: bool = Field(default=False, alias="CLAIMFLOW_X12_INBOUND")
    x12_profile: Path | None = Field(default=None, alias="CLAIMFLOW_X12_PROFILE")

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: Any, *args: Any, **kwargs: Any
    ) -> tuple[Any, ...]:
        """Values come only from ``load_settings`` (which reads the environment it is given), so a
        test's explicit environment is never mixed with the process's."""
        return (init_settings,)

    def sasl_password(self) -> str | None:
        """The SASL password, revealed only to the Kafka clients."""
        return self.kafka_sasl_password.get_secret_value() if self.kafka_sasl_password else None

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        problems: list[str] = []
        if self.kafka_security_protocol.startswith("SASL_"):
            if self.kafka_sasl_mechanism is None:
                problems.append("KAFKA_SASL_MECHANISM is required when KAFKA_SECURITY_PROTOCOL is SASL_*")
            if not self.kafka_sasl_username or not self.sasl_password():
                problems.append("KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required with SASL")
        elif self.kafka_sasl_mechanism or self.kafka_sasl_username or self.kafka_sasl_password:
            problems.append(
                "SASL settings are set but KAFKA_SECURITY_PROTOCOL is "
                f"{self.kafka_security_protocol}; use SASL_SSL (or SASL_PLAINTEXT)"
            )
        if self.kafka_ssl_cafile is not None:
            if self.kafka_security_protocol not in ("SSL", "SASL_SSL"):
                problems.append("KAFKA_SSL_CAFILE is set but KAFKA_SECURITY_PROTOCOL is not SSL or SASL_SSL")
            elif not self.kafka_ssl_cafile.is_file():
                problems.append(f"KAFKA_SSL_CAFILE={self.kafka_ssl_cafile} does not exist")
        if self.broker_profile == "embedded" and self.kafka_security_protocol != "PLAINTEXT":
            problems.append("CLAIMFLOW_BROKER_PROFILE=embedded only speaks PLAINTEXT on loopback")
        if self.stall_seconds <= self.encounter_grace_seconds:
            problems.append(
                "CLAIMFLOW_STALL_SECONDS must exceed CLAIMFLOW_ENCOUNTER_GRACE_SECONDS "
                "(a claim may legitimately wait that long for its encounter)"
            )
        if not (self.store.startswith("memory://") or self.store.startswith("rocksdb://")):
            problems.append(f"CLAIMFLOW_STORE must be memory:// or rocksdb://, got {self.store!r}")
        for name, path in (
            ("CLAIMFLOW_RULES_DIR", self.rules_dir),
            ("CLAIMFLOW_PAYERS_DIR", self.payers_dir),
            ("CLAIMFLOW_CMS_DIR", self.cms_dir),
        ):
            if path is not None and not path.is_dir():
                problems.append(f"{name}={path} is not a directory")
        if self.cms_cache_dir is not None and self.cms_cache_dir.exists() and not self.cms_cache_dir.is_dir():
            problems.append(f"CLAIMFLOW_CMS_CACHE_DIR={self.cms_cache_dir} is not a directory")
        if self.trend_window_days + self.trend_baseline_days > 30:
            problems.append(
                "CLAIMFLOW_TREND_WINDOW_DAYS + CLAIMFLOW_TREND_BASELINE_DAYS must not exceed 30 (days kept per key)"
            )
        if self.reason_map is not None and not self.reason_map.is_file():
            problems.append(f"CLAIMFLOW_REASON_MAP={self.reason_map} is not a file")
        if self.x12_profile is not None and not self.x12_profile.is_file():
            problems.append(f"CLAIMFLOW_X12_PROFILE={self.x12_profile} is not a file")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def patient_key_bytes(self) -> bytes:
        return self.patient_key_secret.get_secret_value().encode()

    @property
    def listener_url(self) -> str:
        """This worker's listener as the other workers reach it: ``CLAIMFLOW_ADVERTISED_URL``, else
        the bound host (the host name when bound to every interface) and port."""
        if self.advertised_url:
            return self.advertised_url
        host = socket.gethostname() if self.web_host in ("0.0.0.0", "::", "") else self.web_host
        return f"http://{host}:{self.web_port}"

    @property
    def embedded(self) -> bool:
        return self.broker_profile == "embedded"

    def require_bootstrap(self) -> str:
        if not self.kafka_bootstrap_servers:
            raise ConfigError(
                "KAFKA_BOOTSTRAP_SERVERS is not set: point it at your Kafka cluster "
                "(host:port[,host:port]), or use `claimflow demo` / `claimflow broker` for the "
                "embedded development broker"
            )
        return self.kafka_bootstrap_servers

    def kafka_client_kwargs(self) -> dict[str, object]:
        """Connection settings in kafka-python's vocabulary (admin client, simulator, tests)."""
        kw: dict[str, object] = {
            "bootstrap_servers": self.require_bootstrap().split(","),
            "security_protocol": self.kafka_security_protocol,
        }
        if self.kafka_sasl_mechanism:
            kw["sasl_mechanism"] = self.kafka_sasl_mechanism
            kw["sasl_plain_username"] = self.kafka_sasl_username
            kw["sasl_plain_password"] = self.sasl_password()
        if self.kafka_ssl_cafile:
            kw["ssl_cafile"] = str(self.kafka_ssl_cafile)
        return kw


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read settings from ``env`` (default: the process environment); raise ConfigError on problems."""
    source = dict(os.environ if env is None else env)
    known = {f.alias for f in Settings.model_fields.values() if f.alias}
    values: dict[str, object] = {k: v for k, v in source.items() if k in known and v != ""}
    for listed in ("CLAIMFLOW_FAULT_FAIL_TOPICS", "CLAIMFLOW_STAGES"):
        if listed in values:
            values[listed] = frozenset(t.strip() for t in str(values[listed]).split(",") if t.strip())
    if "CLAIMFLOW_STAGES" in values and not values["CLAIMFLOW_STAGES"]:
        raise ConfigError(
            "invalid claimflow configuration:\n  CLAIMFLOW_STAGES: names no stage (scrub, lifecycle, trends)"
        )
    for name in sorted(k for k in source if k.startswith("CLAIMFLOW_") and k not in known | NOT_SETTINGS):
        # a typo is otherwise a default silently taken (CLAIMFLOW_PARTITION=8 runs with 4)
        close = difflib.get_close_matches(name, sorted(known), n=1)
        log.warning("%s is not a claimflow setting%s", name, f" (did you mean {close[0]}?)" if close else "")
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"]) or "settings"
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(f"  {loc}: {msg}" if loc != "settings" else f"  {msg}")
        raise ConfigError("invalid claimflow configuration:\n" + "\n".join(lines)) from None


def env_var_names() -> set[str]:
    """Every environment variable the settings model reads (used by deployment tests)."""
    return {f.alias for f in Settings.model_fields.values() if f.alias}
