"""The X12 bridge: 837P/277CA/835 validated with pyx12 and mapped to events; 837P rendered back."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from schemas import ClaimStatus, ClaimSubmitted, Denial
from schemas.pseudonym import pseudonymous_key
from streams.x12.claim837 import claims_from_837p, render_837p
from streams.x12.ingest import ingest_text
from streams.x12.profile import X12Profile
from streams.x12.segments import X12FormatError, parse
from streams.x12.validation import validate
from tests.streams.x12.samples import SECRET, variety

DATA = Path(__file__).resolve().parents[2] / "data" / "x12"
NOT_CARRIED = {"event_id", "replaces_claim_id", "source"}


def rendered(claims: list[ClaimSubmitted]) -> str:
    return render_837p(claims, X12Profile(), 42, datetime(2026, 11, 12, 9, 30, tzinfo=UTC))


def test_every_rendered_837p_passes_pyx12_validation() -> None:
    for claim in variety():
        result = validate(rendered([claim]))
        assert result.valid, (claim.claim_id, result.errors)
        assert "AK9*A" in result.ack999
    assert validate(rendered(variety())).valid  # several claims in one interchange


def test_a_round_trip_preserves_every_field_the_837p_carries() -> None:
    originals = variety()
    back = [ClaimSubmitted.model_validate(c) for c in claims_from_837p(parse(rendered(originals)), SECRET)]
    assert len(back) == len(originals)
    for before, after in zip(originals, back, strict=True):
        assert after.model_dump(exclude=NOT_CARRIED) == before.model_dump(exclude=NOT_CARRIED)


def test_a_replacement_claim_travels_as_frequency_7_with_the_original_claim_number() -> None:
    text = rendered([variety()[2]])
    assert "CLM*X12-CLM-003*45***22:B:7*" in text and "REF*F8*ACME261120003~" in text


def test_patient_key_is_the_keyed_hash_of_payer_and_member_id() -> None:
    result = ingest_text((DATA / "claims-837p.x12").read_text(), SECRET)
    claim = result.events[1].event
    assert isinstance(claim, ClaimSubmitted)
    assert claim.patient_key == pseudonymous_key("ACME", "XJK000000001", SECRET)
    assert result.events[1].key == claim.patient_key  # partitioned by patient, like encounters


def test_ingesting_the_same_file_twice_yields_the_same_event_ids() -> None:
    text = (DATA / "claims-837p.x12").read_text()
    first, second = ingest_text(text, SECRET), ingest_text(text, SECRET)
    assert [r.event.event_id for r in first.events] == [r.event.event_id for r in second.events]


def test_a_277ca_becomes_one_status_per_claim_matched_by_patient_control_number() -> None:
    result = ingest_text((DATA / "ack-277ca.x12").read_text(), SECRET)
    assert result.transaction == "277CA" and result.accepted
    events = [r.event for r in result.events]
    assert all(isinstance(e, ClaimStatus) and e.source == "277CA" for e in events)
    accepted, rejected = events
    assert (accepted.claim_id, accepted.category_code, accepted.payer_claim_number) == (
        "X12-CLM-001",
        "A2",
        "ACME261120001",
    )
    assert (rejected.claim_id, rejected.category_code, rejected.status_code) == ("X12-CLM-002", "A7", "562")
    assert {r.topic for r in result.events} == {"claim-status"}


def test_an_835_becomes_denials_with_carcs_and_rarcs_and_paid_statuses() -> None:
    result = ingest_text((DATA / "remit-835.x12").read_text(), SECRET)
    assert result.transaction == "835" and result.accepted
    by_claim = {r.event.claim_id: r for r in result.events}  # type: ignore[attr-defined]
    paid_with_contractual = by_claim["X12-CLM-001"].event
    assert isinstance(paid_with_contractual, Denial)
    assert paid_with_contractual.paid_amount == 40
    assert [(a.group_code, a.reason_code, a.line_number) for a in paid_with_contractual.adjustments] == [
        ("CO", "45", None)
    ]
    denied = by_claim["X12-CLM-003"].event
    assert isinstance(denied, Denial) and denied.claim_status_code == "4"
    assert [(a.group_code, a.reason_code, a.line_number) for a in denied.adjustments] == [("CO", "97", 2)]
    assert denied.remark_codes == ["N20", "M80"]
    assert by_claim["X12-CLM-003"].topic == "claim-denials"
    paid = by_claim["X12-CLM-004"].event
    assert isinstance(paid, ClaimStatus) and paid.category_code == "F1" and paid.amount == 45
    assert by_claim["X12-CLM-004"].topic == "claim-status"


def test_an_invalid_interchange_gets_a_999_rejection_and_no_events() -> None:
    result = ingest_text((DATA / "invalid-837p.x12").read_text(), SECRET)
    assert not result.accepted and not result.events
    assert "IK5*R" in result.validation.ack999 and "AK9*R" in result.validation.ack999
    assert any("SV102" in e for e in result.validation.errors)


def test_validation_findings_never_echo_the_data() -> None:
    text = (DATA / "claims-837p.x12").read_text().replace("DMG*D8*19500401*F~", "DMG*D8*19501341*F~")
    result = validate(text)
    assert not result.valid
    assert "19501341" not in " ".join(result.errors)


@pytest.mark.parametrize("text", ["", "hello", "ISA*00*" + "x" * 200, '{"claim_id": 1}'])
def test_bytes_that_are_not_an_interchange_are_rejected_with_a_reason(text: str) -> None:
    result = ingest_text(text, SECRET)
    assert not result.accepted and result.validation.errors
    with pytest.raises(X12FormatError):
        parse(text)


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streams.cli", "x12", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_the_ingest_command_writes_events_and_999s_for_a_folder(tmp_path: Path) -> None:
    acks = tmp_path / "acks"
    acks.mkdir()
    done = run_cli("ingest", str(DATA), "--acks", str(acks))
    assert done.returncode == 1  # one of the four interchanges is rejected
    events = [json.loads(line) for line in done.stdout.splitlines()]
    kinds = sorted(e["event_type"] for e in events)
    assert kinds == ["claim_status"] * 3 + ["claim_submitted"] * 3 + ["denial"] * 2
    assert sorted(p.name for p in acks.iterdir()) == sorted(f"{p.name}.999" for p in DATA.iterdir())
    assert "invalid-837p.x12: 837P: rejected" in done.stderr
    assert "4 interchange(s): 3 accepted, 1 rejected" in done.stderr


def test_render_837p_turns_a_corrected_claim_from_a_task_into_a_valid_837p(tmp_path: Path) -> None:
    corrected = variety()[2]
    task_line = json.dumps({"task_id": "t-1", "corrected_claim": corrected.model_dump(mode="json")})
    source = tmp_path / "tasks.jsonl"
    source.write_text(task_line + "\n")
    done = run_cli("render-837p", str(source))
    assert done.returncode == 0, done.stderr
    assert validate(done.stdout).valid
    assert "REF*F8*ACME261120003~" in done.stdout


def test_a_claim_with_a_typo_is_published_for_the_scrubber_to_hold() -> None:
    text = (
        (DATA / "claims-837p.x12")
        .read_text()
        .replace("SV1*HC:93000*45*UN*1***1~", "SV1*HC:9300*45*UN*1***1~", 1)
    )
    result = ingest_text(text, SECRET)
    assert result.accepted and len(result.events) == 3 and not result.refused
    typo = result.events[0].event
    assert type(typo) is ClaimSubmitted and typo.lines[0].procedure_code == "9300"


def test_837p_to_events_to_837p_reproduces_the_file() -> None:
    original = (DATA / "claims-837p.x12").read_text()
    claims = [r.event for r in ingest_text(original, SECRET).events]
    assert all(isinstance(c, ClaimSubmitted) for c in claims)
    again = render_837p(claims, X12Profile(), 101, datetime(2026, 11, 12, 9, 30, tzinfo=UTC))  # type: ignore[arg-type]
    assert again == original


@pytest.mark.parametrize(
    ("sample", "broken"),
    [
        ("ack-277ca.x12", ("STC*A2:20*20261120*WQ*45~", "STC*A2:20*20261120*WQ*45*X*Y~")),
        ("remit-835.x12", ("CLP*X12-CLM-003*4*90*0*0*12*", "CLP*X12-CLM-003**90*0*0*12*")),
    ],
)
def test_invalid_277ca_and_835_are_rejected_with_a_999(sample: str, broken: tuple[str, str]) -> None:
    text = (DATA / sample).read_text()
    assert broken[0] in text
    result = ingest_text(text.replace(*broken), SECRET)
    assert not result.accepted and not result.events and result.validation.errors
    # pyx12 4.0 starts the 999 for these but, for the 835, stops after the AK1/AK2 segments
    assert "AK1*" in result.validation.ack999
