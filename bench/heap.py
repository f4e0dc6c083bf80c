"""Heap profile of a running worker: ``claimflow worker`` under tracemalloc.

    python -m bench.heap OUT_DIR [--every 60] [--frames 8] [--warmup 45] [--light]   # the worker reads its environment

Used by ``bench.soak --heap-profile DIR``. Tracing starts ``--warmup`` seconds after the process
(once the worker runs); every ``--every`` seconds a snapshot is then compared with
the first one taken after the worker became steady (the second snapshot): ``OUT_DIR/heap-N.txt``
lists the 30 allocation sites that grew most (size and count), with the traced total and the
process RSS, so Python heap growth and RSS growth can be told apart (RSS that grows while the
traced heap does not is the allocator or native code, not Python objects).
"""

from __future__ import annotations

import collections
import gc
import sys
import threading
import time
import tracemalloc
from pathlib import Path


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def snapshots(out: Path, every: float, frames: int, warmup: float) -> None:
    # tracing from the start would make importing the rule pack and the ICD-10-CM release (millions
    # of small objects) take minutes: trace what is allocated once the worker runs
    time.sleep(warmup)
    tracemalloc.start(frames)
    base: tracemalloc.Snapshot | None = None
    filters = [
        tracemalloc.Filter(False, tracemalloc.__file__),
        tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
        tracemalloc.Filter(False, "<frozen importlib._bootstrap_external>"),
    ]
    n = 0
    while True:
        time.sleep(every)
        snap = tracemalloc.take_snapshot().filter_traces(filters)
        traced, peak = tracemalloc.get_traced_memory()
        n += 1
        lines = [
            f"snapshot {n}: traced {traced / 2**20:.1f} MB (peak {peak / 2**20:.1f}), RSS {rss_mb():.1f} MB"
        ]
        if n == 2 or base is None:
            base = snap if n == 2 else None
        else:
            lines.append("growth since snapshot 2, by allocation site:")
            for stat in snap.compare_to(base, "traceback")[:30]:
                lines.append(
                    f"{stat.size_diff / 1024:+10.1f} KiB {stat.count_diff:+8d} blocks  (now {stat.size / 1024:.0f} KiB)"
                )
                lines.extend(f"        {frame}" for frame in stat.traceback.format()[-8:])
        (out / f"heap-{n:03d}.txt").write_text("\n".join(lines) + "\n")


def census(out: Path, every: float, warmup: float) -> None:
    """``--light``: no tracing (full speed): RSS, the interpreter's allocated blocks and live objects
    by type, compared with the first census after the warm-up."""
    time.sleep(warmup)
    base: collections.Counter[str] | None = None
    n = 0
    while True:
        counts = collections.Counter(type(o).__name__ for o in gc.get_objects())
        n += 1
        lines = [
            f"census {n}: RSS {rss_mb():.1f} MB, allocated blocks {sys.getallocatedblocks():,}, objects {sum(counts.values()):,}"
        ]
        if base is None:
            base = counts
        else:
            grown = sorted(((counts[k] - base[k], k) for k in counts | base), reverse=True)
            lines.append(
                "objects by type, change since census 1: " + ", ".join(f"{k} {d:+,}" for d, k in grown[:15])
            )
        (out / f"census-{n:03d}.txt").write_text("\n".join(lines) + "\n")
        time.sleep(every)


def main() -> None:
    out = Path(sys.argv[1])
    args = sys.argv[2:]
    every = float(args[args.index("--every") + 1]) if "--every" in args else 60.0
    frames = int(args[args.index("--frames") + 1]) if "--frames" in args else 8
    warmup = float(args[args.index("--warmup") + 1]) if "--warmup" in args else 45.0
    out.mkdir(parents=True, exist_ok=True)
    if "--light" in args:
        threading.Thread(target=census, args=(out, every, warmup), daemon=True, name="heap-census").start()
    else:
        threading.Thread(
            target=snapshots, args=(out, every, frames, warmup), daemon=True, name="heap-snapshots"
        ).start()
    from streams.cli.main import main as claimflow

    sys.exit(claimflow(["worker"]))


if __name__ == "__main__":
    main()
