"""``claimflow x12 ingest`` and ``claimflow x12 render-837p``.

``ingest`` reads every file it is given (a folder stands for the files in it), each on its own:
whatever goes wrong with one file — unreadable bytes, a broken envelope, an unexpected error —
becomes that file's verdict and the next file is read. Each file gets a line with its verdict and
the findings a person can act on (segments, positions, loops and elements, never values), its
acknowledgments are written beside it (``FILE.999``, ``FILE.ta1``) or into ``--acks``, the summary
is always printed, and the exit status says whether anything was rejected or refused
(``ExitCode.REJECTED``).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from schemas import ValidClaim
from schemas.codec import SourcePosition, dead_letter, describe_validation_error, encode
from schemas.topics import Topic
from streams.errors import ExitCode
from streams.runtime.settings import load_settings
from streams.x12.claim837 import render_837p, unwritable
from streams.x12.ingest import IngestResult, ingest_text
from streams.x12.profile import load_profile

#: findings listed per file (the acknowledgment has them all)
MAX_LISTED = 10


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


@dataclass
class Tally:
    files: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)
    events: int = 0
    refused: int = 0
    not_delivered: int = 0  # records the broker did not confirm
    unpublished: int = 0  # files whose events the producer refused to take

    def add(self, verdict: str) -> None:
        self.verdicts[verdict] = self.verdicts.get(verdict, 0) + 1

    @property
    def failed(self) -> int:
        return sum(n for v, n in self.verdicts.items() if v not in ("accepted", "skipped"))


class Publisher:
    """Events, refused items and rejected files to the bus (kafka-python), delivery checked."""

    def __init__(self, settings: Any):
        from kafka import KafkaProducer

        self.prefix = settings.topic_prefix
        self.producer = KafkaProducer(**settings.kafka_client_kwargs(), linger_ms=10, acks="all")
        self.futures: list[Any] = []

    def send(self, topic: str, key: bytes, value: bytes) -> None:
        self.futures.append(self.producer.send(self.prefix + topic, key=key, value=value))

    def dead_letter(self, name: str, payload: bytes, reason: str, error: str) -> None:
        """A file (or an item of one) kept on ``dead-letters``: no offsets, the source names the file."""
        position = SourcePosition(f"file:{name}", -1, -1, None, name.encode())
        letter = dead_letter(payload, position, reason, error)  # type: ignore[arg-type]
        self.send(Topic.DEAD_LETTERS, position.topic.encode(), encode(letter))

    def close(self) -> int:
        """Flush and close; returns how many records could not be delivered."""
        try:
            self.producer.flush(timeout=60)
        finally:
            failed = 0
            for future in self.futures:
                try:
                    future.get(timeout=0)
                except Exception:
                    failed += 1
            self.producer.close(timeout=10)
        return failed


def _report(i: int, n: int, path: Path, result: IngestResult) -> None:
    print(f"[{i}/{n}] {path.name}: {result.summary()}", file=sys.stderr)
    problems = result.problems
    for problem in problems[:MAX_LISTED]:
        print(f"    {problem}", file=sys.stderr)
    if len(problems) > MAX_LISTED:
        print(f"    ... and {len(problems) - MAX_LISTED} more (see the acknowledgment)", file=sys.stderr)
    for refusal in result.refused[:MAX_LISTED]:
        print(f"    refused: {refusal.item}: {refusal.reason}", file=sys.stderr)
    for group in result.groups_rejected:  # every one: no claim's status says it
        print(f"    payer rejection: {group.description}", file=sys.stderr)
    for note in result.notes[:3]:
        print(f"    note: {note}", file=sys.stderr)


def _write_acks(path: Path, acks: Path | None, result: IngestResult) -> list[str]:
    """Write ``FILE.999`` / ``FILE.ta1``; returns the problems met (the file's verdict stands)."""
    problems = []
    for kind, suffix in (("999", ".999"), ("TA1", ".ta1")):
        text = result.acks(kind)  # type: ignore[arg-type]
        if not text:
            continue
        target = (acks or path.parent) / f"{path.name}{suffix}"
        try:
            target.write_text(text)
        except OSError as exc:
            problems.append(f"cannot write {target}: {exc.strerror}")
    return problems


def _publish(publisher: Publisher, path: Path, body: bytes, result: IngestResult) -> None:
    for routed in result.events:
        publisher.send(routed.topic, routed.key.encode(), routed.payload)
    for refusal in result.refused:
        error = f"{refusal.transaction} {refusal.item}: {refusal.reason}"
        publisher.dead_letter(path.name, refusal.payload, "schema_violation", error)
    if result.verdict in ("rejected", "partly accepted") and result.problems:
        error = f"X12 interchange {result.verdict}: {'; '.join(result.problems[:5])}"
        publisher.dead_letter(path.name, body, "x12_rejected", error)


def ingest(args: argparse.Namespace) -> int:
    settings = load_settings()
    acks = Path(args.acks) if args.acks else None
    if acks is not None:
        try:
            acks.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            print(f"claimflow x12 ingest: cannot use --acks {acks}: {exc.strerror or exc}", file=sys.stderr)
            return int(ExitCode.CONFIGURATION)
    files = expand(args.files)
    publisher: Publisher | None = None
    if args.publish:
        try:
            publisher = Publisher(settings)
        except Exception as exc:  # kafka-python: NoBrokersAvailable and friends
            print(
                f"claimflow x12 ingest: cannot reach the broker: {type(exc).__name__}: {exc}", file=sys.stderr
            )
            return int(ExitCode.CONFIGURATION)
    tally = Tally()
    now = datetime.now(UTC)
    try:
        for i, path in enumerate(files, start=1):
            tally.files += 1
            try:
                body = path.read_bytes()
            except OSError as exc:
                print(f"[{i}/{len(files)}] {path.name}: unreadable: {exc.strerror or exc}", file=sys.stderr)
                tally.add("unreadable")
                continue
            try:
                result = ingest_text(
                    body.decode("utf-8", errors="replace"), settings.patient_key_bytes, now, args.jobs
                )
            except Exception as exc:  # a claimflow defect must not stop the batch
                print(
                    f"[{i}/{len(files)}] {path.name}: failed: claimflow could not process it "
                    f"({type(exc).__name__}); nothing was taken from it",
                    file=sys.stderr,
                )
                tally.add("failed")
                if publisher is not None:
                    publisher.dead_letter(
                        path.name, body, "processing_error", f"x12 ingest: {type(exc).__name__}"
                    )
                continue
            tally.add(result.verdict)
            _report(i, len(files), path, result)
            for problem in _write_acks(path, acks, result):
                print(f"    {problem}", file=sys.stderr)
            tally.events += len(result.events)
            tally.refused += len(result.refused)
            if publisher is None:
                for routed in result.events:
                    sys.stdout.write(routed.payload.decode() + "\n")
                continue
            try:
                _publish(publisher, path, body, result)
            except Exception as exc:  # the producer refused (buffer full, broker gone): say so, go on
                print(f"    not published: {type(exc).__name__}: {exc}", file=sys.stderr)
                tally.unpublished += 1
        if publisher is not None:
            tally.not_delivered = publisher.close()
            publisher = None
    finally:
        if publisher is not None:
            tally.not_delivered = publisher.close()
        verdicts = ", ".join(f"{n} {v}" for v, n in sorted(tally.verdicts.items())) or "nothing read"
        where = "published" if args.publish else "written to stdout"
        refused = f", {tally.refused} refused by the contracts" + (" (dead-lettered)" if args.publish else "")
        print(f"{tally.files} file(s): {verdicts}; {tally.events} events {where}{refused}", file=sys.stderr)
        if tally.not_delivered or tally.unpublished:
            print(
                f"{tally.not_delivered} record(s) could not be delivered to the bus, "
                f"{tally.unpublished} file(s) could not be published",
                file=sys.stderr,
            )
    if tally.not_delivered or tally.unpublished:
        return int(ExitCode.OUTPUT_UNCONFIRMED)
    return int(ExitCode.REJECTED) if tally.failed or tally.refused else int(ExitCode.OK)


def render(args: argparse.Namespace) -> int:
    settings = load_settings()
    profile = load_profile(Path(args.profile) if args.profile else settings.x12_profile)
    source = sys.stdin if args.claims == "-" else open(args.claims)  # noqa: SIM115
    claims: list[ValidClaim] = []
    left_out = 0
    with source:
        for n, line in enumerate(source, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                if isinstance(raw, dict) and "task_id" in raw and not raw.get("corrected_claim"):
                    print(f"line {n}: a task without a corrected claim, nothing to send", file=sys.stderr)
                    continue
                claim = ValidClaim.model_validate(raw.get("corrected_claim") or raw.get("claim") or raw)
            except ValueError as exc:
                detail = describe_validation_error(exc) if isinstance(exc, ValidationError) else str(exc)
                # a line that is no sendable claim (not JSON, or values the scrubber would hold)
                # is left out like an unwritable one; the rest still go out
                print(f"line {n}: left out, not a claim that can be sent: {detail}", file=sys.stderr)
                left_out += 1
                continue
            if problems := unwritable(claim):
                # X12 has no escape: such a claim is corrected at the source, never sent mangled
                print(
                    f"line {n}: left out, cannot be written as an 837P: {'; '.join(problems)}",
                    file=sys.stderr,
                )
                left_out += 1
                continue
            claims.append(claim)
    if not claims:
        print("no claims to render", file=sys.stderr)
        return int(ExitCode.REJECTED if left_out else ExitCode.CONFIGURATION)
    sys.stdout.write(render_837p(claims, profile, args.control_number, datetime.now(UTC)))
    print(f"{len(claims)} claim(s) rendered as one 837P interchange", file=sys.stderr)
    if left_out:
        print(f"{left_out} claim(s) left out (see above)", file=sys.stderr)
        return int(ExitCode.REJECTED)
    return int(ExitCode.OK)


def add_parser(sub: argparse._SubParsersAction) -> None:
    x12 = sub.add_parser("x12", help="X12 bridge: 837P/277CA/835 files in, 837P out")
    xsub = x12.add_subparsers(dest="x12_command", required=True)
    p = xsub.add_parser("ingest", help="check interchanges against their guides and turn them into events")
    p.add_argument("files", nargs="+", metavar="FILE", help="interchange files or folders of them")
    p.add_argument("--publish", action="store_true", help="publish to the topics instead of stdout")
    p.add_argument(
        "--acks",
        metavar="DIR",
        help="where to write the 999s and TA1s (created if missing; default: beside each file)",
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="check and map a large interchange's transaction sets in N processes (default 1: on a "
        "shared machine more processes were slower; worth it where CPUs are free)",
    )
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
