"""Scrub tests run twice: through the screen (production) and asking every checker. The payer
profiles are the bundled ones plus the synthetic test payers of ``tests/data/payers``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from streams.scrub import Scrubber
from streams.scrub.payers import bundled_payers_dir, load_payers

TEST_PAYERS = Path(__file__).resolve().parents[2] / "data" / "payers"


@pytest.fixture(scope="session")
def payers_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("payers")
    for source in (bundled_payers_dir(), TEST_PAYERS):
        for path in source.glob("*.yaml"):
            shutil.copy(path, target / path.name)
    return target


@pytest.fixture(scope="session")
def _loaded(payers_dir: Path) -> Scrubber:
    loaded = Scrubber.load()
    return Scrubber(loaded.pack, load_payers(payers_dir), loaded.icd)


@pytest.fixture(scope="session", params=[True, False], ids=["screened", "every-checker"])
def scrubber(request: pytest.FixtureRequest, _loaded: Scrubber) -> Scrubber:
    return Scrubber(_loaded.pack, _loaded.payers, _loaded.icd, screen=request.param)
