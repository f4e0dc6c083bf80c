"""The worker's HTTP listener: health, readiness and the claim lookup route."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

import aiohttp
from aiohttp.test_utils import TestClient, TestServer
from yarl import URL

from streams.agents.claims_query import ClaimLookup
from streams.runtime.listener import FORWARDED_HEADER, WebListener


def _run(listener: WebListener, *requests: tuple[str, dict[str, str]]) -> list[tuple[int, Any]]:
    async def go() -> list[tuple[int, Any]]:
        async with TestClient(TestServer(listener.make_app())) as client:
            out = []
            for path, headers in requests:
                response = await client.get(URL(path, encoded=True), headers=headers)
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
    [(status, body)] = _run(listener, ("/claims/" + "x" * 257, {}))
    assert status == 400 and body == {"error": "not a claim id"}


def test_without_a_lookup_there_is_no_claims_route_and_health_answers() -> None:
    listener = WebListener("127.0.0.1", 0, readiness=lambda: (False, "recovering tables"))
    [(health, _), (ready, why), (claims, _)] = _run(
        listener, ("/health", {}), ("/ready", {}), ("/claims/K-1", {})
    )
    assert (health, ready, claims) == (200, 503, 404) and why == "recovering tables\n"


#: claim ids the contracts accept (1-64 characters) that a URL must carry percent-encoded: an 837P
#: CLM01 may hold a slash, a space, a question mark; a practice's system may use any text
AWKWARD_IDS = ("2026/11/A-7", "CLM 0042", "Q?1", "N#5", "50%OFF", "RÉF-9", "LINE\nBREAK", "TAB\tID")


def test_a_claim_id_with_a_slash_space_or_accent_is_looked_up_as_it_was_sent() -> None:
    asked: list[str] = []

    async def claims(claim_id: str, forwarded: bool) -> tuple[int, dict[str, Any]]:
        asked.append(claim_id)
        return 200, {"claim_id": claim_id}

    listener = WebListener("127.0.0.1", 0, claims=claims)
    answers = _run(listener, *((f"/claims/{quote(cid, safe='')}", {}) for cid in AWKWARD_IDS))
    assert answers == [(200, {"claim_id": cid}) for cid in AWKWARD_IDS]
    assert asked == list(AWKWARD_IDS)


def test_a_lookup_forwarded_to_the_owner_carries_the_claim_id_whole() -> None:
    """A worker that does not own the claim asks the owner's listener for it: the id arrives as
    it was sent, slashes and spaces included, and the owner knows the request was forwarded."""
    asked: list[tuple[str, bool]] = []

    async def claims(claim_id: str, forwarded: bool) -> tuple[int, dict[str, Any]]:
        asked.append((claim_id, forwarded))
        return 200, {"claim_id": claim_id}

    async def go() -> list[tuple[int, dict[str, Any]]]:
        async with TestServer(WebListener("127.0.0.1", 0, claims=claims).make_app()) as owner:
            lookup = object.__new__(ClaimLookup)
            lookup.url, lookup.timeout = "http://w1:6066", aiohttp.ClientTimeout(total=5)
            return [await lookup.forward(cid, str(owner.make_url("/"))) for cid in AWKWARD_IDS]

    assert asyncio.run(go()) == [(200, {"claim_id": cid}) for cid in AWKWARD_IDS]
    assert asked == [(cid, True) for cid in AWKWARD_IDS]
