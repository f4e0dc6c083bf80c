"""Development tools: the embedded broker, a local run (worker process + bus client), the demo
and the simulator. Not needed in production."""
