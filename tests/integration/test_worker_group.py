"""Two workers in one consumer group share the partitions; stopping one mid-stream loses nothing."""

from __future__ import annotations

import time

import pytest

from streams.broker import EmbeddedBroker
from tests.integration.conftest import deploy
from tests.integration.scenario import status, submit

pytestmark = pytest.mark.broker

N_CLAIMS = 40


def test_stopping_one_of_two_workers_mid_stream_loses_no_claim(broker: EmbeddedBroker, tmp_path) -> None:
    deployment = deploy(broker, tmp_path, CLAIMFLOW_ENCOUNTER_GRACE_SECONDS="5")
    bus = deployment.bus
    w1 = deployment.worker("w1").start()
    w2 = deployment.worker("w2").start()
    try:
        ids = [f"G-{i:03d}" for i in range(N_CLAIMS)]
        for cid in ids[: N_CLAIMS // 2]:
            submit(bus, cid)
        bus.flush()
        bus.wait_for(
            "claims-scrubbed",
            lambda rs: len({r["claim_id"] for r in rs}) >= N_CLAIMS // 2,
            what="first half scrubbed",
        )
        # second half arrives while one worker goes away
        for cid in ids[N_CLAIMS // 2 :]:
            submit(bus, cid)
        bus.flush()
        t_stop = time.monotonic()
        assert w2.stop() is not None
        for cid in ids:
            status(bus, cid, "A2")
        bus.flush()
        scrubbed = bus.wait_for(
            "claims-scrubbed",
            lambda rs: {r["claim_id"] for r in rs} >= set(ids),
            timeout=90,
            what="every claim scrubbed",
        )
        deadline = time.monotonic() + 90
        while True:
            records = {k: v["record"] for k, v in bus.table(deployment.app_id, "claims").items()}
            # accepted, and the claim's own "ready" step applied (it may arrive after the payer's A2)
            accepted = [
                cid
                for cid in ids
                if records.get(cid, {}).get("state") == "accepted"
                and records[cid].get("first_pass") == "accepted"
            ]
            if len(accepted) == N_CLAIMS or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        takeover = time.monotonic() - t_stop
        print(f"all {N_CLAIMS} claims accepted {takeover:.1f}s after stopping one worker")
        missing = sorted(set(ids) - set(accepted))
        assert not missing, {cid: records.get(cid) for cid in missing[:3]}
        # exactly one current state per claim, each applied once
        for cid in ids:
            assert records[cid]["submission_count"] == 1
            assert records[cid]["first_pass"] == "accepted"
        assert {r["claim_id"] for r in scrubbed} >= set(ids)
    finally:
        w1.stop()
        w2.stop()
        bus.close()
