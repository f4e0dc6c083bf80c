"""The compiled guide check against pyx12 itself, and every functional group by its own guide."""

from __future__ import annotations

import io
import json
import logging
import random
from collections.abc import Iterator

import pytest
import pyx12.params
import pyx12.x12n_document

import streams.x12.guide as guide_module
from streams.x12.ingest import ingest_text
from streams.x12.segments import Interchange, read
from streams.x12.validation import validate
from tests.streams.x12.samples import DATA, SECRET

logging.getLogger("pyx12").setLevel(logging.CRITICAL)
VALID = [
    "claims-837p.x12",
    "cob-837p.x12",
    "units-837p.x12",
    "remit-835.x12",
    "ack-277ca.x12",
    "lines-277ca.x12",
]
#: pyx12's reader errors without an X12 code become IK3 8 ("segment has data element errors") here
PYX12_CODES = {"HL1": "8", "HL2": "8", "LX": "8", "SEG1": "8"}


def pyx12_findings(
    text: str,
) -> tuple[bool, set[tuple[str, int, str]], set[tuple[int, int, int | None, str]]]:
    """pyx12's verdict, segment findings (id, position, code) and element findings."""
    fd_999, fd_json = io.StringIO(), io.StringIO()
    ok = pyx12.x12n_document.x12n_document(
        pyx12.params.params(), io.StringIO(text), fd_999, None, None, fd_json
    )
    segs, elements = set(), set()
    for isa in json.loads(fd_json.getvalue())["interchanges"]:
        for group in isa["groups"]:
            for st in group["transactions"]:
                for s in st["segments"]:
                    segs |= {
                        (s["seg_id"], s["seg_count"], PYX12_CODES.get(e["err_cde"], e["err_cde"]))
                        for e in s["errors"]
                    }
                    for el in s["elements"]:
                        elements |= {
                            (s["seg_count"], el["ele_pos"], el["subele_pos"], e["err_cde"])
                            for e in el["errors"]
                        }
    return bool(ok), segs, elements


def claimflow_findings(
    text: str,
) -> tuple[bool, set[tuple[str, int, str]], set[tuple[int, int, int | None, str]]]:
    (interchange,) = read(text)
    assert isinstance(interchange, Interchange)
    result = validate(interchange)
    ok = result.envelope_ok
    segs, elements = set(), set()
    for group in result.groups:
        ok &= not group.codes
        for st in group.sets:
            ok &= not st.rejected
            for f in st.findings:
                segs |= {(f.segment_id, f.position, code) for code, _ in f.codes}
                elements |= {(f.position, e.position, e.component, e.code) for e in f.elements}
    return ok, segs, elements


def mutations(seed: int, n: int) -> list[str]:
    """Broken variants of the valid files: a segment dropped, repeated, moved or copied from
    elsewhere, an element emptied, garbled, lengthened or added."""
    rng = random.Random(seed)
    values = [
        "",
        "X",
        "ZZ",
        "99",
        "20260231",
        "A3",
        "1.5",
        "-3",
        "Y" * 90,
        "HC:99213",
        "D8",
        "RD8",
        "PR",
        "1",
    ]
    texts = {name: (DATA / name).read_text() for name in VALID}
    out = []
    for _ in range(n):
        interchange = read(texts[rng.choice(VALID)])[0]
        assert isinstance(interchange, Interchange)
        segs = [list(s.elements) for s in interchange.segments]
        i = rng.randrange(3, len(segs) - 3)  # inside a transaction set
        kind = rng.randrange(6)
        if kind == 0:
            del segs[i]
        elif kind == 1:
            segs.insert(i, list(segs[i]))
        elif kind == 2:
            segs[i], segs[i + 1] = segs[i + 1], segs[i]
        elif kind == 3:
            segs.insert(i, list(segs[rng.randrange(3, len(segs) - 3)]))
        elif kind == 4 and len(segs[i]) > 1:
            segs[i][rng.randrange(1, len(segs[i]))] = rng.choice(values)
        else:
            segs[i].append(rng.choice(values[1:]))
        out.append("".join("*".join(s) + "~\n" for s in segs))
    return out


@pytest.mark.parametrize("name", VALID)
def test_the_valid_samples_are_valid_for_both(name: str) -> None:
    text = (DATA / name).read_text()
    assert pyx12_findings(text) == claimflow_findings(text) == (True, set(), set())


