"""The worker's HTTP listener: /metrics (Prometheus), /health (liveness), /ready (readiness).

Bound exactly to CLAIMFLOW_WEB_HOST:CLAIMFLOW_WEB_PORT (loopback by default; 0.0.0.0 only when
asked, as in containers).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web
from mode import Service
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

HealthCheck = Callable[[], tuple[bool, str]]


def _ok() -> tuple[bool, str]:
    return True, "ok"


class WebListener(Service):
    def __init__(
        self,
        host: str,
        port: int,
        registry: CollectorRegistry = REGISTRY,
        liveness: HealthCheck = _ok,
        readiness: HealthCheck = _ok,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.host, self.port = host, port
        self.registry = registry
        self.liveness, self.readiness = liveness, readiness
        self._runner: web.AppRunner | None = None

    def make_app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/health", self._check(lambda: self.liveness()))
        app.router.add_get("/ready", self._check(lambda: self.readiness()))
        return app

    async def _metrics(self, request: web.Request) -> web.Response:
        body = generate_latest(self.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    @staticmethod
    def _check(check: HealthCheck) -> Callable[[web.Request], Any]:
        async def handler(request: web.Request) -> web.Response:
            ok, detail = check()
            return web.Response(status=200 if ok else 503, text=detail + "\n")

        return handler

    async def on_start(self) -> None:
        self._runner = web.AppRunner(self.make_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        self.log.info("serving /metrics, /health, /ready on http://%s:%s", self.host, self.port)

    async def on_stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
