"""Metric labels are bounded and carry no PHI: a payer id is free text on the way in."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from streams.runtime.metrics import Metrics, carc_label


def test_only_a_profiled_payer_id_becomes_a_payer_label() -> None:
    metrics = Metrics(CollectorRegistry())
    metrics.initialise([("ACME", "commercial"), ("MCR-JH", "medicare")], [], [])
    assert metrics.payer("ACME") == "ACME" and metrics.payer("MCR-JH") == "MCR-JH"
    # a mis-keyed payer field (a name, a birth date, a Medicare number) is never a series of its own
    assert metrics.payer("DOE JOHN 1950-04-01 1EG4TE5MK73") == "other"
    assert metrics.payer("AETNA") == "other"
    assert metrics.payer(None) == "unknown" and metrics.payer("") == "unknown"


def test_a_reason_code_becomes_a_carc_label_only_in_a_carcs_shape() -> None:
    """CARCs are 1-3 digits or a letter and 1-2 digits (50, 97, B15, P12): anything else on the
    way in (a name, a member id in the wrong field) is ``other``, never a series of its own."""
    assert [carc_label(c) for c in ("50", "4", "236", "B15", "P12")] == ["50", "4", "236", "B15", "P12"]
    assert {carc_label(c) for c in ("CNRY7", "DOE JOHN", "1EG4TE5MK73", "")} == {"other"}


def test_every_trend_series_a_worker_can_raise_starts_at_zero() -> None:
    """The trend alert is ``increase(claimflow_denial_trends_total[1h]) > 0``: a series born at 1
    hides its first trend from increase(), so every payer × scope × category a trend can be
    counted under (profiled payers and ``other``) exists at 0 from the start."""
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    metrics.initialise([("ACME", "commercial")], [], ["diagnosis", "modifier"])
    for payer in ("ACME", "other"):
        for scope, category in (
            ("payer_code_category", "diagnosis"),
            ("payer_code_category", "modifier"),
            ("payer_code_diagnosis", "necessity"),
        ):
            labels = {"payer": payer, "scope": scope, "category": category}
            assert registry.get_sample_value("claimflow_denial_trends_total", labels) == 0.0, labels


def test_the_first_dead_letter_and_an_unprofiled_payers_first_claim_are_seen_by_increase() -> None:
    """``ClaimflowDeadLettersArriving`` is ``increase(claimflow_dead_letters_total[5m]) > 0`` and
    the recording rules take increase() of the payer counters: every input topic × dead-letter
    reason, and the ``other`` and ``unknown`` payer labels, exist at 0 before their first event."""
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    metrics.initialise([("ACME", "commercial")], ["claims-submitted", "claim-denials"], ["diagnosis"])
    for topic in ("claims-submitted", "claim-denials"):
        for reason in ("malformed_json", "schema_violation", "too_large", "x12_rejected"):
            labels = {"topic": topic, "reason": reason}
            assert registry.get_sample_value("claimflow_dead_letters_total", labels) == 0.0, labels
    for payer in ("other", "unknown"):
        scrubbed = {"payer": payer, "plan_type": "medicare", "result": "held"}
        assert registry.get_sample_value("claimflow_claims_scrubbed_total", scrubbed) == 0.0
        assert (
            registry.get_sample_value("claimflow_first_pass_total", {"payer": payer, "outcome": "accepted"})
            == 0.0
        )
        adjudicated = {"payer": payer, "outcome": "denied"}
        assert registry.get_sample_value("claimflow_claims_adjudicated_total", adjudicated) == 0.0


def test_what_the_dashboard_reads_exists_at_zero_for_every_rule_and_action() -> None:
    """The dashboard's top-edits and tasks-by-action panels take increase() too: a rule's first
    edits, counted before the first scrape, would be lost if the series were born above 0."""
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    metrics.initialise([("ACME", "commercial")], [], [], [("provider", "PROVIDER_NPI_INVALID", "error")])
    edit = {"category": "provider", "rule": "PROVIDER_NPI_INVALID", "severity": "error"}
    assert registry.get_sample_value("claimflow_scrub_edits_total", edit) == 0.0
    for action in ("replacement_claim", "reopening", "appeal", "write_off"):
        labels = {"payer": "ACME", "action": action}
        assert registry.get_sample_value("claimflow_resubmission_tasks_total", labels) == 0.0
