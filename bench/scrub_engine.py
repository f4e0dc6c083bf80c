"""Benchmark: the scrub engine alone (no Kafka), single process, realistic mix.

Claims from the simulator (1-3 lines, 1-4 diagnoses, ~20 % defective) with their encounters, a
per-patient history and a learned denial rate (BluePeak, 93000 with I10), as the scrub agent
sees them. Prints start-up costs, claims/s, latency
percentiles, how many checkers the screen asked, the same run asking every checker (the screen
off), where the time goes (cProfile), and writes bench/results/scrub_engine.json.

    python -m bench.scrub_engine [--claims 20000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.profiling import print_top

RESULTS = Path(__file__).resolve().parent / "results"


class Learned:
    """What the worker passes for the learned denial rates (``streams.agents.trends``'s lookup,
    without Faust): a lookup by ``payer|code|dx+dx`` and ``covers(payer, code)`` for the screen."""

    def __init__(self, rates: dict[str, object]):
        self.rates = rates
        self.groups = {key.rsplit("|", 1)[0] for key in rates}

    def __call__(self, key: str) -> object:
        return self.rates.get(key)

    def covers(self, payer_id: str, code: str) -> bool:
        return f"{payer_id}|{code}" in self.groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()

    t0 = time.perf_counter()
    from schemas import Encounter, ValidClaim
    from streams.scrub import HistoryEntry, Scrubber

    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    scrubber = Scrubber.load()
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    scrubber.icd.status("R07.9", datetime.now(UTC).date())  # first ICD lookup touches the release data
    t_icd = time.perf_counter() - t0

    from streams.dev.sim.generator import generate
    from streams.trends.windows import LearnedRate

    # as in the learning-loop scenario: BluePeak has been denying 93000 with I10 alone (CO-11)
    learned: Any = Learned({"BLUEPEAK|93000|I10": LearnedRate(20, 6, 30, ["CO-11"])})

    cases = generate(args.claims, seed=11, max_diagnoses=4)
    claims = [ValidClaim.model_validate(c.claim) for c in cases]  # as the worker decodes them
    encounters = {c.encounter["encounter_id"]: Encounter.model_validate(c.encounter) for c in cases}
    as_of = datetime.now(UTC).date()
    history: dict[str, list[HistoryEntry]] = defaultdict(list)
    inputs = []
    for claim in claims:  # the history each claim would see, prepared outside the timed loop
        inputs.append((claim, encounters.get(claim.encounter_id or ""), tuple(history[claim.patient_key])))
        history[claim.patient_key].extend(HistoryEntry.from_claim(claim))
    defective = sum(1 for c in cases if c.defects) / len(cases)
    lines = statistics.mean(len(c.lines) for c in claims)
    diagnoses = statistics.mean(len(c.diagnoses) for c in claims)
    with_history = sum(1 for _, _, h in inputs if h) / len(inputs)

    rates, all_lat = [], []
    held = 0
    for _ in range(args.repeats):
        lat = []
        start = time.perf_counter()
        for claim, enc, hist in inputs:
            t = time.perf_counter()
            result = scrubber.scrub(claim, as_of, enc, hist, learned=learned)
            lat.append(time.perf_counter() - t)
            held += result.status == "held"
        elapsed = time.perf_counter() - start
        rates.append(len(inputs) / elapsed)
        all_lat.extend(lat)
    all_lat.sort()

    def pct(p: float) -> float:
        return all_lat[min(len(all_lat) - 1, int(p * len(all_lat)))] * 1e6

    best, median = max(rates), statistics.median(rates)

    from streams.scrub.engine import plan
    from streams.scrub.registry import CHECKERS

    asked = [
        len(plan(claim, scrubber.context(claim, as_of, enc, hist, learned))) for claim, enc, hist in inputs
    ]
    none_asked = sum(1 for n in asked if n == 0) / len(asked)
    unscreened = Scrubber(scrubber.pack, scrubber.payers, scrubber.icd, screen=False)
    start = time.perf_counter()
    for claim, enc, hist in inputs:
        unscreened.scrub(claim, as_of, enc, hist, learned=learned)
    every_checker_rate = len(inputs) / (time.perf_counter() - start)
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.processor() or ''} python {platform.python_version()}".strip(),
        "claims": len(inputs),
        "repeats": args.repeats,
        "mean_lines": round(lines, 2),
        "mean_diagnoses": round(diagnoses, 2),
        "defective_share": round(defective, 3),
        "with_history_share": round(with_history, 3),
        "held_share": round(held / (len(inputs) * args.repeats), 3),
        "startup_seconds": {
            "import": round(t_import, 3),
            "rule_pack_and_payers": round(t_load, 3),
            "icd_first_lookup": round(t_icd, 3),
        },
        "claims_per_second_median": round(median),
        "claims_per_second_best": round(best),
        "latency_us": {"p50": round(pct(0.50), 1), "p90": round(pct(0.90), 1), "p99": round(pct(0.99), 1)},
        "target_claims_per_second": 20000,
        "screen": {
            "claims_asking_no_checker": round(none_asked, 3),
            "mean_checkers_asked": round(statistics.mean(asked), 2),
            "claims_per_second_asking_every_checker": round(every_checker_rate),
        },
    }
    print(
        f"scrub engine: {len(inputs)} claims x {args.repeats} (mean {lines:.2f} lines, {diagnoses:.2f} diagnoses, "
        f"{defective:.0%} defective, {with_history:.0%} with history)"
    )
    print(
        f"  start-up: import {t_import:.2f}s, rule pack + payers {t_load * 1000:.0f} ms, "
        f"first ICD lookup {t_icd * 1000:.0f} ms"
    )
    print(f"  throughput: {median:,.0f} claims/s median, {best:,.0f} best (target 20,000)")
    print(f"  latency per claim: p50 {pct(0.5):.1f} us, p90 {pct(0.9):.1f} us, p99 {pct(0.99):.1f} us")
    print(
        f"  screen: {none_asked:.0%} of claims asked no checker, {statistics.mean(asked):.2f} checkers "
        f"asked per claim (of {len(CHECKERS)}); asking every checker instead: {every_checker_rate:,.0f} claims/s"
    )
    if not args.no_profile:

        def scrub_some() -> None:
            for claim, enc, hist in inputs[:5000]:
                scrubber.scrub(claim, as_of, enc, hist, learned=learned)

        print_top(scrub_some, "cProfile, tottime, 5,000 claims")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "scrub_engine.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"  written: {RESULTS / 'scrub_engine.json'}")


if __name__ == "__main__":
    main()
