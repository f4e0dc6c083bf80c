"""Benchmark: X12 ingestion of a clearinghouse-sized 837P, validation included.

The file: 16,000 simulator claims (mean 1.4 lines, up to 4 diagnoses) rendered as one 837P
interchange, 5,000 claims per transaction set and grouped by billing provider as clearinghouse
batches are (~5.5 MB, ~210,000 segments). Measured on it, in the same run:

* ``ingest_text`` in process — read, every group checked against its guide, mapped, every event
  validated against its contract and encoded, the 999 written: rounds of whole-file ingests, each
  round at least ``--round-seconds`` long; claims/s per round, median and spread; in one process
  and with the transaction sets checked and mapped in two forked processes (``--jobs 2``), rounds
  interleaved;
* the guide check alone (read + validate), same rounds, and pyx12's validation of the same file
  (``x12n_document``, what claimflow used before) once, in a child process: the ratio;
* the command end to end (``claimflow x12 ingest FILE --acks DIR`` in a child process, its events
  read by the parent), ``--jobs 1`` and ``--jobs 2``: wall time with start-up, and its peak memory
  (VmHWM); pyx12's likewise;
* where the time goes (cProfile of one ingest).

Writes bench/results/x12.json.

    python -m bench.x12 [--claims 16000] [--round-seconds 20] [--rounds 3] [--no-pyx12] [--no-profile]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.profiling import print_top

RESULTS = Path(__file__).resolve().parent / "results"
SECRET = b"bench-x12-secret-key-0001"
#: the peak memory a child reports itself (VmHWM starts afresh at exec; the parent's rusage of a
#: forked child counts the parent's pages from before the exec)
PEAK = "print('VmHWM', open('/proc/self/status').read().split('VmHWM:')[1].split()[0], file=sys.stderr)"
PYX12_CHILD = f"""
import io, logging, sys, time
import pyx12.params, pyx12.x12n_document
logging.getLogger("pyx12").setLevel(logging.CRITICAL)
text = open(sys.argv[1]).read()
t = time.perf_counter()
ok = pyx12.x12n_document.x12n_document(pyx12.params.params(), io.StringIO(text), io.StringIO(), None, None, io.StringIO())
print(time.perf_counter() - t, ok)
{PEAK}
"""
COMMAND_CHILD = f"""
import sys
from streams.cli.main import main
code = main(sys.argv[1:])
{PEAK}
sys.exit(code)
"""


def build_file(claims: int, seed: int) -> str:
    from schemas import ValidClaim
    from streams.dev.sim.generator import generate
    from streams.x12.claim837 import render_837p
    from streams.x12.profile import X12Profile

    cases = generate(claims, seed=seed, defect_rate=0.0, hidden_rate=0.0, max_diagnoses=4)
    valid = sorted((ValidClaim.model_validate(c.claim) for c in cases), key=lambda c: c.billing_provider_npi)
    return render_837p(valid, X12Profile(), 7, datetime(2026, 11, 27, tzinfo=UTC), per_transaction=5000)


def timed_rounds(work: Any, rounds: int, seconds: float) -> list[tuple[float, float, int]]:
    """(wall seconds per call, CPU seconds per call, calls) of each round; a round repeats ``work``
    until ``seconds`` of wall time pass. The CPU time says what the work costs whatever else the
    shared machine runs; the wall time is what a user waits."""
    out = []
    for _ in range(rounds):
        calls, start, cpu = 0, time.perf_counter(), time.process_time()
        while True:
            work()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                break
        out.append((elapsed / calls, (time.process_time() - cpu) / calls, calls))
    return out


def child(code: str, *args: str) -> tuple[float, int, str]:
    """Run a Python child: (wall seconds, the peak RSS it reports in MB, its stdout)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    peak = [line.split()[1] for line in done.stderr.splitlines() if line.startswith("VmHWM ")]
    return time.perf_counter() - start, int(peak[-1]) // 1024 if peak else -1, done.stdout


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

    def ingest_two() -> None:
        ingest_text(text, SECRET, workers=2)

    def check() -> None:
        for interchange in read(text):
            validate(interchange)  # type: ignore[arg-type]

    # interleaved: a round of each, then again, so both see the same machine
    ingest_rounds: list[tuple[float, float, int]] = []
    two_rounds: list[tuple[float, float, int]] = []
    check_rounds: list[tuple[float, float, int]] = []
    for _ in range(args.rounds):
        ingest_rounds += timed_rounds(ingest, 1, args.round_seconds)
        two_rounds += timed_rounds(ingest_two, 1, args.round_seconds)
        check_rounds += timed_rounds(check, 1, args.round_seconds)
    two_rates = [args.claims / s for s, _, _ in two_rounds]
    rates = [args.claims / s for s, _, _ in ingest_rounds]
    cpu_rates = [args.claims / c for _, c, _ in ingest_rounds]
    per_ingest = [s for s, _, _ in ingest_rounds]
    per_check = [s for s, _, _ in check_rounds]

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "batch-837p.x12"
        path.write_text(text)
        cmd_wall, cmd_rss, _ = child(COMMAND_CHILD, "x12", "ingest", str(path), "--acks", tmp, "--jobs", "1")
        two_wall, two_rss, _ = child(COMMAND_CHILD, "x12", "ingest", str(path), "--acks", tmp, "--jobs", "2")
        pyx12: dict[str, Any] = {}
        if not args.no_pyx12:
            _, rss, out = child(PYX12_CHILD, str(path))
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
        "rounds": [
            {"seconds_per_ingest": round(s, 3), "cpu_seconds_per_ingest": round(c, 3), "ingests": n}
            for s, c, n in ingest_rounds
        ],
        "claims_per_second": {
            "median": round(statistics.median(rates)),
            "min": round(min(rates)),
            "max": round(max(rates)),
        },
        "claims_per_cpu_second": {
            "median": round(statistics.median(cpu_rates)),
            "min": round(min(cpu_rates)),
            "max": round(max(cpu_rates)),
        },
        "seconds_per_file": round(statistics.median(per_ingest), 2),
        "two_processes": {
            "claims_per_second_median": round(statistics.median(two_rates)),
            "min": round(min(two_rates)),
            "max": round(max(two_rates)),
            "vs_one_process": round(statistics.median(two_rates) / statistics.median(rates), 2),
        },
        "guide_check_seconds": round(statistics.median(per_check), 2),
        "command": {
            "one_process": {"wall_seconds": round(cmd_wall, 2), "peak_rss_mb": cmd_rss},
            "two_processes": {"wall_seconds": round(two_wall, 2), "parent_peak_rss_mb": two_rss},
        },
        "pyx12": pyx12,
        "target": {"claims_per_second": 3000, "peak_rss_mb": 300},
    }
    if pyx12:
        report["guide_check_vs_pyx12"] = round(pyx12["validation_seconds"] / statistics.median(per_check), 1)
    print(
        f"  ingest_text: {report['claims_per_second']['median']:,} claims/s median "
        f"(rounds {', '.join(f'{r:,.0f}' for r in rates)}; {report['seconds_per_file']} s per file; target 3,000)"
    )
    print(
        f"  two processes (--jobs 2): {report['two_processes']['claims_per_second_median']:,} "
        f"claims/s median (rounds {', '.join(f'{r:,.0f}' for r in two_rates)}; "
        f"{report['two_processes']['vs_one_process']}x one process)"
    )
    print(
        f"  CPU: {report['claims_per_cpu_second']['median']:,} claims per CPU-second median "
        f"(rounds {', '.join(f'{r:,.0f}' for r in cpu_rates)})"
    )
    print(f"  guide check alone (read + validate): {report['guide_check_seconds']} s per file")
    print(
        f"  the command, start-up included: {cmd_wall:.1f} s, peak RSS {cmd_rss} MB with --jobs 1 (target <= 300 MB); "
        f"{two_wall:.1f} s with --jobs 2 (parent {two_rss} MB)"
    )
    if pyx12:
        print(
            f"  pyx12's validation of the same file: {pyx12['validation_seconds']} s, peak RSS "
            f"{pyx12['peak_rss_mb']} MB: the guide check is {report['guide_check_vs_pyx12']}x faster"
        )
    print(f"  machine: {os.cpu_count()} CPUs, load average {report['load_average_1m']} (shared)")
    if not args.no_profile:
        print_top(ingest, "cProfile of one ingest, tottime")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "x12.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"  written: {RESULTS / 'x12.json'}")


if __name__ == "__main__":
    main()
