"""The ceiling for the end-to-end benchmark: a plain Faust agent that forwards every message
unchanged, on the same broker, partitions and messages as the worker.

``BENCH_PASSTHROUGH=stock`` (default) is Faust as shipped: default producer, ``topic.send`` per
message, Faust's Monitor, the asyncio loop. ``tuned`` is the same agent with the settings the
claimflow worker runs with (``streams.runtime.app.faust_config``: producer batching and the quiet monitor;
uvloop; sends through ``app.producer.send``), so the benchmark shows what the settings are worth
apart from what claimflow's own work costs.

``shape`` is the scrub stage's message shape with no claimflow work: with the worker's settings,
it reads claims (BENCH_IN) and encounters (BENCH_ENCOUNTERS), writes each encounter to a table,
reads it back and writes a history table entry per claim (two changelog writes), and sends every
claim unchanged to three topics (BENCH_OUT and two more): the floor of what the stage's contract
(2 events in, 3 outputs and 2 changelog writes per claim) costs in Faust on this broker.

Run as ``python -m bench.passthrough_app worker -l info`` with BENCH_IN/BENCH_OUT/KAFKA_BOOTSTRAP_SERVERS.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

import faust

from streams.runtime.app import faust_config
from streams.runtime.settings import load_settings
from streams.runtime.worker import use_event_loop

settings = load_settings()
variant = os.environ.get("BENCH_PASSTHROUGH", "stock")
shape = variant == "shape"
tuned = variant in ("tuned", "shape")
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
source = app.topic(os.environ["BENCH_IN"], key_serializer="raw", value_serializer="raw")
sink = app.topic(os.environ["BENCH_OUT"], key_serializer="raw", value_serializer="raw")


if tuned:

    @app.task
    async def quiet_root_logger() -> None:
        # mode leaves the root logger at DEBUG whatever -l says; every logger.debug() then builds
        # a record (the worker does the same in streams.runtime.worker)
        logging.getLogger().setLevel(logging.INFO)


if shape:
    from streams.agents.common import set_current_event

    raw: faust.Schema = faust.Schema(key_serializer="raw", value_serializer="raw")
    encounters_in = app.topic(os.environ["BENCH_ENCOUNTERS"], key_serializer="raw", value_serializer="raw")
    encounter_table = app.Table("shape-encounters", default=None, partitions=settings.partitions, schema=raw)
    history_table = app.Table("shape-history", default=None, partitions=settings.partitions, schema=raw)
    outputs = [os.environ["BENCH_OUT"], os.environ["BENCH_OUT"] + "-2", os.environ["BENCH_OUT"] + "-3"]

    @app.agent(encounters_in)
    async def store_encounters(stream: Any) -> None:
        async for event in stream.events():
            encounter_table[event.key] = event.value

    @app.agent(source)
    async def claims(stream: Any) -> None:
        async for events in stream.take_events(settings.batch_size, within=settings.batch_seconds):
            futures = []
            for event in events:
                set_current_event(event)
                encounter_table.get(event.key)
                history_table[event.key] = event.value
                for out in outputs:
                    futures.append(await app.producer.send(out, event.key, event.value, None, None, None))
            await asyncio.gather(*futures)


else:

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
