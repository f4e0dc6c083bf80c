"""The CMS file readers on real excerpts of the published files (CMS data is public domain; CPT
descriptions were removed) and on malformed files (errors name file, line and field)."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from streams.errors import DataFileError
from streams.scrub.cms import bundled_cms_dir, load_cms
from streams.scrub.cms.fees import load_fees, release_date
from streams.scrub.cms.hcpcs import load_hcpcs
from streams.scrub.cms.mue import effective_from_name, load_mue
from streams.scrub.cms.ptp import PtpEdit, PtpIndex, load_ptp
from tests.streams.scrub.cms_files import fee_line

DATA = Path(__file__).resolve().parents[3] / "data" / "cms"
PTP_2026Q3 = DATA / "ccipra-v322r0-f1.excerpt.txt"  # the first lines of ccipra-v322r0-f1.TXT
MUE_2026Q3 = DATA / "MCR_MUE_PractitionerServices_Eff_07-01-2026.excerpt.csv"
RVU_2025D = bundled_cms_dir() / "PPRRVU2025_Oct.excerpt.csv"
RVU_2026C = DATA / "PPRRVU2026_Jul_nonQPP.excerpt.redacted.csv"
HCPCS_2019 = DATA / "HCPC2019_CONTR_ANWEB.head30.txt"
HCPCS_2026 = DATA / "HCPC2026_OCT_ANWEB.excerpt.csv"


# --- NCCI PTP -------------------------------------------------------------------------------------


def test_ptp_reads_the_wrapped_header_and_every_row() -> None:
    index = load_ptp([PTP_2026Q3])
    assert len(index) == 16  # 22 lines: the notice, the title, the header wrapped over 4 lines
    edits = {(e.column1, e.column2): e for e in index.column1_edits("0001U")}
    assert edits[("0001U", "0030U")] == PtpEdit(
        "0001U", "0030U", 1, date(2018, 7, 1), None, "Misuse of Column Two code with Column One code"
    )  # '*' = no deletion
    assert edits[("0001U", "0029U")].deleted == date(2026, 6, 30)


def test_ptp_edits_apply_by_date_of_service() -> None:
    index = load_ptp([PTP_2026Q3])
    # in force from its effective date through its deletion date (inclusive)
    assert index.in_force("0001U", "0029U", date(2026, 6, 30)) is not None
    assert index.in_force("0001U", "0029U", date(2026, 7, 1)) is None
    assert index.in_force("0001U", "0029U", date(2018, 6, 30)) is None
    # modifier indicator 9: the edit is deleted (here retroactively to its effective date)
    assert index.in_force("0001A", "90473", date(2022, 1, 1)) is None
    assert index.in_force("0001A", "36591", date(2023, 5, 1)).modifier_indicator == 0


def test_ptp_keeps_every_version_of_a_pair_and_applies_the_one_in_force(tmp_path: Path) -> None:
    # the real file carries some pairs twice (an old version and the current one)
    path = tmp_path / "ccipra-v322r0-f1.TXT"
    header = PTP_2026Q3.read_text().splitlines()[:6]
    rows = [
        "13121\t13120\t\t19960101\t19960101\t9\tHCPCS/CPT procedure code definition",
        "13121\t13120\t*\t19960101\t*\t0\tMisuse of Column Two code with Column One code",
        "17000\t17281\t\t19990701\t20041231\t1\tMutually exclusive procedures",
    ]
    path.write_text("\r\n".join([*header, *rows]) + "\r\n", encoding="latin-1")
    index = load_ptp([path])
    assert len(index) == 3
    assert index.in_force("13121", "13120", date(2026, 1, 1)).modifier_indicator == 0
    assert index.in_force("17000", "17281", date(2004, 12, 31)) is not None
    assert index.in_force("17000", "17281", date(2005, 1, 1)) is None


def _ptp_part(path: Path, rows: list[str], newline: str = "\r\n") -> Path:
    header = PTP_2026Q3.read_text(encoding="latin-1").splitlines()[:6]
    path.write_bytes(newline.join([*header, *rows, ""]).encode("latin-1"))
    return path


def test_ptp_reads_every_part_each_with_its_preamble(tmp_path: Path) -> None:
    """Four parts, each with the notice, title and wrapped header; a copy that joins the parts
    into one file (the preamble again in the middle) reads the same."""
    f1 = _ptp_part(
        tmp_path / "ccipra-v322r0-f1.TXT",
        ["0001A\t0591T\t\t20220101\t20231231\t1\tCPT Manual or CMS manual coding instruction"],
    )
    f4 = _ptp_part(
        tmp_path / "ccipra-v322r0-f4.TXT",
        ["93000\t93010\t*\t19960101\t*\t0\tMisuse of Column Two code with Column One code"],
        newline="\n",
    )
    parts = load_ptp([f1, f4])
    joined = tmp_path / "joined.txt"
    joined.write_bytes(f1.read_bytes() + f4.read_bytes())
    for index in (parts, load_ptp([joined])):
        assert len(index) == 2
        edit = index.in_force("93000", "93010", date(2026, 7, 1))
        assert edit is not None and edit.prior_to_1996 and edit.modifier_indicator == 0
        assert edit.rationale == "Misuse of Column Two code with Column One code"
        assert index.in_force("0001A", "0591T", date(2023, 12, 31)) is not None


def test_ptp_rows_need_not_be_sorted(tmp_path: Path) -> None:
    path = _ptp_part(
        tmp_path / "ccipra-v999r0-f1.TXT",
        [
            "93010\t93041\t\t19960101\t20251231\t1\tStandards of medical/surgical practice",
            "93000\t93010\t*\t19960101\t*\t0\tMisuse of Column Two code with Column One code",
            "93000\t93005\t*\t19960101\t*\t0\tMisuse of Column Two code with Column One code",
        ],
    )
    index = load_ptp([path])
    assert [(e.column1, e.column2) for e in index.column1_edits("93000")] == [
        ("93000", "93005"),
        ("93000", "93010"),
    ]
    assert index.in_force("93010", "93041", date(2025, 12, 31)) is not None
    assert index.in_force("93010", "93041", date(2026, 1, 1)) is None
    assert index.pair_exists("93000", "93005") and not index.pair_exists("93005", "93000")


def test_ptp_indicator_9_rows_never_make_a_pair(tmp_path: Path) -> None:
    path = _ptp_part(
        tmp_path / "ccipra-v999r0-f1.TXT",
        ["0001A\t90473\t\t20220101\t20220101\t9\tCPT Manual or CMS manual coding instruction"],
    )
    index = load_ptp([path])
    assert len(index) == 1 and index.edits("0001A", "90473")[0].modifier_indicator == 9
    assert not index.pair_exists("0001A", "90473")


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("93000\t93010\t\t19960101\t*\t2\tx", r":7: Modifier: '2' is not 0, 1 or 9"),
        ("93000\t93010\t\t1996-01-01\t*\t0\tx", r":7: Effective Date: '1996-01-01' is not a YYYYMMDD date"),
        ("93000\t9301\t\t19960101\t*\t0\tx", r":7: Column 2: '9301' is not a CPT/HCPCS code"),
        ("93000\t93010\t\t19960101", r":7: expected 7 fields"),
        ("93000\t93010\tx\t19960101\t*\t0\tx", r":7: \*=in existence prior to 1996: 'x' is not '\*'"),
        ("93000\t93010\t\t19960101\t20230231\t0\tx", r":7: Deletion Date: '20230231' is not a calendar date"),
        ("9300\t93010\t\t19960101\t*\t0\tx", r":7: Column 1: '9300' is not a CPT/HCPCS code"),
    ],
)
def test_a_malformed_ptp_line_names_file_line_and_field(tmp_path: Path, row: str, problem: str) -> None:
    path = tmp_path / "ccipra-v999r0-f1.TXT"
    path.write_text("\n".join([*PTP_2026Q3.read_text().splitlines()[:6], row]) + "\n")
    with pytest.raises(DataFileError, match="ccipra-v999r0-f1.TXT" + problem):
        load_ptp([path])


def test_a_file_without_the_ptp_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ptp.txt"
    path.write_text("93000\t93010\t\t19960101\t*\t0\tx\n")
    with pytest.raises(DataFileError, match="not an NCCI PTP file"):
        load_ptp([path])


def test_an_index_without_rows_is_falsy() -> None:
    assert not PtpIndex() and len(PtpIndex()) == 0


# --- MUE ----------------------------------------------------------------------------------------


def test_mue_reads_the_quoted_notice_and_the_two_line_header() -> None:
    values = load_mue([MUE_2026Q3])
    assert len(values) == 10  # 19 physical lines: a 7-line notice, a 2-line header, 10 codes
    assert values["0001U"].units == 1 and values["0001U"].adjudication_indicator == 2
    assert values["0009U"].units == 2 and values["0009U"].adjudication_indicator == 3


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (
            "93005,five,3 Date of Service Edit: Clinical,x",
            "Practitioner Services MUE Values: 'five' is not a number",
        ),
        (
            "93005,5,4 Something Else,x",
            "MUE Adjudication Indicator: '4 Something Else' does not start with 1, 2 or 3",
        ),
        ("9300,5,3 Date of Service Edit: Clinical,x", "HCPCS/CPT Code: '9300' is not a CPT/HCPCS code"),
        (
            "93005,5,2 Line Edit,x",
            "MUE Adjudication Indicator: '2 Line Edit': indicator 2 reads '2 Date of Service Edit: Policy'",
        ),
        ("93005,5", "expected 4 fields"),
    ],
)
def test_a_malformed_mue_row_names_file_line_and_field(tmp_path: Path, row: str, problem: str) -> None:
    path = tmp_path / "MCR_MUE_PractitionerServices_Eff_01-01-2027.csv"
    path.write_text(
        '"HCPCS/\nCPT Code",Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale\n'
        + row
        + "\n"
    )
    with pytest.raises(DataFileError, match=rf"Eff_01-01-2027\.csv:3: {problem}"):
        load_mue([path])


def test_mue_mai_texts_are_read_with_their_indicator() -> None:
    """The real table spells the MAI with its text; the digit decides and the text must agree."""
    values = load_mue([MUE_2026Q3])
    assert {v.adjudication_indicator for v in values.versions[0][1].values()} == {2, 3}
    assert values["0022U"].rationale == "Clinical: CMS Workgroup"
    assert effective_from_name(MUE_2026Q3) == date(2026, 7, 1)


def _mue_table(path: Path, rows: list[str]) -> Path:
    notice = '"Current Procedural Terminology (CPT) codes ... All rights reserved.\r\n\r\nCPT\xae is a registered trademark.",,,'
    header = '"HCPCS/\r\nCPT Code",Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale'
    path.write_bytes("\r\n".join([notice, header, *rows, ""]).encode("latin-1"))
    return path


def test_mue_tables_of_several_quarters_apply_by_date_of_service(tmp_path: Path) -> None:
    january = _mue_table(
        tmp_path / "MCR_MUE_PractitionerServices_Eff_01-01-2026.csv",
        ["93005,5,3 Date of Service Edit: Clinical,Clinical: Data", "71046,2,1 Line Edit,Clinical: Data"],
    )
    july = _mue_table(
        tmp_path / "MCR_MUE_PractitionerServices_Eff_07-01-2026.csv",
        ["93005,4,2 Date of Service Edit: Policy,Code Descriptor / CPT Instruction"],
    )
    table = load_mue([july, january])
    assert table.on("93005", date(2026, 6, 30)).units == 5
    assert table.on("93005", date(2026, 7, 1)).adjudication_indicator == 2
    assert table.on("71046", date(2026, 3, 1)).adjudication_indicator == 1  # "1 Line Edit"
    assert table.on("71046", date(2026, 8, 1)) is None  # not in the July table
    assert table.on("93005", date(2025, 12, 1)).units == 5  # before them all: the earliest
    assert table.smallest["93005"] == 4


def test_a_mue_table_without_its_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "MCR_MUE_PractitionerServices_Eff_01-01-2027.csv"
    path.write_text("93005,5,3 Date of Service Edit: Clinical,x\n")
    with pytest.raises(DataFileError, match=r"Eff_01-01-2027\.csv: no 'HCPCS/CPT Code' header"):
        load_mue([path])


# --- PPRRVU -------------------------------------------------------------------------------------


def test_pprrvu_2025_columns_are_found_by_their_stacked_captions() -> None:
    fees = load_fees([RVU_2025D])
    row = fees.get("93000")
    assert row is not None and (row.status, row.pctc, row.global_days) == ("A", 4, "XXX")
    assert row.total_rvu == Decimal("0.43")
    assert {mod for code, mod in fees.rows if code == "71045"} == {"", "26", "TC"}
    assert fees.get("71045", "26").pctc == 1
    assert fees.get("93005").pctc == 3 and fees.get("93010").pctc == 2


def test_pprrvu_families_come_from_the_rvu_sums() -> None:
    """PC/TC 4: the global's RVUs are those of its professional-only and technical-only codes."""
    families = load_fees([RVU_2025D]).families()
    assert {g: (f.technical, f.professional) for g, f in families.items()} == {
        "93000": (("93005",), ("93010",)),
        "93040": (("93041",), ("93042",)),
        "G0403": (("G0404",), ("G0405",)),
    }


