"""Ceilings and floors for the end-to-end benchmark: Faust agents that do no claimflow work, on the
same broker, partitions and messages as the worker.

``BENCH_PASSTHROUGH`` picks the variant:

* ``stock``: Faust as shipped (default producer, ``topic.send`` per message, Faust's Monitor, the
  asyncio loop) forwarding every message unchanged: the ceiling (a).
* ``tuned``: the same agent with the settings the worker runs with
  (``streams.runtime.app.faust_config``: producer batching, the quiet monitor, uvloop; sends
  through ``app.producer.send``): (a').
* ``stage``: the scrub stage's message shape with no claimflow work (b0): with the worker's
  settings it reads encounters (BENCH_ENCOUNTERS) and claims (BENCH_IN), writes each encounter to a
  table, reads it back and writes a history entry per claim, and sends every claim unchanged to
  three topics (BENCH_OUT and BENCH_OUT-2, -3): 2 events in, 3 outputs, 2 changelog writes per claim.
* ``whole``: the whole worker's message shape with no work (c0): the stage shape, where the third
  output is a lifecycle step (BENCH_LIFECYCLE) read back by a lifecycle agent that also reads the
  payers' answers (BENCH_STATUS, BENCH_DENIALS); per lifecycle event one table write and two
  outputs (a transition, a state record), per remittance one adjudication fact (BENCH_FACTS) read
  by a trends agent (two table writes, one learned-rate output). The second output (BENCH_OUT-2)
  stands for ``claims-ready``, which the benchmark's payer answers.

With ``BENCH_LOOP=1`` a passthrough sends to the topic it reads (BENCH_IN): a fixed backlog turns
into an endless steady load.

Run as ``python -m bench.passthrough_app worker -l info`` with the BENCH_* variables and
KAFKA_BOOTSTRAP_SERVERS set.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

import faust

from streams.agents.catalogue import Table
from streams.runtime.app import faust_config
from streams.runtime.faust_internals import set_current_event
from streams.runtime.settings import load_settings
from streams.runtime.worker import use_event_loop

settings = load_settings()
variant = os.environ.get("BENCH_PASSTHROUGH", "stock")
tuned = variant != "stock"
if tuned:
    use_event_loop("uvloop")
    config = faust_config(settings)
else:
    config = {
        "broker": f"kafka://{settings.require_bootstrap()}",
        "topic_partitions": settings.partitions,
        "web_enabled": False,
        "consumer_auto_offset_reset": "earliest",
    }
    if settings.broker_session_timeout is not None:  # a fast first group join on the embedded broker
        config["broker_session_timeout"] = settings.broker_session_timeout
config["datadir"] = os.environ.get("BENCH_DATADIR", "/tmp/claimflow-bench-passthrough")
app = faust.App(os.environ.get("BENCH_APP_ID", "bench-passthrough"), **config)
raw: faust.Schema = faust.Schema(key_serializer="raw", value_serializer="raw")


def topic(env: str) -> Any:
    return app.topic(os.environ[env], key_serializer="raw", value_serializer="raw")


def table(name: str) -> Any:
    return app.Table(name, default=None, partitions=settings.partitions, schema=raw)


async def send(out: str, key: Any, value: Any, futures: list[Any]) -> None:
    futures.append(await app.producer.send(out, key, value, None, None, None))


if tuned:

    @app.task
    async def quiet_root_logger() -> None:
        # mode leaves the root logger at DEBUG whatever -l says; every logger.debug() then builds
        # a record (the worker does the same in streams.runtime.worker)
        logging.getLogger().setLevel(logging.INFO)


if variant in ("stage", "whole"):
    OUT = os.environ["BENCH_OUT"]
    encounter_table = table("shape-encounters")
    history_table = table("shape-history")
    claim_outputs = [OUT, OUT + "-2", os.environ.get("BENCH_LIFECYCLE", OUT + "-3")]

    @app.agent(topic("BENCH_ENCOUNTERS"))
    async def store_encounters(stream: Any) -> None:
        async for event in stream.events():
            encounter_table[event.key] = event.value

    @app.agent(topic("BENCH_IN"))
    async def claims(stream: Any) -> None:
        async for events in stream.take_events(settings.batch_size, within=settings.batch_seconds):
            futures: list[Any] = []
            for event in events:
                set_current_event(event)
                encounter_table.get(event.key)
                history_table[event.key] = event.value
                for out in claim_outputs:
                    await send(out, event.key, event.value, futures)
            await asyncio.gather(*futures)


if variant == "whole":
    claims_table = table(Table.CLAIMS)  # the same changelog name as the worker's (what (c) counts)
    windows_table = table("shape-windows")
    transitions, states = OUT + "-transitions", OUT + "-states"
    facts, rates = os.environ["BENCH_FACTS"], OUT + "-rates"
    denials = os.environ["BENCH_DENIALS"]
    lifecycle_in = app.topic(
        os.environ["BENCH_LIFECYCLE"],
        os.environ["BENCH_STATUS"],
        denials,
        key_serializer="raw",
        value_serializer="raw",
    )

    @app.agent(lifecycle_in)
    async def lifecycle(stream: Any) -> None:
        async for events in stream.take_events(settings.batch_size, within=settings.batch_seconds):
            futures: list[Any] = []
            for event in events:
                set_current_event(event)
                claims_table.get(event.key)
                claims_table[event.key] = event.value
                await send(transitions, event.key, event.value, futures)
                await send(states, event.key, event.value, futures)
                if event.message.topic == denials:
                    await send(facts, event.key, event.value, futures)
            await asyncio.gather(*futures)

    @app.agent(topic("BENCH_FACTS"))
    async def trends(stream: Any) -> None:
        async for events in stream.take_events(settings.batch_size, within=settings.batch_seconds):
            futures: list[Any] = []
            for event in events:
                set_current_event(event)
                windows_table.get(event.key)
                windows_table[event.key] = event.value
                windows_table[event.key + b"|dx"] = event.value
                await send(rates, event.key, event.value, futures)
            await asyncio.gather(*futures)


if variant in ("stock", "tuned"):
    source = topic("BENCH_IN")
    sink = source if os.environ.get("BENCH_LOOP") else topic("BENCH_OUT")

    @app.agent(source)
    async def forward(stream: Any) -> None:
        if tuned:
            out = sink.get_topic_name()
            async for event in stream.events():
                await app.producer.send(out, event.key, event.value, None, None, None)
        else:
            async for event in stream.events():
                await sink.send(key=event.key, value=event.value)


if __name__ == "__main__":
    app.main()
