"""What each ``autotask`` command does: read its arguments, call the client, print the answer.

Every request goes through ``AutotaskClient`` (front ends never build HTTP requests); many-record
writes go through its one batch path, ``write_many``, and print one result per item.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from autotask_pandas.catalog import load_catalog
from autotask_pandas.cli.doctor import cmd_doctor, cmd_threshold
from autotask_pandas.cli.dryrun import print_dry_run
from autotask_pandas.cli.export import cmd_export, export_format
from autotask_pandas.cli.filters import (
    parse_fields,
    parse_filters,
    resolve_fields,
    resolve_filters,
)
from autotask_pandas.cli.output import cell, columns_of, print_record, print_rows, print_table
from autotask_pandas.cli.profiles import ProfileError, cmd_profile
from autotask_pandas.cli.session import choose_profile
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
    info = catalog.get(name)  # the catalog's one rule for names, as read_autotask's
    if info is not None:
        return info.name
    names = catalog.suggest(name)
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


def _csv_records(text: str, path: str) -> list[dict[str, Any]]:
    """CSV rows as records: an empty cell is left out (not sent), any other cell is parsed as
    JSON when it is a number, true/false or null written so (``0123`` stays the text ``0123``:
    a leading zero is no JSON number), else kept as text."""
    records = []
    for row in csv.DictReader(io.StringIO(text)):
        if None in row:
            raise UsageError(f"{path}: a row has more cells than the header has names")
        record: dict[str, Any] = {}
        for name, value in row.items():
            if value is None or value == "":
                continue
            try:
                parsed = json.loads(value)
            except ValueError:
                parsed = value
            record[name] = parsed if not isinstance(parsed, (list, dict, str)) else value
        records.append(record)
    return records


def _jsonl_records(text: str, path: str) -> list[Any]:
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except ValueError as exc:
            raise UsageError(f"{path} line {number} is not valid JSON: {exc}") from None
    return records


def _records_file(path: str) -> list[dict[str, Any]]:
    """The records of ``--file``: a JSON array (or ``{"items": [...]}``), JSONL (``.jsonl``, or
    stdin holding one object a line) or CSV (``.csv``)."""
    suffix = Path(path).suffix.lower()
    if suffix in (".csv", ".jsonl"):
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise UsageError(f"--file: cannot read {path}: {exc.strerror or exc}") from None
        data: Any = _csv_records(text, path) if suffix == ".csv" else _jsonl_records(text, path)
    elif path == "-":
        text = sys.stdin.read()
        try:
            data = json.loads(text)
        except ValueError:
            data = _jsonl_records(text, "stdin")
    else:
        data = _json_text("@" + path, "--file")
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        data = data["items"]
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        raise UsageError(f"{path}: expected a JSON array of objects, JSONL or CSV")
    return data


def _ids(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise UsageError(f"--ids {text!r}: expected comma-separated integer ids") from None


def _confirm(args: argparse.Namespace, question: str, err: TextIO) -> bool:
    """``--yes``, or the user's answer on the terminal: only ``y``/``yes`` is yes; anything else,
    an empty line or the end of input (Ctrl-D) is no."""
    if args.yes:
        return True
    print(f"{question} [y/N] ", end="", file=err, flush=True)
    try:
        answer = input()
    except EOFError:
        print(file=err)  # end the prompt's line
        return False
    return answer.strip().lower() in ("y", "yes")


def _declined(err: TextIO) -> int:
    print("nothing deleted (not confirmed)", file=err)
    return _DECLINED


# -- commands -----------------------------------------------------------------------------------


def _udf_cells(row: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    """The row with its UDF values as ``udf:<name>`` cells (they come in userDefinedFields)."""
    values = {
        str(u.get("name", "")).lower(): u.get("value")
        for u in row.get("userDefinedFields") or ()
        if isinstance(u, dict)
    }
    return {**row, **{c: values.get(c[len("udf:") :].lower()) for c in columns}}


def cmd_query(args: argparse.Namespace, client: Any, out: TextIO, err: TextIO) -> int:
    entity = args.entity
    # names and labels checked against the metadata before the query is sent
    filters = resolve_filters(client, entity, args.filters)
    fields = resolve_fields(client, entity, args.fields) if args.fields else None
    include = None
    if fields:  # UDFs come back in userDefinedFields whatever IncludeFields lists
        include = [f for f in fields if not f.startswith("udf:")] or ["id"]
    limit = None if args.all else args.max_records
    rows = list(client.iter_query(entity, filters or None, include, limit=limit))
    if args.labels:
        rows = _with_labels(client, entity, rows)
    columns = None
    if fields:  # the user's columns, in their order, spelled as the API returned them
        udfs = [f for f in fields if f.startswith("udf:")]
        if udfs:
            rows = [_udf_cells(row, udfs) for row in rows]
        keys = {k.lower(): k for row in rows[:1] for k in row}
        columns = [keys.get(f.lower(), f) for f in fields]
    if columns is None and args.output == "table" and not args.every_field and rows:
        columns = _table_columns(rows)
        every = columns_of(rows)
        if len(columns) < len(every):
            print(
                f"(showing {len(columns)} of {len(every)} columns; --fields '*' for every column, "
                "--fields a,b,c to choose)",
                file=err,
            )
    print_rows(rows, args.output, out, columns)
    if limit is not None and len(rows) == limit:
        # Stopped at the limit: say how many match, so 500 rows are not taken for all of them.
        total = client.count(entity, filters or None)
        if total > len(rows):
            print(
                f"({len(rows):,} of {total:,} {entity}; --all for every row, --max-records N "
                "for more)",
                file=err,
            )
            return 0
    print(f"({len(rows):,} {entity})", file=err)
    return 0


def _with_labels(client: Any, entity: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with each picklist value replaced by its label (``--labels``); a value the
    metadata does not list is kept as it is. UDF picklists too, inside userDefinedFields."""
    maps: dict[str, dict[str, str]] = {}
    for fields in (client.get_field_metadata(entity), client.get_udf_metadata(entity)):
        for f in fields:
            if f.is_picklist and f.picklist_values:
                labels = {str(v.value): v.label for v in f.picklist_values if v.label}
                maps[f.name.lower()] = labels
    if not maps:
        return rows

    def label(name: str, value: Any) -> Any:
        labels = maps.get(name.lower())
        if labels is None or value is None or isinstance(value, (list, dict)):
            return value
        return labels.get(str(value), value)

    out = []
    for row in rows:
        new = {k: label(k, v) for k, v in row.items() if k != "userDefinedFields"}
        if "userDefinedFields" in row:
            new["userDefinedFields"] = [
                {**u, "value": label(str(u.get("name", "")), u.get("value"))}
                if isinstance(u, dict)
                else u
                for u in row["userDefinedFields"] or ()
            ]
        out.append(new)
    return out


