"""JSON Schema export of every event contract (``claimflow schemas export DIR``)."""

from __future__ import annotations

import json
from pathlib import Path

from schemas import EVENT_MODELS


def schema_documents() -> dict[str, str]:
    """{file name: JSON text} for every event model, deterministic (sorted keys, trailing newline)."""
    docs = {}
    for event_type, model in EVENT_MODELS.items():
        schema = model.model_json_schema(mode="validation")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://claimflow.dev/schemas/{event_type}.v1.json"
        docs[f"{event_type}.schema.json"] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return docs


def write_documents(directory: Path, documents: dict[str, str]) -> list[Path]:
    """Write generated files ({name: text}) into ``directory``; returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in documents.items():
        path = directory / name
        path.write_text(text)
        written.append(path)
    return written


def export(directory: Path) -> list[Path]:
    return write_documents(directory, schema_documents())
