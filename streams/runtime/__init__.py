"""The Faust runtime around the agents: the app, worker start-up, tables and retention, the
broadcast reader, health and the HTTP listener, metrics, settings, topic administration, and
every use of Faust internals (``faust_internals``)."""
