"""Derived event ids: the same cause and kind give the same id, from a UUID or its text."""

from __future__ import annotations

import uuid

import pytest

from schemas.ids import derived_event_id, derived_from_text


def test_an_id_derived_from_text_equals_the_one_derived_from_the_uuid() -> None:
    cause = uuid.uuid4()
    for text in (str(cause), cause.hex):
        assert derived_from_text(text, "claim_state") == derived_event_id(cause, "claim_state")
    assert derived_from_text(str(cause), "claim_state") != derived_from_text(str(cause), "claim_transition")


def test_text_that_is_no_uuid_is_refused() -> None:
    with pytest.raises(ValueError):
        derived_from_text("l-ready", "claim_state")
