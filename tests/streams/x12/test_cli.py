"""``claimflow x12``: a folder of real-world files, one of them broken in every way, is read to the
end with a verdict per file, the acknowledgments, the summary and an honest exit status."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

import streams.cli.x12 as cli_x12
import streams.x12.ingest as ingest_module
from streams.cli.main import main
from streams.errors import DataFileError, ExitCode
from streams.x12.ingest import ingest_text
from streams.x12.profile import load_profile
from tests.streams.x12.samples import DATA, SECRET, variety
from tests.streams.x12.test_acks import parse_999

CLAIMS = (DATA / "claims-837p.x12").read_text()
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict], str]:
    code = main(["x12", *args])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


#: the README's example folder: claims, a group whose GS08 names the wrong guide, a 277CA behind a
#: byte-order mark and blank lines, a truncated interchange, a text file, an 835 with a reversal
EXAMPLE = DATA / "inbound-example"


def test_the_example_folder_is_built_from_the_samples() -> None:
    claims = CLAIMS.encode()
    assert (EXAMPLE / "01-claims.x12").read_bytes() == claims
    assert (EXAMPLE / "02-gs835-st837.x12").read_bytes() == claims.replace(
        b"*X*005010X222A1~", b"*X*005010X221A1~", 1
    )
    assert (EXAMPLE / "03-bom.x12").read_bytes() == b"\xef\xbb\xbf\r\n\r\n" + (
        DATA / "ack-277ca.x12"
    ).read_bytes()
    assert (EXAMPLE / "04-truncated.x12").read_bytes() == claims[:900]
    assert (EXAMPLE / "06-remit.x12").read_bytes() == (DATA / "reversal-835.x12").read_bytes()


def test_the_readme_shows_what_ingest_prints_for_the_example_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = (Path(__file__).parents[3] / "README.md").read_text()
    command = "claimflow x12 ingest tests/data/x12/inbound-example/ --acks /tmp/claimflow-acks\n```\n```\n"
    shown = readme.split(command, 1)[1].split("\n```", 1)[0].splitlines()
    code, _, err = run(capsys, "ingest", str(EXAMPLE), "--acks", str(tmp_path / "acks"))
    assert code == ExitCode.REJECTED
    assert err.splitlines() == shown


def folder(tmp_path: Path) -> Path:
    inbound = tmp_path / "inbound"
    shutil.copytree(EXAMPLE, inbound)
    (inbound / ".hidden").write_text("skipped")
    return inbound


def test_a_folder_with_broken_files_in_the_middle_is_read_to_the_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    acks = tmp_path / "acks" / "2026-11-27"  # missing: created
    code, events, err = run(capsys, "ingest", str(folder(tmp_path)), "--acks", str(acks))
    assert code == ExitCode.REJECTED
    lines = [line for line in err.splitlines() if line.startswith("[")]
    assert [line.split(":")[0] for line in lines] == [
        "[1/6] 01-claims.x12", "[2/6] 02-gs835-st837.x12", "[3/6] 03-bom.x12",
        "[4/6] 04-truncated.x12", "[5/6] 05-notes.txt", "[6/6] 06-remit.x12",
    ]  # fmt: skip
    assert "01-claims.x12: 837P: accepted, 3 claim_submitted" in err
    assert "ST01 is 837 but GS08 names the 835 guide (transaction 835)" in err
    assert "03-bom.x12: 277CA: accepted, 2 claim_status" in err
    assert "04-truncated.x12: unreadable: rejected" in err and "ends without an IEA" in err
    assert "05-notes.txt: unreadable: rejected" in err and "Traceback" not in err
    assert "6 file(s): 3 accepted, 3 rejected; 10 events written to stdout, 0 refused by the contracts" in err
    assert (
        sorted(e["event_type"] for e in events)
        == ["claim_status"] * 2 + ["claim_submitted"] * 3 + ["denial"] * 3 + ["provider_adjustment"] * 2
    )
    written = sorted(p.name for p in acks.iterdir())
    assert written == [
        "01-claims.x12.999", "02-gs835-st837.x12.999", "03-bom.x12.999", "04-truncated.x12.ta1", "06-remit.x12.999",
    ]  # fmt: skip
    # every 999 written says the file's verdict
    for name, ak9 in [
        ("01-claims.x12", "A"),
        ("02-gs835-st837.x12", "R"),
        ("03-bom.x12", "A"),
        ("06-remit.x12", "A"),
    ]:
        (ack,) = parse_999((acks / f"{name}.999").read_text())
        assert ack["ak9"] == ak9 and set(ack["sets"].values()) == {ak9}, name
    assert "*R*023~" in (acks / "04-truncated.x12.ta1").read_text()


def test_an_unexpected_failure_on_one_file_is_that_files_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = cli_x12.ingest_text

    def flaky(text: str, secret: bytes, now: object = None, workers: int = 1) -> object:
        if "GS*HP*" in text:
            raise RuntimeError("simulated defect with data 19500401 in the message")
        return real(text, secret, now, workers)  # type: ignore[arg-type]

    monkeypatch.setattr(cli_x12, "ingest_text", flaky)
    inbound = tmp_path / "in"
    inbound.mkdir()
    (inbound / "a.x12").write_text(CLAIMS)
    (inbound / "b.x12").write_text((DATA / "remit-835.x12").read_text())
    (inbound / "c.x12").write_text(CLAIMS)
    code, events, err = run(capsys, "ingest", str(inbound))
    assert code == ExitCode.REJECTED and len(events) == 6
    assert (
        "[2/3] b.x12: failed: claimflow could not process it (RuntimeError); nothing was taken from it" in err
    )
    assert "19500401" not in err and "3 file(s): 2 accepted, 1 failed" in err


def test_a_clean_folder_exits_zero_and_writes_acks_beside_the_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "claims.x12").write_text(CLAIMS)
    code, events, _err = run(capsys, "ingest", str(tmp_path / "claims.x12"))
    assert code == ExitCode.OK and len(events) == 3
    assert (tmp_path / "claims.x12.999").read_text().count("AK9*A*3*3*3~") == 1


def test_an_acks_folder_that_cannot_be_made_is_reported_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "claims.x12").write_text(CLAIMS)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    code, events, err = run(capsys, "ingest", str(tmp_path / "claims.x12"), "--acks", str(blocker / "acks"))
    assert code == ExitCode.CONFIGURATION and not events
    assert err.startswith("claimflow x12 ingest: cannot use --acks") and "Traceback" not in err


def test_render_837p_turns_a_corrected_claim_from_a_task_into_a_valid_837p(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corrected = variety()[2]
    source = tmp_path / "tasks.jsonl"
    source.write_text(
        json.dumps({"task_id": "t-1", "corrected_claim": corrected.model_dump(mode="json")}) + "\n"
    )
    assert main(["x12", "render-837p", str(source)]) == ExitCode.OK
    text = capsys.readouterr().out
    assert "REF*F8*ACME261120003~" in text and "CLM*X12-CLM-003*45***22:B:7*" in text
    (tmp_path / "rendered.x12").write_text(text)
    code, events, _ = run(capsys, "ingest", str(tmp_path / "rendered.x12"))
    assert code == ExitCode.OK and [e["claim_id"] for e in events] == ["X12-CLM-003"]


def test_render_837p_leaves_out_what_cannot_be_sent_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A task with nothing to send is skipped; a claim with a delimiter in a name (X12 has no
    escape), a line that is not JSON and a claim with a value the scrubber holds (units 0) are
    left out, each named by line and field, and the exit status says some were; the rest go out."""
    good, starred = variety()[0], variety()[1]
    bad = starred.model_copy(update={"patient": starred.patient.model_copy(update={"last_name": "O*BRIEN"})})
    zero_units = good.model_dump(mode="json")  # a value the scrubber holds: never sent
    zero_units["lines"][0]["units"] = 0
    source = tmp_path / "mixed.jsonl"
    source.write_text(
        "\n".join(
            [
                json.dumps({"task_id": "t-write-off", "corrected_claim": None}),
                json.dumps(bad.model_dump(mode="json")),
                "not json",
                json.dumps(zero_units),
                json.dumps(good.model_dump(mode="json")),
            ]
        )
        + "\n"
    )
    assert main(["x12", "render-837p", str(source)]) == ExitCode.REJECTED
    out, err = capsys.readouterr()
    assert "line 1: a task without a corrected claim" in err
    assert "line 2: left out" in err and "patient.last_name" in err and "O*BRIEN" not in err
    assert "line 3: left out, not a claim" in err and "line 4: left out" in err and "units" in err
    assert "3 claim(s) left out" in err
    assert f"CLM*{good.claim_id}*" in out and bad.claim_id not in out


