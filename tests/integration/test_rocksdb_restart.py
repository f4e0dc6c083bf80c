"""The production store: with ``CLAIMFLOW_STORE=rocksdb://`` a restarted worker keeps its tables
on disk and reads only the changelog tail written since it stopped, not the whole changelog.

Counted, not timed: every changelog record a worker applies to its tables (recovery, standbys) is
counted in ``claimflow_table_changelog_records_applied_total``; the changelogs are read with an
independent client. The tail is made by a second worker (own data directory: a cold start, so it
applies every record) that processes more claims while the first is down.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.dev.broker import EmbeddedBroker
from tests.integration.conftest import Deployment, deploy, metric_value, wait_records
from tests.integration.scenario import status, submit

pytestmark = pytest.mark.broker

TABLES = ("claims", "encounters", "patient-history", "denial-windows")


def changelog_records(deployment: Deployment) -> int:
    return sum(
        len(deployment.bus.read(f"{deployment.app_id}-{t}-changelog", physical=True, tombstones=True))
        for t in TABLES
    )


def applied(metrics: str) -> int:
    return int(metric_value(metrics, "claimflow_table_changelog_records_applied_total"))


def accepted(ids: list[str]):
    return lambda records: all(
        records.get(c, {}).get("state") == "accepted" and records[c].get("first_pass") == "accepted"
        for c in ids
    )


def test_a_restarted_rocksdb_worker_reads_only_the_changelog_tail(
    broker: EmbeddedBroker, tmp_path: Path
) -> None:
    deployment = deploy(broker, tmp_path, CLAIMFLOW_STORE="rocksdb://", CLAIMFLOW_ENCOUNTER_GRACE_SECONDS="5")
    bus = deployment.bus
    first = [f"RDB-{i}" for i in range(8)]
    later = [f"RDB-L{i}" for i in range(4)]
    w1 = deployment.worker("w1", CLAIMFLOW_DATA_DIR=str(tmp_path / "w1"))
    w2 = deployment.worker("w2", CLAIMFLOW_DATA_DIR=str(tmp_path / "w2"))
    try:
        w1.start()
        for cid in first:
            submit(bus, cid)
            status(bus, cid, "A2")
        bus.flush()
        assert accepted(first)(wait_records(deployment, accepted(first), timeout=90))
        assert w1.stop() == 0
        before = changelog_records(deployment)
        assert before >= 3 * len(first)  # claim records, encounters, histories

        # while w1 is down, another worker (empty data directory) takes over and writes the tail
        w2.start()
        cold = applied(w2.metrics())
        assert cold == before, "a worker with an empty RocksDB directory recovers the whole changelog"
        # in bulk, with a consumer of its own (streams/runtime/changelog_reader.py), not record by record
        assert f"changelog read: {before} records" in w2.log_path.read_text(errors="replace")
        for cid in later:
            submit(bus, cid)
            status(bus, cid, "A2")
        bus.flush()
        assert accepted(later)(wait_records(deployment, accepted(later), timeout=90))
        assert w2.stop() == 0
        tail = changelog_records(deployment) - before
        assert tail >= 3 * len(later)

        # w1 comes back on its own data directory: it applies the tail and nothing else (read in
        # bulk from the offset each partition has on disk; Faust's recovery then has nothing left)
        w1.start()
        warm = applied(w1.metrics())
        partitions = int(deployment.env["CLAIMFLOW_PARTITIONS"])
        assert warm == tail, (warm, tail, before)
        print(
            f"changelog: {before} records, then a tail of {tail}; applied: cold {cold}, warm restart {warm}"
        )
        # and its state is whole: a claim only w2 saw, paid now, has its record from w2's writes
        # (submitted once, accepted first pass) and becomes paid
        status(bus, later[0], "F1")
        bus.flush()
        records = wait_records(deployment, lambda r: r.get(later[0], {}).get("state") == "paid", timeout=60)
        assert records[later[0]]["state"] == "paid"
        assert records[later[0]]["first_pass"] == "accepted" and records[later[0]]["submission_count"] == 1
        # at the RocksDB level: every partition this worker owned has its own database on disk
        dbs = list((tmp_path / "w1").rglob("*.db"))
        assert len(dbs) >= partitions, dbs
    finally:
        w1.stop()
        w2.stop()
        bus.close()
