"""The ``claimflow`` command."""

from streams.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
