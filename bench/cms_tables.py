"""Benchmark: the CMS tables at full size — compile, load, resident memory, engine throughput.

Generates CMS files of the real size and layout (``bench.cms_generate``: 3 million NCCI PTP rows in
four parts, 15,000 MUE rows, 16,000 PPRRVU rows, the HCPCS file; seeded, in a temporary folder),
then, each step (the generation too) in a fresh process so that one does not pay for another's
garbage:

* compile: ``compile_cms`` (what ``claimflow rules compile`` runs), wall time and peak RSS;
* load: ``load_packs(cms_dir=…)`` as the worker starts (fingerprint of the files, the compiled
  form from the cache), several times; the resident memory it adds (RSS after minus before, the
  bundled packs loaded first so that only the tables are counted);
* engine: the scrub engine on the benchmark mix of ``bench.scrub_engine`` with the bundled
  tables and with the full tables, in interleaved rounds of ``--seconds`` each (the machine is
  shared: the median and the spread are reported, and the ratio of the two in the same run); the
  edits of every claim are compared between the two first (the generated files hold the bundled
  rows, so they must be the same).

Writes ``bench/results/cms_tables.json``.

    python -m bench.cms_tables [--rounds 5] [--seconds 20] [--ptp-rows 3000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parents[1]
TARGETS = {
    "compile_seconds": 60,
    "load_seconds": 3,
    "tables_rss_mb": 200,
    "engine_claims_per_second": 20_000,
}


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")  # pragma: no cover


def peak_rss_mb() -> float:
    """The process's peak RSS (``VmHWM``: per address space, so not inherited from the parent
    across fork and exec as ``ru_maxrss`` is)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")  # pragma: no cover


