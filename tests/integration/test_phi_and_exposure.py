"""PHI never reaches logs, /metrics or dead-letter error strings; the HTTP listener binds where
configured (loopback by default)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from streams.dev.sim.generator import generate
from streams.dev.sim.runner import Simulation
from streams.scrub import Scrubber
from tests.integration.conftest import Deployment

pytestmark = pytest.mark.broker


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a LISTEN socket on ``port`` (from /proc/net/tcp, no traffic sent)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            local, state = row.split()[1], row.split()[3]
            addr, hexport = local.split(":")
            if int(hexport, 16) == port and state == "0A":
                found.add(addr)
    return found


def test_demo_traffic_leaves_no_phi_in_logs_metrics_or_dead_letter_errors(deployment: Deployment) -> None:
    cases = generate(150, seed=5)
    identifiers = set()
    for case in cases:
        p = case.claim["patient"]
        identifiers |= {p["member_id"], p["last_name"], p["birth_date"]}
    # bad input carrying PHI: the payload is kept in the dead letter, the error must not echo it
    victim = dict(cases[0].claim)
    bad_birth = dict(
        victim, patient={**victim["patient"], "birth_date": f"{victim['patient']['last_name']}!"}
    )
    bad_npi = dict(victim, claim_id="BAD-NPI", rendering_provider_npi=victim["patient"]["member_id"])
    with deployment.worker() as worker:
        bus = deployment.bus
        bus.send("claims-submitted", victim["patient_key"], bad_birth)
        bus.send("claims-submitted", victim["patient_key"], bad_npi)
        bus.send("claims-submitted", victim["patient_key"], json.dumps(victim).encode()[:300])
        Simulation(bus, cases, Scrubber.load(), seed=5, time_scale=0.2).run(timeout=120)
        metrics = worker.metrics()
        # the truncated claim cannot be read: a dead letter; the two with PHI in the wrong field are
        # claims with wrong values: held, with edits that name the field, never echo the value
        dead = bus.wait_for("dead-letters", lambda rs: len(rs) >= 1, what="1 dead letter")
        held = bus.wait_for(
            "claims-held",
            lambda rs: {"BAD-NPI", victim["claim_id"]} <= {r["claim"]["claim_id"] for r in rs},
            what="the two claims with PHI in the wrong field held",
        )
        assert listening_addresses(worker.web_port) == {"0100007F"}  # 127.0.0.1 only
    log = Path(worker.log_path).read_text()
    assert "claims-submitted" in log  # the log is real and was written
    errors = " ".join(d["error"] for d in dead)
    errors += " ".join(e["message"] + e["fix"] + e["source"] for r in held for e in r["edits"])
    for identifier in identifiers:
        pattern = re.escape(identifier)
        assert not re.search(pattern, metrics), f"PHI in /metrics: {identifier}"
        assert not re.search(pattern, errors), f"PHI in a dead-letter error: {identifier}"
        assert not re.search(pattern, log), f"PHI in the worker log: {identifier}"


def test_listener_binds_all_interfaces_only_when_asked(deployment: Deployment) -> None:
    with deployment.worker(CLAIMFLOW_WEB_HOST="0.0.0.0") as worker:
        assert listening_addresses(worker.web_port) == {"00000000"}
