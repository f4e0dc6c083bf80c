"""The worker end to end on the embedded broker: scripted scenarios through real topics,
asserting the output topics, the persisted table state (changelog) and the metrics."""

from __future__ import annotations

import shutil
import time
from datetime import timedelta
from pathlib import Path

import pytest

from schemas import DeadLetter
from streams.dev.broker import EmbeddedBroker
from streams.dev.localrun import count_where
from streams.lifecycle.events import step_for
from streams.scrub.packs import bundled_packs_dir
from tests.builders import claim_dict, line, make_claim, make_encounter
from tests.integration.conftest import (
    Deployment,
    deploy,
    metric_value,
    wait_metric,
    wait_records,
    wait_tracked_ready,
)
from tests.integration.scenario import (
    COMMERCIAL_PATIENT,
    denial,
    now,
    recent_dos,
    send_encounter,
    status,
    submit,
)

pytestmark = pytest.mark.broker

MEDICARE = {"payer_id": "MCR-JH", "name": "Medicare Part B (Novitas JH)", "plan_type": "medicare"}
BLUEPEAK = {"payer_id": "BLUEPEAK", "name": "BluePeak Commercial", "plan_type": "commercial"}
DUPPAYER = {"payer_id": "DUP-TEST", "name": "Duplicate Test Health", "plan_type": "commercial"}