def test_pprrvu_families_pass_over_codes_numbered_in_between(tmp_path: Path) -> None:
    """A code with another indicator between a global and its components does not hide them; the
    next global ends the search."""
    path = tmp_path / "PPRRVU2025_Oct.csv"
    lines = RVU_2025D.read_text().splitlines()
    at = next(i for i, ln in enumerate(lines) if ln.startswith("93005,"))
    lines.insert(at, fee_line("93003", "", "A", 0, total="1.00"))
    lines.append(fee_line("93011", "", "A", 2, total="0.24"))  # after 93010: not needed, not taken
    path.write_text("\n".join(lines) + "\n")
    families = load_fees([path]).families()
    assert (families["93000"].technical, families["93000"].professional) == (("93005",), ("93010",))
    assert set(families) == {"93000", "93040", "G0403"}


def test_pprrvu_2026_with_its_extra_column_reads_like_2025() -> None:
    fees = load_fees([RVU_2026C])
    assert fees.get("0001F").status == "I" and fees.get("0001F").pctc == 9
    assert fees.get("00100").status == "J"


def test_a_pprrvu_file_missing_a_column_names_it(tmp_path: Path) -> None:
    path = tmp_path / "PPRRVU2027_Jan.csv"
    lines = RVU_2025D.read_text().splitlines()
    lines[9] = lines[9].replace(",IND,DAYS,", ",XXX,DAYS,")  # 'PCTC IND' caption broken
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataFileError, match=r"PPRRVU2027_Jan\.csv:10: PPRRVU header lacks PCTC IND"):
        load_fees([path])