def test_render_837p_never_writes_an_npi_whose_check_digit_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Reference §3: an NPI is ten digits whose last is a Luhn check digit over the 80840 prefix;
    one that fails it is a typo the payer rejects — the scrubber holds the claim, and the writer
    must not send it either: at claim level (2310B) or a line's own (2420A rendering, 2420F
    referring). 1245319599 is valid; 1245319590 differs in the check digit only."""
    good = variety()[0]
    wrong = "1245319590"
    claim_level = good.model_dump(mode="json") | {"claim_id": "NPI-CLAIM", "rendering_provider_npi": wrong}
    line_rendering = good.model_dump(mode="json") | {"claim_id": "NPI-LINE-RENDERING"}
    line_rendering["lines"][-1]["rendering_provider_npi"] = wrong
    line_referring = good.model_dump(mode="json") | {"claim_id": "NPI-LINE-REFERRING"}
    line_referring["lines"][-1]["referring_provider_npi"] = wrong
    source = tmp_path / "npis.jsonl"
    rows = [claim_level, line_rendering, line_referring, good.model_dump(mode="json")]
    source.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    assert main(["x12", "render-837p", str(source)]) == ExitCode.REJECTED
    out, err = capsys.readouterr()
    assert wrong not in out and f"CLM*{good.claim_id}*" in out
    n = len(good.lines)
    assert "line 1: left out" in err and "rendering_provider_npi fails the NPI check digit" in err
    assert "line 2: left out" in err and f"lines.{n}.rendering_provider_npi fails" in err
    assert "line 3: left out" in err and f"lines.{n}.referring_provider_npi fails" in err
    assert wrong not in err


def test_render_837p_names_a_bad_line_counted_from_one_as_the_edits_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The scrubber's edits count lines from 1; the writer's reasons name the same line."""
    good = variety()[0].model_dump(mode="json")
    good["lines"][0]["units"] = 0
    source = tmp_path / "units.jsonl"
    source.write_text(json.dumps(good) + "\n")
    assert main(["x12", "render-837p", str(source)]) == ExitCode.REJECTED
    err = capsys.readouterr().err
    assert "lines.1.units" in err and "lines.0" not in err