def test_scripted_scenarios_reach_the_right_outputs_and_state(deployment: Deployment) -> None:
    bus = deployment.bus
    with deployment.worker() as worker:
        # --- phase 1: claims (and encounters) ------------------------------------------------
        submit(bus, "E2E-CLEAN")  # clean 93000
        submit(bus, "E2E-NOINTERP", ecg={"interpretation_documented": False, "report_signed": False})
        submit(bus, "E2E-GLOBALCOMP", codes=("93000", "93010"))  # 93000 + 93010
        late = submit(bus, "E2E-LATEENC", encounter=False)  # claim before encounter
        submit(bus, "E2E-DUPSTATUS", payer=DUPPAYER)
        submit(bus, "E2E-F1FIRST")
        submit(bus, "E2E-CO50")
        submit(bus, "E2E-CO97COM", payer=BLUEPEAK)
        submit(bus, "E2E-CO97MCR", payer=MEDICARE)
        submit(bus, "E2E-REJECT")
        bus.send("claims-submitted", "pk-bad", b'{"claim_id": "BROKEN", ')  # malformed JSON
        # malformed and near the 1 MiB event limit: its dead letter must still fit a Kafka message
        big = b'{"claim_id": "BIG", "note": "' + b"lorem ipsum " * 75_000
        bus.send("claims-submitted", "pk-bad", big)
        bus.send("claims-submitted", "pk-bad", {"lines": []})  # no claim id: not a claim
        # readable claims with wrong values: a coder's typos, held with edits (never dead letters)
        bus.send("claims-submitted", "pk-bad", {"claim_id": "INVALID", "lines": []})
        typo = claim_dict(claim_id="E2E-NPI9", patient_key="pk-npi9", encounter_id=None)
        typo["rendering_provider_npi"] = typo["rendering_provider_npi"][:9]  # a digit dropped
        bus.send("claims-submitted", "pk-npi9", typo)
        submit(bus, "E2E-AFTERBAD")  # good event after bad ones
        bus.flush()
        time.sleep(1.0)
        send_encounter(bus, late)
        bus.flush()
        scrubbed = bus.wait_for(
            "claims-scrubbed", lambda rs: len({r["claim_id"] for r in rs}) >= 13, what="13 scrub results"
        )
        by_id = {r["claim_id"]: r for r in scrubbed}
        assert by_id["E2E-CLEAN"]["status"] == "clean"
        assert by_id["E2E-NOINTERP"]["status"] == "held"
        assert {e["category"] for e in by_id["E2E-NOINTERP"]["edits"]} == {"component"}
        assert by_id["E2E-GLOBALCOMP"]["status"] == "held"
        assert "BUNDLE_GLOBAL_WITH_COMPONENT" in {e["rule_id"] for e in by_id["E2E-GLOBALCOMP"]["edits"]}
        assert by_id["E2E-LATEENC"]["status"] == "clean" and by_id["E2E-LATEENC"]["encounter_found"]
        assert by_id["E2E-AFTERBAD"]["status"] == "clean"
        ready = bus.read("claims-ready")
        assert count_where([r["claim"] for r in ready], claim_id="E2E-CLEAN") == 1
        held = bus.read("claims-held")
        assert {r["claim"]["claim_id"] for r in held} == {
            "E2E-NOINTERP",
            "E2E-GLOBALCOMP",
            "INVALID",
            "E2E-NPI9",
        }
        npi9 = next(r for r in held if r["claim"]["claim_id"] == "E2E-NPI9")
        assert [e["rule_id"] for e in npi9["edits"] if e["category"] == "provider"] == ["PROVIDER_NPI_FORMAT"]
        assert "CLAIM_NO_LINES" in {e["rule_id"] for e in by_id["INVALID"]["edits"]}
        dead = bus.wait_for("dead-letters", lambda rs: len(rs) >= 3, what="3 dead letters")
        reasons = sorted(r["reason"] for r in dead)
        assert reasons == ["malformed_json", "malformed_json", "schema_violation"]
        assert all(r["source_topic"].endswith("claims-submitted") and r["payload_b64"] for r in dead)
        kept = [
            DeadLetter.model_validate({k: v for k, v in r.items() if k[0] != "_"}).payload() for r in dead
        ]
        assert big in kept and b'{"claim_id": "BROKEN", ' in kept

        # --- phase 2: payer answers ----------------------------------------------------------
        answered = (
            "E2E-CLEAN",
            "E2E-DUPSTATUS",
            "E2E-F1FIRST",
            "E2E-CO50",
            "E2E-CO97COM",
            "E2E-CO97MCR",
            "E2E-REJECT",
        )
        wait_tracked_ready(deployment, answered)
        t0 = now()
        status(bus, "E2E-CLEAN", "A1", at=t0)
        status(bus, "E2E-CLEAN", "A2", at=t0 + timedelta(seconds=1))
        denial(bus, "E2E-CLEAN", [], paid="45.00", clp02="1", at=t0 + timedelta(seconds=2))
        dup = status(bus, "E2E-DUPSTATUS", "A2", at=t0)
        status(bus, "E2E-DUPSTATUS", "A2", at=t0, event_id=dup["event_id"])  # redelivered
        status(bus, "E2E-DUPSTATUS", "A2", at=t0, event_id=dup["event_id"])
        status(bus, "E2E-F1FIRST", "F1", at=t0 + timedelta(seconds=5))  # paid before A2
        status(bus, "E2E-F1FIRST", "A2", at=t0 + timedelta(seconds=1))
        denial(bus, "E2E-CO50", [{"group_code": "CO", "reason_code": "50", "amount": "45.00"}], at=t0)
        denial(
            bus,
            "E2E-CO97COM",
            [{"line_number": 1, "group_code": "CO", "reason_code": "97", "amount": "45.00"}],
            at=t0,
        )  # a bundling denial of a lone 93000: nothing it pairs with allows a modifier
        denial(bus, "E2E-CO97MCR", [{"group_code": "CO", "reason_code": "97", "amount": "45.00"}], at=t0)
        status(bus, "E2E-REJECT", "A7", at=t0, code="562")
        bus.flush()
        tasks = bus.wait_for(
            "resubmission-tasks", lambda rs: len({r["claim_id"] for r in rs}) >= 4, what="tasks for 4 claims"
        )
        by_claim = {r["claim_id"]: r for r in tasks}
        assert by_claim["E2E-CO50"]["action"] == "appeal"
        # reference §5 CO-97: "write off, or modifier if the pair allows" — no pair allows one here
        assert by_claim["E2E-CO97MCR"]["action"] == "write_off"
        assert by_claim["E2E-CO97COM"]["action"] == "write_off"
        assert by_claim["E2E-REJECT"]["action"] == "fix_and_resubmit"
        assert "E2E-CLEAN" not in by_claim  # paid in full: no task

        records = wait_records(
            deployment,
            lambda r: (
                r.get("E2E-CLEAN", {}).get("state") == "paid"
                and r.get("E2E-F1FIRST", {}).get("first_pass") == "accepted"
                and r.get("E2E-DUPSTATUS", {}).get("state") == "accepted"
            ),
            timeout=30,
        )
        assert records["E2E-CLEAN"]["state"] == "paid" and records["E2E-CLEAN"]["first_pass"] == "accepted"
        assert (
            records["E2E-F1FIRST"]["state"] == "paid" and records["E2E-F1FIRST"]["first_pass"] == "accepted"
        )
        assert records["E2E-DUPSTATUS"]["state"] == "accepted"
        assert (
            records["E2E-REJECT"]["state"] == "rejected" and records["E2E-REJECT"]["first_pass"] == "rejected"
        )
        assert records["E2E-CO50"]["state"] == "denied"
        assert records["E2E-NOINTERP"]["state"] == "held" and records["E2E-NOINTERP"]["first_pass"] is None

        text = worker.metrics()
        # DUP-TEST has no payer profile: its series is "other" (a payer id is free text on the way
        # in; only profiled payers are label values), and it is the only such payer here
        assert metric_value(text, "claimflow_acknowledgments_total", payer="other", category="A2") == 1
        assert 'payer="DUP-TEST"' not in text
        assert metric_value(text, "claimflow_duplicate_events_total", topic="claim-status") >= 2
        assert metric_value(text, "claimflow_first_pass_total", payer="MCR-JH", outcome="accepted") >= 2
        assert metric_value(text, "claimflow_first_pass_total", payer="MCR-JH", outcome="rejected") == 1
        assert metric_value(text, "claimflow_dead_letters_total", topic="claims-submitted") == 3
        held_metric = metric_value(text, "claimflow_claims_scrubbed_total", payer="MCR-JH", result="held")
        assert held_metric >= 3  # E2E-NOINTERP, E2E-GLOBALCOMP and the 9-digit NPI
        assert metric_value(text, "claimflow_lifecycle_anomalies_total", kind="late") >= 1

        # --- phase 3: the rejected claim resubmitted under a new claim id ----------------------
        # X12 277CA: a claim rejected at the front end was never filed, so its resubmission is no
        # duplicate (reference §3: "already submitted"). The tracker's rejection reaches the scrub
        # agent's history (claims-unfiled) before the billing office resubmits.
        unfiled = bus.wait_for(
            "claims-unfiled",
            lambda rs: any(r["claim_id"] == "E2E-REJECT" for r in rs),
            what="E2E-REJECT unfiled",
        )
        assert [r["patient_key"] for r in unfiled] == ["pk-E2E-REJECT"] and unfiled[0]["whole_claim"]
        wait_metric(worker, "claimflow_history_lines_unfiled_total", 1, "E2E-REJECT's line out of history")
        submit(bus, "E2E-REBILL", patient_key="pk-E2E-REJECT")
        bus.flush()
        rescrubbed = bus.wait_for(
            "claims-scrubbed",
            lambda rs: any(r["claim_id"] == "E2E-REBILL" for r in rs),
            what="E2E-REBILL scrubbed",
        )
        rebill = next(r for r in rescrubbed if r["claim_id"] == "E2E-REBILL")
        assert rebill["status"] == "clean", rebill["edits"]