def test_a_pprrvu_row_with_a_bad_indicator_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "PPRRVU2027_Jan.csv"
    lines = RVU_2025D.read_text().splitlines()
    lines[10] = lines[10].replace(",4,XXX,", ",X,XXX,", 1)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataFileError, match=r"PPRRVU2027_Jan\.csv:11: PCTC IND: 'X' is not 0-9"):
        load_fees([path])


def test_pprrvu_releases_are_dated_by_their_title_or_file_name() -> None:
    assert load_fees([RVU_2025D]).releases[0].effective == date(2025, 10, 1)
    assert load_fees([RVU_2026C]).releases[0].effective == date(2026, 7, 1)
    assert release_date(Path("PPRRVU23_JAN.csv"), "") == (date(2023, 1, 1), "2023 Jan release")
    assert release_date(Path("rvu.csv"), "") == (None, "rvu.csv")


def test_pprrvu_releases_apply_by_date_of_service(tmp_path: Path) -> None:
    """A code the release in force does not list, while another release does, is not in force."""
    october = tmp_path / "PPRRVU2025_Oct.csv"
    shutil.copy(RVU_2025D, october)
    january = tmp_path / "PPRRVU2026_Jan_nonQPP.csv"
    lines = RVU_2025D.read_text().splitlines()
    lines[0] = lines[0].replace("2025 National", "2026 National").replace("October", "January")
    kept = [ln for ln in lines if not ln.startswith("G0405,")]  # deleted in 2026 (made up)
    january.write_text("\n".join([*kept, fee_line("0999T", "", "C", 0)]) + "\n")
    fees = load_fees([january, october])
    assert [r.effective for r in fees.releases] == [date(2025, 10, 1), date(2026, 1, 1)]
    assert fees.on("G0405", date(2025, 12, 31))[0] is not None
    row, release = fees.on("G0405", date(2026, 1, 1))
    assert row is None and release is not None and release.label == "2026 January release"
    assert fees.on("0999T", date(2025, 11, 1))[0] is None  # new in 2026
    assert fees.on("0999T", date(2026, 2, 1))[0].status == "C"
    assert fees.on("93000", date(2020, 1, 1))[0].pctc == 4  # listed everywhere: any date
    assert fees.not_everywhere == {"G0405", "0999T"}


