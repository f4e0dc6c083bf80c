"""``claimflow scrub``: the worker's scrub on a file, with the worker's settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.builders import claim_dict

DATA = Path(__file__).resolve().parents[2] / "data"


def run_scrub(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streams.cli", "scrub", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, **(env or {})},
    )


def rows(proc: subprocess.CompletedProcess[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in proc.stdout.splitlines()]


def test_sample_file_is_scrubbed_in_input_order_with_error_records() -> None:
    proc = run_scrub(
        str(DATA / "claims.jsonl"), "--encounters", str(DATA / "encounters.jsonl"), "--as-of", "2026-03-01"
    )
    assert proc.returncode == 0, proc.stderr
    out = rows(proc)
    assert len(out) == 12
    ids = [r.get("claim_id") for r in out]
    assert ids[:10] == [f"S-{i:03d}" for i in range(1, 11)] and ids[11] == "S-012"
    status = {r["claim_id"]: r["status"] for r in out if "claim_id" in r}
    assert status["S-001"] == "clean" and status["S-004"] == "held"
    # S-010 repeats S-001 later in the file: history makes it a duplicate
    assert [e["rule_id"] for e in out[9]["edits"]] == ["DUP_CLAIM"]  # type: ignore[index]
    # line 11 is not JSON: the only kind of line that is not scrubbed
    assert out[10] == {"line": 11, "error": "malformed_json", "detail": out[10]["detail"]}
    # line 12 bills 0 units: a coder's typo, held with an edit that names the field
    assert status["S-012"] == "held"
    assert "CLAIM_UNITS_INVALID" in {e["rule_id"] for e in out[11]["edits"]}  # type: ignore[union-attr]
    assert "clean-claim rate: 27.3%" in proc.stderr  # 3 clean of 11 claims
    assert "edits by rule:" in proc.stderr and "DUP_CLAIM" in proc.stderr
    assert "screen: on" in proc.stderr and "CMS tables: bundled excerpts" in proc.stderr


def test_claims_with_wrong_values_are_held_only_unreadable_lines_are_errors(tmp_path: Path) -> None:
    nine_digit_npi = claim_dict(claim_id="T-1", patient_key="pk-1", rendering_provider_npi="155859879")
    four_char_code = claim_dict(claim_id="T-2", patient_key="pk-2")
    four_char_code["lines"][0]["procedure_code"] = "9300"
    empty_member = claim_dict(claim_id="T-3", patient_key="pk-3")
    empty_member["patient"]["member_id"] = ""
    no_claim_id = claim_dict()
    del no_claim_id["claim_id"]
    path = tmp_path / "claims.jsonl"
    path.write_text(
        "\n".join(json.dumps(c) for c in (nine_digit_npi, four_char_code, empty_member, no_claim_id, [1]))
        + "\n"
    )
    proc = run_scrub(str(path), "--as-of", "2026-03-01")
    assert proc.returncode == 0, proc.stderr
    out = rows(proc)
    held = {r["claim_id"]: {e["category"] for e in r["edits"] if e["severity"] == "error"} for r in out[:3]}  # type: ignore[union-attr]
    assert held == {"T-1": {"provider"}, "T-2": {"code_validity"}, "T-3": {"patient"}}
    assert all(r["status"] == "held" for r in out[:3])
    assert out[3]["error"] == "schema_violation" and "claim_id" in str(out[3]["detail"])
    assert out[4]["error"] == "schema_violation"


def test_no_encounters_file_means_documentation_not_verified(tmp_path: Path) -> None:
    path = tmp_path / "claims.jsonl"
    path.write_text(json.dumps(claim_dict()) + "\n")
    proc = run_scrub(str(path), "--as-of", "2026-03-01")
    result = rows(proc)[0]
    assert result["status"] == "clean"
    assert [e["rule_id"] for e in result["edits"]] == ["DOC_NO_ENCOUNTER_FEED"]  # type: ignore[union-attr]


def test_the_worker_scrub_settings_apply(tmp_path: Path) -> None:
    path = tmp_path / "claims.jsonl"
    path.write_text(json.dumps(claim_dict()) + "\n")
    off = run_scrub(str(path), "--as-of", "2026-03-01", env={"CLAIMFLOW_SCRUB_SCREEN": "false"})
    assert off.returncode == 0 and "screen: off (every checker asked)" in off.stderr
    wrong = run_scrub(str(path), env={"CLAIMFLOW_RULES_DIR": str(tmp_path / "nowhere")})
    assert wrong.returncode == 2 and "CLAIMFLOW_RULES_DIR" in wrong.stderr
    empty = tmp_path / "rules"
    empty.mkdir()
    packs = run_scrub(str(path), env={"CLAIMFLOW_RULES_DIR": str(empty)})
    assert packs.returncode == 2 and "no pack folders" in packs.stderr


def test_bad_as_of_date_is_a_clear_error() -> None:
    proc = run_scrub(str(DATA / "claims.jsonl"), "--as-of", "03/01/2026")
    assert proc.returncode == 2 and "YYYY-MM-DD" in proc.stderr


def test_invalid_rules_dir_is_reported(tmp_path: Path) -> None:
    proc = run_scrub(str(DATA / "claims.jsonl"), "--rules", str(tmp_path))
    assert proc.returncode == 2 and "no pack folders" in proc.stderr


def test_a_line_that_is_not_utf8_is_an_error_record_and_the_next_lines_are_scrubbed(tmp_path: Path) -> None:
    path = tmp_path / "claims.jsonl"
    path.write_bytes(
        json.dumps(claim_dict(claim_id="U-1", patient_key="pk-u1")).encode()
        + b'\n\xff\xfe{"claim_id": "U-2"}\n'
        + json.dumps(claim_dict(claim_id="U-3", patient_key="pk-u3")).encode()
        + b"\n"
    )
    proc = run_scrub(str(path), "--as-of", "2026-03-01")
    assert proc.returncode == 0, proc.stderr
    out = rows(proc)
    assert [r.get("claim_id") for r in out] == ["U-1", None, "U-3"]
    assert out[1] == {"line": 2, "error": "malformed_json", "detail": "not UTF-8 text"}


def test_a_file_a_windows_tool_wrote_with_a_byte_order_mark_is_read_like_the_worker_reads_it(
    tmp_path: Path,
) -> None:
    """An export saved as "UTF-8 with BOM" starts with EF BB BF: the first claim is still a claim."""
    path = tmp_path / "claims.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(claim_dict(claim_id="BOM-1")).encode() + b"\n")
    proc = run_scrub(str(path), "--as-of", "2026-03-01")
    assert proc.returncode == 0, proc.stderr
    (row,) = rows(proc)
    assert row.get("claim_id") == "BOM-1", row


def test_without_as_of_each_claim_is_judged_on_the_day_it_was_sent(tmp_path: Path) -> None:
    """As the worker: a Medicare claim for 2025-03-10 sent at 23:30 in New York on 2026-03-10, the
    last day of its calendar year (42 CFR 424.44), is timely whatever day the file is scrubbed."""
    claim = claim_dict(occurred_at="2026-03-10T23:30:00-05:00")
    claim["lines"][0]["service_date"] = "2025-03-10"
    path = tmp_path / "claims.jsonl"
    path.write_text(json.dumps(claim) + "\n")
    result = rows(run_scrub(str(path)))[0]
    rules = {e["rule_id"] for e in result["edits"]}  # type: ignore[union-attr]
    assert "TF_EXPIRED" not in rules and "TF_APPROACHING" in rules
