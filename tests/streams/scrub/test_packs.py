from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from streams.scrub.packs import PackError, bundled_pack_dir, load_mue_csv, load_pack, load_ptp_csv
from streams.scrub.payers import bundled_payers_dir, load_payers


@pytest.fixture()
def pack_copy(tmp_path: Path) -> Path:
    target = tmp_path / "pack"
    shutil.copytree(bundled_pack_dir(), target)
    return target


def test_bundled_pack_loads_with_version_and_cms_tables() -> None:
    pack = load_pack(bundled_pack_dir())
    assert pack.version.startswith("ecg@")
    assert pack.ptp[("93005", "93041")].modifier_indicator == 1
    assert pack.mue["93005"].units == 5 and pack.mue["93005"].adjudication_indicator == 3


def test_invalid_field_is_reported_with_file_and_field(pack_copy: Path) -> None:
    text = (pack_copy / "pack.yaml").read_text()
    (pack_copy / "pack.yaml").write_text(text.replace("severity: error", "severity: fatal", 1))
    with pytest.raises(PackError) as info:
        load_pack(pack_copy)
    message = str(info.value)
    assert "pack.yaml" in message and "rules.CLAIM_TOTAL_MISMATCH.severity" in message


def test_unknown_category_is_rejected(pack_copy: Path) -> None:
    text = (pack_copy / "pack.yaml").read_text()
    (pack_copy / "pack.yaml").write_text(text.replace("category: claim_data", "category: billing", 1))
    with pytest.raises(PackError, match="category"):
        load_pack(pack_copy)


def test_rule_missing_from_the_pack_is_named(pack_copy: Path) -> None:
    lines = (pack_copy / "pack.yaml").read_text().splitlines()
    start = lines.index("  DUP_CLAIM:")
    (pack_copy / "pack.yaml").write_text("\n".join(lines[:start]) + "\n")
    with pytest.raises(PackError, match="rules without a definition: DUP_CLAIM"):
        load_pack(pack_copy)


def test_broken_yaml_names_the_file(pack_copy: Path) -> None:
    (pack_copy / "pack.yaml").write_text("pack_id: [unclosed\n")
    with pytest.raises(PackError, match=r"pack\.yaml: not valid YAML"):
        load_pack(pack_copy)


def test_ptp_csv_in_cms_layout_with_bad_indicator_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "ptp.csv"
    path.write_text(
        "Column 1,Column 2,*,Effective,Deletion,Modifier,Rationale\n93000,93010,,19960101,*,x,r\n"
    )
    with pytest.raises(PackError, match="row 2"):
        load_ptp_csv(path)


def test_mue_csv_reads_cms_adjudication_text(tmp_path: Path) -> None:
    path = tmp_path / "mue.csv"
    path.write_text("code,mue,mai,rationale\n93005,5,3 Date of Service Edit: Clinical,Data\n")
    assert load_mue_csv(path)["93005"].adjudication_indicator == 3


def test_payer_profiles_merge_plan_defaults() -> None:
    payers = load_payers(bundled_payers_dir())
    medicare = payers.get("MCR-JH", "medicare")
    assert medicare.timely_filing_days == 365 and not medicare.accepts_replacement_claims
    assert any(f.code == "G0403" and f.period == "lifetime" for f in medicare.frequency_limits)
    acme = payers.get("ACME", "commercial")
    assert acme.timely_filing_days == 90 and acme.em_same_day_requires_25
    unknown = payers.get("NOBODY", "medicaid", "Some Medicaid")
    assert unknown.plan_type == "medicaid" and unknown.name == "Some Medicaid"


def test_invalid_payer_profile_names_file_and_field(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        "payer_id: X\nname: X\nplan_type: commercial\ntimely_filing_days: -3\n"
    )
    with pytest.raises(PackError, match=r"bad\.yaml.*\n.*timely_filing_days"):
        load_payers(tmp_path)


def test_frequency_limit_needs_a_period(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        "payer_id: X\nname: X\nplan_type: commercial\nfrequency_limits:\n  - {code: '93000', count: 1}\n"
    )
    with pytest.raises(PackError, match="period_days is required"):
        load_payers(tmp_path)
