"""The ceiling for the end-to-end benchmark: a plain Faust agent that forwards every message
unchanged, with the same broker, partitions, producer settings and session timeout as the worker.

Run as ``python -m bench.passthrough_app worker`` with BENCH_IN/BENCH_OUT/KAFKA_BOOTSTRAP_SERVERS.
"""

from __future__ import annotations

import os
from typing import Any

import faust

from streams.app import faust_config
from streams.settings import load_settings

settings = load_settings()
config = faust_config(settings)
config["datadir"] = os.environ.get("BENCH_DATADIR", "/tmp/claimflow-bench-passthrough")
app = faust.App(os.environ.get("BENCH_APP_ID", "bench-passthrough"), **config)
source = app.topic(os.environ["BENCH_IN"], key_serializer="raw", value_serializer="raw")
sink = app.topic(os.environ["BENCH_OUT"], key_serializer="raw", value_serializer="raw")


@app.agent(source)
async def forward(stream: Any) -> None:
    async for event in stream.events():
        await sink.send(key=event.key, value=event.value)


if __name__ == "__main__":
    app.main()
