"""What the benchmarks print about where their time goes."""

from __future__ import annotations

import cProfile
import io
import pstats
from collections.abc import Callable


def print_top(work: Callable[[], object], title: str, rows: int = 12) -> None:
    """Run ``work`` under cProfile and print its ``rows`` costliest functions by own time."""
    prof = cProfile.Profile()
    prof.enable()
    work()
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(rows)
    top = [ln for ln in buf.getvalue().splitlines() if ln.strip()][-(rows + 1) :]
    print(f"  where the time goes ({title}):")
    for ln in top:
        print("   ", ln[:150])
