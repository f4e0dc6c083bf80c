from __future__ import annotations

from pathlib import Path

import pytest

from streams.runtime.app import faust_config
from streams.runtime.settings import ConfigError, env_var_names, load_settings


def test_defaults_are_sensible() -> None:
    s = load_settings({})
    assert s.store == "memory://" and s.partitions == 4 and s.web_host == "127.0.0.1"
    assert s.encounter_grace_seconds == 30.0 and s.broker_profile == "kafka"


def test_missing_bootstrap_is_explained() -> None:
    with pytest.raises(ConfigError, match="KAFKA_BOOTSTRAP_SERVERS is not set"):
        load_settings({}).require_bootstrap()


def test_bad_number_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="CLAIMFLOW_PARTITIONS"):
        load_settings({"CLAIMFLOW_PARTITIONS": "many"})


def test_sasl_without_credentials_is_refused() -> None:
    with pytest.raises(ConfigError, match="KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required"):
        load_settings({"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512"})


def test_sasl_settings_with_plaintext_protocol_are_refused() -> None:
    with pytest.raises(ConfigError, match="use SASL_SSL"):
        load_settings(
            {
                "KAFKA_SASL_USERNAME": "u",
                "KAFKA_SASL_PASSWORD": "p",
                "KAFKA_SASL_MECHANISM": "PLAIN",
            }
        )


def test_cafile_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings({"KAFKA_SECURITY_PROTOCOL": "SSL", "KAFKA_SSL_CAFILE": str(tmp_path / "nope.pem")})


def test_unknown_store_is_refused() -> None:
    with pytest.raises(ConfigError, match="CLAIMFLOW_STORE"):
        load_settings({"CLAIMFLOW_STORE": "redis://x"})


def test_scram_sha_512_over_ssl_is_accepted(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    s = load_settings(
        {
            "KAFKA_BOOTSTRAP_SERVERS": "k1:9093,k2:9093",
            "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "KAFKA_SASL_USERNAME": "claimflow",
            "KAFKA_SASL_PASSWORD": "secret",
            "KAFKA_SSL_CAFILE": str(ca),
        }
    )
    kw = s.kafka_client_kwargs()
    assert kw["bootstrap_servers"] == ["k1:9093", "k2:9093"] and kw["sasl_mechanism"] == "SCRAM-SHA-512"
    assert "secret" not in repr(s) and s.model_dump()["kafka_sasl_password"] != "secret"
    assert kw["sasl_plain_password"] == "secret"  # revealed to the Kafka client only


def test_the_sasl_password_reaches_faust_and_no_log_or_dump() -> None:
    s = load_settings(
        {
            "KAFKA_BOOTSTRAP_SERVERS": "k1:9092",
            "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
            "KAFKA_SASL_MECHANISM": "PLAIN",
            "KAFKA_SASL_USERNAME": "claimflow",
            "KAFKA_SASL_PASSWORD": "hunter2",
        }
    )
    assert faust_config(s)["broker_credentials"].password == "hunter2"
    assert "hunter2" not in repr(s) and "hunter2" not in str(s.model_dump())


def test_embedded_profile_applies_broker_workarounds_only_when_asked() -> None:
    embedded = faust_config(
        load_settings({"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1", "CLAIMFLOW_BROKER_PROFILE": "embedded"})
    )
    assert embedded["producer_max_batch_size"] == 1 and embedded["broker_session_timeout"] <= 10
    real = faust_config(load_settings({"KAFKA_BOOTSTRAP_SERVERS": "kafka:9092"}))
    assert real["producer_max_batch_size"] > 1 and "broker_session_timeout" not in real


def test_standby_replicas_follow_the_profile_unless_set() -> None:
    """Faust keeps one standby copy by default (kafka profile), none with the embedded broker; the
    setting overrides either."""
    real = faust_config(load_settings({"KAFKA_BOOTSTRAP_SERVERS": "kafka:9092"}))
    assert "table_standby_replicas" not in real  # Faust's own default (1)
    embedded = {"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1", "CLAIMFLOW_BROKER_PROFILE": "embedded"}
    assert faust_config(load_settings(embedded))["table_standby_replicas"] == 0
    none = load_settings({"KAFKA_BOOTSTRAP_SERVERS": "kafka:9092", "CLAIMFLOW_TABLE_STANDBY_REPLICAS": "0"})
    assert faust_config(none)["table_standby_replicas"] == 0
    two = load_settings({**embedded, "CLAIMFLOW_TABLE_STANDBY_REPLICAS": "2"})
    assert faust_config(two)["table_standby_replicas"] == 2


def test_every_documented_variable_is_known() -> None:
    names = env_var_names()
    for documented in (
        "KAFKA_BOOTSTRAP_SERVERS",
        "KAFKA_SECURITY_PROTOCOL",
        "KAFKA_SASL_MECHANISM",
        "KAFKA_SASL_USERNAME",
        "KAFKA_SASL_PASSWORD",
        "KAFKA_SSL_CAFILE",
        "CLAIMFLOW_TOPIC_PREFIX",
        "CLAIMFLOW_SCRUB_SCREEN",
        "CLAIMFLOW_JOIN_WAIT_SECONDS",
        "CLAIMFLOW_PARTITIONS",
        "CLAIMFLOW_STORE",
        "CLAIMFLOW_WEB_PORT",
        "CLAIMFLOW_RULES_DIR",
        "CLAIMFLOW_PAYERS_DIR",
        "CLAIMFLOW_LOG_LEVEL",
        "CLAIMFLOW_STAGES",
        "CLAIMFLOW_EVENT_LOOP",
    ):
        assert documented in names


@pytest.mark.parametrize("value", ["http://kafka:9092", "kafka:9092/", "kafka:9092,https://b:9092"])
def test_a_bootstrap_address_with_a_scheme_is_refused_naming_the_variable(value: str) -> None:
    with pytest.raises(ConfigError, match=r"KAFKA_BOOTSTRAP_SERVERS.*no scheme or path"):
        load_settings({"KAFKA_BOOTSTRAP_SERVERS": value})
    assert load_settings({"KAFKA_BOOTSTRAP_SERVERS": "kafka-0:9092,kafka-1,[::1]:9093"})


def test_a_misspelled_setting_is_named_with_the_one_meant(caplog: pytest.LogCaptureFixture) -> None:
    """CLAIMFLOW_PARTITION=8 would otherwise run with the default 4 partitions without a word."""
    with caplog.at_level("WARNING", logger="claimflow"):
        settings = load_settings({"CLAIMFLOW_PARTITION": "8"})
    assert settings.partitions == 4
    assert (
        "CLAIMFLOW_PARTITION is not a claimflow setting (did you mean CLAIMFLOW_PARTITIONS?)" in caplog.text
    )


def test_a_stage_list_naming_no_stage_is_refused() -> None:
    with pytest.raises(ConfigError, match="CLAIMFLOW_STAGES: names no stage"):
        load_settings({"CLAIMFLOW_STAGES": " , "})
