"""Scrub tests run twice: through the screen (production) and asking every checker."""

from __future__ import annotations

import pytest

from streams.scrub import Scrubber


@pytest.fixture(scope="session")
def _loaded() -> Scrubber:
    return Scrubber.load()


@pytest.fixture(scope="session", params=[True, False], ids=["screened", "every-checker"])
def scrubber(request: pytest.FixtureRequest, _loaded: Scrubber) -> Scrubber:
    return Scrubber(_loaded.pack, _loaded.payers, _loaded.icd, screen=request.param)
