"""The domain packages never import Faust or a Kafka client, directly or through another module:
they run (and are tested) without a broker, and the agents around them stay thin."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = (
    "schemas",
    "streams.scrub",
    "streams.lifecycle",
    "streams.denials",
    "streams.trends",
    "streams.x12",
    "streams.errors",
    "streams.datafiles",
)
FORBIDDEN = ("faust", "aiokafka", "kafka", "mode")

PROBE = """
import importlib, json, pkgutil, sys
loaded = {}
for name in sys.argv[1:]:
    module = importlib.import_module(name)
    for info in pkgutil.walk_packages(getattr(module, "__path__", []), name + "."):
        importlib.import_module(info.name)
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def test_the_domain_packages_import_no_faust_and_no_kafka_client() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *DOMAIN], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    loaded = set(json.loads(out))
    assert sorted(loaded & set(FORBIDDEN)) == []
