"""Metric labels are bounded and carry no PHI: a payer id is free text on the way in."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from streams.runtime.metrics import Metrics


def test_only_a_profiled_payer_id_becomes_a_payer_label() -> None:
    metrics = Metrics(CollectorRegistry())
    metrics.initialise([("ACME", "commercial"), ("MCR-JH", "medicare")], [], [])
    assert metrics.payer("ACME") == "ACME" and metrics.payer("MCR-JH") == "MCR-JH"
    # a mis-keyed payer field (a name, a birth date, a Medicare number) is never a series of its own
    assert metrics.payer("DOE JOHN 1950-04-01 1EG4TE5MK73") == "other"
    assert metrics.payer("AETNA") == "other"
    assert metrics.payer(None) == "unknown" and metrics.payer("") == "unknown"