def test_a_pprrvu_row_with_too_few_fields_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "PPRRVU2027_Jan.csv"
    lines = RVU_2025D.read_text().splitlines()
    lines[10] = ",".join(lines[10].split(",")[:12])
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataFileError, match=r"PPRRVU2027_Jan\.csv:11: expected 31 fields, got 12"):
        load_fees([path])


# --- HCPCS Level II -----------------------------------------------------------------------------


def test_hcpcs_fixed_width_file_skips_its_disclaimer_and_reads_modifiers() -> None:
    hcpcs = load_hcpcs([HCPCS_2019])
    assert "A1" in hcpcs.modifiers and hcpcs.modifiers["A1"].added == date(2002, 7, 1)
    assert hcpcs.modifiers["A1"].terminated is None


def test_hcpcs_csv_export_carries_termination_dates() -> None:
    hcpcs = load_hcpcs([HCPCS_2026])
    assert hcpcs.modifiers["CP"].terminated == date(2017, 12, 31)
    assert hcpcs.modifiers["GD"].terminated == date(2019, 12, 31)
    assert hcpcs.modifiers["AC"].added == date(2026, 7, 1) and not hcpcs.modifiers["AC"].on(date(2026, 6, 30))


def test_the_bundled_hcpcs_excerpt_has_the_ippe_screening_codes() -> None:
    hcpcs = load_hcpcs([bundled_cms_dir() / "HCPC2019_ANWEB.excerpt.txt"])
    assert set(hcpcs.codes) == {"G0403", "G0404", "G0405"}
    assert hcpcs.codes["G0403"].added == date(2009, 1, 1)


