"""What each ``autotask`` command does: read its arguments, call the client, print the answer.

Every request goes through ``AutotaskClient`` (front ends never build HTTP requests); many-record
writes go through its one batch path, ``write_many``, and print one result per item.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from autotask_pandas.catalog import load_catalog
from autotask_pandas.cli.filters import parse_filter
from autotask_pandas.cli.output import cell, print_record, print_rows, print_table
from autotask_pandas.client import AutotaskClient
from autotask_pandas.exceptions import AutotaskAPIError
from autotask_pandas.types import WriteOperation, WriteResult

__all__ = ["COMMANDS", "UsageError", "needs_client", "prepare", "resolve_entity"]


class UsageError(Exception):
    """The command line cannot be carried out as written (exit code 2, nothing sent)."""


Command = Callable[[argparse.Namespace, AutotaskClient | None, TextIO, TextIO], int]


# -- reading arguments ------------------------------------------------------------------------


def resolve_entity(name: str) -> str:
    """The catalog's spelling of an entity name (``tickets``, ``configuration_items`` ...)."""
    catalog = load_catalog()
    info = catalog.get(name) or catalog.get(name.replace("_", "").replace("-", ""))
    if info is not None:
        return info.name
    close = difflib.get_close_matches(name.lower(), [e.name.lower() for e in catalog], n=3)
    names = [catalog[c].name for c in close]
    hint = f"; did you mean {', '.join(names)}?" if names else " (see: autotask entities)"
    raise UsageError(f"Autotask has no entity called {name!r}{hint}")


def _json_text(text: str, what: str) -> Any:
    """JSON given inline, as ``@file``, or as ``-`` (stdin)."""
    source = what
    if text == "-":
        text = sys.stdin.read()
    elif text.startswith("@"):
        source = text[1:]
        try:
            text = Path(source).read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{what}: cannot read {source}: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{source} is not valid JSON: {exc}") from None


def _data(args: argparse.Namespace) -> dict[str, Any]:
    data = _json_text(args.data, "--data")
    if not isinstance(data, dict):
        raise UsageError('--data must be a JSON object, e.g. \'{"title": "Printer jammed"}\'')
    return data


def _records_file(path: str) -> list[dict[str, Any]]:
    data = _json_text(path if path == "-" else "@" + path, "--file")
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        data = data["items"]
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        raise UsageError(f"{path}: expected a JSON array of objects")
    return data


