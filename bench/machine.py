"""What a second process buys on this machine: the ceiling of any two-worker scale-out here.

A CPU-bound stand-in for a worker's own work, with no broker and no I/O: decode a claim's JSON into
its contract, scrub it, encode the result — in one process, then in two at once, for a fixed time
each, interleaved rounds. The ratio (two processes' claims/s over one's) is what the machine gives
a second process when nothing else competes; ``bench/state.py``'s scale-out can only do worse (its
broker and load generator share the same cores). A ratio well under 2 with two idle cores means the
cores are not independent (hyperthreads of one physical core, or a host that throttles the guest).

    python -m bench.machine [--seconds 20] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def _work(seconds: float, claims: int, start: Any, out: Any) -> None:
    """Decode, scrub and encode claims in a loop for ``seconds`` once every process is ready
    (``start``, a barrier); put its claims per second on ``out``."""
    from schemas import ValidClaim
    from schemas.codec import encode
    from streams.dev.sim.generator import generate
    from streams.scrub import Scrubber

    scrubber = Scrubber.load()
    raw = [json.dumps(c.claim).encode() for c in generate(claims, seed=5, defect_rate=0.2)]
    as_of = datetime.now(UTC).date()
    for payload in raw[:200]:  # warm-up: first look-ups, caches
        scrubber.scrub(ValidClaim.model_validate_json(payload), as_of, None, ())
    start.wait()
    done = 0
    began = time.perf_counter()
    deadline = began + seconds
    while time.perf_counter() < deadline:
        for payload in raw:
            encode(scrubber.scrub(ValidClaim.model_validate_json(payload), as_of, None, ()))
        done += len(raw)
    out.put(done / (time.perf_counter() - began))


def measure(processes: int, seconds: float, claims: int = 500) -> float:
    """Claims per second of ``processes`` processes working at once (their sum)."""
    ctx = mp.get_context("spawn")
    out: Any = ctx.Queue()
    start: Any = ctx.Barrier(processes)
    procs = [ctx.Process(target=_work, args=(seconds, claims, start, out)) for _ in range(processes)]
    for p in procs:
        p.start()
    rates = [out.get(timeout=seconds + 300) for _ in procs]
    for p in procs:
        p.join(60)
    # each process's own rate over its loop, the loops started together (the barrier)
    return float(sum(rates))


def two_process_ratio(seconds: float = 20.0, rounds: int = 3, log: Any = print) -> dict[str, Any]:
    runs: dict[int, list[float]] = {1: [], 2: []}
    for r in range(rounds):
        for n in (1, 2) if r % 2 == 0 else (2, 1):
            rate = measure(n, seconds)
            runs[n].append(rate)
            log(f"machine round {r + 1}/{rounds}: {n} process(es) {rate:,.0f} claims/s")
    one, two = statistics.median(runs[1]), statistics.median(runs[2])
    return {
        "workload": "decode + scrub + encode, no I/O",
        "seconds_per_run": seconds,
        "one_process_claims_per_second": [round(x) for x in runs[1]],
        "two_processes_claims_per_second": [round(x) for x in runs[2]],
        "ratio": round(two / one, 3),
        "ratio_per_round": [round(b / a, 3) for a, b in zip(runs[1], runs[2], strict=True)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS / "machine.json")
    args = parser.parse_args()
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        **two_process_ratio(args.seconds, args.rounds),
    }
    print(f"two processes / one: {result['ratio']} (per round {result['ratio_per_round']})")
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
