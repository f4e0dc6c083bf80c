"""The worker's HTTP listener: /metrics (Prometheus), /health (liveness), /ready (readiness) and
/claims/{claim_id} (a claim's state, from the worker that owns it).

Bound exactly to CLAIMFLOW_WEB_HOST:CLAIMFLOW_WEB_PORT (loopback by default; 0.0.0.0 only when
asked, as in containers).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from mode import Service
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from schemas.codes import MAX_CLAIM_ID

HealthCheck = Callable[[], tuple[bool, str]]
#: claim_id, forwarded by another worker? -> (HTTP status, JSON body)
ClaimQuery = Callable[[str, bool], Awaitable[tuple[int, dict[str, Any]]]]
#: what a claim id may be: the contracts' claim id (1-256 characters, no surrounding spaces), any
#: text — an 837P CLM01 may hold a slash, a space or a question mark (percent-encoded in
#: the URL, as ``claimflow claim`` sends it)
CLAIM_ID = re.compile(rf"^(?=\S).{{1,{MAX_CLAIM_ID}}}(?<=\S)$", re.DOTALL)
FORWARDED_HEADER = "X-Claimflow-Forwarded"


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
        claims: ClaimQuery | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.host, self.port = host, port
        self.registry = registry
        self.liveness, self.readiness = liveness, readiness
        self.claims = claims
        self._runner: web.AppRunner | None = None

    def make_app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/health", self._check(lambda: self.liveness()))
        app.router.add_get("/ready", self._check(lambda: self.readiness()))
        if self.claims is not None:
            app.router.add_get(r"/claims/{claim_id:[\s\S]+}", self._claim)
        return app

    async def _claim(self, request: web.Request) -> web.Response:
        claim_id = request.match_info["claim_id"]
        if not CLAIM_ID.match(claim_id):
            return web.json_response({"error": "not a claim id"}, status=400)
        assert self.claims is not None
        status, body = await self.claims(claim_id, FORWARDED_HEADER in request.headers)
        return web.json_response(body, status=status, dumps=lambda v: json.dumps(v, indent=1))

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
        routes = "/metrics, /health, /ready" + (", /claims/{id}" if self.claims else "")
        self.log.info("serving %s on http://%s:%s", routes, self.host, self.port)

    async def on_stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
