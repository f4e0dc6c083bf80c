"""The worker's HTTP listener: health, readiness and the claim lookup route."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from streams.runtime.listener import FORWARDED_HEADER, WebListener


def _run(listener: WebListener, *requests: tuple[str, dict[str, str]]) -> list[tuple[int, Any]]:
    async def go() -> list[tuple[int, Any]]:
        async with TestClient(TestServer(listener.make_app())) as client:
            out = []
            for path, headers in requests:
                response = await client.get(path, headers=headers)
                json_body = response.content_type == "application/json"
                body = await (response.json() if json_body else response.text())
                out.append((response.status, body))
            return out

    return asyncio.run(go())


def test_a_claim_is_looked_up_and_a_forwarded_request_says_so() -> None:
    asked: list[tuple[str, bool]] = []

    async def claims(claim_id: str, forwarded: bool) -> tuple[int, dict[str, Any]]:
        asked.append((claim_id, forwarded))
        return 200, {"claim_id": claim_id, "state": "paid"}

    listener = WebListener("127.0.0.1", 0, claims=claims)
    answers = _run(listener, ("/claims/K-1042", {}), ("/claims/K-1042", {FORWARDED_HEADER: "http://w2:6066"}))
    assert answers == [(200, {"claim_id": "K-1042", "state": "paid"})] * 2
    assert asked == [("K-1042", False), ("K-1042", True)]


def test_a_path_that_is_no_claim_id_is_refused_before_any_lookup() -> None:
    async def claims(claim_id: str, forwarded: bool) -> tuple[int, dict[str, Any]]:
        raise AssertionError("not called")

    listener = WebListener("127.0.0.1", 0, claims=claims)
    [(status, body)] = _run(listener, ("/claims/" + "x" * 65, {}))
    assert status == 400 and body == {"error": "not a claim id"}


def test_without_a_lookup_there_is_no_claims_route_and_health_answers() -> None:
    listener = WebListener("127.0.0.1", 0, readiness=lambda: (False, "recovering tables"))
    [(health, _), (ready, why), (claims, _)] = _run(
        listener, ("/health", {}), ("/ready", {}), ("/claims/K-1", {})
    )
    assert (health, ready, claims) == (200, 503, 404) and why == "recovering tables\n"