def test_co4_on_commercial_claim_is_corrected_and_resubmitted_never_first_pass(
    broker: EmbeddedBroker, tmp_path: Path
) -> None:
    """Reference §5 CO-4: 93000-26 → 93010 (never strip the modifier and keep 93000), a replacement
    claim for a commercial payer, sent back through the scrubber; resubmissions are never first pass."""
    # a billing team that turned the component-modifier edit off: the payer catches it instead
    rules = tmp_path / "rules"
    shutil.copytree(bundled_packs_dir(), rules)
    text = (rules / "core" / "pack.yaml").read_text()
    marker = "  MOD_COMPONENT_CODES_EXIST:\n"
    (rules / "core" / "pack.yaml").write_text(text.replace(marker, marker + "    enabled: false\n"))
    deployment = deploy(
        broker, tmp_path, CLAIMFLOW_RULES_DIR=str(rules), CLAIMFLOW_ENCOUNTER_GRACE_SECONDS="5"
    )
    bus = deployment.bus
    try:
        with deployment.worker() as worker:
            submit(bus, "AC-1", payer=BLUEPEAK, codes=("93000-26",))
            submit(bus, "RJ-1", payer=BLUEPEAK)
            bus.flush()
            bus.wait_for("claims-ready", lambda rs: len(rs) >= 2, what="2 ready claims")
            wait_tracked_ready(deployment, ("AC-1", "RJ-1"))
            t0 = now()
            status(bus, "AC-1", "A2", at=t0)
            denial(
                bus,
                "AC-1",
                [{"line_number": 1, "group_code": "CO", "reason_code": "4", "amount": "45.00"}],
                at=t0 + timedelta(seconds=1),
            )
            status(bus, "RJ-1", "A7", at=t0, code="562")
            bus.flush()
            tasks = bus.wait_for("resubmission-tasks", lambda rs: len(rs) >= 2, what="2 tasks")
            task = next(t for t in tasks if t["claim_id"] == "AC-1")
            assert task["action"] == "replacement_claim"
            corrected = task["corrected_claim"]
            assert corrected is not None, task["instructions"]
            assert corrected["claim_id"] == "AC-1-R1" and corrected["frequency_code"] == "7"
            assert (
                corrected["original_claim_number"] == "PCN-AC-1" and corrected["replaces_claim_id"] == "AC-1"
            )
            assert [(ln["procedure_code"], ln["modifiers"]) for ln in corrected["lines"]] == [("93010", [])]
            assert corrected["total_charge"] == "45.00"
            # the corrected claim went back through the scrubber and out again
            ready = bus.wait_for(
                "claims-ready",
                lambda rs: any(r["claim"]["claim_id"] == "AC-1-R1" for r in rs),
                what="the corrected claim ready",
            )
            assert ready
            # the coder fixes the rejected claim and sends it again under the same claim id
            again = submit(bus, "RJ-1", payer=BLUEPEAK)
            assert again["frequency_code"] == "1"
            bus.flush()
            bus.wait_for(
                "claims-ready",
                lambda rs: sum(r["claim"]["claim_id"] == "RJ-1" for r in rs) >= 2,
                what="RJ-1 ready twice",
            )
            status(bus, "AC-1-R1", "A2")
            status(bus, "RJ-1", "A2")
            bus.flush()
            records = wait_records(
                deployment,
                lambda r: (
                    r.get("AC-1-R1", {}).get("state") == "accepted"
                    and r.get("RJ-1", {}).get("state") == "accepted"
                ),
            )
            assert records["AC-1"]["state"] == "resubmitted" and records["AC-1"]["first_pass"] == "accepted"
            assert records["AC-1-R1"]["state"] == "accepted" and records["AC-1-R1"]["first_pass"] is None
            assert records["RJ-1"]["first_pass"] == "rejected" and records["RJ-1"]["submission_count"] == 2
            text = worker.metrics()
            assert metric_value(text, "claimflow_first_pass_total", payer="BLUEPEAK", outcome="accepted") == 1
            assert metric_value(text, "claimflow_first_pass_total", payer="BLUEPEAK", outcome="rejected") == 1
            assert metric_value(text, "claimflow_corrected_claims_total", payer="BLUEPEAK") == 1
    finally:
        bus.close()