def reset_peak_rss() -> None:
    """Start ``VmHWM`` again from the current RSS (Linux 4.0+; a no-op where not allowed)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:  # pragma: no cover
        pass


# --- the probes, each run in a fresh process ----------------------------------------------------


def probe_compile(cms_dir: Path, out: Path) -> dict[str, Any]:
    from streams.scrub.cms.tables import compile_cms

    reset_peak_rss()
    started = time.perf_counter()
    tables, written, size = compile_cms(cms_dir, out)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "peak_rss_mb": peak_rss_mb(),
        "compiled_bytes": size,
        "ptp_rows": len(tables.ptp),
        "ptp_codes": len(tables.ptp.codes),
        "mue_rows": len(tables.mue),
        "rvu_rows": len(tables.fees),
        "hcpcs_codes": len(tables.hcpcs.codes),
        "written": str(written),
    }


def probe_load(cms_dir: Path, cache_dir: Path) -> dict[str, Any]:
    from streams.scrub.cms.tables import load_compiled
    from streams.scrub.packs import load_packs

    load_packs()  # everything imported and the bundled packs loaded: only the tables are counted
    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    pack = load_packs(cms_dir=cms_dir, cms_cache_dir=cache_dir)
    seconds = time.perf_counter() - started
    gc.collect()
    after = rss_mb()
    assert pack.cms.compiled is not None, "the compiled form was not used"
    started = time.perf_counter()
    tables = load_compiled(Path(pack.cms.compiled))
    compiled_seconds = time.perf_counter() - started
    del tables
    return {
        "seconds": seconds,
        "compiled_only_seconds": compiled_seconds,
        "rss_mb": after - before,
        "rss_before_mb": before,
        "compiled": pack.cms.compiled,
        "ptp_rows": len(pack.cms.ptp),
    }


def _mix(claims: int) -> tuple[list[tuple[Any, Any, tuple[Any, ...]]], Any, Any]:
    from bench.scrub_engine import Learned
    from schemas import Encounter, ValidClaim
    from streams.dev.sim.generator import generate
    from streams.scrub import HistoryEntry
    from streams.trends.windows import LearnedRate

    learned: Any = Learned({"BLUEPEAK|93000|I10": LearnedRate(20, 6, 30, ["CO-11"])})
    cases = generate(claims, seed=11, max_diagnoses=4)
    parsed = [ValidClaim.model_validate(c.claim) for c in cases]
    encounters = {c.encounter["encounter_id"]: Encounter.model_validate(c.encounter) for c in cases}
    as_of = datetime.now(UTC).date()
    history: dict[str, list[Any]] = defaultdict(list)
    inputs = []
    for claim in parsed:
        inputs.append((claim, encounters.get(claim.encounter_id or ""), tuple(history[claim.patient_key])))
        history[claim.patient_key].extend(HistoryEntry.from_claim(claim))
    return inputs, as_of, learned


def probe_engine(cms_dir: Path, cache_dir: Path, claims: int, rounds: int, seconds: float) -> dict[str, Any]:
    from streams.scrub import Scrubber

    inputs, as_of, learned = _mix(claims)
    scrubbers = {
        "bundled": Scrubber.load(),
        "full": Scrubber.load(cms_dir=cms_dir, cms_cache_dir=cache_dir),
    }
    assert scrubbers["full"].pack.cms.official == {"ptp", "mue", "fees", "hcpcs"}

    def edits(scrubber: Scrubber) -> list[tuple[str, list[tuple[str, str]]]]:
        out: list[tuple[str, list[tuple[str, str]]]] = []
        for claim, enc, hist in inputs:
            result = scrubber.scrub(claim, as_of, enc, hist, learned=learned)
            out.append((result.status, [(e.rule_id, e.message) for e in result.edits]))
        return out

    small, full = edits(scrubbers["bundled"]), edits(scrubbers["full"])  # also the warm-up pass
    differ = sum(1 for a, b in zip(small, full, strict=True) if a != b)
    held = sum(1 for status, _ in full if status == "held") / len(full)

    def timed_pass(scrubber: Scrubber) -> float:
        done = 0
        started = time.perf_counter()
        while True:
            for claim, enc, hist in inputs:
                scrubber.scrub(claim, as_of, enc, hist, learned=learned)
            done += len(inputs)
            elapsed = time.perf_counter() - started
            if elapsed >= seconds:
                return done / elapsed

    rates: dict[str, list[float]] = {"bundled": [], "full": []}
    for r in range(rounds):
        order = ("bundled", "full") if r % 2 == 0 else ("full", "bundled")
        for name in order:
            rates[name].append(timed_pass(scrubbers[name]))
    ratios = [f / b for f, b in zip(rates["full"], rates["bundled"], strict=True)]
    return {
        "claims": len(inputs),
        "held_share": held,
        "claims_with_different_edits": differ,
        "rounds": rounds,
        "seconds_per_pass": seconds,
        "full": rates["full"],
        "bundled": rates["bundled"],
        "ratios": ratios,
    }


def _run_probe(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.cms_tables", "--probe", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"probe {args[0]} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _spread(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values)),
        "min": round(min(values)),
        "max": round(max(values)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved engine rounds (default 5)")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds per engine pass (default 20)")
    parser.add_argument("--claims", type=int, default=20000, help="claims in the benchmark mix")
    parser.add_argument("--loads", type=int, default=3, help="load measurements (fresh processes)")
    parser.add_argument("--ptp-rows", type=int, default=3_000_000)
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    parser.add_argument("--probe", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.probe:
        kind, *rest = args.probe
        if kind == "compile":
            out = probe_compile(Path(rest[0]), Path(rest[1]))
        elif kind == "generate":
            from bench.cms_generate import Sizes, generate

            out = generate(Path(rest[0]), Sizes(ptp_rows=int(rest[1])))
        elif kind == "load":
            out = probe_load(Path(rest[0]), Path(rest[1]))
        else:
            out = probe_engine(Path(rest[0]), Path(rest[1]), int(rest[2]), int(rest[3]), float(rest[4]))
        print(json.dumps(out))
        return

    work = Path(tempfile.mkdtemp(prefix="claimflow-cms-bench-"))
    cms_dir = args.keep or work / "cms"
    cache_dir = work / "cache"
    cache_dir.mkdir()
    try:
        started = time.perf_counter()
        generated = _run_probe("generate", str(cms_dir), str(args.ptp_rows))
        print(
            f"CMS tables: generated {generated['ptp_rows']:,} PTP rows, {generated['bytes'] / 1e6:.0f} MB "
            f"of files in {time.perf_counter() - started:.0f} s ({cms_dir})",
            flush=True,
        )
        compiled = _run_probe("compile", str(cms_dir), str(cache_dir))
        print(
            f"  compile: {compiled['seconds']:.1f} s (target ≤ 60), peak RSS {compiled['peak_rss_mb']:.0f} MB, "
            f"{compiled['compiled_bytes'] / 1e6:.1f} MB compiled ({compiled['ptp_codes']:,} codes)",
            flush=True,
        )
        loads = [_run_probe("load", str(cms_dir), str(cache_dir)) for _ in range(args.loads)]
        load_seconds = statistics.median(x["seconds"] for x in loads)
        compiled_seconds = statistics.median(x["compiled_only_seconds"] for x in loads)
        rss = statistics.median(x["rss_mb"] for x in loads)
        print(
            f"  load (fingerprint of the files + compiled form): {load_seconds:.2f} s median of {len(loads)} "
            f"({min(x['seconds'] for x in loads):.2f}-{max(x['seconds'] for x in loads):.2f}; target ≤ 3), "
            f"the compiled file alone {compiled_seconds:.2f} s",
            flush=True,
        )
        print(f"  resident memory of the loaded tables: {rss:.0f} MB (target ≤ 200)", flush=True)
        engine = _run_probe(
            "engine", str(cms_dir), str(cache_dir), str(args.claims), str(args.rounds), str(args.seconds)
        )
        full, bundled = _spread(engine["full"]), _spread(engine["bundled"])
        ratio = statistics.median(engine["ratios"])
        print(
            f"  engine, full tables: {full['median']:,} claims/s median of {args.rounds} rounds of "
            f"{args.seconds:.0f} s ({full['min']:,}-{full['max']:,}; target ≥ 20,000)"
        )
        print(
            f"  engine, bundled tables (same run, interleaved): {bundled['median']:,} claims/s "
            f"({bundled['min']:,}-{bundled['max']:,}); full / bundled {ratio:.2f} "
            f"({min(engine['ratios']):.2f}-{max(engine['ratios']):.2f})"
        )
        print(
            f"  same edits with both tables: {engine['claims'] - engine['claims_with_different_edits']:,} of "
            f"{engine['claims']:,} claims"
        )
        report = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()} python {platform.python_version()}",
            "generated": {k: generated[k] for k in ("bytes", "codes", "seconds")},
            "ptp_rows": compiled["ptp_rows"],
            "ptp_codes": compiled["ptp_codes"],
            "mue_rows": compiled["mue_rows"],
            "rvu_rows": compiled["rvu_rows"],
            "hcpcs_codes": compiled["hcpcs_codes"],
            "compile_seconds": round(compiled["seconds"], 2),
            "compile_peak_rss_mb": round(compiled["peak_rss_mb"]),
            "compiled_bytes": compiled["compiled_bytes"],
            "load_seconds": round(load_seconds, 3),
            "load_seconds_runs": [round(x["seconds"], 3) for x in loads],
            "load_compiled_file_seconds": round(compiled_seconds, 3),
            "tables_rss_mb": round(rss, 1),
            "tables_rss_mb_runs": [round(x["rss_mb"], 1) for x in loads],
            "engine_claims_per_second": full["median"],
            "engine_claims_per_second_spread": full,
            "engine_rounds": [round(x) for x in engine["full"]],
            "engine_bundled_claims_per_second": bundled["median"],
            "engine_bundled_spread": bundled,
            "engine_bundled_rounds": [round(x) for x in engine["bundled"]],
            "engine_ratio_full_to_bundled": round(ratio, 3),
            "engine_ratios": [round(x, 3) for x in engine["ratios"]],
            "engine_seconds_per_pass": args.seconds,
            "engine_claims": engine["claims"],
            "engine_held_share": round(engine["held_share"], 3),
            "claims_with_different_edits": engine["claims_with_different_edits"],
            "targets": TARGETS,
        }
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "cms_tables.json").write_text(json.dumps(report, indent=2) + "\n")
        print(f"  written: {RESULTS / 'cms_tables.json'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