#: what pyx12's walker reports (required segment or loop missing, loop or segment over its
#: maximum): placed on the same segments. Reader findings (bad segment ids, HL and LX numbering,
#: trailing separators) are placed on the segment itself here, on the next one pyx12 recognises.
WALK_CODES = {"3", "4", "5"}


@pytest.fixture()
def pyx12s_own_maps(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The guides exactly as pyx12's maps say, without claimflow's documented corrections (where
    the maps are stricter than the implementation guides: ``streams.x12.guide``), so the walker
    itself is compared; the corrections have their own tests (test_real_shapes)."""
    monkeypatch.setattr(guide_module, "USAGE_CORRECTIONS", {})
    monkeypatch.setattr(guide_module, "CODE_CORRECTIONS", {})
    monkeypatch.setattr(guide_module, "LIVING_CODE_LISTS", frozenset())
    guide_module.load.cache_clear()
    yield
    guide_module.load.cache_clear()


@pytest.mark.usefixtures("pyx12s_own_maps")
def test_the_compiled_guides_find_what_pyx12_finds_in_broken_files() -> None:
    """Same verdict, same element findings (IK4 codes at the same positions) and the same walk
    findings on files broken in every way a mutation can break them."""
    for text in mutations(seed=22, n=30):
        (ok, segs, elements), (their_ok, their_segs, their_elements) = (
            claimflow_findings(text),
            pyx12_findings(text),
        )
        assert ok == their_ok and elements == their_elements, text
        assert {s for s in segs if s[2] in WALK_CODES} == {s for s in their_segs if s[2] in WALK_CODES}, text


def test_a_plb_may_repeat_as_the_guide_allows_though_pyx12_counts_its_footer_loop() -> None:
    text = (DATA / "reversal-835.x12").read_text()
    assert text.count("PLB*") == 2
    ok, segs, _ = pyx12_findings(text)
    assert not ok and {code for *_, code in segs} == {"4"}  # "Loop FOOTER exceeded max count"
    assert claimflow_findings(text) == (True, set(), set())


def test_every_functional_group_is_read_by_its_own_guide() -> None:
    result = ingest_text((DATA / "mixed-groups.x12").read_text(), SECRET)
    assert result.verdict == "partly accepted"
    assert [r.event.event_type for r in result.events].count("claim_submitted") == 3  # 837P
    assert {r.topic for r in result.events} == {
        "claim-status", "claims-submitted", "claim-denials", "provider-adjustments",
    }  # fmt: skip
    notes, problems = " ".join(result.notes), " ".join(result.problems)
    assert "group 1 (999, GS06 701): an acknowledgment, recognised and skipped" in notes
    assert (
        "group 5 (837I (institutional claim), GS06 705): 837I (institutional claim) is not a transaction claimflow reads"
        in problems
    )
    assert "EngineError" not in problems and "Map not found" not in problems


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (("GS*HC*", "GS*HP*"), "GS01 (Functional Identifier Code) is not one of the guide's codes"),
        (("*X*005010X222A1~\nST", "*X*005010X221A1~\nST"), "ST01 is 837 but GS08 names the 835 guide"),
        (
            ("005010X222A1~\nST", "005010X279A1~\nST"),
            "270/271 (eligibility) is not a transaction claimflow reads",
        ),
        (("005010X222A1~\nST", "005010X222A2~\nST"), "837P of another release, 005010X222A2"),
        (("005010X222A1~\nST", "007030X999~\nST"), "guide 007030X999"),
    ],
)
def test_a_group_claimflow_does_not_read_is_named_not_crashed_on(change: tuple[str, str], says: str) -> None:
    text = (DATA / "claims-837p.x12").read_text().replace(*change, 1)
    result = ingest_text(text, SECRET)
    assert result.verdict == "rejected" and not result.events
    assert any(says in p for p in result.problems), result.problems


def test_findings_name_elements_and_positions_never_the_values() -> None:
    text = (DATA / "claims-837p.x12").read_text().replace("DMG*D8*19500401*F~", "DMG*D8*19501341*F~")
    result = ingest_text(text, SECRET)
    assert result.problems == [
        "group 1 (837P, GS06 101), transaction set 0001: DMG (segment 14, loop 2010BA): DMG02 (Subscriber Birth "
        "Date) is not a valid date for its format qualifier"
    ]
    assert "19501341" not in " ".join(result.problems) and "19501341" not in result.acks("999")
