"""Rule packs and payer profiles: loaded, merged and validated with errors naming file and field."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from streams.errors import DataFileError
from streams.scrub import Scrubber
from streams.scrub.engine import check_rules
from streams.scrub.packs import bundled_packs_dir, load_packs
from streams.scrub.payers import bundled_payers_dir, load_payers


@pytest.fixture()
def packs_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(bundled_packs_dir(), target)
    return target


def test_bundled_packs_load_merged_with_the_cms_tables() -> None:
    pack = load_packs()
    assert pack.version.startswith("core@") and "+ecg@" in pack.version
    check_rules(pack)
    assert "93000" in pack.codes and "NEC_SCREENING_NOT_COVERED" in pack.rules
    assert pack.cms.ptp.in_force("93005", "93041", date(2026, 1, 1)).modifier_indicator == 1
    assert pack.cms.mue["93005"].units == 5 and pack.cms.mue["93005"].adjudication_indicator == 3
    # families derived from the fee schedule (PC/TC 4 = the sum of its components), not named
    assert pack.cms.component_code("93000", "professional") == "93010"
    assert pack.cms.component_code("93040", "technical") == "93041"
    assert pack.same_family("93000", "93005") and not pack.same_family("93000", "93041")


def test_invalid_field_is_reported_with_file_and_field(packs_copy: Path) -> None:
    path = packs_copy / "core" / "pack.yaml"
    path.write_text(path.read_text().replace("severity: error", "severity: fatal", 1))
    with pytest.raises(DataFileError) as info:
        load_packs(packs_copy)
    message = str(info.value)
    assert "core/pack.yaml" in message and "rules.CLAIM_FIELD_UNREADABLE.severity" in message


def test_unknown_category_is_rejected(packs_copy: Path) -> None:
    path = packs_copy / "ecg" / "pack.yaml"
    path.write_text(path.read_text().replace("category: component", "category: billing", 1))
    with pytest.raises(DataFileError, match="category"):
        load_packs(packs_copy)


def test_a_rule_defined_in_two_packs_names_both_files(packs_copy: Path) -> None:
    path = packs_copy / "ecg" / "pack.yaml"
    extra = (
        "  CLAIM_TOTAL_MISMATCH:\n    category: claim_data\n    severity: error\n"
        '    message: "x"\n    fix: "y"\n    source: "z"\n'
    )
    path.write_text(path.read_text() + extra)
    with pytest.raises(
        DataFileError,
        match=r"ecg/pack\.yaml: rules\.CLAIM_TOTAL_MISMATCH: already defined in .*core/pack\.yaml",
    ):
        load_packs(packs_copy)


def test_rule_missing_from_the_packs_is_named(packs_copy: Path) -> None:
    path = packs_copy / "core" / "pack.yaml"
    lines = path.read_text().splitlines()
    start = lines.index("  DUP_CLAIM:")
    end = start + 1
    while end < len(lines) and lines[end].startswith("    "):
        end += 1
    path.write_text("\n".join(lines[:start] + lines[end:]) + "\n")
    with pytest.raises(DataFileError, match="rules without a definition: DUP_CLAIM"):
        Scrubber.load(packs_copy)


def test_a_rule_without_its_authority_is_refused(packs_copy: Path) -> None:
    path = packs_copy / "core" / "pack.yaml"
    text = path.read_text().replace('    source: "837P CLM02 = sum of SV102"\n', "", 1)
    path.write_text(text)
    with pytest.raises(DataFileError, match=r"rules\.CLAIM_TOTAL_MISMATCH\.source"):
        load_packs(packs_copy)


@pytest.mark.parametrize(
    ("rule", "change"),
    [
        ("CLAIM_UNKNOWN_FIELD", "severity: warning"),
        ("PROVIDER_NPI_FORMAT", "severity: error\n    enabled: false"),
    ],
)
def test_a_claim_format_rule_that_would_let_an_unsendable_claim_pass_is_refused(
    packs_copy: Path, rule: str, change: str
) -> None:
    """A claim a format rule flags cannot be built into its ready claim: as a warning or disabled,
    the rule would pass a claim that then fails where it is sent (a dead letter, not a held claim)."""
    path = packs_copy / "core" / "pack.yaml"
    text = path.read_text()
    start = text.index(f"  {rule}:\n")
    at = text.index("severity: error", start)
    path.write_text(text[:at] + change + text[at + len("severity: error") :])
    with pytest.raises(DataFileError, match=rf"core/pack\.yaml: rules\.{rule}: .*enabled error"):
        Scrubber.load(packs_copy)


def test_packs_without_conventions_are_refused(packs_copy: Path) -> None:
    shutil.rmtree(packs_copy / "core")
    with pytest.raises(DataFileError, match="no pack defines the conventions"):
        load_packs(packs_copy)


def test_broken_yaml_names_the_file(packs_copy: Path) -> None:
    (packs_copy / "ecg" / "pack.yaml").write_text("pack_id: [unclosed\n")
    with pytest.raises(DataFileError, match=r"ecg/pack\.yaml: not valid YAML"):
        load_packs(packs_copy)


def test_a_rules_directory_without_packs_is_named(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="no pack folders"):
        load_packs(tmp_path)


def test_payer_profiles_merge_plan_defaults() -> None:
    payers = load_payers(bundled_payers_dir())
    medicare = payers.get("MCR-JH", "medicare")
    assert medicare.timely_filing_months == 12 and not medicare.accepts_replacement_claims
    assert medicare.filing_deadline(date(2024, 2, 29)) == date(2025, 2, 28)
    assert any(f.code == "G0403" and f.period == "lifetime" for f in medicare.frequency_limits)
    # Medicare Advantage follows the Part B once-per-lifetime rule for the IPPE screening ECG
    advantage = payers.get("SUNMED-MA", "medicare_advantage")
    assert any(f.code == "G0403" and f.period == "lifetime" for f in advantage.frequency_limits)
    acme = payers.get("ACME", "commercial")
    assert acme.timely_filing_days == 90 and acme.em_same_day_requires_25
    # no payer rule behind these two: off for commercial plans unless a payer turns them on
    commercial = payers.get("NOBODY", "commercial", "Some Plan")
    assert not commercial.covers_screening("93000") and not commercial.em_same_day_requires_25
    unknown = payers.get("NOBODY", "medicaid", "Some Medicaid")
    assert unknown.plan_type == "medicaid" and unknown.name == "Some Medicaid"


def test_invalid_payer_profile_names_file_and_field(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        "payer_id: X\nname: X\nplan_type: commercial\ntimely_filing_days: -3\n"
    )
    with pytest.raises(DataFileError, match=r"bad\.yaml.*\n.*timely_filing_days"):
        load_payers(tmp_path)


def test_frequency_limit_needs_a_period(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        "payer_id: X\nname: X\nplan_type: commercial\nfrequency_limits:\n  - {code: '93000', count: 1}\n"
    )
    with pytest.raises(DataFileError, match="period_days is required"):
        load_payers(tmp_path)


def test_payer_necessity_list_codes_are_checked(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        "payer_id: X\nname: X\nplan_type: commercial\nnecessity:\n  lists:\n"
        "    - {applies_to: ['93000'], diagnoses: ['not-a-code']}\n"
    )
    with pytest.raises(DataFileError, match=r"p\.yaml.*\n.*necessity\.lists\.0\.diagnoses"):
        load_payers(tmp_path)


def test_pack_folder_names_fit_kubernetes_names() -> None:
    """Each pack is mounted from a ConfigMap named claimflow-rules-<folder> (``claimflow k8s
    configmaps``): a DNS-1123 label, so lower-case letters, digits and '-' only."""
    import re

    from streams.scrub.packs import pack_dirs

    for folder in pack_dirs(bundled_packs_dir()):
        name = f"claimflow-rules-{folder.name}"
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name) and len(name) <= 63, name


def test_a_broken_message_template_is_refused_at_load_not_at_the_first_claim(packs_copy: Path) -> None:
    path = packs_copy / "core" / "pack.yaml"
    text = path.read_text()
    start = text.index("  CLAIM_UNITS_INVALID:\n")
    at = text.index('message: "', start) + len('message: "')
    path.write_text(text[:at] + "Service line {position has no valid units; " + text[at:])
    with pytest.raises(
        DataFileError, match=r"core/pack\.yaml: invalid\n.*rules\.CLAIM_UNITS_INVALID\.message"
    ):
        load_packs(packs_copy)


def test_a_rule_given_twice_in_one_pack_is_refused_naming_both_lines(packs_copy: Path) -> None:
    """YAML keeps the last of two equal keys: a second DUP_CLAIM block with a warning further down
    would have quietly let duplicates through."""
    path = packs_copy / "core" / "pack.yaml"
    text = path.read_text()
    extra = '  DUP_CLAIM:\n    category: duplicate\n    severity: warning\n    message: "x"\n    fix: "y"\n    source: "z"\n'
    path.write_text(text + extra)
    with pytest.raises(
        DataFileError, match=r"core/pack\.yaml: not valid YAML: key 'DUP_CLAIM' on line \d+ is already given"
    ):
        load_packs(packs_copy)


def test_plan_defaults_that_are_not_a_mapping_are_named(tmp_path: Path) -> None:
    target = tmp_path / "payers"
    shutil.copytree(bundled_payers_dir(), target)
    (target / "_plan_defaults.yaml").write_text("medicaid:\n  - timely_filing_days: 365\n")
    with pytest.raises(DataFileError, match=r"_plan_defaults\.yaml: medicaid: expected a mapping"):
        load_payers(target)