def test_a_file_with_no_hcpcs_records_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "HCPC2027_JAN_ANWEB.txt"
    path.write_text("not a HCPCS file\n")
    with pytest.raises(DataFileError, match="no HCPCS records"):
        load_hcpcs([path])


def test_a_hcpcs_record_with_a_bad_date_names_the_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "HCPC2027_JAN_ANWEB.txt"
    lines = (bundled_cms_dir() / "HCPC2019_ANWEB.excerpt.txt").read_text(encoding="latin-1").splitlines()
    record = lines[1]
    lines[1] = record[:268] + "20091301" + record[276:]  # month 13
    path.write_text("\n".join(lines) + "\n", encoding="latin-1")
    with pytest.raises(
        DataFileError, match=r"HCPC2027_JAN_ANWEB\.txt:2: Code added date: '20091301' is not a calendar date"
    ):
        load_hcpcs([path])


def test_a_hcpcs_csv_without_its_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "HCPC2027_JAN_ANWEB.csv"
    path.write_text("HCPC,SEQNUM,RECID\n   A1,0010,7\n")
    with pytest.raises(DataFileError, match=r"\.csv:1: CSV header lacks ADD DT, HCPC, RECID, TERM DT"):
        load_hcpcs([path])


# --- a folder of official files -----------------------------------------------------------------


def test_a_cms_folder_is_read_by_file_name_and_the_rest_comes_from_the_bundle(tmp_path: Path) -> None:
    shutil.copy(PTP_2026Q3, tmp_path / "ccipra-v322r0-f1.TXT")
    shutil.copy(HCPCS_2026, tmp_path / "HCPC2026_OCT_ANWEB.csv")
    tables = load_cms(tmp_path)
    assert tables.official == frozenset({"ptp", "hcpcs"})
    assert len(tables.ptp) == 16 and "93005" in tables.mue  # MUE from the bundled excerpt
    assert tables.modifiers["GD"].terminated == date(2019, 12, 31)
    assert tables.files["ptp"] == [str(tmp_path / "ccipra-v322r0-f1.TXT")]


def test_only_the_latest_ptp_version_of_a_folder_is_read(tmp_path: Path) -> None:
    """Last quarter's parts left next to this quarter's: the latest version's rows cover every
    date (each row has its own), so the older ones are left out rather than read twice."""
    for version in ("v321r0", "v322r0"):
        for part in (1, 2):
            shutil.copy(PTP_2026Q3, tmp_path / f"ccipra-{version}-f{part}.TXT")
    tables = load_cms(tmp_path)
    assert [Path(p).name for p in tables.files["ptp"]] == ["ccipra-v322r0-f1.TXT", "ccipra-v322r0-f2.TXT"]
    assert len(tables.ptp) == 32


def test_a_missing_cms_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="CLAIMFLOW_CMS_DIR is not a directory"):
        load_cms(tmp_path / "nowhere")
