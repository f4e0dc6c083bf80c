"""``claimflow scrub``: scrub a JSON-lines file of claims without Kafka.

One ScrubResult JSON per input line on stdout, in input order; claims later in the file see the
earlier ones as history (duplicates, frequency limits). A claim with wrong or missing values is
scrubbed and held with edits, as the worker does; only a line that cannot be read as a claim at
all (not JSON, not an object, no claim id) yields an error record naming the line number and the
problem, and the run continues. A summary goes to stderr. The scrub settings come from the same
environment variables as the worker's (``CLAIMFLOW_SCRUB_SCREEN``, ``CLAIMFLOW_RULES_DIR``,
``CLAIMFLOW_PAYERS_DIR``, ``CLAIMFLOW_CMS_DIR``, ``CLAIMFLOW_HISTORY_PER_PATIENT``); ``--rules``,
``--payers`` and ``--cms`` override them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from schemas import Encounter, read_claim
from schemas.codec import describe_validation_error
from streams.errors import ClaimflowError, ExitCode
from streams.runtime.settings import load_settings
from streams.scrub import scrub_in_turn
from streams.scrub.encounter_store import encounter_key
from streams.scrub.engine import Scrubber


def _lines(path: Path) -> Iterator[tuple[int, str | None]]:
    """The file's lines, numbered from 1; None for one that is not UTF-8 text (it is reported and
    the rest is read: one bad line never stops the file). A byte-order mark a Windows tool wrote
    before a line is no part of it (the worker reads such an event alike)."""
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, start=1):
            try:
                yield n, raw.decode("utf-8").removeprefix("\ufeff")
            except UnicodeDecodeError:
                yield n, None


def _read_encounters(path: Path, err: IO[str]) -> dict[str, Encounter]:
    encounters: dict[str, Encounter] = {}
    for n, raw in _lines(path):
        if raw is None:
            print(f"{path}:{n}: skipped encounter: not UTF-8 text", file=err)
            continue
        if not raw.strip():
            continue
        try:
            enc = Encounter.model_validate_json(raw)
        except ValidationError as exc:
            print(f"{path}:{n}: skipped encounter: {describe_validation_error(exc)}", file=err)
            continue
        # the patient's encounter of that id (ids are each practice's own: two patients may share
        # one), and the id's latest whoever's (what a claim whose own is missing is checked
        # against); a correction is the newest by occurred_at, of two alike the later line
        key = encounter_key(enc.patient_key, enc.encounter_id)
        known = encounters.get(key)
        if known is None or known.occurred_at <= enc.occurred_at:
            encounters[key] = enc
        anyone = encounters.get(enc.encounter_id)
        if anyone is None or anyone.occurred_at <= enc.occurred_at:
            encounters[enc.encounter_id] = enc
    return encounters


def scrub_file(
    claims_path: Path,
    scrubber: Scrubber,
    as_of: date | None,
    encounters: dict[str, Encounter],
    out: IO[str],
    err: IO[str],
    encounter_feed: bool = True,
    history_limit: int = 200,
) -> Counter[str]:
    history: dict[str, dict[str, Any]] = {}  # per patient, as the scrub agent stores it
    stats: Counter[str] = Counter()
    for n, raw in _lines(claims_path):
        if raw is None:
            out.write(json.dumps({"line": n, "error": "malformed_json", "detail": "not UTF-8 text"}) + "\n")
            stats["errors"] += 1
            continue
        if not raw.strip():
            continue
        try:
            claim = read_claim(raw)
        except ValidationError as exc:
            problem = describe_validation_error(exc)
            kind = (
                "malformed_json"
                if any(e["type"] == "json_invalid" for e in exc.errors())
                else "schema_violation"
            )
            out.write(json.dumps({"line": n, "error": kind, "detail": problem}) + "\n")
            stats["errors"] += 1
            continue
        encounter = (
            encounters.get(encounter_key(claim.patient_key or "", claim.encounter_id))
            or encounters.get(claim.encounter_id)
            if claim.encounter_id
            else None
        )
        stored = history.get(claim.patient_key) if claim.patient_key else None
        turn = scrub_in_turn(
            scrubber, claim, stored, encounter, history_limit, as_of=as_of, encounter_feed=encounter_feed
        )
        result = turn.result
        if turn.stored is not None and claim.patient_key:
            history[claim.patient_key] = turn.stored
        out.write(result.model_dump_json() + "\n")
        stats["claims"] += 1
        stats[result.status] += 1
        for edit in result.edits:
            stats[f"category:{edit.category}"] += 1
            stats[f"rule:{edit.rule_id}"] += 1
    return stats


def print_summary(stats: Counter[str], err: IO[str]) -> None:
    claims = stats["claims"]
    clean_rate = stats["clean"] / claims if claims else 0.0
    print(
        f"claims scrubbed: {claims}  clean: {stats['clean']}  held: {stats['held']}  "
        f"clean-claim rate: {clean_rate:.1%}  unreadable lines: {stats['errors']}",
        file=err,
    )
    for prefix, title in (("category:", "edits by category"), ("rule:", "edits by rule")):
        rows = sorted(
            ((k.removeprefix(prefix), v) for k, v in stats.items() if k.startswith(prefix)),
            key=lambda kv: (-kv[1], kv[0]),
        )
        if rows:
            print(f"{title}:", file=err)
            for name, count in rows:
                print(f"  {count:6d}  {name}", file=err)


def run_offline_scrub(
    args: argparse.Namespace, out: IO[str] | None = None, err: IO[str] | None = None
) -> int:
    out, err = out or sys.stdout, err or sys.stderr  # the streams of the call, not of the import
    try:
        # default: each claim on its own day (its occurred_at, in the sender's offset), as the worker
        as_of = date.fromisoformat(args.as_of) if args.as_of else None
    except ValueError:
        print(f"claimflow scrub: --as-of {args.as_of!r} is not YYYY-MM-DD", file=err)
        return int(ExitCode.CONFIGURATION)
    try:
        settings = load_settings()
        scrubber = Scrubber.load(
            Path(args.rules) if args.rules else settings.rules_dir,
            Path(args.payers) if args.payers else settings.payers_dir,
            settings.scrub_screen,
            Path(args.cms) if getattr(args, "cms", None) else settings.cms_dir,
            settings.cms_cache_dir,
        )
    except ClaimflowError as exc:
        print(f"claimflow scrub: {exc}", file=err)
        return int(exc.exit_code)
    claims_path = Path(args.claims)
    if not claims_path.is_file():
        print(f"claimflow scrub: {claims_path}: no such file", file=err)
        return int(ExitCode.CONFIGURATION)
    encounters = _read_encounters(Path(args.encounters), err) if args.encounters else {}
    stats = scrub_file(
        claims_path,
        scrubber,
        as_of,
        encounters,
        out,
        err,
        encounter_feed=args.encounters is not None,
        history_limit=settings.history_per_patient,
    )
    cms = scrubber.pack.cms
    source = str(Path(args.cms) if getattr(args, "cms", None) else settings.cms_dir)
    tables = f"{', '.join(sorted(cms.official))} from {source}" if cms.official else "bundled excerpts"
    if cms.compiled:
        tables += f" (compiled: {cms.compiled})"
    print(
        f"rules: {scrubber.pack.version}  screen: {'on' if scrubber.screen else 'off (every checker asked)'}  "
        f"CMS tables: {tables}",
        file=err,
    )
    print_summary(stats, err)
    return int(ExitCode.OK)
