"""``claimflow report --from DATE --to DATE [--input JSONL | --bootstrap SERVERS] [--out DIR]``."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from streams.errors import ClaimflowError
from streams.runtime.settings import load_settings


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def run(args: argparse.Namespace) -> int:
    # imported here: the reason map loads the scrubber's code sets (~180 MB, ~1.5 s), which every
    # other claimflow command would pay for when the parser is built
    from streams.denials import load_reason_map
    from streams.report.compute import compute
    from streams.report.load import Progress, from_jsonl, from_topics
    from streams.report.render import write

    try:
        settings = load_settings()
        reasons = load_reason_map(settings.reason_map)
    except ClaimflowError as exc:
        print(f"claimflow report: {exc}", file=sys.stderr)
        return int(exc.exit_code)
    today = datetime.now(UTC).date()
    period_to = args.to or today
    period_from = args.from_ or period_to - timedelta(days=30)
    if period_from > period_to:
        print("claimflow report: --from is after --to", file=sys.stderr)
        return 2
    progress = Progress("reading events")
    if args.input:
        path = Path(args.input)
        if not path.is_file():
            print(f"claimflow report: {path} is not a file", file=sys.stderr)
            return 2
        print(f"reading {path}", file=sys.stderr)
        events = list(from_jsonl(path, progress))
    else:
        bootstrap = args.bootstrap or settings.require_bootstrap()
        print(f"reading the output topics from {bootstrap}", file=sys.stderr)
        events = list(from_topics(bootstrap, settings.topic_prefix, progress))
    progress.done()
    report = compute(events, period_from, period_to, reasons)
    page, data = write(report, Path(args.out))
    t = report.totals
    print(
        f"report {period_from} to {period_to}: {t['claims_scrubbed']:,} claims scrubbed, "
        f"{t['denials']:,} denials, {t['tasks']:,} tasks",
        file=sys.stderr,
    )
    if t["unreadable_events"]:
        print(
            f"  {t['unreadable_events']:,} events left out: their dates or amounts cannot be read",
            file=sys.stderr,
        )
    print(page)
    print(data)
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="the billing audit report (HTML + JSON) from the output topics")
    p.add_argument(
        "--from",
        dest="from_",
        type=_date,
        metavar="YYYY-MM-DD",
        help="first day (default: 30 days before --to)",
    )
    p.add_argument("--to", type=_date, metavar="YYYY-MM-DD", help="last day (default: today)")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--input", metavar="JSONL", help="an export of the topics, one event per line")
    source.add_argument(
        "--bootstrap", metavar="SERVERS", help="read the topics (default: KAFKA_BOOTSTRAP_SERVERS)"
    )
    p.add_argument(
        "--out", default="claimflow-report", metavar="DIR", help="where report.html and report.json go"
    )
    p.set_defaults(func=run)
