"""``GET /claims/{claim_id}``: where is claim X? Answered by the worker that owns the claim (the
lifecycle agent's query on its ``claims`` table; registered with the agent).

The claims table is partitioned like the lifecycle agent's input topics (keyed by claim_id,
co-partitioned), so the owner of a claim is the group member assigned that claim's partition of
``claim-status``. Faust's assignor shares every member's listener URL (``canonical_url``, from
``CLAIMFLOW_ADVERTISED_URL``) with the group: a worker that does not own the claim forwards the
request to the one that does (once; a forwarded request that finds the assignment changed is
answered 503, retry). The answer is the claim's state record, as on ``claim-states``: no PHI.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import aiohttp
from yarl import URL

from schemas.topics import Topic
from streams.agents.catalogue import Table
from streams.lifecycle.tracker import ClaimEntry, state_record
from streams.runtime import faust_internals
from streams.runtime.listener import FORWARDED_HEADER

if TYPE_CHECKING:
    from streams.runtime.app import ClaimflowApp

log = logging.getLogger("claimflow.claims")


Answer = tuple[int, dict[str, Any]]


class ClaimLookup:
    def __init__(self, app: ClaimflowApp, timeout: float = 5.0):
        self.app = app
        self.url = app.settings.listener_url
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    async def __call__(self, claim_id: str, forwarded: bool = False) -> Answer:
        app = self.app
        claims = app.tables.get(Table.CLAIMS)
        if claims is None:
            return 404, {"claim_id": claim_id, "error": "this worker does not run the lifecycle stage"}
        topic = app.topic(Topic.CLAIM_STATUS).get_topic_name()
        partition = faust_internals.key_partition(
            app.faust, topic, claim_id.encode(), app.settings.partitions
        )
        owner = faust_internals.partition_owner(app.faust, topic, partition)
        if owner is None:
            return 503, {"claim_id": claim_id, "error": "no partition owner known yet; retry"}
        if owner.rstrip("/") == self.url.rstrip("/"):
            return self.local(claim_id, topic, partition)
        if forwarded:
            return 503, {"claim_id": claim_id, "error": f"the claim moved to {owner}; retry", "owner": owner}
        return await self.forward(claim_id, owner)

    def local(self, claim_id: str, topic: str, partition: int) -> Answer:
        app = self.app
        ready, why = app.readiness()
        if not ready or not faust_internals.is_assigned(app.faust, topic, partition):
            return 503, {"claim_id": claim_id, "error": f"not ready ({why}); retry"}
        stored = app.tables[Table.CLAIMS].get(claim_id)
        if stored is None:
            return 404, {"claim_id": claim_id, "error": "no event seen for this claim", "owner": self.url}
        entry = ClaimEntry.decode(stored, claim_id)
        history = entry.record.history
        record = state_record(entry, history[-1].event_id if history else claim_id, steps=None)
        return 200, {"owner": self.url, "partition": partition, **record.model_dump(mode="json")}

    async def forward(self, claim_id: str, owner: str) -> Answer:
        url = URL(f"{owner.rstrip('/')}/claims/{quote(claim_id, safe='')}", encoded=True)
        try:
            async with (
                aiohttp.ClientSession(timeout=self.timeout) as session,
                session.get(url, headers={FORWARDED_HEADER: self.url}) as response,
            ):
                body = await response.json(content_type=None)
                return response.status, body if isinstance(body, dict) else {"answer": body}
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.warning("claim lookup: owner %s unreachable: %s", owner, type(exc).__name__)
            return 502, {"claim_id": claim_id, "error": "the owning worker did not answer", "owner": owner}
