"""Start the worker process: logging, the Faust app with its agents, the HTTP listener."""

from __future__ import annotations

import logging

from faust.worker import Worker

from streams.app import ClaimflowApp
from streams.logsafe import configure_logging, install_phi_filter
from streams.settings import Settings
from streams.web import WebListener


class ClaimflowWorker(Worker):
    """Faust's worker with claimflow's PHI filter on every log handler it installs."""

    def _setup_logging(self) -> None:
        super()._setup_logging()
        # mode leaves the root logger at DEBUG whatever the level asked for: every debug call in
        # aiokafka and Faust would then build (and our filter would format) a record
        level = logging.getLevelName(str(self.loglevel).upper()) if self.loglevel else logging.INFO
        logging.getLogger().setLevel(level if isinstance(level, int) else logging.INFO)
        install_phi_filter()


def build_worker(settings: Settings) -> tuple[ClaimflowApp, Worker]:
    app = ClaimflowApp(settings)
    app.register_agents()
    listener = WebListener(
        settings.web_host, settings.web_port, liveness=app.liveness, readiness=app.readiness
    )
    worker = ClaimflowWorker(
        app.faust, listener, loglevel=settings.log_level, quiet=True, redirect_stdouts=False
    )
    return app, worker


def run_worker(settings: Settings) -> int:
    configure_logging(settings.log_level)
    _, worker = build_worker(settings)
    logging.getLogger("claimflow").info(
        "worker starting: app_id=%s broker_profile=%s partitions=%d",
        settings.app_id,
        settings.broker_profile,
        settings.partitions,
    )
    worker.execute_from_commandline()
    return 0
