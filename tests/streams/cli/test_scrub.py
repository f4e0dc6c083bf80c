from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "data"


def run_scrub(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streams.cli", "scrub", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_sample_file_is_scrubbed_in_input_order_with_error_records() -> None:
    proc = run_scrub(
        str(DATA / "claims.jsonl"),
        "--encounters",
        str(DATA / "encounters.jsonl"),
        "--as-of",
        "2026-03-01",
    )
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(rows) == 12
    ids = [r.get("claim_id") for r in rows[:10]]
    assert ids == [f"S-{i:03d}" for i in range(1, 11)]
    status = {r["claim_id"]: r["status"] for r in rows[:10]}
    assert status["S-001"] == "clean" and status["S-004"] == "held"
    # S-010 repeats S-001 later in the file: history makes it a duplicate
    assert [e["rule_id"] for e in rows[9]["edits"]] == ["DUP_CLAIM"]
    assert rows[10] == {"line": 11, "error": "malformed_json", "detail": rows[10]["detail"]}
    assert rows[11]["line"] == 12 and "lines.0.units" in rows[11]["detail"]
    assert "clean-claim rate: 30.0%" in proc.stderr
    assert "edits by rule:" in proc.stderr and "DUP_CLAIM" in proc.stderr


def test_bad_as_of_date_is_a_clear_error() -> None:
    proc = run_scrub(str(DATA / "claims.jsonl"), "--as-of", "03/01/2026")
    assert proc.returncode == 2 and "YYYY-MM-DD" in proc.stderr


def test_invalid_rules_dir_is_reported(tmp_path: Path) -> None:
    proc = run_scrub(str(DATA / "claims.jsonl"), "--rules", str(tmp_path))
    assert proc.returncode == 2 and "pack.yaml: file not found" in proc.stderr
