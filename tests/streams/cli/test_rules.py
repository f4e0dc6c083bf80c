"""``claimflow rules check``: every rule data file the worker loads, checked before a deploy.

The promise (README, Rules are data): an invalid pack, profile or reason-code map is named with
its file and field — the same error that would stop the worker, found without starting one.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from streams.cli.main import main
from streams.denials.reasons import bundled_reason_map_path
from streams.scrub.packs import bundled_packs_dir


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["rules", "check", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_bundled_rule_data_loads_and_says_what_it_loaded(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = check(capsys)
    assert code == 0, err
    assert "rule packs: core@" in out and "ecg@" in out
    assert "payer profiles: " in out and "MCR-JH" in out
    assert "reason-code map: " in out and "CARCs" in out


def test_a_pack_with_a_misspelled_severity_is_named_with_its_file_and_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(bundled_packs_dir(), rules)
    pack = rules / "core" / "pack.yaml"
    text = pack.read_text(encoding="utf-8")
    start = text.index("  PROVIDER_NPI_INVALID:")
    broken = text[:start] + text[start:].replace("severity: error", "severity: eror", 1)
    pack.write_text(broken, encoding="utf-8")
    code, out, err = check(capsys, "--rules", str(rules))
    assert code == 2
    assert "pack.yaml" in err and "PROVIDER_NPI_INVALID" in err and "severity" in err
    assert "every rule data file loads" not in out


def test_a_reason_map_with_an_unknown_action_is_named_with_its_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    reasons = tmp_path / "carc.yaml"
    text = bundled_reason_map_path().read_text(encoding="utf-8")
    reasons.write_text(text.replace("action: write_off", "action: writeoff", 1), encoding="utf-8")
    code, _, err = check(capsys, "--reasons", str(reasons))
    assert code == 2
    assert "carc.yaml" in err and "action" in err


def test_the_reason_map_setting_is_the_one_checked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CLAIMFLOW_REASON_MAP points the worker (and this check) at a company's own map."""
    reasons = tmp_path / "our-carcs.yaml"
    reasons.write_text("version: x\ncarcs: {}\nbogus: 1\n", encoding="utf-8")
    monkeypatch.setenv("CLAIMFLOW_REASON_MAP", str(reasons))
    code, _, err = check(capsys)
    assert code == 2
    assert "our-carcs.yaml" in err and "bogus" in err


def test_a_missing_folder_is_said_plainly(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = check(capsys, "--payers", str(tmp_path / "nowhere"))
    assert code == 2
    assert "--payers" in err and "is not a directory" in err
