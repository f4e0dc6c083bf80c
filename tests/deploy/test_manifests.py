"""Static checks of the deployment files (no Docker engine or cluster in CI)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from streams.cli.k8s import render
from streams.runtime.settings import env_var_names

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = ROOT / "docker-compose.yml"
CLAIMFLOW_SERVICES = ("topics", "worker", "simulator")


def test_every_yaml_and_json_file_parses() -> None:
    files = [*DEPLOY.rglob("*.yml"), *DEPLOY.rglob("*.yaml"), COMPOSE]
    assert len(files) >= 10
    for path in files:
        docs = list(yaml.safe_load_all(path.read_text()))
        assert docs and all(d is not None for d in docs), path
    for path in DEPLOY.rglob("*.json"):
        json.loads(path.read_text())


def test_compose_runs_kafka_in_kraft_mode_with_two_workers() -> None:
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    assert services["kafka"]["image"].startswith("apache/kafka")
    assert "controller" in services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"]
    assert services["worker"]["deploy"]["replicas"] == 2
    assert services["topics"]["command"] == ["topics", "create"]
    assert services["simulator"]["profiles"] == ["sim"]


def test_every_mounted_file_exists() -> None:
    compose = yaml.safe_load(COMPOSE.read_text())
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"
        build = service.get("build")
        if build:
            assert (ROOT / build["context"] / build["dockerfile"]).is_file()


def test_claimflow_environment_names_match_the_settings_model() -> None:
    known = env_var_names()
    compose = yaml.safe_load(COMPOSE.read_text())
    for name in CLAIMFLOW_SERVICES:
        env = compose["services"][name].get("environment", {})
        assert set(env) <= known, f"{name}: unknown {set(env) - known}"
    settings = yaml.safe_load((DEPLOY / "k8s" / "configmap-settings.yaml").read_text())
    assert set(settings["data"]) <= known
    deployment = yaml.safe_load((DEPLOY / "k8s" / "deployment.yaml").read_text())
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert {e["name"] for e in container["env"]} <= known
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    for var in re.findall(r"\b(CLAIMFLOW_[A-Z_]+|KAFKA_[A-Z_]+)=", dockerfile):
        assert var in known, var


def test_kubernetes_manifests_are_safe_to_roll() -> None:
    deployment = yaml.safe_load((DEPLOY / "k8s" / "deployment.yaml").read_text())
    spec = deployment["spec"]
    settings = yaml.safe_load((DEPLOY / "k8s" / "configmap-settings.yaml").read_text())["data"]
    assert spec["replicas"] <= int(settings["CLAIMFLOW_PARTITIONS"])
    pod = spec["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] >= 30
    container = pod["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    secret_refs = {e["valueFrom"]["secretKeyRef"]["name"] for e in container["env"] if "valueFrom" in e}
    assert secret_refs == {"claimflow-kafka"}
    assert "KAFKA_SASL_PASSWORD" not in settings  # credentials only from Secrets
    pdb = yaml.safe_load((DEPLOY / "k8s" / "pdb.yaml").read_text())
    assert pdb["kind"] == "PodDisruptionBudget"


def test_rule_and_payer_configmaps_match_the_bundled_files() -> None:
    for name, text in render().items():
        assert (DEPLOY / "k8s" / name).read_text() == text, (
            f"{name} drifted: run claimflow k8s configmaps deploy/k8s"
        )


def test_image_installs_only_the_project_and_runs_as_non_root() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    installs = re.findall(r"pip (?:install|wheel)[^\n\\]*", dockerfile)
    assert installs, "the image must install the project"
    for line in installs:
        assert re.search(r"(--upgrade pip|/wheels|\s\.$)", line.strip()), line
    assert re.search(r"^USER 10001", dockerfile, re.M)
    assert "HEALTHCHECK" in dockerfile and "/health" in dockerfile
    assert re.search(r'^ENTRYPOINT \["claimflow"\]', dockerfile, re.M)
    assert "dev]" not in dockerfile  # no test or lint dependencies in the image


def test_secrets_are_not_baked_into_any_file() -> None:
    for path in [*DEPLOY.rglob("*.y*ml"), COMPOSE]:
        if path.name.endswith(".example.yaml"):
            continue
        text = path.read_text()
        assert not re.search(r"(?i)(password|secret)\s*:\s*['\"]?[A-Za-z0-9]{6,}", text), path
