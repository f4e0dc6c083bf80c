"""The second procedure family, chest X-ray (71045-71048), added as data (``packs/chest-xray``, the
payer profiles): realistic scenarios, Medicare and commercial, office and facility, clean and
defective.

The expected results come from the domain, not the code: the codes have PC/TC indicator 1
(PPRRVU: a global row, a -26 row, a -TC row), so in a facility (POS 21, 22, 23, 31, …) the
physician bills the professional component (-26) and the facility the technical part, while in an
office the practice that takes and reads the film bills the global; -26 alone or -TC alone also fit
an office (a film taken or read elsewhere). One provider billing both parts bills the global; the
global with one of its parts, or the same part twice without 76/77, is one code too many. Medicare
pays one interpretation of a film. A routine screening chest X-ray is excluded from Medicare
(SSA §1862(a)(7)); there is no NCD listing diagnoses, so the pack's list is a starter list (an
unlisted diagnosis is a warning). Payer terms (synthetic, in the bundled profiles): Acme covers a
chest X-ray for a closed list of chest diagnoses (strict) and wants 25 on a same-day E/M; the State
Medicaid plan covers a screening chest X-ray on 71045/71046.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest

from streams.scrub import Scrubber
from tests.builders import VALID_NPIS, line
from tests.streams.scrub.cms_files import cms_dir
from tests.streams.scrub.helpers import fired, scrub_case

ACME = {"payer_id": "ACME", "name": "Acme Health", "plan_type": "commercial"}
BLUEPEAK = {"payer_id": "BLUEPEAK", "name": "BluePeak Commercial", "plan_type": "commercial"}
MA = {"payer_id": "SUNMED-MA", "name": "SunMed Medicare Advantage", "plan_type": "medicare_advantage"}
MEDICAID = {"payer_id": "STATE-MCD", "name": "State Medicaid", "plan_type": "medicaid"}
MEMBER = {
    "member_id": "XJK123456789",
    "first_name": "TEST",
    "last_name": "PATIENT",
    "birth_date": "1980-07-15",
    "sex": "M",
}
RADIOLOGIST, ED_DOCTOR = VALID_NPIS[1], VALID_NPIS[2]


class Scenario(NamedTuple):
    name: str
    case: dict[str, Any]
    categories: set[str]
    status: str


def xray(
    *lines: dict[str, Any],
    dx: tuple[str, ...] = ("R05.1",),
    pos: str = "11",
    payer: dict[str, str] | None = None,
    history: list[dict[str, Any]] | None = None,
    **claim: Any,
) -> dict[str, Any]:
    """A chest X-ray claim (Medicare, office, a cough by default) and its encounter (no ECG)."""
    data: dict[str, Any] = {
        "place_of_service": pos,
        "diagnoses": list(dx),
        "lines": list(lines) or [line(1, "71046", charge="60.00")],
        **claim,
    }
    if payer is not None:
        data.update(payer=payer, patient=MEMBER)
    encounter = {
        "encounter_id": data.get("encounter_id", "ENC-0001"),
        "place_of_service": pos,
        "rendering_provider_npi": data.get("rendering_provider_npi", RADIOLOGIST),
        "diagnoses": list(dx),
        "symptoms": [],
        "ecg": None,
    }
    case: dict[str, Any] = {"claim": data, "encounter": encounter}
    if history is not None:
        case["history"] = history
    return case


def xl(n: int, code: str = "71046", *modifiers: str, **kw: Any) -> dict[str, Any]:
    return line(n, code, modifiers=list(modifiers), charge=kw.pop("charge", "60.00"), **kw)


def earlier(*lines: dict[str, Any], npi: str = RADIOLOGIST, **claim: Any) -> dict[str, Any]:
    """Another claim of the patient the same day (history)."""
    return {"claim_id": "XR-EARLIER", "rendering_provider_npi": npi, "lines": list(lines), **claim}


SCENARIOS = [
    # --- clean: the right part in the right setting ---------------------------------------------
    Scenario("Medicare office: 71046 (global) for a cough", xray(), set(), "clean"),
    Scenario(
        "Medicare hospital outpatient (POS 22): 71046-26 by the radiologist",
        xray(xl(1, "71046", "26"), pos="22"),
        set(),
        "clean",
    ),
    Scenario(
        "Medicare emergency department (POS 23): 71045-26 for pneumonia",
        xray(xl(1, "71045", "26"), pos="23", dx=("J18.9",)),
        set(),
        "clean",
    ),
    Scenario(
        "Medicare inpatient (POS 21): 71045-26 for heart failure",
        xray(xl(1, "71045", "26"), pos="21", dx=("I50.9",)),
        set(),
        "clean",
    ),
    Scenario(
        "Medicare office: 71046-26 reading a film taken elsewhere",
        xray(xl(1, "71046", "26")),
        set(),
        "clean",
    ),
    Scenario(
        "Medicare office: 71047-TC, the film read by an outside radiologist",
        xray(xl(1, "71047", "TC"), dx=("R06.02",)),
        set(),
        "clean",
    ),
    Scenario(
        "Medicare office: 71048 for a left rib fracture (S22.32XA, a covered range)",
        xray(xl(1, "71048"), dx=("S22.32XA",)),
        set(),
        "clean",
    ),
    Scenario(
        "Medicare office: 71046 and a repeat 71046-76 later the same day (after a chest tube)",
        xray(xl(1), xl(2, "71046", "76"), dx=("J93.9",)),
        set(),
        "clean",
    ),
    Scenario(
        "Medicare Advantage office: 71046 for shortness of breath",
        xray(dx=("R06.02",), payer=MA),
        set(),
        "clean",
    ),
    Scenario(
        "commercial (BluePeak) office: 99213 and 71046 without 25 (no payer rule asks for it)",
        xray(line(1, "99213", charge="110.00"), xl(2), payer=BLUEPEAK),
        set(),
        "clean",
    ),
    Scenario(
        "commercial (Acme) office: 99213-25 and 71046 for pneumonia",
        xray(line(1, "99213", modifiers=["25"], charge="110.00"), xl(2), dx=("J18.9",), payer=ACME),
        set(),
        "clean",
    ),
    Scenario(
        "commercial (Acme) hospital outpatient: 71046-26 for a cough",
        xray(xl(1, "71046", "26"), pos="22", payer=ACME),
        set(),
        "clean",
    ),
    Scenario(
        "Medicaid plan that covers a screening chest X-ray: 71046 for tuberculosis screening",
        xray(dx=("Z11.1",), payer=MEDICAID),
        set(),
        "clean",
    ),
    Scenario(
        "Medicare: screening 71046-GY for tuberculosis screening, billed for the denial (a warning)",
        xray(xl(1, "71046", "GY"), dx=("Z11.1",)),
        {"medical_necessity"},
        "clean",
    ),
    Scenario(
        "Medicare: 71046 for low back pain, outside the starter list and ranges (a warning)",
        xray(dx=("M54.50",)),
        {"medical_necessity"},
        "clean",
    ),
    Scenario(
        "Medicare: 71046-GA with an ABN on file for a doubtful indication (a warning)",
        xray(xl(1, "71046", "GA"), dx=("M54.50",)),
        {"medical_necessity"},
        "clean",
    ),
    Scenario(
        "office 71046 in the morning, the ED physician's 71046-26-77 in the evening",
        xray(
            xl(1, "71046", "26", "77"),
            pos="23",
            dx=("J18.9",),
            claim_id="XR-ED",
            encounter_id="ENC-ED",
            rendering_provider_npi=ED_DOCTOR,
            history=[earlier(xl(1))],
        ),
        set(),
        "clean",
    ),
    Scenario(
        "the ED physician's second read (77) of the radiologist's film, the circumstances to document",
        xray(
            xl(1, "71046", "26", "77"),
            pos="23",
            dx=("J18.9",),
            claim_id="XR-ED",
            rendering_provider_npi=ED_DOCTOR,
            history=[earlier(xl(1, "71046", "26"), place_of_service="23", encounter_id="ENC-0001")],
        ),
        {"duplicate"},
        "clean",
    ),
    # --- defective: held ------------------------------------------------------------------------
    Scenario(
        "Medicare hospital outpatient (POS 22): the global 71046 by the physician",
        xray(pos="22"),
        {"place_of_service"},
        "held",
    ),
    Scenario(
        "Medicare inpatient (POS 21): 71046-TC by the physician",
        xray(xl(1, "71046", "TC"), pos="21"),
        {"place_of_service"},
        "held",
    ),
    Scenario(
        "Medicare SNF Part A stay (POS 31): the global 71045 (consolidated billing)",
        xray(xl(1, "71045"), pos="31"),
        {"place_of_service"},
        "held",
    ),
    Scenario(
        "commercial (BluePeak) emergency department: the global 71046",
        xray(pos="23", dx=("J18.9",), payer=BLUEPEAK),
        {"place_of_service"},
        "held",
    ),
    Scenario(
        "Medicare office: 71046-26 and 71046-TC by the same provider (bill the global)",
        xray(xl(1, "71046", "26"), xl(2, "71046", "TC")),
        {"bundling"},
        "held",
    ),
    Scenario(
        "Medicare office: the global 71046 and 71046-26 for the same film",
        xray(xl(1), xl(2, "71046", "26")),
        {"bundling"},
        "held",
    ),
    Scenario(
        "71046-TC, then 71046-26 on a second claim by the same provider",
        xray(xl(1, "71046", "26"), claim_id="XR-2", history=[earlier(xl(1, "71046", "TC"))]),
        {"bundling"},
        "held",
    ),
    Scenario(
        "Medicare office: 71046 twice without 76/77",
        xray(xl(1), xl(2)),
        {"units"},
        "held",
    ),
    Scenario(
        "the same 71046 on a second claim by the same provider",
        xray(claim_id="XR-2", history=[earlier(xl(1))]),
        {"duplicate"},
        "held",
    ),
    Scenario(
        "the ED physician bills a second read of the radiologist's film without 77",
        xray(
            xl(1, "71046", "26"),
            pos="23",
            dx=("J18.9",),
            claim_id="XR-ED",
            rendering_provider_npi=ED_DOCTOR,
            history=[earlier(xl(1, "71046", "26"), place_of_service="23", encounter_id="ENC-0001")],
        ),
        {"duplicate"},
        "held",
    ),
    Scenario(
        "26 and TC on one line",
        xray(xl(1, "71046", "26", "TC")),
        {"modifier"},
        "held",
    ),
    Scenario(
        "modifier 25 on the chest X-ray line",
        xray(xl(1, "71046", "25")),
        {"modifier"},
        "held",
    ),
    Scenario(
        "Medicare: 71046 for tuberculosis screening, no GY",
        xray(dx=("Z11.1",)),
        {"medical_necessity"},
        "held",
    ),
    Scenario(
        "commercial (BluePeak): 71046 for a general adult exam (screening not covered)",
        xray(dx=("Z00.00",), payer=BLUEPEAK),
        {"medical_necessity"},
        "held",
    ),
    Scenario(
        "commercial (Acme): 71046 for a pre-operative respiratory exam only (not on its list)",
        xray(dx=("Z01.811",), payer=ACME),
        {"medical_necessity"},
        "held",
    ),
    Scenario(
        "commercial (Acme): 99213 and 71046 without 25",
        xray(line(1, "99213", charge="110.00"), xl(2), dx=("J18.9",), payer=ACME),
        {"modifier"},
        "held",
    ),
]


def test_there_are_clean_and_defective_scenarios_for_every_setting() -> None:
    assert len({s.name for s in SCENARIOS}) == len(SCENARIOS) >= 30
    held = [s for s in SCENARIOS if s.status == "held"]
    clean = [s for s in SCENARIOS if s.status == "clean"]
    for group in (held, clean):
        places = {s.case["claim"]["place_of_service"] for s in group}
        assert "11" in places and places & {"21", "22", "23", "31"}
        plans = {s.case["claim"].get("payer", {}).get("plan_type", "medicare") for s in group}
        assert {"medicare", "commercial"} <= plans


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario(scrubber: Scrubber, scenario: Scenario) -> None:
    result = scrub_case(scrubber, **scenario.case)
    got = {e.category for e in result.edits}
    assert got == scenario.categories, [(e.rule_id, e.message) for e in result.edits]
    assert result.status == scenario.status


def test_the_facility_edit_names_the_professional_component(scrubber: Scrubber) -> None:
    result = scrub_case(scrubber, **xray(pos="22"))
    edit = next(e for e in result.edits if e.rule_id == "POS_GLOBAL_IN_FACILITY")
    assert "Bill 71046-26" in edit.fix and edit.source.endswith("PC/TC indicator 1")


def test_split_parts_name_the_global(scrubber: Scrubber) -> None:
    result = scrub_case(scrubber, **xray(xl(1, "71046", "26"), xl(2, "71046", "TC")))
    edit = next(e for e in result.edits if e.rule_id == "BUNDLE_SPLIT_COMPONENTS")
    assert "71046-TC and 71046-26" in edit.message and "Bill the complete service 71046" in edit.fix


def test_a_screening_edit_says_what_fits_a_chest_x_ray(scrubber: Scrubber) -> None:
    result = scrub_case(scrubber, **xray(dx=("Z11.1",)))
    edit = next(e for e in result.edits if e.rule_id == "NEC_SCREENING_NOT_COVERED")
    assert "routine screening chest X-ray" in edit.fix and "Welcome-to-Medicare" not in edit.fix
    assert edit.source.startswith("Medicare reasonable and necessary")


@pytest.fixture(scope="module")
def with_view_pair(tmp_path_factory: pytest.TempPathFactory, _loaded: Scrubber) -> Scrubber:
    """CMS files with an NCCI pair 71046/71045 (indicator 1) and a MUE for 71046 — test rows
    only: the real rows were not available (load the official files for the real ones)."""
    folder = cms_dir(
        tmp_path_factory.mktemp("cms"),
        ptp=[("71046", "71045", "20180101", "*", 1)],
        mue=[("71046", 2, 3)],
    )
    loaded = Scrubber.load(cms_dir=folder)
    return Scrubber(loaded.pack, _loaded.payers, loaded.icd)


def test_two_views_and_one_view_the_same_day_need_a_reason(with_view_pair: Scrubber) -> None:
    """From the CMS files, not the pack: a separate film later that day is marked (XU, or 76 on the
    same code); otherwise the single view is included in the two-view study."""
    bare = scrub_case(with_view_pair, **xray(xl(1), xl(2, "71045")))
    assert "BUNDLE_NCCI_MODIFIER_NEEDED" in fired(bare) and bare.status == "held"
    separate = scrub_case(with_view_pair, **xray(xl(1), xl(2, "71045", "XU")))
    assert separate.status == "clean", [(e.rule_id, e.message) for e in separate.edits]


def test_units_of_a_split_code_count_whatever_the_part(with_view_pair: Scrubber) -> None:
    """MAI 3: every unit of 71046 by the provider that day, -26 and -TC lines included."""
    three = scrub_case(
        with_view_pair,
        **xray(xl(1, "71046", "26", units=2), xl(2, "71046", "26", "76"), pos="22"),
    )
    assert "UNITS_MUE_EXCEEDED" in fired(three)
    two = scrub_case(with_view_pair, **xray(xl(1, "71046", "26"), xl(2, "71046", "26", "76"), pos="22"))
    assert "UNITS_MUE_EXCEEDED" not in fired(two)


def test_the_pack_is_data_only() -> None:
    """The family needs no code of its own: its folder holds a pack.yaml and nothing else, and the
    scrubber loads it from a rules directory like any pack."""
    from streams.scrub.packs import bundled_packs_dir, load_packs

    folder = bundled_packs_dir() / "chest-xray"  # a Kubernetes-safe name: its ConfigMap is named after it
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == ["pack.yaml"]
    pack = load_packs()
    assert "+chest-xray@" in pack.version
    assert pack.family_of("71046") == "71046" and pack.cms.pctc("71046") == 1
