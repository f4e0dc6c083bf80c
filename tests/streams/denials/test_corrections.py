"""Mechanical corrections never bill what was not performed (reference §5, CO-4 and CO-97)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas import ValidClaim
from streams.denials.corrections import CORRECTIONS, code_for_component_modifier
from streams.scrub import Scrubber
from tests.builders import claim_dict, line


@pytest.fixture(scope="module")
def scrubber() -> Scrubber:
    return Scrubber.load()


def claim(*lines: dict[str, object]) -> ValidClaim:
    return ValidClaim.model_validate(claim_dict(lines=list(lines)))


@pytest.mark.parametrize(
    ("code", "modifier", "becomes"),
    [
        ("93000", "26", "93010"),
        ("93000", "TC", "93005"),
        ("93040", "26", "93042"),
        ("93040", "TC", "93041"),
        ("G0403", "26", "G0405"),
        ("G0403", "TC", "G0404"),
    ],
)
def test_co4_on_a_global_with_26_or_tc_bills_the_component_code(
    scrubber: Scrubber, code: str, modifier: str, becomes: str
) -> None:
    fixed = code_for_component_modifier(claim(line(1, code, modifiers=[modifier])), scrubber.pack)
    assert fixed is not None and [(ln.procedure_code, list(ln.modifiers)) for ln in fixed] == [(becomes, [])]
    assert fixed[0].charge == Decimal("45.00")  # the charge never rises


def test_a_modifier_that_restates_the_code_is_dropped_and_a_contradiction_is_left_to_a_person(
    scrubber: Scrubber,
) -> None:
    fixed = code_for_component_modifier(claim(line(1, "93010", modifiers=["26"])), scrubber.pack)
    assert fixed is not None and fixed[0].procedure_code == "93010" and list(fixed[0].modifiers) == []
    # 93010-TC: the code says interpretation, the modifier tracing — which was done is for a person
    assert code_for_component_modifier(claim(line(1, "93010", modifiers=["TC"])), scrubber.pack) is None


CODES = ["93000", "93005", "93010", "93040", "93041", "93042", "G0403", "G0404", "G0405", "99213", "71045"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(
        st.tuples(
            st.sampled_from(CODES),
            st.lists(st.sampled_from(["26", "TC", "76", "59", "GC"]), max_size=2, unique=True),
            st.sampled_from(["20.00", "45.00", "60.00"]),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_a_correction_never_replaces_a_component_with_a_global_nor_raises_the_total(
    lines: list[tuple[str, list[str], str]],
) -> None:
    """For any correction: every corrected line bills the same code as a line of the original or a
    component of it (never a global for a component), and the total charge never rises."""
    pack = _PACK
    original = claim(
        *(
            line(i, code, modifiers=mods, charge=charge)
            for i, (code, mods, charge) in enumerate(lines, start=1)
        )
    )
    for correction in CORRECTIONS.values():
        fixed = correction(original, pack)
        if fixed is None:
            continue
        originals = {ln.procedure_code for ln in original.lines}
        for ln in fixed:
            same = ln.procedure_code in originals
            component_of = pack.cms.component_of.get(ln.procedure_code)
            assert same or component_of in originals, (ln.procedure_code, originals)
            assert ln.procedure_code not in pack.cms.families or ln.procedure_code in originals
        assert sum((ln.charge for ln in fixed), Decimal("0")) <= original.total_charge


_PACK = Scrubber.load().pack
