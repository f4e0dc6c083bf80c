"""``claimflow broker`` stops its broker when the command is stopped (SIGTERM or SIGINT): the
broker runs in its own process session, so nothing else would stop it."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from streams.dev.broker import free_port, wait_for_port

pytestmark = pytest.mark.broker


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.connect(("127.0.0.1", port))
        except OSError:
            return True
    return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stopping_the_broker_command_stops_its_broker(sig: signal.Signals) -> None:
    port = free_port()
    cmd = subprocess.Popen(
        [sys.executable, "-m", "streams.cli", "broker", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port("127.0.0.1", port, timeout=30)
        brokers = children(cmd.pid)
        assert len(brokers) == 1, brokers
        cmd.send_signal(sig)
        assert cmd.wait(30) == 0
        deadline = time.monotonic() + 5
        while alive(brokers[0]) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(brokers[0]), "the broker outlived its command"
        assert port_free(port)
    finally:
        if cmd.poll() is None:
            cmd.kill()
            cmd.wait(10)


def test_stopping_the_demo_stops_its_broker_and_worker() -> None:
    """``claimflow demo`` starts a broker and a worker in sessions of their own: SIGTERM to the
    demo (a supervisor, ``timeout``) stops both and removes its working folder."""
    cmd = subprocess.Popen(
        [sys.executable, "-m", "streams.cli", "demo", "--claims", "30"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert cmd.stderr is not None
        workdir = None
        deadline = time.monotonic() + 120
        for line in cmd.stderr:  # up to "worker ready": the broker and the worker both run
            if "worker ready" in line:
                break
            assert time.monotonic() < deadline, "the demo's worker did not start"
        started = children(cmd.pid)
        assert len(started) >= 2, started  # the broker and the worker
        workdirs = {p for p in Path("/tmp").glob("claimflow-demo-*") if (p / "worker.log").exists()}
        cmd.send_signal(signal.SIGTERM)
        assert cmd.wait(60) == 130
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in started) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in started if alive(pid)], "a process outlived the demo"
        workdir = next((p for p in workdirs if not p.exists()), None)
        assert workdirs and workdir is not None, "the demo's working folder was left behind"
    finally:
        if cmd.poll() is None:
            cmd.kill()
            cmd.wait(10)
