"""``claimflow x12 ingest`` and ``claimflow x12 render-837p``."""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from schemas import ValidClaim
from schemas.codec import describe_validation_error, encode
from schemas.topics import Topic
from streams.runtime.settings import load_settings
from streams.x12.claim837 import render_837p
from streams.x12.ingest import ingest_text
from streams.x12.profile import load_profile


def expand(paths: list[str]) -> list[Path]:
    """Files as given; a directory stands for the files in it (sorted, hidden ones skipped)."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(p for p in sorted(path.iterdir()) if p.is_file() and not p.name.startswith("."))
        else:
            out.append(path)
    return out


def ingest(args: argparse.Namespace) -> int:
    settings = load_settings()
    files = expand(args.files)
    producer = None
    if args.publish:
        from kafka import KafkaProducer

        producer = KafkaProducer(bootstrap_servers=settings.require_bootstrap().split(","), linger_ms=10)
    rejected = 0
    totals = {"events": 0, "refused": 0}
    try:
        for i, path in enumerate(files, start=1):
            try:
                text = path.read_text(errors="replace")
            except OSError as exc:
                print(f"[{i}/{len(files)}] {path}: cannot read: {exc.strerror}", file=sys.stderr)
                rejected += 1
                continue
            result = ingest_text(text, settings.patient_key_bytes)
            print(f"[{i}/{len(files)}] {path.name}: {result.summary()}", file=sys.stderr)
            for problem in result.refused:
                print(f"    refused: {problem}", file=sys.stderr)
            if result.validation.ack999:
                ack = (Path(args.acks) if args.acks else path.parent) / f"{path.name}.999"
                ack.write_text(result.validation.ack999)
            if not result.accepted:
                rejected += 1
                for error in result.validation.errors[:10]:
                    print(f"    {error}", file=sys.stderr)
                if producer is not None:
                    _dead_letter(producer, settings.topic_prefix, path, text, result.validation.summary())
                continue
            totals["events"] += len(result.events)
            totals["refused"] += len(result.refused)
            for routed in result.events:
                payload = encode(routed.event)
                if producer is None:
                    sys.stdout.write(payload.decode() + "\n")
                else:
                    producer.send(
                        settings.topic_prefix + routed.topic, key=routed.key.encode(), value=payload
                    )
        if producer is not None:
            producer.flush()
    finally:
        if producer is not None:
            producer.close()
    where = "published" if producer is not None else "written to stdout"
    print(
        f"{len(files)} interchange(s): {len(files) - rejected} accepted, {rejected} rejected; "
        f"{totals['events']} events {where}, {totals['refused']} refused by the contracts",
        file=sys.stderr,
    )
    return 1 if rejected else 0


def _dead_letter(producer: object, prefix: str, path: Path, text: str, error: str) -> None:
    """A rejected file is kept whole on ``dead-letters``, like any bad input (no offsets: it never
    was on a topic; the source names the file)."""
    from schemas.codec import SourcePosition, dead_letter

    body = text.encode()
    pos = SourcePosition(f"file:{path.name}", -1, zlib.crc32(body), None, path.name.encode())
    letter = dead_letter(body, pos, "x12_rejected", f"X12 interchange rejected: {error}")
    producer.send(prefix + Topic.DEAD_LETTERS, key=pos.topic.encode(), value=encode(letter))  # type: ignore[attr-defined]


def render(args: argparse.Namespace) -> int:
    settings = load_settings()
    profile = load_profile(Path(args.profile) if args.profile else settings.x12_profile)
    source = sys.stdin if args.claims == "-" else open(args.claims)  # noqa: SIM115
    claims: list[ValidClaim] = []
    with source:
        for n, line in enumerate(source, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                claims.append(
                    ValidClaim.model_validate(raw.get("corrected_claim") or raw.get("claim") or raw)
                )
            except ValueError as exc:
                detail = describe_validation_error(exc) if isinstance(exc, ValidationError) else str(exc)
                print(f"line {n}: not a claim: {detail}", file=sys.stderr)
                return 2
    if not claims:
        print("no claims to render", file=sys.stderr)
        return 2
    sys.stdout.write(render_837p(claims, profile, args.control_number, datetime.now(UTC)))
    print(f"{len(claims)} claim(s) rendered as one 837P interchange", file=sys.stderr)
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    x12 = sub.add_parser("x12", help="X12 bridge: 837P/277CA/835 files in, 837P out")
    xsub = x12.add_subparsers(dest="x12_command", required=True)
    p = xsub.add_parser("ingest", help="validate interchanges (pyx12) and turn them into events")
    p.add_argument("files", nargs="+", metavar="FILE", help="interchange files or folders of them")
    p.add_argument("--publish", action="store_true", help="publish to the topics instead of stdout")
    p.add_argument("--acks", metavar="DIR", help="where to write the 999s (default: beside each file)")
    p.set_defaults(func=ingest)
    p = xsub.add_parser(
        "render-837p", help="ClaimSubmitted JSON lines (or tasks with corrected claims) → 837P"
    )
    p.add_argument("claims", metavar="CLAIMS.jsonl", help="'-' for stdin")
    p.add_argument(
        "--profile", metavar="YAML", help="submitter/billing provider profile (CLAIMFLOW_X12_PROFILE)"
    )
    p.add_argument("--control-number", type=int, default=1, help="ISA13/GS06 control number")
    p.set_defaults(func=render)