def test_denials_by_group_code_corrections_that_change_the_code_and_unacted_statuses(
    deployment: Deployment,
) -> None:
    """CO-4 on 93000-26 sent by a practice's own system: the corrected claim bills 93010; CO-96
    never bills the patient; OA-23 (a prior payer's adjudication) raises no task; D0 is recorded."""
    bus = deployment.bus
    with deployment.worker() as worker:
        t0 = now()
        # sent straight to the payer by the practice's system: claimflow tracks it from this step
        dos = recent_dos()
        claim = make_claim(
            claim_id="GRP-CO4",
            patient_key="pk-grp-co4",
            payer=BLUEPEAK,
            patient=COMMERCIAL_PATIENT,
            lines=[line(1, "93000", modifiers=["26"], service_date=dos)],
            occurred_at=(t0 - timedelta(days=1)).isoformat(),
        )
        encounter = make_encounter(patient_key="pk-grp-co4", service_date=dos.isoformat())
        bus.send("encounters", "pk-grp-co4", encounter.model_dump(mode="json"))
        step = step_for(claim, "ready", snapshot=True, encounter=encounter, source="practice-system")
        bus.send("claim-lifecycle", claim.claim_id, step.model_dump(mode="json"))
        for claim_id in ("GRP-CO96", "GRP-OA23", "GRP-D0"):
            submit(bus, claim_id)
        bus.flush()
        bus.wait_for("claims-ready", lambda rs: len(rs) >= 3, what="3 ready claims")
        wait_tracked_ready(deployment, ("GRP-CO4", "GRP-CO96", "GRP-OA23", "GRP-D0"))
        status(bus, "GRP-CO4", "A2", at=t0)
        denial(
            bus,
            "GRP-CO4",
            [{"line_number": 1, "group_code": "CO", "reason_code": "4", "amount": "45.00"}],
            at=t0,
        )
        denial(bus, "GRP-CO96", [{"group_code": "CO", "reason_code": "96", "amount": "45.00"}], at=t0)
        denial(
            bus,
            "GRP-OA23",
            [{"group_code": "OA", "reason_code": "23", "amount": "20.00"}],
            paid="25.00",
            clp02="2",
            at=t0,
        )
        status(bus, "GRP-D0", "A2", at=t0)
        status(bus, "GRP-D0", "D0", at=t0 + timedelta(seconds=1))
        bus.flush()
        tasks = bus.wait_for(
            "resubmission-tasks",
            lambda rs: {"GRP-CO4", "GRP-CO96"} <= {r["claim_id"] for r in rs},
            what="2 tasks",
        )
        by_claim = {r["claim_id"]: r for r in tasks}
        co4 = by_claim["GRP-CO4"]
        assert co4["action"] == "replacement_claim" and co4["corrected_claim"] is not None, co4[
            "instructions"
        ]
        corrected = co4["corrected_claim"]["lines"][0]
        assert corrected["procedure_code"] == "93010" and corrected["modifiers"] == []
        co96 = by_claim["GRP-CO96"]
        assert co96["action"] == "write_off" and co96["patient_billable"] is False
        # the corrected claim goes back through the scrubber and out
        bus.wait_for(
            "claims-ready",
            lambda rs: any(r["claim"]["claim_id"] == "GRP-CO4-R1" for r in rs),
            what="GRP-CO4-R1 ready",
        )
        records = wait_records(deployment, lambda r: len(r.get("GRP-D0", {}).get("history", [])) >= 3)
        assert records["GRP-D0"]["state"] == "accepted"  # D0 recorded, state unchanged
        assert records["GRP-D0"]["history"][-1]["code"] == "D0"
        assert records["GRP-D0"]["history"][-1]["result"] == "noted"
        time.sleep(1.0)  # OA-23 had its chance to raise a task
        assert "GRP-OA23" not in {r["claim_id"] for r in bus.read("resubmission-tasks")}
        text = worker.metrics()
        assert metric_value(text, "claimflow_status_noted_total", category="D0") == 1
        assert metric_value(text, "claimflow_dead_letters_total", topic="claim-status") == 0


