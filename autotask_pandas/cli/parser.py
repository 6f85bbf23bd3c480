"""The ``autotask`` command line: every command and its options (parsing only)."""

from __future__ import annotations

import argparse

from autotask_pandas.cli.output import FORMATS
from autotask_pandas.cli.session import add_connection_options

__all__ = ["build_parser"]

_EPILOG = """\
examples:
  autotask query Tickets --filter "status noteq 5" --fields id,title,status --max-records 10
  autotask get Tickets 12345 --output json
  autotask update Tickets 12345 --data '{"priority": 1}'
  autotask batch create Contacts --file contacts.json
  autotask fields Tickets

Without AUTOTASK_* credentials every command runs against the built-in sandbox."""


def _output(parser: argparse.ArgumentParser, flag: str = "--output") -> None:
    parser.add_argument(flag, choices=FORMATS, default="table", help="table (default), json or csv")


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
        action="append",
        default=[],
        metavar='"FIELD OP VALUE"',
        help='a condition, e.g. "isActive eq true", "status in [1,5]", "dueDateTime exist"; '
        "repeat to AND several",
    )


def _add_data_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    query = _entity_command(sub, "query", "query records (follows pages as needed)")
    _filters(query)
    query.add_argument("--fields", default=None, help="comma-separated fields, e.g. id,title")
    limits = query.add_mutually_exclusive_group()
    limits.add_argument(
        "--max-records", type=int, default=500, metavar="N", help="at most N rows (default 500)"
    )
    limits.add_argument("--all", action="store_true", help="every matching row, page after page")
    _output(query)

    count = _entity_command(sub, "count", "count matching records")
    _filters(count)

    get = _entity_command(sub, "get", "get one record by id", with_id=True)
    _parent(get)
    _output(get)

    data_help = "a JSON object, @file.json, or - for stdin"
    create = _entity_command(sub, "create", "create a record")
    create.add_argument("--data", required=True, help=data_help)
    _parent(create)
    _output(create)

    update = _entity_command(sub, "update", "update fields of a record (PATCH)", with_id=True)
    update.add_argument("--data", required=True, help=data_help)
    _parent(update)
    _output(update)

    delete = _entity_command(sub, "delete", "delete a record", with_id=True)
    delete.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    _parent(delete)
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
        "--file", default=None, help="JSON array of records (create/update; - = stdin)"
    )
    batch.add_argument("--ids", default=None, help="comma-separated ids (delete)")
    batch.add_argument("--yes", "-y", action="store_true", help="delete without confirmation")
    batch.add_argument("--batch-size", type=int, default=200, help="requests queued at a time")
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

    download = action("download", "save an attachment's file")
    download.add_argument("--attachment-id", type=int, required=True)
    download.add_argument("--output", required=True, metavar="FILE", help="where to write it")

    listing = action("list", "list a record's attachments")
    parent(listing)
    _output(listing, "--format")

    remove = action("delete-attachment", "delete an attachment")
    remove.add_argument("--attachment-id", type=int, required=True)


def _add_catalog_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    entities = sub.add_parser("entities", help="list every entity of the API and what it allows")
    _output(entities)
    fields = _entity_command(sub, "fields", "an entity's fields, with picklist values and UDFs")
    _output(fields)


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autotask",
        description="Autotask PSA from the command line, with an embedded sandbox.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_data_commands(sub)
    _add_attachments(sub)
    _add_catalog_commands(sub)
    sub.add_parser("demo", help="start the sandbox and run a real query against it over HTTP")
    _add_sandbox(sub)
    return parser
