"""The README describes the code as it is: every setting in the configuration table, every
metric the worker exports."""

from __future__ import annotations

import re
from pathlib import Path

from prometheus_client import CollectorRegistry

from streams.runtime.metrics import Metrics
from streams.runtime.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def _section(text: str, heading: str) -> str:
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def test_the_configuration_table_lists_every_setting() -> None:
    table = _section(README.read_text(), "Configuration")
    # the first column of each row: one variable, or two joined by " / "
    rows = re.findall(r"^\| `([A-Z][A-Z0-9_]+)`(?: / `([A-Z][A-Z0-9_]+)`)? \|", table, re.M)
    documented = {name for row in rows for name in row if name}
    settings = {field.alias for field in Settings.model_fields.values() if field.alias}
    assert sorted(settings - documented) == [], "settings missing from README's configuration table"
    assert sorted(documented - settings) == [], "README documents settings that do not exist"


def test_every_exported_metric_is_documented() -> None:
    registry = CollectorRegistry()
    Metrics(registry)
    text = README.read_text()
    names = {m.name + ("_total" if m.type == "counter" else "") for m in registry.collect()}
    assert sorted(n for n in names if f"`{n}`" not in text) == [], "metrics missing from README"
