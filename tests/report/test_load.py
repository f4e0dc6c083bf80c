"""Reading the report's events: a line that cannot be an event is skipped, never the end of the read."""

from __future__ import annotations

import json
from pathlib import Path

from streams.report.load import from_jsonl


def test_a_line_not_utf8_or_nested_too_deep_is_skipped_and_the_rest_is_read(tmp_path: Path) -> None:
    event = {"event_type": "claim_held", "claim_id": "C1"}
    path = tmp_path / "events.jsonl"
    path.write_bytes(
        json.dumps(event).encode() + b"\n"
        + b"\xff\xfe not utf-8\n"
        + b"[" * 100_000 + b"]" * 100_000 + b"\n"
        + json.dumps({**event, "claim_id": "C2"}).encode() + b"\n"
    )  # fmt: skip
    assert [e["claim_id"] for e in from_jsonl(path)] == ["C1", "C2"]