def test_a_replacement_the_billing_office_sends_moves_the_claim_it_replaces_on(
    deployment: Deployment,
) -> None:
    """Reference §5: a commercial payer takes a replacement claim (frequency 7 + REF*F8) after its
    denial. The coder sends it under a new claim id naming the one it replaces: once it is ready,
    the denied claim's record moves to resubmitted and its open task closes."""
    bus = deployment.bus
    with deployment.worker():
        submit(bus, "RP-1", payer=BLUEPEAK)
        bus.flush()
        wait_tracked_ready(deployment, ("RP-1",))
        t0 = now() - timedelta(minutes=2)  # the payer's answers, then (now) the coder's replacement
        status(bus, "RP-1", "A2", at=t0)
        denial(
            bus,
            "RP-1",
            [{"group_code": "CO", "reason_code": "16", "amount": "45.00"}],
            at=t0 + timedelta(seconds=1),
        )
        bus.flush()
        bus.wait_for(
            "resubmission-tasks", lambda rs: any(r["claim_id"] == "RP-1" for r in rs), what="RP-1's task"
        )
        submit(
            bus,
            "RP-1-B",
            payer=BLUEPEAK,
            patient_key="pk-RP-1",
            frequency_code="7",
            original_claim_number="PCN-RP-1",
            replaces_claim_id="RP-1",
        )
        bus.flush()
        records = wait_records(deployment, lambda r: r.get("RP-1", {}).get("state") == "resubmitted")
        assert records["RP-1"]["state"] == "resubmitted"
        assert records["RP-1-B"]["frequency_code"] == "7" and records["RP-1-B"]["first_pass"] is None
        states = bus.wait_for(
            "claim-states",
            lambda rs: any(r["claim_id"] == "RP-1" and r["state"] == "resubmitted" for r in rs),
            what="RP-1 resubmitted on claim-states",
        )
        latest = [r for r in states if r["claim_id"] == "RP-1"][-1]
        assert latest["open_tasks"] == []
