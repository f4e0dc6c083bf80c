"""What a scrub result puts on the bus, read back through the contracts: a ready claim encoded once
and spliced into claims-ready and the ready step is the same claim a plain encode would give."""

from __future__ import annotations

import json
from datetime import UTC, date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas import ClaimHeld, ClaimReady, ClaimSubmitted, LifecycleEvent, ScrubResult, ValidClaim
from schemas.codec import decode, encode_spliced
from schemas.topics import Topic
from streams.agents.scrub import scrub_outputs
from streams.scrub import Scrubber
from tests.builders import claim_dict, line, make_claim, make_encounter

MAX = 1 << 20


def test_a_clean_claim_is_ready_and_its_step_carries_the_claim_and_the_encounter(scrubber: Scrubber) -> None:
    claim = ValidClaim.model_validate(make_claim().model_dump())
    encounter = make_encounter()
    result = scrubber.scrub(claim, claim.occurred_at.astimezone(UTC).date(), encounter)
    assert result.status == "clean"
    out = dict(scrub_outputs(claim, result, encounter))
    assert set(out) == {Topic.CLAIMS_SCRUBBED, Topic.CLAIMS_READY, Topic.CLAIM_LIFECYCLE}
    assert decode(ScrubResult, out[Topic.CLAIMS_SCRUBBED], MAX) == result
    ready = decode(ClaimReady, out[Topic.CLAIMS_READY], MAX)
    assert ready.claim == claim and ready.warnings == result.edits
    step = decode(LifecycleEvent, out[Topic.CLAIM_LIFECYCLE], MAX)
    assert step.stage == "ready" and step.claim == claim and step.encounter == encounter
    assert step.cause_event_id == claim.event_id


def test_a_held_claim_is_held_and_its_step_carries_no_snapshot(scrubber: Scrubber) -> None:
    claim = make_claim(lines=[line(1, "93000"), line(2, "93010")])  # a global with its component
    result = scrubber.scrub(claim, claim.occurred_at.astimezone(UTC).date(), make_encounter())
    assert result.status == "held"
    out = dict(scrub_outputs(claim, result, make_encounter()))
    held = decode(ClaimHeld, out[Topic.CLAIMS_HELD], MAX)
    assert held.edits == result.edits
    step = decode(LifecycleEvent, out[Topic.CLAIM_LIFECYCLE], MAX)
    assert step.stage == "held" and step.claim is None and step.encounter is None


def test_an_icd9_claim_of_a_service_before_icd10_is_held_never_dead_lettered(scrubber: Scrubber) -> None:
    """A real 837P of 2006 (HI*BK:0340*BF:V7389, read as "ICD-9 0340"): ICD-9-CM was the code set
    then, but a ready claim carries ICD-10-CM only. It passed as a warning and then could not be
    built into its ready claim: dead-lettered, its history already recorded as billed. It is held."""
    data = claim_dict(
        diagnoses=["ICD-9 0340", "ICD-9 V7389"],
        lines=[line(1, "93000", service_date=date(2006, 10, 3), pointers=[1])],
    )
    claim = decode(ClaimSubmitted, json.dumps(data).encode(), MAX)
    # scrubbed as of its interchange's date, as X12 ingest dates it: within every filing limit
    result = scrubber.scrub(claim, date(2006, 10, 20), make_encounter(service_date=date(2006, 10, 3)))
    assert result.status == "held"
    assert [e.rule_id for e in result.edits if e.severity == "error"] == ["CODE_ICD9_NOT_CHECKED"] * 2
    out = dict(scrub_outputs(claim, result, make_encounter()))
    assert Topic.CLAIMS_HELD in out and Topic.CLAIMS_READY not in out


def test_splicing_gives_the_event_a_plain_encode_gives() -> None:
    claim = ValidClaim.model_validate(make_claim().model_dump())
    event = ClaimReady(claim=claim)
    spliced = encode_spliced(event, claim=claim.model_dump_json().encode())
    assert ClaimReady.model_validate_json(spliced) == event


WILD_VALUES = [
    None,
    True,
    0,
    -1,
    2**70,
    1.5,
    "",
    "  ",
    "45.005",
    "12345678901234.00",
    "-5.00",
    "x" * 200,
    "2026-02-30",
    "ÄÖÜ",
    ["a"],
    {"a": 1},
]
CLAIM_FIELDS = [
    "total_charge",
    "frequency_code",
    "payer",
    "patient",
    "billing_provider_npi",
    "rendering_provider_npi",
    "place_of_service",
    "original_claim_number",
    "replaces_claim_id",
    "diagnoses",
    "lines",
    "other_payers",
    "payer_responsibility",
    "encounter_id",
    "patient_key",
]
LINE_FIELDS = ["procedure_code", "modifiers", "units", "charge", "service_date", "diagnosis_pointers"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    field=st.sampled_from(CLAIM_FIELDS + LINE_FIELDS),
    value=st.sampled_from(WILD_VALUES),
)
def test_a_readable_claim_with_any_wrong_value_is_scrubbed_and_its_outputs_are_valid_events(
    scrubber: Scrubber, field: str, value: object
) -> None:
    """The rule: a readable claim with wrong values is a scrub edit, never a dead letter. Whatever
    one value is, the claim is read, scrubbed, and every output it puts on the bus is an event its
    topic's contract reads back (a held claim's step once crashed on a total of 45.005)."""
    data = claim_dict()
    if field in LINE_FIELDS:
        data["lines"][0][field] = value
    else:
        data[field] = value
    claim = decode(ClaimSubmitted, json.dumps(data).encode(), MAX)
    result = scrubber.scrub(claim, claim.occurred_at.astimezone(UTC).date(), make_encounter())
    contracts = {
        Topic.CLAIMS_SCRUBBED: ScrubResult,
        Topic.CLAIMS_READY: ClaimReady,
        Topic.CLAIMS_HELD: ClaimHeld,
        Topic.CLAIM_LIFECYCLE: LifecycleEvent,
    }
    for topic, payload in scrub_outputs(claim, result, make_encounter()):
        decode(contracts[topic], payload, MAX)  # type: ignore[type-var]


def test_a_total_that_does_not_fit_money_is_held_and_its_step_is_sent(scrubber: Scrubber) -> None:
    for total in ("45.005", "12345678901234.00"):
        claim = decode(ClaimSubmitted, json.dumps(claim_dict(total_charge=total)).encode(), MAX)
        result = scrubber.scrub(claim, claim.occurred_at.astimezone(UTC).date(), make_encounter())
        assert result.status == "held"
        out = dict(scrub_outputs(claim, result, make_encounter()))
        step = decode(LifecycleEvent, out[Topic.CLAIM_LIFECYCLE], MAX)
        assert step.stage == "held" and step.total_charge == 0
