"""Reading files as they arrive: formatting is not data, several interchanges per file, and an
interchange that cannot be read says why (and gets a TA1 when its ISA can address one)."""

from __future__ import annotations

import pytest

from streams.x12.ingest import ingest_text
from streams.x12.segments import EnvelopeFailure, Interchange, X12FormatError, parse, read
from tests.streams.x12.samples import DATA, SECRET

CLAIMS = (DATA / "claims-837p.x12").read_text()


def ids(text: str) -> list[str]:
    return [str(r.event.event_id) for r in ingest_text(text, SECRET).events]


def test_a_byte_order_mark_blank_lines_indentation_and_crlf_are_formatting_not_data() -> None:
    messy = "\ufeff\r\n\r\n" + "".join(f"    {line}\r\n\r\n" for line in CLAIMS.splitlines())
    result = ingest_text(messy, SECRET)
    assert result.verdict == "accepted", result.problems
    assert ids(messy) == ids(CLAIMS)  # the same claims, the same event ids


def test_a_ctrl_z_end_of_file_mark_after_the_interchange_is_formatting_not_data() -> None:
    """Older PC and VAN software ends a file with 0x1A (the DOS end-of-file mark): the interchange
    before it is the whole file — accepted, not "partly accepted" with its claims published."""
    for tail in ("\x1a", "\r\n\x1a", "\x1a\x1a\x00"):
        result = ingest_text(CLAIMS + tail, SECRET)
        assert result.verdict == "accepted", (tail, result.problems)
        assert ids(CLAIMS + tail) == ids(CLAIMS)
    # before any interchange it is no X12 at all
    assert ingest_text("\x1a" + CLAIMS, SECRET).verdict != "accepted"


def test_other_delimiters_are_read_from_the_isa() -> None:
    lines = CLAIMS.splitlines()
    isa = lines[0].replace("*", "|").replace(":~", ">!")
    body = [line.replace("*", "|").replace(":", ">").replace("~", "!") for line in lines[1:]]
    result = ingest_text("\n".join([isa, *body]) + "\n", SECRET)
    assert result.verdict == "accepted", result.problems
    assert ids("\n".join([isa, *body])) == ids(CLAIMS)


def test_control_characters_as_delimiters_are_delimiters_not_data() -> None:
    """Pharmacy benefit managers' ERAs use 0x1D (element), 0x1F (component) and 0x1E (segment):
    X12 lets a sender pick any character its data does not use."""
    remit = (DATA / "reversal-835.x12").read_text()
    lines = remit.splitlines()
    isa = lines[0].replace("*", "\x1d").replace(":~", "\x1f\x1e")
    body = [line.replace("*", "\x1d").replace(":", "\x1f").replace("~", "\x1e") for line in lines[1:]]
    text = "".join([isa, *body])
    result = ingest_text(text, SECRET)
    assert result.verdict == "accepted", result.problems
    assert ids(text) == ids(remit)


def test_a_file_wrapped_at_80_columns_is_read_as_if_it_were_not() -> None:
    """Line breaks inside segments, even inside the ISA, when the terminator is not a line break."""
    one_line = CLAIMS.replace("\n", "")
    wrapped = "\r\n".join(one_line[i : i + 80] for i in range(0, len(one_line), 80)) + "\r\n"
    result = ingest_text(wrapped, SECRET)
    assert result.verdict == "accepted", result.problems
    assert ids(wrapped) == ids(CLAIMS)


def test_a_wrong_segment_terminator_is_named_as_such() -> None:
    lines = CLAIMS.splitlines()
    text = lines[0] + "\n" + "\n".join(line.rstrip("~") for line in lines[1:]) + "\n"
    result = ingest_text(text, SECRET)
    assert result.verdict == "rejected" and not result.events
    (problem,) = result.problems
    assert "wrong segment terminator" in problem and "line feed" in problem and "truncated" not in problem
    assert "TA1*000000101*261112*0930*R*004~" in result.acks("TA1")


def test_a_truncated_interchange_says_where_it_stops() -> None:
    result = ingest_text(CLAIMS[: CLAIMS.index("SE*31*0002")], SECRET)
    (problem,) = result.problems
    assert "ends without an IEA" in problem and "truncated" in problem
    assert "*R*023~" in result.acks("TA1")


def test_every_interchange_of_a_file_is_read_on_its_own() -> None:
    # another interchange (its own ISA13) whose IEA does not match it
    broken = CLAIMS.replace("*00501*000000101*", "*00501*000000102*").replace(
        "IEA*1*000000101~", "IEA*1*000000999~"
    )
    remit = (DATA / "remit-835.x12").read_text()
    reading = read(CLAIMS + broken + remit)
    assert [type(r) for r in reading] == [Interchange, Interchange, Interchange]
    result = ingest_text(CLAIMS + broken + remit, SECRET)
    assert [i.verdict for i in result.interchanges] == ["accepted", "rejected", "accepted"]
    assert result.verdict == "partly accepted"
    assert result.problems == [
        "interchange 2: interchange envelope: IEA02 does not match the interchange control number in ISA13"
    ]
    assert result.acks("999").count("ISA*") == 2 and result.acks("TA1").count("TA1*") == 1


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty"),
        ("hello", "starts with a 106-character ISA"),
        ('{"claim_id": "C1"}', "JSON"),
        (CLAIMS[CLAIMS.index("GS*") :], "ISA interchange header is missing"),
        ("ISA*00*" + "x" * 200, "ISA segment"),
        (CLAIMS.replace("ISA*00*          *", "ISA*00*         *", 1), "ISA02 has 9 characters"),
    ],
)
def test_bytes_that_are_not_an_interchange_are_rejected_with_a_reason(text: str, why: str) -> None:
    result = ingest_text(text, SECRET)
    assert result.verdict == "rejected" and not result.events
    assert any(why in p for p in result.problems), result.problems
    with pytest.raises(X12FormatError):
        parse(text)
    assert all(isinstance(r, EnvelopeFailure) for r in read(text))
