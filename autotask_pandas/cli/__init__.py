"""The ``autotask`` command (entry point ``autotask_pandas.cli:main``; also ``python -m
autotask_pandas.cli``).

    autotask query ENTITY [--filter "field op value" ...] [--fields a,b] [--max-records N | --all]
                   [--labels]
    autotask export ENTITY [--where ...] --out FILE [--format parquet|csv|jsonl] [--labels]
    autotask count ENTITY [--filter ...]
    autotask get ENTITY ID            autotask create ENTITY --data JSON [--dry-run]
    autotask update ENTITY ID --data JSON [--dry-run]   autotask delete ENTITY ID [--yes] [--dry-run]
    autotask batch create|update ENTITY --file data.json|.jsonl|.csv [--dry-run]
    autotask batch delete ENTITY --ids 1,2,3 [--yes] [--dry-run]
    autotask attachments upload|download|list|delete-attachment ...   (delete-attachment [--yes])
    autotask entities                 autotask fields ENTITY
    autotask threshold                autotask doctor
    autotask profile add|list         autotask demo [--output report.html]
    autotask sandbox serve [options]

Every command that prints data takes ``--output table|json|jsonl|csv`` (JSON keys and CSV
headers are the API's camelCase names); data goes to stdout, messages, prompts and progress to
stderr. Credentials come from ``--profile``, the ``AUTOTASK_*`` environment variables or
``$AUTOTASK_PROFILE``; with none at all, commands run against the built-in sandbox (and say so on
stderr). A delete asks for confirmation on a terminal (only ``y``/``yes`` confirms) and needs
``--yes`` off one; ``--dry-run`` prints the exact requests of any write and sends none.

Exit codes: 0 done; 1 the API or the connection failed (one ``error: ...`` line on stderr, with
the server's words), no item of a batch succeeded, or a delete was not confirmed (nothing
deleted); 2 a usage error (nothing sent); 3 a batch that partly failed. The secret is blanked in
everything printed. The CLI parses and prints; requests go through the client.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from autotask_pandas.cli.commands import COMMANDS, UsageError, needs_client, prepare
from autotask_pandas.cli.filters import FilterSyntaxError
from autotask_pandas.cli.parser import build_parser
from autotask_pandas.cli.session import Redactor, open_client
from autotask_pandas.exceptions import AutotaskException

__all__ = ["build_parser", "main"]


def _serve(args: argparse.Namespace) -> int:
    from autotask_pandas.sandbox import Sandbox

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


def _run(args: argparse.Namespace, redact: Redactor) -> int:
    if args.command == "sandbox":
        return _serve(args)
    if args.command == "demo":
        from autotask_pandas.cli.demo import run_demo

        return run_demo(output=args.output, notebook=args.notebook, scale=args.scale,
                        seed=args.seed)
    command = COMMANDS[args.command]
    prepare(args)
    args.redact = redact
    if not needs_client(args.command):
        return command(args, None, sys.stdout, sys.stderr)
    with open_client(args, redact) as client:
        return command(args, client, sys.stdout, sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit code (argparse's own exits are returned, not raised)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) and usage errors (2)
        return exc.code if isinstance(exc.code, int) else 2
    redact = Redactor()
    try:
        return _run(args, redact)
    except (UsageError, FilterSyntaxError) as exc:
        print(f"autotask {args.command}: error: {redact(str(exc))}", file=sys.stderr)
        return 2
    except AutotaskException as exc:
        print(f"error: {redact(' '.join(str(exc).split()))}", file=sys.stderr)
        return 1
    except OSError as exc:  # a file to upload or write; a closed pipe is handled below
        if isinstance(exc, BrokenPipeError):
            # `autotask query ... | head`: the reader left; say nothing more.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 0
        print(f"error: {redact(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