def _ids(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise UsageError(f"--ids {text!r}: expected comma-separated integer ids") from None


def _confirm(args: argparse.Namespace, question: str, err: TextIO) -> bool:
    if args.yes:
        return True
    print(f"{question} [y/N] ", end="", file=err, flush=True)
    return input().strip().lower() in ("y", "yes")


# -- commands -----------------------------------------------------------------------------------


def cmd_query(args: argparse.Namespace, client: Any, out: TextIO, err: TextIO) -> int:
    entity, fields = args.entity, args.fields
    limit = None if args.all else args.max_records
    rows = list(client.iter_query(entity, args.filters or None, fields, limit=limit))
    columns = None
    if fields:  # the user's columns, in their order, spelled as the API returned them
        keys = {k.lower(): k for row in rows[:1] for k in row}
        columns = [keys.get(f.lower(), f) for f in fields]
    print_rows(rows, args.output, out, columns)
    if args.output == "table":
        print(f"({len(rows)} {entity})", file=err)
    return 0


def cmd_count(args: argparse.Namespace, client: Any, out: TextIO, err: TextIO) -> int:
    print(client.count(args.entity, args.filters or None), file=out)
    return 0


def cmd_get(args: argparse.Namespace, client: Any, out: TextIO, err: TextIO) -> int:
    entity = args.entity
    record = client.get(entity, args.id, parent_id=args.parent_id)
    if record is None:
        print(f"error: {entity} {args.id} was not found", file=err)
        return 1
    print_record(record, args.output, out)
    return 0


def _done(args: argparse.Namespace, out: TextIO, verb: str, entity: str, answer: Any) -> None:
    if args.output == "json":
        print(json.dumps(answer), file=out)
    else:
        print(f"{verb} {entity} {answer.get('itemId')}", file=out)


def cmd_create(args: argparse.Namespace, client: Any, out: TextIO, err: TextIO) -> int:
    entity = args.entity
    created = client.create_entity(entity, parent_id=args.parent_id, **args.body)
    _done(args, out, "created", entity, {"itemId": created.item_id})
    return 0


def cmd_update(args: argparse.Namespace, client: Any, out: TextIO, err: TextIO) -> int:
    entity = args.entity
    answer = client.update(entity, args.id, parent_id=args.parent_id, **args.body)
    _done(args, out, "updated", entity, answer)
    return 0


def cmd_delete(args: argparse.Namespace, client: Any, out: TextIO, err: TextIO) -> int:
    entity = args.entity
    if not _confirm(args, f"delete {entity} {args.id}?", err):
        print("nothing deleted", file=err)
        return 1
    if not client.delete(entity, args.id, parent_id=args.parent_id):
        print(f"error: {entity} {args.id} was not found; nothing deleted", file=err)
        return 1
    _done(args, out, "deleted", entity, {"itemId": args.id})
    return 0


def _error_text(result: WriteResult, redact: Callable[[str], str]) -> str:
    if result.error is None:
        return ""
    error = result.error
    if isinstance(error, AutotaskAPIError) and error.errors:
        text = f"HTTP {error.status_code}: " + "; ".join(error.errors)
    else:
        text = str(error)
    return redact(" ".join(text.split()))


def _batch_operations(args: argparse.Namespace) -> list[WriteOperation]:
    entity = args.entity
    if args.action == "delete":
        if args.file is not None or args.ids is None:
            raise UsageError("batch delete takes --ids 1,2,3 (not --file)")
        return [WriteOperation.delete(entity, i) for i in _ids(args.ids)]
    if args.file is None or args.ids is not None:
        raise UsageError(f"batch {args.action} takes --file data.json (not --ids)")
    records = _records_file(args.file)
    if args.action == "create":
        return [WriteOperation.create(entity, r) for r in records]
    ops = []
    for index, record in enumerate(records):
        key = next((k for k in record if k.lower() == "id"), None)
        if key is None:
            raise UsageError(f"{args.file}: item {index} has no id; nothing was sent")
        body = {k: v for k, v in record.items() if k != key}
        ops.append(WriteOperation.update(entity, record[key], body))
    return ops


def cmd_batch(args: argparse.Namespace, client: Any, out: TextIO, err: TextIO) -> int:
    ops = args.operations
    if args.action == "delete" and not _confirm(args, f"delete {len(ops)} {args.entity}?", err):
        print("nothing deleted", file=err)
        return 1
    results = client.write_many(ops, batch_size=args.batch_size)
    redact = args.redact
    if args.output == "json":
        report = [
            {
                "index": r.index,
                "status": r.status,
                "itemId": r.item_id,
                "error": _error_text(r, redact) or None,
            }
            for r in results
        ]
        print(json.dumps(report, indent=2), file=out)
    else:
        rows = [[r.index, r.status, r.item_id, _error_text(r, redact)] for r in results]
        if args.output == "csv":
            print_rows(
                [dict(zip(("item", "status", "id", "error"), row)) for row in rows], "csv", out
            )
        else:
            print_table(rows, ["item", "status", "id", "error"], out, full_last=True)
    bad = [r for r in results if not r.ok]
    if bad:
        uncertain = sum(1 for r in bad if r.status == "uncertain")
        print(
            f"error: {len(bad)} of {len(results)} {args.action}s did not succeed"
            + (
                f" ({uncertain} uncertain: sent, no answer; check before retrying)"
                if uncertain
                else ""
            ),
            file=err,
        )
        return 1
    return 0


def cmd_entities(args: argparse.Namespace, client: Any, out: TextIO, err: TextIO) -> int:
    rows = []
    for info in load_catalog():
        rows.append(
            {
                "entity": info.name,
                "operations": ",".join(sorted(info.ops)),
                "under": "; ".join(
                    f"{c.parent}/{{id}}/{c.name} ({','.join(sorted(c.ops))})" for c in info.children
                ),
                "udfs": info.has_udfs,
            }
        )
    print_rows(rows, args.output, out)
    return 0


def cmd_fields(args: argparse.Namespace, client: Any, out: TextIO, err: TextIO) -> int:
    entity = args.entity
    fields = [*client.get_field_metadata(entity), *client.get_udf_metadata(entity)]
    if args.output != "table":
        data = [f.model_dump(by_alias=True, exclude_none=True) for f in fields]
        print_rows(data, args.output, out)
        return 0
    rows = [
        [
            f.name + (" (udf)" if f.is_udf else ""),
            f.data_type,
            "yes" if f.is_required else "",
            "yes" if f.is_read_only else "",
            f.reference_entity_type or "",
            len(f.picklist_values or ()) if f.is_picklist else "",
        ]
        for f in fields
    ]
    print_table(rows, ["field", "type", "required", "read-only", "reference", "picklist"], out)
    for f in fields:
        if f.is_picklist and f.picklist_values:
            print(f"\n{f.name} picklist:", file=out)
            for value in f.picklist_values:
                flags = ", ".join(
                    w
                    for w, on in (
                        ("default", value.is_default_value),
                        ("inactive", not value.is_active),
                    )
                    if on
                )
                label = cell(value.label)
                print(f"  {value.value:>8}  {label}" + (f"  ({flags})" if flags else ""), file=out)
    return 0


# -- attachments ------------------------------------------------------------------------------


def cmd_attachments(args: argparse.Namespace, client: Any, out: TextIO, err: TextIO) -> int:
    attachments = client.attachments
    if args.action == "upload":
        data = attachments.upload_file(
            args.parent_type,
            args.parent_id,
            args.file,
            title=args.title,
            description=args.description,
        )
        print(f"uploaded attachment {data.id} to {args.parent_type} {args.parent_id}", file=out)
    elif args.action == "download":
        content = attachments.download_file(args.attachment_id, args.output)
        print(
            f"downloaded attachment {args.attachment_id}: {len(content)} bytes to {args.output}",
            file=out,
        )
    elif args.action == "list":
        found = attachments.get_attachments_for_entity(args.parent_type, args.parent_id)
        rows = [a.model_dump(exclude={"data"}, exclude_none=True) for a in found]
        cols = ["id", "file_name", "file_size", "content_type", "title", "created_date_time"]
        print_rows(rows, args.format, out, cols if args.format == "table" else None)
    else:  # delete-attachment
        if not attachments.delete_attachment(args.attachment_id):
            print(
                f"error: attachment {args.attachment_id} was not found; nothing deleted", file=err
            )
            return 1
        print(f"deleted attachment {args.attachment_id}", file=out)
    return 0


def prepare(args: argparse.Namespace) -> None:
    """Read and check the arguments before any connection is made (usage errors send nothing)."""
    if getattr(args, "entity", None) is not None:
        args.entity = resolve_entity(args.entity)
    if hasattr(args, "filter"):
        args.filters = [parse_filter(f) for f in args.filter]
    if getattr(args, "fields", None) is not None and isinstance(args.fields, str):
        args.fields = [f.strip() for f in args.fields.split(",") if f.strip()] or None
    if getattr(args, "max_records", None) is not None and args.max_records < 1:
        raise UsageError("--max-records must be at least 1")
    if getattr(args, "data", None) is not None:
        args.body = _data(args)
        clash = sorted(
            set(args.body) & {"entity", "entity_id", "parent_id", "impersonation_resource_id"}
        )
        if clash:  # the client's own keyword arguments; no Autotask field is spelled so
            raise UsageError(f"--data: {', '.join(clash)} is not an Autotask field name")
    if args.command == "batch":
        args.operations = _batch_operations(args)
        if args.batch_size < 1:
            raise UsageError("--batch-size must be at least 1")
    deleting = args.command == "delete" or getattr(args, "action", None) == "delete"
    if deleting and args.command != "attachments" and not args.yes and not sys.stdin.isatty():
        raise UsageError("deleting needs --yes when not run from a terminal; nothing was sent")


COMMANDS: dict[str, Command] = {
    "query": cmd_query,
    "count": cmd_count,
    "get": cmd_get,
    "create": cmd_create,
    "update": cmd_update,
    "delete": cmd_delete,
    "batch": cmd_batch,
    "attachments": cmd_attachments,
    "entities": cmd_entities,
    "fields": cmd_fields,
}


def needs_client(command: str) -> bool:
    return command != "entities"
