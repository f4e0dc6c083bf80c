"""Benchmark: X12 ingestion of a clearinghouse-sized 837P, validation included.

The file: 16,000 simulator claims (mean 1.4 lines, up to 4 diagnoses) rendered as one 837P
interchange, 5,000 claims per transaction set and grouped by billing provider as clearinghouse
batches are (~5.5 MB, ~210,000 segments). Measured on it, in the same run:

* ``ingest_text`` in process — read, every group checked against its guide, mapped, every event
  validated against its contract and encoded, the 999 written: rounds of whole-file ingests, each
  round at least ``--round-seconds`` long; claims/s per round, median and spread;
* the guide check alone (read + validate), same rounds, and pyx12's validation of the same file
  (``x12n_document``, what claimflow used before) once, in a child process: the ratio;
* the command end to end (``claimflow x12 ingest FILE --acks DIR`` in a child process, events to
  /dev/null): wall time with start-up, and its peak memory (ru_maxrss); pyx12's peak likewise;
* where the time goes (cProfile of one ingest).

Writes bench/results/x12.json.

    python -m bench.x12 [--claims 16000] [--round-seconds 20] [--rounds 3] [--no-pyx12] [--no-profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
SECRET = b"bench-x12-secret-key-0001"
PYX12_CHILD = """
import io, logging, sys, time
import pyx12.params, pyx12.x12n_document
logging.getLogger("pyx12").setLevel(logging.CRITICAL)
text = open(sys.argv[1]).read()
t = time.perf_counter()
ok = pyx12.x12n_document.x12n_document(pyx12.params.params(), io.StringIO(text), io.StringIO(), None, None, io.StringIO())
print(time.perf_counter() - t, ok)
"""


def build_file(claims: int, seed: int) -> str:
    from schemas import ValidClaim
    from streams.dev.sim.generator import generate
    from streams.x12.claim837 import render_837p
    from streams.x12.profile import X12Profile

    cases = generate(claims, seed=seed, defect_rate=0.0, hidden_rate=0.0, max_diagnoses=4)
    valid = sorted((ValidClaim.model_validate(c.claim) for c in cases), key=lambda c: c.billing_provider_npi)
    return render_837p(valid, X12Profile(), 7, datetime(2026, 11, 27, tzinfo=UTC), per_transaction=5000)


def timed_rounds(work: Any, rounds: int, seconds: float) -> list[tuple[float, int]]:
    """(seconds per call, calls) of each round; a round repeats ``work`` until ``seconds`` pass."""
    out = []
    for _ in range(rounds):
        calls, start = 0, time.perf_counter()
        while True:
            work()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                break
        out.append((elapsed / calls, calls))
    return out


def child(cmd: list[str], stdout: Any = subprocess.PIPE) -> tuple[float, int, str]:
    """Run ``cmd``: (wall seconds, its peak RSS in MB, its stdout)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.DEVNULL, text=True)
    out = proc.stdout.read() if proc.stdout is not None else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - start, usage.ru_maxrss // 1024, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=16000)
    parser.add_argument("--round-seconds", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-pyx12", action="store_true", help="skip pyx12's validation (~1 min)")
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()

    from streams.x12.ingest import ingest_text
    from streams.x12.segments import read
    from streams.x12.validation import validate

    text = build_file(args.claims, seed=11)
    segments = text.count("~")
    print(
        f"x12 ingest: {args.claims:,} claims, {len(text) / 1e6:.1f} MB, {segments:,} segments, one 837P interchange"
    )
    result = ingest_text(text, SECRET)  # warms the guides; checks the file is what we think
    assert result.verdict == "accepted" and len(result.events) == args.claims, result.problems

    def ingest() -> None:
        ingest_text(text, SECRET)

    def check() -> None:
        for interchange in read(text):
            validate(interchange)  # type: ignore[arg-type]

    # interleaved: a round of each, then again, so both see the same machine
    ingest_rounds: list[tuple[float, int]] = []
    check_rounds: list[tuple[float, int]] = []
    for _ in range(args.rounds):
        ingest_rounds += timed_rounds(ingest, 1, args.round_seconds)
        check_rounds += timed_rounds(check, 1, args.round_seconds)
    rates = [args.claims / s for s, _ in ingest_rounds]
    per_ingest = [s for s, _ in ingest_rounds]
    per_check = [s for s, _ in check_rounds]

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "batch-837p.x12"
        path.write_text(text)
        cmd_wall, cmd_rss, _ = child(
            [sys.executable, "-m", "streams.cli", "x12", "ingest", str(path), "--acks", tmp],
            stdout=subprocess.DEVNULL,
        )
        pyx12: dict[str, Any] = {}
        if not args.no_pyx12:
            _, rss, out = child([sys.executable, "-c", PYX12_CHILD, str(path)])
            seconds, ok = out.split()
            pyx12 = {
                "validation_seconds": round(float(seconds), 2),
                "valid": ok == "True",
                "peak_rss_mb": rss,
            }

    report: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.processor() or ''} python {platform.python_version()}".strip(),
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "file": {"claims": args.claims, "megabytes": round(len(text) / 1e6, 2), "segments": segments},
        "rounds": [{"seconds_per_ingest": round(s, 3), "ingests": n} for s, n in ingest_rounds],
        "claims_per_second": {
            "median": round(statistics.median(rates)),
            "min": round(min(rates)),
            "max": round(max(rates)),
        },
        "seconds_per_file": round(statistics.median(per_ingest), 2),
        "guide_check_seconds": round(statistics.median(per_check), 2),
        "command": {"wall_seconds": round(cmd_wall, 2), "peak_rss_mb": cmd_rss},
        "pyx12": pyx12,
        "target": {"claims_per_second": 3000, "peak_rss_mb": 300},
    }
    if pyx12:
        report["guide_check_vs_pyx12"] = round(pyx12["validation_seconds"] / statistics.median(per_check), 1)
    print(
        f"  ingest_text: {report['claims_per_second']['median']:,} claims/s median "
        f"(rounds {', '.join(f'{r:,.0f}' for r in rates)}; {report['seconds_per_file']} s per file; target 3,000)"
    )
    print(f"  guide check alone (read + validate): {report['guide_check_seconds']} s per file")
    print(f"  the command, start-up included: {cmd_wall:.1f} s, peak RSS {cmd_rss} MB (target <= 300 MB)")
    if pyx12:
        print(
            f"  pyx12's validation of the same file: {pyx12['validation_seconds']} s, peak RSS "
            f"{pyx12['peak_rss_mb']} MB: the guide check is {report['guide_check_vs_pyx12']}x faster"
        )
    print(f"  machine: {os.cpu_count()} CPUs, load average {report['load_average_1m']} (shared)")
    if not args.no_profile:
        prof = cProfile.Profile()
        prof.enable()
        ingest()
        prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(12)
        top = [ln for ln in buf.getvalue().splitlines() if ln.strip()][-13:]
        print("  where the time goes (cProfile of one ingest, tottime):")
        for ln in top:
            print("   ", ln[:150])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "x12.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"  written: {RESULTS / 'x12.json'}")


if __name__ == "__main__":
    main()
