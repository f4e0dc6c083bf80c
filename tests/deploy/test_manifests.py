"""Static checks of the deployment files (no Docker engine or cluster in CI)."""

from __future__ import annotations

import importlib
import json
import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

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
    workers = yaml.safe_load((DEPLOY / "k8s" / "statefulset.yaml").read_text())
    container = workers["spec"]["template"]["spec"]["containers"][0]
    downward = {e["name"] for e in container["env"] if "fieldRef" in e.get("valueFrom", {})}
    assert downward == {"POD_IP"}  # the pod's own address, for CLAIMFLOW_ADVERTISED_URL
    assert {e["name"] for e in container["env"]} - downward <= known
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    for var in re.findall(r"\b(CLAIMFLOW_[A-Z_]+|KAFKA_[A-Z_]+)=", dockerfile):
        assert var in known, var


def test_kubernetes_manifests_are_safe_to_roll() -> None:
    workers = yaml.safe_load((DEPLOY / "k8s" / "statefulset.yaml").read_text())
    spec = workers["spec"]
    settings = yaml.safe_load((DEPLOY / "k8s" / "configmap-settings.yaml").read_text())["data"]
    assert spec["replicas"] <= int(settings["CLAIMFLOW_PARTITIONS"])
    pod = spec["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] >= 30
    container = pod["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    secret_refs = {
        e["valueFrom"]["secretKeyRef"]["name"]
        for e in container["env"]
        if "secretKeyRef" in e.get("valueFrom", {})
    }
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


def k8s_documents(pattern: str = "**/*.yaml") -> list[dict]:
    return [d for p in sorted((DEPLOY / "k8s").glob(pattern)) for d in yaml.safe_load_all(p.read_text()) if d]


def test_the_k8s_folder_applies_on_a_cluster_without_the_prometheus_operator() -> None:
    """deploy/README: `kubectl apply -f deploy/k8s/` — a ServiceMonitor there fails with "no matches
    for kind" wherever the Operator's CRDs are missing; it lives in deploy/k8s/operator/."""
    core = {"StatefulSet", "Service", "ConfigMap", "Secret", "PodDisruptionBudget"}
    assert {d["kind"] for d in k8s_documents("*.yaml")} <= core
    assert [d["kind"] for d in k8s_documents("operator/*.yaml")] == ["ServiceMonitor"]


def test_the_rocksdb_store_runs_as_a_statefulset_with_a_volume_per_pod() -> None:
    """rocksdb:// keeps the tables on disk: each pod needs its own volume that outlives the pod
    (a Deployment's emptyDir would be lost on every reschedule)."""
    settings = yaml.safe_load((DEPLOY / "k8s" / "configmap-settings.yaml").read_text())["data"]
    workloads = [d for d in k8s_documents() if d["kind"] in ("Deployment", "StatefulSet")]
    assert len(workloads) == 1, [d["kind"] for d in workloads]
    workers = workloads[0]
    pod = workers["spec"]["template"]["spec"]
    mounts = {m["name"]: m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
    assert mounts["data"] == settings["CLAIMFLOW_DATA_DIR"]
    if settings["CLAIMFLOW_STORE"].startswith("rocksdb:"):
        assert workers["kind"] == "StatefulSet"
        claims = {c["metadata"]["name"]: c["spec"] for c in workers["spec"]["volumeClaimTemplates"]}
        assert claims["data"]["accessModes"] == ["ReadWriteOnce"]
        assert "data" not in {v["name"] for v in pod.get("volumes", [])}, "data must come from the claim"
        services = {d["metadata"]["name"]: d for d in k8s_documents() if d["kind"] == "Service"}
        assert services[workers["spec"]["serviceName"]]["spec"]["clusterIP"] == "None"
    else:  # memory:// rebuilds the tables on every start: nothing to keep
        assert workers["kind"] == "Deployment"


def image_requirements() -> set[str]:
    """The distributions the image installs: the project's dependencies plus the extras the
    Dockerfile names (``pip wheel ... '.[extra,...]'``)."""
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wheel = re.search(r"pip wheel[^\n]*?\s'?\.(\[[^\]]*\])?'?\s*$", dockerfile, re.M)
    assert wheel, "the image must build the project's wheel"
    extras = [e.strip() for e in (wheel.group(1) or "[]").strip("[]").split(",") if e.strip()]
    reqs = [*project["dependencies"]]
    for extra in extras:
        reqs.extend(project["optional-dependencies"][extra])
    return {Requirement(r).name.lower() for r in reqs}


#: what each Faust store needs installed (faust/stores/rocksdb.py imports rocksdict, or rocksdb)
STORE_NEEDS = {"memory": ("faust-streaming", "faust"), "rocksdb": ("rocksdict", "rocksdict")}


def stores_named() -> dict[str, str]:
    """Every CLAIMFLOW_STORE value in a manifest or compose file, by file."""
    named = {}
    for path in [*DEPLOY.rglob("*.y*ml"), COMPOSE]:
        for match in re.finditer(r"CLAIMFLOW_STORE:\s*['\"]?([a-z]+)://", path.read_text()):
            named[f"{path.relative_to(ROOT)}:{match.group(1)}"] = match.group(1)
    return named


def test_every_store_named_in_a_manifest_is_installed_in_the_image() -> None:
    named = stores_named()
    assert {"rocksdb", "memory"} <= set(named.values()), named  # the k8s and compose stacks
    installed = image_requirements()
    for where, store in named.items():
        distribution, module = STORE_NEEDS[store]
        assert distribution in installed, f"{where}: the image does not install {distribution}"
        importlib.import_module(module)  # and it imports here, from the same requirement
    from faust.stores import by_url

    for store in set(named.values()):
        assert by_url(f"{store}://") is not None
    import faust.stores.rocksdb as rocks

    assert rocks.USE_ROCKSDICT, "faust-streaming finds no RocksDB binding"


def test_every_bundled_rule_pack_is_mounted_in_the_workers() -> None:
    packs = sorted(p.parent.name for p in (ROOT / "streams" / "scrub" / "packs").glob("*/pack.yaml"))
    pod = yaml.safe_load((DEPLOY / "k8s" / "statefulset.yaml").read_text())["spec"]["template"]["spec"]
    volumes = {v["name"]: v.get("configMap", {}).get("name") for v in pod["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in pod["containers"][0]["volumeMounts"]}
    for pack in packs:
        volume = mounts.get(f"/etc/claimflow/rules/{pack}")
        assert volume is not None, f"pack {pack} is not mounted under /etc/claimflow/rules"
        assert volumes[volume] == f"claimflow-rules-{pack}"
        assert (DEPLOY / "k8s" / f"configmap-rules-{pack}.yaml").is_file()


def test_the_service_monitor_scrapes_each_pod_once_as_job_claimflow() -> None:
    """Two Services reach the worker pods (the headless one and the metrics one): a ServiceMonitor
    selecting both scrapes every pod twice and doubles every summed counter; the alerts read
    up{job="claimflow"}."""
    docs = k8s_documents()
    (monitor,) = [d for d in docs if d["kind"] == "ServiceMonitor"]
    wanted = monitor["spec"]["selector"]["matchLabels"]
    selected = [
        d["metadata"]["name"]
        for d in docs
        if d["kind"] == "Service" and wanted.items() <= d["metadata"].get("labels", {}).items()
    ]
    assert selected == ["claimflow-metrics"]
    label = monitor["spec"]["jobLabel"]
    (service,) = [d for d in docs if d["kind"] == "Service" and d["metadata"]["name"] == "claimflow-metrics"]
    assert service["metadata"]["labels"][label] == "claimflow"


def test_a_pod_never_waits_for_a_file_an_optional_volume_may_not_hold() -> None:
    """KAFKA_SSL_CAFILE names a file of the optional CA Secret: set while the Secret is optional
    and absent, every pod stops at start (settings validation)."""
    settings = yaml.safe_load((DEPLOY / "k8s" / "configmap-settings.yaml").read_text())["data"]
    workers = yaml.safe_load((DEPLOY / "k8s" / "statefulset.yaml").read_text())
    volumes = {v["name"]: v for v in workers["spec"]["template"]["spec"]["volumes"]}
    if volumes["kafka-ca"]["secret"].get("optional"):
        assert "KAFKA_SSL_CAFILE" not in settings


def test_the_disruption_budget_allows_one_pod_away_even_during_a_rebalance() -> None:
    pdb = yaml.safe_load((DEPLOY / "k8s" / "pdb.yaml").read_text())
    assert pdb["spec"].get("maxUnavailable") == 1 and "minAvailable" not in pdb["spec"]
