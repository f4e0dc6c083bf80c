"""``claimflow rules compile CMS_DIR OUT``: read the official CMS files once, write their compiled form.

The worker and ``claimflow scrub`` load the compiled form in well under a second instead of reading
the NCCI PTP parts (millions of rows) at every start. ``OUT`` is a file, or a folder to write
``claimflow-<fingerprint>.cmstables`` into. Put it in the CMS folder (``CLAIMFLOW_CMS_DIR``) or the
cache folder (``CLAIMFLOW_CMS_CACHE_DIR``): it is used for exactly the files it was compiled from.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from streams.errors import ClaimflowError


def compile_command(args: argparse.Namespace) -> int:
    from streams.scrub.cms.tables import compile_cms

    started = time.perf_counter()
    out = Path(args.out)
    try:
        if args.out.endswith(("/", os.sep)):  # a folder, perhaps not there yet
            out.mkdir(parents=True, exist_ok=True)
        tables, out, size = compile_cms(Path(args.cms_dir), out)
    except ClaimflowError as exc:
        print(f"claimflow rules compile: {exc}", file=sys.stderr)
        return int(exc.exit_code)
    except OSError as exc:
        print(f"claimflow rules compile: {out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - started
    print(
        f"compiled {args.cms_dir} in {seconds:.1f} s: {len(tables.ptp):,} NCCI PTP rows "
        f"({len(tables.ptp.codes):,} codes), {len(tables.mue):,} MUE codes "
        f"({len(tables.mue.versions)} table(s)), {len(tables.fees):,} PPRRVU rows "
        f"({len(tables.fees.releases)} release(s)), {len(tables.hcpcs.codes):,} HCPCS codes and "
        f"{len(tables.hcpcs.modifiers):,} modifiers"
    )
    official = ", ".join(sorted(tables.official))
    bundled = ", ".join(sorted(set(tables.files) - tables.official)) or "none"
    print(f"official files: {official}; bundled excerpts: {bundled}")
    print(f"written: {out} ({size / 1e6:.1f} MB)")
    return 0


def add_parser(sub: Any) -> None:
    p = sub.add_parser("rules", help="rule data tools (the CMS tables)")
    rsub = p.add_subparsers(dest="rules_command", required=True, metavar="ACTION")
    c = rsub.add_parser(
        "compile",
        help="read the official CMS files of CMS_DIR once and write their compiled form to OUT",
    )
    c.add_argument("cms_dir", metavar="CMS_DIR", help="folder of the official CMS files")
    c.add_argument("out", metavar="OUT", help="the compiled file, or a folder to write it into")
    c.set_defaults(func=compile_command)
