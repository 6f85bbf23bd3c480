"""The ``autotask`` command line: every command and its options (parsing only)."""

from __future__ import annotations

import argparse
from importlib import metadata

from autotask_pandas.cli.export import EXPORT_FORMATS
from autotask_pandas.cli.output import FORMATS
from autotask_pandas.cli.profiles import ENV_CONFIG_DIR, ENV_PROFILE, PROFILES_FILE_NAME
from autotask_pandas.cli.session import add_connection_options

__all__ = ["build_parser"]


def _version() -> str:
    try:
        return metadata.version("autotask-pandas")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"

_EPILOG = """\
examples:
  autotask query Tickets --filter "status != Complete" --fields id,title,status --max-records 10
  autotask count Tickets --filter "priority in (High, Critical)" --filter 'title contains "VPN"'
  autotask get Tickets 12345 --output json
  autotask update Tickets 12345 --data '{"priority": 1}'
  autotask batch create Contacts --file contacts.json
  autotask fields Tickets

Without AUTOTASK_* credentials every command runs against the built-in sandbox.

Data goes to stdout, messages to stderr. Exit codes: 0 done; 1 the API or the connection
failed, no item of a batch succeeded, or a delete was not confirmed (nothing deleted); 2 a
usage error (nothing sent); 3 a batch that partly failed."""


def _output(parser: argparse.ArgumentParser, flag: str = "--output") -> None:
    parser.add_argument(
        flag, choices=FORMATS, default="table", help="table (default), json, jsonl or csv"
    )


def _entity_command(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    name: str,
    help: str,
    *,
    with_id: bool = False,
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help, description=help)
    parser.add_argument("entity", help="entity name, e.g. Tickets (any case)")
    if with_id:
        parser.add_argument("id", type=int, help="the record's id")
    add_connection_options(parser)
    return parser


def _parent(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--parent-id",
        type=int,
        default=None,
        help="the parent's id for child entities (e.g. the ticket of a TicketNote)",
    )


def _filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--filter",
        "--where",
        dest="filter",
        action="append",
        default=[],
        metavar="FILTER",
        help='the filter language of read_autotask(where=...): "status != Complete", '
        '"priority in (High, Critical)", \'title contains "disk full"\', "dueDateTime exists", '
        "\'udf:\"Root Cause\" exists\' (picklist labels or values; the API's eq, noteq, ... "
        "work too); repeat to AND several. docs/filter-language.md",
    )


def _labels(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--labels",
        action="store_true",
        help="picklist columns as their labels (e.g. High) instead of their values (e.g. 1)",
    )


def _dry_run(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the exact request(s) and body, send no write",
    )


def _add_data_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    query = _entity_command(sub, "query", "query records (follows pages as needed)")
    _filters(query)
    query.add_argument(
        "--fields",
        default=None,
        help='comma-separated columns, e.g. id,title or \'id,title,udf:"Root Cause"\'; '
        "'*' for every column (a table shows a few by default)",
    )
    limits = query.add_mutually_exclusive_group()
    limits.add_argument(
        "--max-records", type=int, default=500, metavar="N", help="at most N rows (default 500)"
    )
    limits.add_argument("--all", action="store_true", help="every matching row, page after page")
    _labels(query)
    _output(query)

    export = _entity_command(
        sub, "export", "stream every matching record into a Parquet, CSV or JSONL file"
    )
    _filters(export)
    export.add_argument("--out", "-o", required=True, metavar="FILE", help="the file to write")
    export.add_argument(
        "--format",
        choices=EXPORT_FORMATS,
        default=None,
        help="parquet, csv or jsonl (default: from --out's suffix)",
    )
    export.add_argument(
        "--fields", default=None, help="comma-separated columns (default: every column)"
    )
    _labels(export)

    count = _entity_command(sub, "count", "count matching records")
    _filters(count)
    _output(count)

    get = _entity_command(sub, "get", "get one record by id", with_id=True)
    _parent(get)
    _output(get)

    data_help = "a JSON object, @file.json, or - for stdin"
    create = _entity_command(sub, "create", "create a record")
    create.add_argument("--data", required=True, help=data_help)
    _parent(create)
    _dry_run(create)
    _output(create)

    update = _entity_command(sub, "update", "update fields of a record (PATCH)", with_id=True)
    update.add_argument("--data", required=True, help=data_help)
    _parent(update)
    _dry_run(update)
    _output(update)

    delete = _entity_command(sub, "delete", "delete a record", with_id=True)
    delete.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    _parent(delete)
    _dry_run(delete)
    _output(delete)

    batch = sub.add_parser(
        "batch",
        help="create, update or delete many records (one request each, concurrently)",
        description="Many writes through the client's one batch path; prints one result per "
        "item and exits 1 if any did not succeed.",
    )
    batch.add_argument("action", choices=("create", "update", "delete"))
    batch.add_argument("entity", help="entity name, e.g. Tickets")
    batch.add_argument(
        "--file",
        default=None,
        help="records to create/update: a JSON array, JSONL (.jsonl) or CSV (.csv); - = stdin "
        "(JSON or JSONL)",
    )
    batch.add_argument("--ids", default=None, help="comma-separated ids (delete)")
    batch.add_argument("--yes", "-y", action="store_true", help="delete without confirmation")
    batch.add_argument("--batch-size", type=int, default=200, help="requests queued at a time")
    _dry_run(batch)
    _output(batch)
    add_connection_options(batch)


