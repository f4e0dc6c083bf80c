"""Start the worker process: logging, the Faust app with its agents, the HTTP listener, and a
bound on graceful shutdown."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable

from streams.errors import ExitCode
from streams.runtime.app import ClaimflowApp
from streams.runtime.faust_internals import HookedWorker
from streams.runtime.listener import WebListener
from streams.runtime.phi_logging import apply_levels, configure_logging, install_phi_filter
from streams.runtime.settings import Settings
from streams.runtime.topic_admin import check_partitions

log = logging.getLogger("claimflow")


def shutdown_watchdog(seconds: float) -> threading.Timer:
    """Exit the process if a graceful stop has not finished within ``seconds``.

    Faust's stop waits for in-flight events (``wait_empty``) and can hang there; the orchestrator
    would then SIGKILL us at the end of its grace period anyway. Exiting first is as safe: every
    batch's outputs are confirmed before its events are acknowledged, and Faust commits acknowledged
    offsets while it waits, so what was not committed is redelivered to the next owner."""
    started = time.monotonic()

    def expire() -> None:
        log.critical(
            "graceful stop did not finish within %.0fs; exiting (uncommitted events will be redelivered)",
            time.monotonic() - started,
        )
        logging.shutdown()
        os._exit(ExitCode.SHUTDOWN_TIMEOUT)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    return timer


class ClaimflowWorker(HookedWorker):
    """Faust's worker with claimflow's PHI filter on every log handler it installs and a bound on
    how long a signalled stop may take."""

    shutdown_seconds: float = 20.0

    def after_logging_setup(self) -> None:
        # mode leaves the root logger at DEBUG whatever the level asked for: every debug call in
        # aiokafka and Faust would then build (and our filter would format) a record
        apply_levels(str(self.loglevel) if self.loglevel else "INFO")
        install_phi_filter()

    def on_stop_signal(self, sig: signal.Signals) -> None:
        log.info("%s received: stopping (bound %.0fs)", sig.name, self.shutdown_seconds)
        shutdown_watchdog(self.shutdown_seconds)


def build_worker(
    settings: Settings, register_agents: Callable[[ClaimflowApp], None]
) -> tuple[ClaimflowApp, ClaimflowWorker]:
    """The app with the agents ``register_agents`` attaches (``streams.agents.register_agents``),
    and the worker that runs it with the HTTP listener."""
    app = ClaimflowApp(settings)
    register_agents(app)
    listener = WebListener(
        settings.web_host,
        settings.web_port,
        liveness=app.liveness,
        readiness=app.readiness,
        claims=app.claim_query,
    )
    worker = ClaimflowWorker(
        app.faust, listener, loglevel=settings.log_level, quiet=True, redirect_stdouts=False
    )
    worker.shutdown_seconds = settings.shutdown_seconds
    return app, worker


def use_event_loop(name: str) -> None:
    """Install the event loop policy before Faust, mode or aiokafka create a loop (the consumer
    thread's own loop comes from the same policy)."""
    if name == "uvloop":
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def freeze_startup_heap() -> int:
    """Move everything built at start-up (rule packs, code tables, reason maps, imported modules:
    ~680,000 objects) out of the garbage collector's reach, and return how many were moved.

    They live as long as the process, yet each full collection walked them all again (~150 ms
    every few seconds under load, on the event loop); frozen, a full collection walks only what was
    made since. Start-up garbage is collected first, so nothing collectable is frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def run_worker(
    settings: Settings, register_agents: Callable[[ClaimflowApp], None], copartitioned: Iterable[str]
) -> int:
    """Run the worker until it is stopped; first, refuse (ConfigError) when an existing topic of
    ``copartitioned`` has a partition count other than ``CLAIMFLOW_PARTITIONS``."""
    configure_logging(settings.log_level)
    check_partitions(settings, copartitioned)
    use_event_loop(settings.event_loop)
    _, worker = build_worker(settings, register_agents)
    freeze_startup_heap()
    log.info(
        "worker starting: app_id=%s broker_profile=%s partitions=%d event_loop=%s",
        settings.app_id,
        settings.broker_profile,
        settings.partitions,
        type(asyncio.get_event_loop_policy()).__module__.split(".")[0],
    )
    worker.execute_from_commandline()
    return 0