#: Columns a table shows without --fields when a record has them, in this order (after id).
_TABLE_PREFERRED = (
    "ticketNumber", "title", "name", "companyName", "firstName", "lastName", "emailAddress",
    "status", "priority", "queueID", "companyID", "contactID", "assignedResourceID",
    "dueDateTime", "createDate", "isActive",
)  # fmt: skip
_TABLE_COLUMNS = 8


def _table_columns(rows: list[dict[str, Any]]) -> list[str]:
    """A readable default for a table: id, then the usual identifying fields the records carry
    (else the first columns that hold any value), at most ``_TABLE_COLUMNS``."""
    every = columns_of(rows)
    lower = {c.lower(): c for c in every}
    chosen = [lower[p.lower()] for p in ("id", *_TABLE_PREFERRED) if p.lower() in lower]
    for column in every:
        if len(chosen) >= _TABLE_COLUMNS:
            break
        if column not in chosen and any(row.get(column) not in (None, "") for row in rows):
            chosen.append(column)
    return chosen[:_TABLE_COLUMNS]


def cmd_count(args: argparse.Namespace, client: Any, out: TextIO, err: TextIO) -> int:
    """The number alone (``table``), or ``{"entity", "count"}`` as JSON, one JSON line or CSV."""
    filters = resolve_filters(client, args.entity, args.filters)
    total = client.count(args.entity, filters or None)
    if args.output == "table":
        print(total, file=out)
    else:
        print_rows([{"entity": args.entity, "count": total}], args.output, out)
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
    """What a write did: ``created Tickets 123`` (``table``), else the answer (``{"itemId": 123}``)
    as JSON, one JSON line or CSV."""
    if args.output == "json":
        print(json.dumps(answer), file=out)
    elif args.output == "table":
        print(f"{verb} {entity} {answer.get('itemId')}", file=out)
    else:
        print_rows([answer], args.output, out)


def cmd_create(args: argparse.Namespace, client: Any, out: TextIO, err: TextIO) -> int:
    entity = args.entity
    if args.dry_run:
        op = WriteOperation.create(entity, args.body, parent_id=args.parent_id)
        return print_dry_run(client, [op], args.output, out, err)
    created = client.create_entity(entity, parent_id=args.parent_id, **args.body)
    _done(args, out, "created", entity, {"itemId": created.item_id})
    return 0


def cmd_update(args: argparse.Namespace, client: Any, out: TextIO, err: TextIO) -> int:
    entity = args.entity
    if args.dry_run:
        op = WriteOperation.update(entity, args.id, args.body, parent_id=args.parent_id)
        return print_dry_run(client, [op], args.output, out, err)
    answer = client.update(entity, args.id, parent_id=args.parent_id, **args.body)
    _done(args, out, "updated", entity, answer)
    return 0


