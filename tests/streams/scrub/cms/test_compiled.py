"""The compiled form of the CMS tables: the same answers as the files, cached by the files' hash,
refused when damaged; ``claimflow rules compile``. A small generated folder in the real layouts
stands in for the official files (the full-size run is ``make bench``)."""

from __future__ import annotations

import logging
import random
import shutil
from datetime import date
from pathlib import Path

import pytest

from bench.cms_generate import Sizes, generate
from streams.cli.main import main
from streams.errors import DataFileError
from streams.scrub.cms import compiled as compiled_module
from streams.scrub.cms import tables as tables_module
from streams.scrub.cms.tables import compile_cms, load_cms, load_compiled, read_tables, source_files
from tests.streams.scrub.cms_files import cms_dir

SMALL = Sizes(ptp_rows=20_000, mue_rows=800, rvu_rows=900, hcpcs_codes=300)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("generated")
    generate(folder, SMALL, seed=7)
    return folder


def test_the_generated_folder_is_read_as_official_files(generated: Path) -> None:
    files, official = source_files(generated)
    assert official == {"ptp", "mue", "fees", "hcpcs"}
    assert [p.name for p in files["ptp"]] == [f"ccipra-v322r0-f{i}.TXT" for i in (1, 2, 3, 4)]


def test_the_compiled_form_answers_like_the_files(generated: Path, tmp_path: Path) -> None:
    read = read_tables(*source_files(generated))
    _, out, size = compile_cms(generated, tmp_path / "cms.cmstables")
    loaded = load_compiled(out)
    assert size == out.stat().st_size and loaded.compiled == str(out)
    assert len(loaded.ptp) == len(read.ptp) == SMALL.ptp_rows
    assert loaded.ptp.codes == read.ptp.codes and loaded.ptp.rationales == read.ptp.rationales
    rng = random.Random(3)
    days = [date(1999, 1, 1), date(2015, 6, 30), date(2026, 7, 1)]
    for column1 in rng.sample(read.ptp.codes, 300):
        for edit in read.ptp.column1_edits(column1):
            assert loaded.ptp.edits(edit.column1, edit.column2) == read.ptp.edits(edit.column1, edit.column2)
            for day in days:
                assert loaded.ptp.in_force(edit.column1, edit.column2, day) == read.ptp.in_force(
                    edit.column1, edit.column2, day
                )
    assert loaded.mue.versions == read.mue.versions
    assert [(r.effective, r.label, r.rows) for r in loaded.fees.releases] == [
        (r.effective, r.label, r.rows) for r in read.fees.releases
    ]
    assert loaded.families == read.families and len(loaded.families) >= 15
    assert loaded.hcpcs == read.hcpcs
    assert loaded.modifiers == read.modifiers
    assert loaded.official == read.official and loaded.files == read.files


def test_the_first_load_caches_the_compiled_form_next_to_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = cms_dir(tmp_path / "cms", ptp=[("93000", "99213", "20200101", "*", 0)])
    first = load_cms(folder)
    assert first.compiled is not None and Path(first.compiled).parent == folder
    assert Path(first.compiled).name.startswith("claimflow-") and first.compiled.endswith(".cmstables")

    def not_again(*args: object) -> None:
        raise AssertionError("the files were read again")

    monkeypatch.setattr(tables_module, "read_tables", not_again)
    again = load_cms(folder)
    assert again.compiled == first.compiled
    assert again.ptp.in_force("93000", "99213", date(2026, 1, 1)).modifier_indicator == 0


def test_changed_files_are_compiled_again_and_the_stale_form_removed(tmp_path: Path) -> None:
    folder = cms_dir(tmp_path / "cms")
    first = load_cms(folder)
    with (folder / "ncci_ptp_practitioner.txt").open("a", newline="") as out:
        out.write("93000\t99213\t\t20200101\t*\t0\tMutually exclusive procedures\r\n")
    second = load_cms(folder)
    assert second.compiled != first.compiled
    assert [p.name for p in folder.glob("*.cmstables")] == [Path(str(second.compiled)).name]
    assert second.ptp.in_force("93000", "99213", date(2026, 1, 1)) is not None


def test_the_cache_can_live_elsewhere(tmp_path: Path) -> None:
    folder = cms_dir(tmp_path / "cms")
    cache = tmp_path / "cache" / "cms"  # created on the first load
    tables = load_cms(folder, cache)
    assert tables.compiled is not None and Path(tables.compiled).parent == cache
    assert not list(folder.glob("*.cmstables"))
    assert load_cms(folder, cache).compiled == tables.compiled


def test_an_unwritable_cache_still_loads_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    folder = cms_dir(tmp_path / "cms")

    def read_only(*args: object, **kwargs: object) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tables_module, "write_compiled", read_only)
    with caplog.at_level(logging.WARNING, logger="claimflow.scrub"):
        tables = load_cms(folder)
    assert tables.compiled is None and len(tables.ptp) > 0
    assert "CLAIMFLOW_CMS_CACHE_DIR" in caplog.text


def test_a_damaged_compiled_file_is_refused_and_compiled_again(tmp_path: Path) -> None:
    folder = cms_dir(tmp_path / "cms")
    path = Path(str(load_cms(folder).compiled))
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(DataFileError, match=r"\.cmstables: compiled CMS tables: damaged or truncated"):
        load_compiled(path)
    path.write_bytes(bytes(data[: len(data) // 2]))
    with pytest.raises(DataFileError, match=r"damaged or truncated|damaged tables section"):
        load_compiled(path)
    assert load_cms(folder).compiled == str(path)  # compiled again over it
    load_compiled(path)


def test_another_format_or_another_file_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = cms_dir(tmp_path / "cms")
    path = Path(str(load_cms(folder).compiled))
    monkeypatch.setattr(compiled_module, "FORMAT", compiled_module.FORMAT + 1)
    with pytest.raises(
        DataFileError, match="compiled with format 1, this claimflow reads 2: compile it again"
    ):
        load_compiled(path)
    other = tmp_path / "x.cmstables"
    other.write_text("hello")
    with pytest.raises(DataFileError, match="not a compiled CMS tables file"):
        load_compiled(other)


def test_a_folder_with_only_the_compiled_file_loads_it(generated: Path, tmp_path: Path) -> None:
    ship = tmp_path / "ship"
    ship.mkdir()
    _, out, _ = compile_cms(generated, ship)  # OUT a folder: claimflow-<fingerprint>.cmstables in it
    tables = load_cms(ship)
    assert tables.compiled == str(out) and tables.official == {"ptp", "mue", "fees", "hcpcs"}
    shutil.copy(out, ship / "second.cmstables")
    with pytest.raises(DataFileError, match="several compiled tables and no CMS files"):
        load_cms(ship)


def test_the_compile_command(generated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "tables.cmstables"
    assert main(["rules", "compile", str(generated), str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"{SMALL.ptp_rows:,} NCCI PTP rows" in printed and f"written: {out}" in printed
    assert "official files: fees, hcpcs, mue, ptp; bundled excerpts: none" in printed
    assert main(["rules", "compile", str(generated), f"{tmp_path / 'new'}/"]) == 0  # a folder
    assert [p.name[:10] for p in (tmp_path / "new").iterdir()] == ["claimflow-"]
    capsys.readouterr()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["rules", "compile", str(empty), str(out)]) == 2
    assert "none of the CMS files" in capsys.readouterr().err