@pytest.mark.parametrize(
    "name", ["invalid-837p.x12", "mixed-groups.x12", "reversal-835.x12", "lines-277ca.x12"]
)
def test_checking_sets_in_parallel_processes_changes_nothing(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command checks and maps a large interchange's sets in worker processes: the same
    verdicts, findings, events (in order) and acknowledgments as one process."""
    text = (DATA / name).read_text() + CLAIMS.replace("000000101", "000000102")  # two interchanges
    one = ingest_text(text, SECRET, NOW)
    monkeypatch.setattr(ingest_module, "PARALLEL_SEGMENTS", 0)
    two = ingest_text(text, SECRET, NOW, workers=2)
    assert [i.verdict for i in two.interchanges] == [i.verdict for i in one.interchanges]
    assert two.problems == one.problems and two.notes == one.notes
    assert [r.payload for r in two.events] == [r.payload for r in one.events]
    assert [r.reason for r in two.refused] == [r.reason for r in one.refused]
    assert two.acks("999") == one.acks("999") and two.acks("TA1") == one.acks("TA1")


@pytest.mark.parametrize(
    ("profile", "named"),
    [
        ("submiter_name: ACME BILLING\n", "submiter_name"),  # a typo
        ("submitter_name: ACME*BILLING\n", "submitter_name"),  # a delimiter would break every 837P
        ("billing_zip: 62701-0001\n", "billing_zip"),
        ("usage: X\n", "usage"),
    ],
)
def test_an_x12_profile_mistake_is_refused_naming_the_file_and_field(
    tmp_path: Path, profile: str, named: str
) -> None:
    path = tmp_path / "profile.yaml"
    path.write_text(profile)
    with pytest.raises(DataFileError, match=rf"profile\.yaml: invalid \(X12 profile\)\n\s+{named}"):
        load_profile(path)
