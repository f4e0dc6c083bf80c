"""``claimflow rules check``: load every rule data file the worker would, and say what is wrong.
``claimflow rules compile CMS_DIR OUT``: read the official CMS files once, write their compiled form.

``check`` loads the rule packs, payer profiles, CMS tables, reason-code map and X12 profile from the
same settings the worker reads (``CLAIMFLOW_RULES_DIR``, ``CLAIMFLOW_PAYERS_DIR``,
``CLAIMFLOW_CMS_DIR``, ``CLAIMFLOW_REASON_MAP``, ``CLAIMFLOW_X12_PROFILE``; the options override
them), so an edit is checked before a deploy: exit 0 with what was loaded, or exit 2 with the file
and field at fault — the error the worker would stop with.

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


def check_command(args: argparse.Namespace) -> int:
    from streams.denials import load_reason_map
    from streams.runtime.settings import load_settings
    from streams.scrub.engine import Scrubber
    from streams.x12.profile import load_profile

    try:
        settings = load_settings()
        rules = Path(args.rules) if args.rules else settings.rules_dir
        payers = Path(args.payers) if args.payers else settings.payers_dir
        cms = Path(args.cms) if args.cms else settings.cms_dir
        reasons_path = Path(args.reasons) if args.reasons else settings.reason_map
        profile_path = Path(args.x12_profile) if args.x12_profile else settings.x12_profile
        for name, path, wanted in (
            ("--rules", args.rules, "directory"),
            ("--payers", args.payers, "directory"),
            ("--cms", args.cms, "directory"),
            ("--reasons", args.reasons, "file"),
            ("--x12-profile", args.x12_profile, "file"),
        ):
            if path and not (Path(path).is_dir() if wanted == "directory" else Path(path).is_file()):
                print(f"claimflow rules check: {name} {path} is not a {wanted}", file=sys.stderr)
                return 2
        scrubber = Scrubber.load(rules, payers, settings.scrub_screen, cms, settings.cms_cache_dir)
        reasons = load_reason_map(reasons_path)
        load_profile(profile_path)
    except ClaimflowError as exc:
        print(f"claimflow rules check: {exc}", file=sys.stderr)
        return int(exc.exit_code)
    pack = scrubber.pack
    enabled = [r for r in pack.rules.values() if r.enabled]
    errors = sum(1 for r in enabled if r.severity == "error")
    print(
        f"rule packs: {pack.version} from {rules or 'the bundled packs'}: {len(pack.rules)} rules "
        f"({errors} errors, {len(enabled) - errors} warnings, {len(pack.rules) - len(enabled)} disabled)"
    )
    profiles = sorted(scrubber.payers.profiles)
    print(f"payer profiles: {len(profiles)} from {payers or 'the bundled profiles'}: {', '.join(profiles)}")
    official = ", ".join(sorted(pack.cms.official)) or "none"
    print(f"CMS tables: official files: {official}; the rest from the bundled excerpts")
    print(
        f"reason-code map: {reasons.version} from {reasons_path or 'the bundled map'}: "
        f"{len(reasons.spec.carcs)} CARCs, {len(reasons.spec.remarks)} RARCs"
    )
    print(f"X12 profile: {profile_path or 'the synthetic defaults'}")
    print("every rule data file loads")
    return 0


def add_parser(sub: Any) -> None:
    p = sub.add_parser("rules", help="rule data tools (check the rule data, compile the CMS tables)")
    rsub = p.add_subparsers(dest="rules_command", required=True, metavar="ACTION")
    c = rsub.add_parser(
        "compile",
        help="read the official CMS files of CMS_DIR once and write their compiled form to OUT",
    )
    c.add_argument("cms_dir", metavar="CMS_DIR", help="folder of the official CMS files")
    c.add_argument("out", metavar="OUT", help="the compiled file, or a folder to write it into")
    c.set_defaults(func=compile_command)
    k = rsub.add_parser(
        "check",
        help="load the rule packs, payer profiles, CMS tables, reason-code map and X12 profile the "
        "worker would (its settings, or these options) and name the file and field at fault",
    )
    k.add_argument("--rules", metavar="DIR", help="a folder of rule pack folders (CLAIMFLOW_RULES_DIR)")
    k.add_argument("--payers", metavar="DIR", help="a folder of payer profiles (CLAIMFLOW_PAYERS_DIR)")
    k.add_argument("--cms", metavar="DIR", help="a folder of the official CMS files (CLAIMFLOW_CMS_DIR)")
    k.add_argument("--reasons", metavar="FILE", help="the CARC/RARC reason-code map (CLAIMFLOW_REASON_MAP)")
    k.add_argument("--x12-profile", metavar="FILE", help="the X12 profile (CLAIMFLOW_X12_PROFILE)")
    k.set_defaults(func=check_command)
