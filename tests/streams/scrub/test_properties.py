"""Property tests: the engine never crashes on valid claims; harmless variations stay clean."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from schemas import ClaimSubmitted, as_valid, read_claim
from streams.scrub import HistoryEntry, Scrubber
from tests.builders import DEFAULT_AS_OF, claim_dict, line, make_encounter
from tests.streams.scrub.helpers import MODIFIERS, PAYERS, PROCEDURE_CODES

CODES, MODS = PROCEDURE_CODES, MODIFIERS
DX = [
    "R07.9",
    "R079",
    "I10",
    "I48.91",
    "Z00.00",
    "I47.1",
    "M54.50",
    "Z01.810",
    "R00.2",
    "E87.6",
    "R07.99",
]
POS = ["11", "19", "21", "22", "23", "02"]


@st.composite
def claims(draw: st.DrawFn) -> ClaimSubmitted:
    dx = draw(st.lists(st.sampled_from(DX), min_size=1, max_size=4))
    n_lines = draw(st.integers(1, 5))
    base = date(2024, 1, 1)
    lines = []
    for n in range(1, n_lines + 1):
        lines.append(
            line(
                n,
                draw(st.sampled_from(CODES)),
                modifiers=draw(st.lists(st.sampled_from(MODS), max_size=3, unique=True)),
                units=draw(st.integers(1, 8)),
                charge=str(draw(st.decimals(min_value=0, max_value=5000, places=2, allow_nan=False))),
                service_date=base + timedelta(days=draw(st.integers(0, 900))),
                pointers=draw(st.lists(st.integers(1, 5), max_size=4)),
            )
        )
    return read_claim(
        claim_dict(
            claim_id=f"C{draw(st.integers(0, 50))}",
            diagnoses=dx,
            lines=lines,
            payer=draw(st.sampled_from(PAYERS)),
            place_of_service=draw(st.sampled_from(POS)),
            frequency_code=draw(st.sampled_from(["1", "7", "8"])),
            original_claim_number=draw(st.none() | st.just("PCN-1")),
        )
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    claim=claims(),
    history=st.lists(claims(), max_size=3),
    with_encounter=st.booleans(),
    ecg=st.fixed_dictionaries(
        {
            "tracing_recorded": st.booleans(),
            "interpretation_documented": st.booleans(),
            "report_signed": st.booleans(),
            "repeat_count": st.integers(1, 3),
        }
    ),
)
def test_any_valid_claim_is_scrubbed_without_crashing(
    scrubber: Scrubber,
    claim: ClaimSubmitted,
    history: list[ClaimSubmitted],
    with_encounter: bool,
    ecg: dict[str, Any],
) -> None:
    past = [h for c in history for h in HistoryEntry.from_claim(c)]
    encounter = make_encounter(ecg_fields=ecg) if with_encounter else None
    result = scrubber.scrub(claim, DEFAULT_AS_OF, encounter, past)
    assert result.claim_id == claim.claim_id
    assert (result.status == "held") == any(e.severity == "error" for e in result.edits)
    for edit in result.edits:
        assert edit.message and edit.fix
        assert edit.line_number is None or edit.line_number in {ln.line_number for ln in claim.lines}
    # a result built with trusted() is a valid event, unchanged by a validation round trip
    assert type(result).model_validate_json(result.model_dump_json()) == result


@settings(max_examples=200, deadline=None)
@given(
    dotted=st.booleans(),
    lower=st.booleans(),
    mods=st.permutations(["25", "Q6"]),
    reverse_lines=st.booleans(),
    extra_dx=st.sampled_from(["I10", "I48.91", "R00.2"]),
)
def test_correct_claim_stays_clean_under_harmless_variations(
    scrubber: Scrubber,
    dotted: bool,
    lower: bool,
    mods: list[str],
    reverse_lines: bool,
    extra_dx: str,
) -> None:
    """A correct commercial E/M + 93000 claim: dot or no dot, case, modifier and line order."""
    dxs = ["R07.9", extra_dx]
    if not dotted:
        dxs = [d.replace(".", "") for d in dxs]
    if lower:
        dxs = [d.lower() for d in dxs]
    lines = [
        line(1, "99213", modifiers=list(mods), charge="110.00", pointers=[1, 2]),
        line(2, "93000", pointers=[2, 1]),
    ]
    if reverse_lines:
        lines.reverse()
    claim = read_claim(
        claim_dict(
            payer={"payer_id": "ACME", "name": "Acme Health", "plan_type": "commercial"},
            patient={
                "member_id": "XJK123456789",
                "first_name": "TEST",
                "last_name": "PATIENT",
                "birth_date": "1980-07-15",
                "sex": "M",
            },
            diagnoses=dxs,
            lines=lines,
        )
    )
    encounter = make_encounter(diagnoses=["R07.9", extra_dx])
    result = scrubber.scrub(claim, DEFAULT_AS_OF, encounter)
    assert result.status == "clean", [(e.rule_id, e.message) for e in result.edits]
    assert result.edits == []


UNFILLED = re.compile(r"\{[a-z_]+\}")

#: values a coder or a feed might put where a well-formed value belongs
JUNK = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "9300",
        "93000X",
        "123456789",
        "R0X.9",
        "1950-02-30",
        "n/a",
        "ZZ",
        0,
        -5,
        1.5,
        None,
        "12345678901",
    ]
)
LEAVES = [
    ("rendering_provider_npi",),
    ("billing_provider_npi",),
    ("referring_provider_npi",),
    ("place_of_service",),
    ("frequency_code",),
    ("total_charge",),
    ("patient_key",),
    ("encounter_id",),
    ("patient", "member_id"),
    ("patient", "first_name"),
    ("patient", "birth_date"),
    ("patient", "sex"),
    ("payer", "payer_id"),
    ("payer", "plan_type"),
    ("diagnoses", 0),
    ("lines", 0, "procedure_code"),
    ("lines", 0, "units"),
    ("lines", 0, "charge"),
    ("lines", 0, "service_date"),
    ("lines", 0, "line_number"),
    ("lines", 0, "unit_basis"),
    ("lines", 0, "modifiers"),
    ("lines", 0, "diagnosis_pointers"),
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=st.lists(st.tuples(st.sampled_from(LEAVES), JUNK), min_size=1, max_size=4))
def test_a_claim_with_wrong_values_is_held_with_edits_never_dropped_or_passed(
    scrubber: Scrubber, changes: list[tuple[tuple[Any, ...], Any]]
) -> None:
    """Any readable claim (an object with a claim id) is scrubbed; one that is not well-formed is
    never clean: claims-ready only ever carries valid claims."""
    data = claim_dict()
    for path, value in changes:
        target: Any = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = (
            [value] if path[-1] in ("modifiers", "diagnosis_pointers") and value is not None else value
        )
    claim = read_claim(data)  # never raises for a readable claim
    result = scrubber.scrub(claim, DEFAULT_AS_OF, make_encounter())
    try:
        as_valid(claim)  # what claims-ready would carry
    except ValidationError:
        assert result.status == "held", changes
        assert any(e.severity == "error" for e in result.edits)
    for edit in result.edits:
        assert edit.message and edit.fix and edit.source
        assert not UNFILLED.search(edit.message + edit.fix + edit.source)  # every template filled
    assert type(result).model_validate_json(result.model_dump_json()) == result
