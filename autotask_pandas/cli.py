"""The ``autotask`` command.

    autotask demo                       start the sandbox and run a real query against it
    autotask sandbox serve [options]    serve the emulator until interrupted

The CLI parses and prints; requests go through the client (front ends never build HTTP requests).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["build_parser", "main"]


def _add_sandbox(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sandbox = sub.add_parser("sandbox", help="the embedded Autotask emulator")
    actions = sandbox.add_subparsers(dest="action", required=True)
    serve = actions.add_parser(
        "serve",
        help="serve the emulator over HTTP (loopback only unless --host is given)",
        description="Serve the Autotask REST emulator with demo data until Ctrl-C.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    serve.add_argument("--port", type=int, default=8765, help="port (default: 8765; 0 = any free)")
    serve.add_argument("--scale", type=float, default=1.0, help="demo data volume (20 = ~100k tickets)")
    serve.add_argument("--seed", type=int, default=0, help="seed of the demo data and faults")
    serve.add_argument("--latency-ms", type=float, default=0.0, help="latency added per request")
    serve.add_argument("--thread-limit", type=int, default=3, help="concurrent requests per endpoint")
    serve.add_argument("--hourly-limit", type=int, default=10_000, help="requests per rolling hour")
    serve.add_argument(
        "--faults",
        default=None,
        metavar="SPEC",
        help='fault injection, e.g. "500:0.05; 429-retry-after=2:0.1@GET /V1.0/Tickets*"',
    )
    serve.add_argument("--db", default=None, metavar="FILE", help="SQLite file; state survives restarts")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autotask", description="Autotask PSA from the command line, with an embedded sandbox."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="start the sandbox and run a real query against it over HTTP")
    _add_sandbox(sub)
    return parser


def _serve(args: argparse.Namespace) -> int:
    from .sandbox import Sandbox

    sandbox = Sandbox(
        scale=args.scale,
        seed=args.seed,
        latency=args.latency_ms / 1000.0,
        thread_limit=args.thread_limit,
        hourly_limit=args.hourly_limit,
        faults=args.faults,
        db_path=args.db,
        host=args.host,
        port=args.port,
    )
    sandbox.start()
    # These are the sandbox's own throwaway credentials, printed so a user can connect to it;
    # they open nothing but this emulator.
    print(f"Autotask sandbox serving at {sandbox.url}")
    print(f"  zone lookup : {sandbox.url}V1.0/ZoneInformation?user={sandbox.username}")
    print(f"  UserName    : {sandbox.username}")
    print(f"  ApiIntegrationCode: {sandbox.integration_code}")
    print(f"  Secret      : {sandbox.secret}")
    print("Press Ctrl-C to stop.", flush=True)
    try:
        sandbox.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "sandbox":
        return _serve(args)
    if args.command == "demo":
        return _demo(args)
    return 2  # pragma: no cover - argparse rejects unknown commands first


if __name__ == "__main__":
    sys.exit(main())
