"""One source per fact: topic and table names are spelled only in their catalogues."""

from __future__ import annotations

import ast
from pathlib import Path

from schemas.topics import CATALOGUE, Topic
from streams.agents.catalogue import INPUTS, Agent, Table

ROOT = Path(__file__).resolve().parents[2]
#: where a topic or table name may be written as a string
CATALOGUES = {ROOT / "schemas" / "topics.py", ROOT / "streams" / "agents" / "catalogue.py"}
NAMES = {t.value for t in Topic} | {t.value for t in Table}
#: a word that is also a count's or an argument's name ("claims": 2000)
WORDS = {"claims"}


def _spelled_names(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), str(path))
    found = []
    allowed: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):  # {"claims": n}: a key naming a count
            allowed.update(id(k) for k in node.keys if k is not None)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "add_argument":
            allowed.update(id(a) for a in node.args)
        elif isinstance(node, ast.Subscript):  # stats["claims"]
            allowed.add(id(node.slice))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in NAMES:
            if node.value in WORDS and id(node) in allowed:
                continue
            found.append((node.lineno, node.value))
    return found


def test_topic_and_table_names_are_written_only_in_the_catalogues() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {name!r}"
        for folder in ("schemas", "streams", "bench")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path not in CATALOGUES
        for line, name in _spelled_names(path)
    ]
    assert offenders == [], "use schemas.topics.Topic / streams.agents.catalogue.Table:\n" + "\n".join(
        offenders
    )


def test_every_topic_is_in_the_catalogue_once() -> None:
    assert sorted(spec.name for spec in CATALOGUE) == sorted(Topic)


def test_every_agent_declares_its_inputs_and_reads_only_catalogue_topics() -> None:
    assert set(INPUTS) == set(Agent)
    assert all(inputs and set(inputs) <= set(Topic) for inputs in INPUTS.values())
    # each input is drained by exactly one agent (health attributes its lag to that agent)
    drained = [t for inputs in INPUTS.values() for t in inputs]
    assert len(drained) == len(set(drained))
