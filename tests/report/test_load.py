"""Reading the report's events: a line that cannot be an event is skipped, never the end of the read."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

from streams.denials import load_reason_map
from streams.report.compute import compute
from streams.report.load import Progress, from_jsonl
from streams.scrub import Scrubber
from tests.report.fixture import events


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


def test_an_export_whose_input_events_carry_no_event_type_gives_the_same_report(
    tmp_path: Path, scrubber: Scrubber
) -> None:
    """README: the report reads the topics "or an export of them, one event per line"; the input
    contracts give ``event_type`` a default, so other systems' claims, statuses and 835 denials often
    leave it out. Read from the topic, the topic says what they are; read from an export, their
    shape must — the report is the same either way, not one without the claims and payer answers."""
    full = events(scrubber)
    inputs = {"claim_submitted", "claim_status", "denial"}
    bare = [
        {k: v for k, v in e.items() if k != "event_type"} if e["event_type"] in inputs else e for e in full
    ]
    assert sum("event_type" not in e for e in bare) > 10
    paths = tmp_path / "full.jsonl", tmp_path / "bare.jsonl"
    for path, rows in zip(paths, (full, bare), strict=True):
        path.write_text("".join(json.dumps(e) + "\n" for e in rows))
    period, reasons = (date(2026, 10, 1), date(2026, 12, 31)), load_reason_map()
    with_types = compute(list(from_jsonl(paths[0])), *period, reasons)
    without = compute(list(from_jsonl(paths[1])), *period, reasons)
    assert with_types.totals["denials"] > 0 and with_types.totals["claims_scrubbed"] > 0
    assert without.totals == with_types.totals


def test_lines_that_are_no_event_are_counted_and_said(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text('{"claim_id": "C1", "category_code": "A2"}\n{"note": "not an event"}\nnot json\n')
    out = io.StringIO()
    progress = Progress("reading events", out=out)
    assert [e["event_type"] for e in from_jsonl(path, progress)] == ["claim_status"]
    progress.done()
    assert progress.skipped == 2 and "2 lines left out" in out.getvalue()
