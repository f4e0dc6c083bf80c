"""``claimflow claim CLAIM_ID``: where is a claim? Asks a worker (``GET /claims/{id}``, routed to
the worker that owns the claim) and prints its state, history and open tasks for a person."""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, TextIO

from streams.errors import ClaimflowError, ExitCode
from streams.runtime.settings import load_settings


class ClaimNotFound(ClaimflowError):
    exit_code = ExitCode.REJECTED


def fetch(base_url: str, claim_id: str, timeout: float = 10.0) -> tuple[int, dict[str, Any]]:
    url = f"{base_url.rstrip('/')}/claims/{urllib.parse.quote(claim_id, safe='')}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read())
        except ValueError:
            return exc.code, {"error": exc.reason}
    except (urllib.error.URLError, OSError) as exc:
        raise ClaimflowError(f"no worker answered at {base_url}: {exc}") from None


def render(view: dict[str, Any], out: TextIO) -> None:
    fp = view.get("first_pass") or "not decided"
    print(f"claim {view['claim_id']}: {view.get('state') or 'unknown'}", file=out)
    print(
        f"  payer {view.get('payer_id') or '?'} ({view.get('plan_type') or '?'}), "
        f"{'original' if view.get('original') else 'replacement'} claim, first pass: {fp}, "
        f"first-pass resolution: {view.get('first_pass_resolution') or 'not decided'}",
        file=out,
    )
    times = [(k, view.get(k)) for k in ("submitted_at", "accepted_at", "adjudicated_at", "updated_at")]
    print("  " + ", ".join(f"{k.removesuffix('_at')} {v}" for k, v in times if v), file=out)
    if view.get("paid_amount") not in (None, "0", "0.00", 0):
        print(f"  paid {view['paid_amount']}", file=out)
    print("  history:", file=out)
    for step in view.get("history", []):
        move = f"{step.get('from_state') or '-'} → {step.get('to_state') or '-'}"
        print(
            f"    {step['at']}  {step['cause_kind']:<10} {step['cause_code']:<10} {move:<28} {step['result']}",
            file=out,
        )
    tasks = view.get("open_tasks", [])
    print(f"  open tasks: {len(tasks) or 'none'}", file=out)
    for t in tasks:
        print(
            f"    {t['action']} ({t['priority']}, due {t.get('due_date') or '-'}): "
            f"{', '.join(t.get('reason_codes', []))} {t['category']}, {t['amount_at_stake']} at stake",
            file=out,
        )
    if view.get("owner"):
        print(f"  (answered by the worker at {view['owner']})", file=out)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout  # read at the call, not at import (a test's capture, a redirection)
    base = args.url or load_settings().listener_url
    status, view = fetch(base, args.claim_id)
    if args.json:
        print(json.dumps(view, indent=2), file=out)
    elif status == 200:
        render(view, out)
    if status == 404:
        raise ClaimNotFound(f"claim {args.claim_id}: {view.get('error', 'not found')}")
    if status != 200:
        raise ClaimflowError(f"claim {args.claim_id}: HTTP {status}: {view.get('error', view)}")
    return 0


def add_parser(sub: Any) -> None:
    p = sub.add_parser("claim", help="where is a claim? its state, history and open tasks (asks a worker)")
    p.add_argument("claim_id", metavar="CLAIM_ID")
    p.add_argument(
        "--url",
        help="a worker's listener (default: CLAIMFLOW_ADVERTISED_URL, else CLAIMFLOW_WEB_HOST:CLAIMFLOW_WEB_PORT); "
        "any worker of the group answers for every claim",
    )
    p.add_argument("--json", action="store_true", help="print the state record as JSON")
    p.set_defaults(func=run)