def cmd_delete(args: argparse.Namespace, client: Any, out: TextIO, err: TextIO) -> int:
    entity = args.entity
    if args.dry_run:
        op = WriteOperation.delete(entity, args.id, parent_id=args.parent_id)
        return print_dry_run(client, [op], args.output, out, err)
    if not _confirm(args, f"delete {entity} {args.id}?", err):
        return _declined(err)
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
    if args.dry_run:
        return print_dry_run(client, ops, args.output, out, err)
    if args.action == "delete" and not _confirm(args, f"delete {len(ops)} {args.entity}?", err):
        return _declined(err)
    results = client.write_many(ops, batch_size=args.batch_size)
    redact = args.redact
    if args.output in ("json", "jsonl"):
        report = [
            {
                "index": r.index,
                "status": r.status,
                "itemId": r.item_id,
                "error": _error_text(r, redact) or None,
            }
            for r in results
        ]
        if args.output == "json":
            print(json.dumps(report, indent=2), file=out)
        else:
            print_rows(report, "jsonl", out)
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
        return 1 if len(bad) == len(results) else _PARTLY_FAILED
    return 0


_PARTLY_FAILED = 3  # exit code of a batch of which some items landed and some did not
# A delete the user did not confirm: nothing was done that was asked for, so not 0 (a `&&` chain
# stops), and no usage error either (the command line was fine).
_DECLINED = 1


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
    if getattr(args, "dry_run", False):
        return _attachment_dry_run(args, client, out, err)
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
        rows = [_attachment_row(a) for a in found]
        cols = ["id", "fullPath", "fileSize", "contentType", "title", "attachDate"]
        print_rows(rows, args.output, out, cols if args.output == "table" else None)
    else:  # delete-attachment
        if not _confirm(args, f"delete attachment {args.attachment_id}?", err):
            return _declined(err)
        if not attachments.delete_attachment(args.attachment_id):
            print(
                f"error: attachment {args.attachment_id} was not found; nothing deleted", file=err
            )
            return 1
        print(f"deleted attachment {args.attachment_id}", file=out)
    return 0


#: The API's names of the attachment fields (FACTS §9), as ``get``/``query`` print them: every
#: key the CLI prints is the API's camelCase spelling, once (the model also keeps the API's own
#: keys as extras, which would print each value twice).
_ATTACHMENT_KEYS = {
    "id": "id",
    "parent_type": "parentType",
    "parent_id": "parentID",
    "file_name": "fullPath",
    "file_size": "fileSize",
    "content_type": "contentType",
    "title": "title",
    "created_date_time": "attachDate",
    "created_by": "attachedByResourceID",
    "attachment_type": "attachmentType",
    "publish": "publish",
}


def _attachment_row(attachment: Any) -> dict[str, Any]:
    """One attachment of ``attachments list`` in the API's field names, without the file's data."""
    return {
        api: value
        for name, api in _ATTACHMENT_KEYS.items()
        if (value := getattr(attachment, name, None)) is not None
    }


def _attachment_dry_run(args: argparse.Namespace, client: Any, out: TextIO, err: TextIO) -> int:
    """The upload or delete an attachments command would send (the upload's body holds the
    file as base64, exactly as sent), through the same ``plan_write`` as the other writes."""
    attachments = client.attachments
    if args.action == "upload":
        parent = attachments.parent(args.parent_type)
        path = Path(args.file)
        body = attachments._body(path.read_bytes(), path.name, args.title)
        op = WriteOperation.create(parent.entity, body, parent_id=args.parent_id)
    else:  # delete-attachment: where it lives is read first, as the delete itself does
        places = attachments._locate(args.attachment_id)
        if not places:
            print(f"error: attachment {args.attachment_id} was not found", file=err)
            return 1
        parent, parent_id = places[0]
        op = WriteOperation.delete(parent.entity, args.attachment_id, parent_id=parent_id)
    return print_dry_run(client, [op], "text", out, err)


def prepare(args: argparse.Namespace) -> None:
    """Read and check the arguments before any connection is made (usage errors send nothing)."""
    if getattr(args, "entity", None) is not None:
        args.entity = resolve_entity(args.entity)
    if hasattr(args, "filter"):  # read now; checked against the metadata once connected
        args.filters = parse_filters(args.filter)
    args.every_field = getattr(args, "fields", None) == "*"
    if args.every_field:
        args.fields = None
    if getattr(args, "fields", None) is not None and isinstance(args.fields, str):
        args.fields = parse_fields(args.fields) if args.fields.strip() else None
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
    deleting = args.command == "delete" or getattr(args, "action", None) in (
        "delete",
        "delete-attachment",
    )
    if args.command == "export":
        try:
            args.export_format = export_format(args.format, args.out)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    if args.command not in ("entities", "profile"):  # the commands that connect
        try:
            args.chosen_profile = choose_profile(args)
        except ProfileError as exc:
            if args.command != "doctor":
                raise UsageError(str(exc)) from None
            args.profile_error = exc  # doctor reports it as a failed check, with the fix
    if getattr(args, "dry_run", False):
        return  # nothing is deleted: no confirmation needed
    if deleting and not args.yes and not sys.stdin.isatty():
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
    "export": cmd_export,
    "threshold": cmd_threshold,
    "doctor": cmd_doctor,
    "profile": cmd_profile,
}


def needs_client(command: str) -> bool:
    # doctor opens its own, reporting failures; profile reads and writes only its file
    return command not in ("entities", "doctor", "profile")
