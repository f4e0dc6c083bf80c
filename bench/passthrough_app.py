"""The ceiling for the end-to-end benchmark: a plain Faust agent that forwards every message
unchanged, on the same broker, partitions and messages as the worker.

``BENCH_PASSTHROUGH=stock`` (default) is Faust as shipped: default producer, ``topic.send`` per
message, Faust's Monitor, the asyncio loop. ``tuned`` is the same agent with the settings the
claimflow worker runs with (``streams.app.faust_config``: producer batching and the quiet monitor;
uvloop; sends through ``app.producer.send``), so the benchmark shows what the settings are worth
apart from what claimflow's own work costs.

Run as ``python -m bench.passthrough_app worker -l info`` with BENCH_IN/BENCH_OUT/KAFKA_BOOTSTRAP_SERVERS.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import faust

from streams.app import faust_config
from streams.runner import use_event_loop
from streams.settings import load_settings

settings = load_settings()
tuned = os.environ.get("BENCH_PASSTHROUGH", "stock") == "tuned"
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
        # a record (the worker does the same in streams.runner)
        logging.getLogger().setLevel(logging.INFO)


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