def _add_attachments(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    attachments = sub.add_parser("attachments", help="upload, download, list, delete attachments")
    actions = attachments.add_subparsers(dest="action", required=True)

    def action(name: str, help: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = actions.add_parser(name, help=help, description=help)
        add_connection_options(parser)
        return parser

    def parent(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--parent-type", required=True, help="e.g. Ticket, Project, Company")
        parser.add_argument("--parent-id", type=int, required=True)

    upload = action("upload", "attach a file to a record")
    parent(upload)
    upload.add_argument("--file", required=True)
    upload.add_argument("--title", default=None)
    upload.add_argument("--description", default=None)
    _dry_run(upload)

    download = action("download", "save an attachment's file")
    download.add_argument("--attachment-id", type=int, required=True)
    download.add_argument("--output", required=True, metavar="FILE", help="where to write it")

    listing = action("list", "list a record's attachments")
    parent(listing)
    listing.add_argument(  # --format: its old spelling, still accepted
        "--output",
        "--format",
        dest="output",
        choices=FORMATS,
        default="table",
        help="table (default), json, jsonl or csv",
    )

    remove = action("delete-attachment", "delete an attachment")
    remove.add_argument("--attachment-id", type=int, required=True)
    remove.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    _dry_run(remove)


def _add_catalog_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    entities = sub.add_parser("entities", help="list every entity of the API and what it allows")
    _output(entities)
    fields = _entity_command(sub, "fields", "an entity's fields, with picklist values and UDFs")
    _output(fields)
    threshold = sub.add_parser(
        "threshold", help="requests used of the rolling hour's budget (ThresholdInformation)"
    )
    _output(threshold)
    add_connection_options(threshold)
    doctor = sub.add_parser(
        "doctor",
        help="pre-flight check: credentials, zone, authentication, threshold, versions",
        description="Check what a command needs and say what is wrong and how to fix it "
        "(exit 1 when a check fails). The secret is never printed.",
    )
    _output(doctor)
    add_connection_options(doctor)


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
    serve.add_argument(
        "--scale", type=float, default=1.0, help="demo data volume (20 = ~100k tickets)"
    )
    serve.add_argument("--seed", type=int, default=0, help="seed of the demo data and faults")
    serve.add_argument("--latency-ms", type=float, default=0.0, help="latency added per request")
    serve.add_argument(
        "--thread-limit", type=int, default=3, help="concurrent requests per endpoint"
    )
    serve.add_argument("--hourly-limit", type=int, default=10_000, help="requests per rolling hour")
    serve.add_argument(
        "--faults",
        default=None,
        metavar="SPEC",
        help='fault injection, e.g. "500:0.05; 429-retry-after=2:0.1@GET /V1.0/Tickets*"',
    )
    serve.add_argument(
        "--db", default=None, metavar="FILE", help="SQLite file; state survives restarts"
    )


def _add_demo(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    demo = sub.add_parser(
        "demo",
        help="write the analyst report (HTML, with charts) from the embedded sandbox",
        description="Run the analyst report notebook against the embedded demo sandbox (no "
        "credentials, no network) and write it as one standalone HTML file that opens offline.",
    )
    demo.add_argument("--output", "-o", default="autotask-report.html", metavar="FILE",
                      help="where to write the report (default: ./autotask-report.html)")
    demo.add_argument("--notebook", default=None, metavar="FILE",
                      help="also write the executed notebook there")
    demo.add_argument("--scale", type=float, default=1.0,
                      help="demo data volume (default 1: ~5,000 tickets)")
    demo.add_argument("--seed", type=int, default=0, help="seed of the demo data (default 0)")


def _add_profile(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    profile = sub.add_parser(
        "profile",
        help="named credentials in the user's config directory",
        description=f"Named credentials kept in {PROFILES_FILE_NAME} in the user's config "
        f"directory (${ENV_CONFIG_DIR} overrides it), mode 0600. Use one with: "
        f"autotask --profile NAME COMMAND (or ${ENV_PROFILE}=NAME).",
    )
    actions = profile.add_subparsers(dest="action", required=True)
    add = actions.add_parser(
        "add",
        help="add or replace a profile (the secret is asked, or read from stdin)",
        description="Add or replace a profile. The secret is asked without echo, or read from "
        "the first line of stdin when it is not a terminal; it is never printed.",
    )
    add.add_argument("name", help="the profile's name (letters, digits, - and _)")
    add.add_argument("--username", required=True, help="the API user's name")
    add.add_argument("--integration-code", required=True, help="the API tracking identifier")
    add.add_argument("--api-url", default=None, help="the zone's API root (skips the zone lookup)")
    actions.add_parser("list", help="the profiles' names and usernames (never the secrets)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autotask",
        description="Autotask PSA from the command line, with an embedded sandbox.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"autotask {_version()}")
    parser.add_argument(
        "--profile",
        default=None,
        metavar="NAME",
        help=f"use the credentials of this profile (see: autotask profile; ${ENV_PROFILE})",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_data_commands(sub)
    _add_attachments(sub)
    _add_catalog_commands(sub)
    _add_demo(sub)
    _add_profile(sub)
    _add_sandbox(sub)
    return parser
