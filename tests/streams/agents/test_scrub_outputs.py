"""What a scrub result puts on the bus, read back through the contracts: a ready claim encoded once
and spliced into claims-ready and the ready step is the same claim a plain encode would give."""

from __future__ import annotations

from datetime import UTC

from schemas import ClaimHeld, ClaimReady, LifecycleEvent, ScrubResult, ValidClaim
from schemas.codec import decode, encode_spliced
from schemas.topics import Topic
from streams.agents.scrub import scrub_outputs
from streams.scrub import Scrubber
from tests.builders import line, make_claim, make_encounter

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


def test_splicing_gives_the_event_a_plain_encode_gives() -> None:
    claim = ValidClaim.model_validate(make_claim().model_dump())
    event = ClaimReady(claim=claim)
    spliced = encode_spliced(event, claim=claim.model_dump_json().encode())
    assert ClaimReady.model_validate_json(spliced) == event
