"""The billing audit report: ``load`` reads the output topics (or an export of them),
``compute`` turns the events into figures (pure), ``render`` writes self-contained HTML."""
