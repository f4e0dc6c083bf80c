"""The ``claimflow`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from streams.errors import ClaimflowError
from streams.runtime.settings import load_settings

Handler = Callable[[argparse.Namespace], int]


def _broker(args: argparse.Namespace) -> int:
    from streams.dev.broker import BrokerNotFound, EmbeddedBroker, stop_on_signals

    broker = EmbeddedBroker(port=args.port, host=args.host)
    code = 0
    # the broker runs in its own session (a Ctrl-C in the terminal reaches us, not it): stop it
    # ourselves on SIGTERM and SIGINT, or a supervisor stopping this command would leak it.
    # Installed before the broker starts, so no signal finds it running without the handler.
    with stop_on_signals(broker):
        try:
            broker.start()
        except BrokerNotFound as exc:
            print(f"claimflow broker: {exc}", file=sys.stderr)
            return 2
        print(
            f"embedded broker (development only) listening on {broker.bootstrap}; Ctrl-C to stop",
            file=sys.stderr,
        )
        print(
            f"export KAFKA_BOOTSTRAP_SERVERS={broker.bootstrap} CLAIMFLOW_BROKER_PROFILE=embedded",
            file=sys.stderr,
        )
        code = broker.wait()
    return 0 if broker.stopped_by_signal else code


def _topics_create(args: argparse.Namespace) -> int:
    from kafka.errors import KafkaError

    from streams.errors import ConfigError
    from streams.runtime.topic_admin import create_topics

    settings = load_settings()
    try:
        created = create_topics(settings)
    except KafkaError as exc:  # NoBrokersAvailable and friends, after the client's own retries
        raise ConfigError(
            f"cannot reach the broker at KAFKA_BOOTSTRAP_SERVERS={settings.kafka_bootstrap_servers} "
            f"({type(exc).__name__}): check the address (host:port, no scheme) and that Kafka is up"
        ) from None
    for name, state in created.items():
        print(f"{state:8} {name}")
    return 0


def _schemas_export(args: argparse.Namespace) -> int:
    from schemas.export import export

    for path in export(Path(args.directory)):
        print(path)
    return 0


def _k8s_configmaps(args: argparse.Namespace) -> int:
    from streams.cli.k8s import write

    for path in write(Path(args.directory)):
        print(path)
    return 0


def _worker(args: argparse.Namespace) -> int:
    from streams.agents import register_agents
    from streams.agents.catalogue import copartitioned_topics
    from streams.runtime.worker import run_worker

    settings = load_settings()
    return run_worker(settings, register_agents, copartitioned_topics(settings.topic_prefix, settings.app_id))


def _scrub(args: argparse.Namespace) -> int:
    from streams.cli.scrub import run_offline_scrub

    return run_offline_scrub(args)


def _simulate(args: argparse.Namespace) -> int:
    from streams.dev.localrun import Bus
    from streams.dev.sim.generator import generate
    from streams.dev.sim.runner import Simulation
    from streams.scrub import Scrubber

    settings = load_settings()
    bus = Bus(settings.require_bootstrap(), settings.topic_prefix)
    try:
        cases = generate(args.claims, seed=args.seed, defect_rate=args.defect_rate)
        stats = Simulation(
            bus,
            cases,
            Scrubber.load(
                settings.rules_dir,
                settings.payers_dir,
                settings.scrub_screen,
                settings.cms_dir,
                settings.cms_cache_dir,
            ),
            seed=args.seed,
            scrub=not args.no_scrub,
            time_scale=args.time_scale,
        ).run(timeout=args.timeout)
    finally:
        bus.close()
    print(" ".join(f"{k}={v}" for k, v in sorted(stats.items())))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from streams.dev.demo import run_demo

    return run_demo(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="claimflow",
        description="Event-driven claim lifecycle worker: scrub, track, resubmit, measure. "
        "Configuration comes from environment variables (see README).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("broker", help="run the embedded development broker (Tansu) in the foreground")
    p.add_argument("--port", type=int, default=9092, help="loopback port (default 9092; 0 = any free port)")
    p.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    p.set_defaults(func=_broker)

    p = sub.add_parser("topics", help="topic administration")
    tsub = p.add_subparsers(dest="topics_command", required=True, metavar="ACTION")
    tc = tsub.add_parser("create", help="create every catalogue topic that is missing (idempotent)")
    tc.set_defaults(func=_topics_create)

    p = sub.add_parser("schemas", help="event contract tools")
    ssub = p.add_subparsers(dest="schemas_command", required=True, metavar="ACTION")
    se = ssub.add_parser("export", help="write the JSON Schema of every event into DIR")
    se.add_argument("directory", metavar="DIR")
    se.set_defaults(func=_schemas_export)

    p = sub.add_parser("k8s", help="Kubernetes helpers")
    ksub = p.add_subparsers(dest="k8s_command", required=True, metavar="ACTION")
    kc = ksub.add_parser("configmaps", help="render the rule pack and payer profiles as ConfigMaps into DIR")
    kc.add_argument("directory", metavar="DIR")
    kc.set_defaults(func=_k8s_configmaps)

    p = sub.add_parser("worker", help="run the Faust worker (all agents) against KAFKA_BOOTSTRAP_SERVERS")
    p.set_defaults(func=_worker)

    p = sub.add_parser("scrub", help="scrub a JSON-lines file of claims offline (no Kafka)")
    p.add_argument("claims", metavar="CLAIMS.jsonl")
    p.add_argument("--encounters", metavar="ENC.jsonl", help="encounters to join by encounter_id")
    p.add_argument(
        "--payers", metavar="DIR", help="payer profiles directory (default: CLAIMFLOW_PAYERS_DIR or bundled)"
    )
    p.add_argument(
        "--rules",
        metavar="DIR",
        help="rule packs directory, one folder per pack (default: CLAIMFLOW_RULES_DIR or the bundled packs)",
    )
    p.add_argument(
        "--cms", metavar="DIR", help="official CMS files (default: CLAIMFLOW_CMS_DIR or the bundled excerpts)"
    )
    p.add_argument(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="date the scrub is run for (default: the day each claim was sent, its occurred_at in the sender's offset, as the worker judges it)",
    )
    p.set_defaults(func=_scrub)

    p = sub.add_parser("simulate", help="publish synthetic encounters and claims, and play the payers")
    p.add_argument("--claims", type=int, default=1000, help="claims to generate (default 1000)")
    p.add_argument("--seed", type=int, default=7, help="random seed (same seed, same traffic)")
    p.add_argument(
        "--defect-rate", type=float, default=0.2, help="share of claims with a defect (default 0.2)"
    )
    p.add_argument(
        "--no-scrub",
        action="store_true",
        help="baseline: send claims straight to the payer (claimflow only tracks them)",
    )
    p.add_argument("--time-scale", type=float, default=1.0, help="multiply the payers' answer delays")
    p.add_argument("--timeout", type=float, default=600.0, help="give up after this many seconds")
    p.set_defaults(func=_simulate)

    from streams.cli.x12 import add_parser as add_x12

    add_x12(sub)

    from streams.cli.report import add_parser as add_report

    add_report(sub)

    from streams.cli.claim import add_parser as add_claim

    add_claim(sub)

    from streams.cli.rules import add_parser as add_rules

    add_rules(sub)

    p = sub.add_parser("demo", help="embedded broker + worker + simulated traffic, then a summary")
    p.add_argument("--claims", type=int, default=2000, help="claims to simulate (default 2000)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--follow", action="store_true", help="keep the broker and worker running")
    p.add_argument("--report-dir", default="claimflow-report", help="where the run's audit report goes")
    p.set_defaults(func=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Handler = args.func
    try:
        return func(args)
    except ClaimflowError as exc:
        print(f"claimflow: {exc}", file=sys.stderr)
        return int(exc.exit_code)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
