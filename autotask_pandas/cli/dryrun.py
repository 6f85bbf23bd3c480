"""``--dry-run`` of the write commands: the exact requests a write would send, sent by nobody.

Each operation goes through ``AutotaskClient.plan_write``, the very check, field-name mapping and
routing that ``write_many`` and the one-record methods use, so what is printed is what would be
sent. Planning may read (the zone, field metadata); it never writes.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from autotask_pandas.cli.output import print_rows
from autotask_pandas.client import AutotaskClient
from autotask_pandas.types import WriteOperation

__all__ = ["planned_requests", "print_dry_run"]


def planned_requests(client: AutotaskClient, ops: list[WriteOperation]) -> list[dict[str, Any]]:
    """One ``{"method", "url", "body"}`` per operation, in order (``body`` None for a delete).

    A child entity whose parent id the client learns from the record (an update of a note without
    ``--parent-id``) shows ``{parentId}`` in its URL. Raises ``AutotaskValidationError`` for what
    the write itself would refuse, naming the entity and field.
    """
    root = f"{client.base_url}V1.0/"
    planned = []
    for op in ops:
        prepared = client.plan_write(op)
        route = prepared.route
        if route.child is not None and prepared.parent_id is None:
            path = f"{route.child.parent}/{{parentId}}/{route.child.name}"
        else:
            path = route.collection_path(prepared.parent_id)
        if prepared.operation.action == "delete" and prepared.entity_id is not None:
            path = f"{path}/{prepared.entity_id}"  # updates carry the id in the body instead
        planned.append({"method": prepared.method, "url": root + path, "body": prepared.body})
    return planned


def print_dry_run(
    client: AutotaskClient, ops: list[WriteOperation], output: str, out: TextIO, err: TextIO
) -> int:
    """Print the planned requests on ``out`` (JSON array with ``--output json``, one JSON line
    each with ``jsonl``, CSV columns ``method,url,body`` (the body as compact JSON) with ``csv``,
    else ``METHOD URL`` then the body) and say on ``err`` that nothing was sent. Returns the
    exit code, 0."""
    planned = planned_requests(client, ops)
    if output == "json":
        print(json.dumps(planned, indent=2), file=out)
    elif output == "jsonl":
        for request in planned:
            print(json.dumps(request), file=out)
    elif output == "csv":
        print_rows(planned, "csv", out, ["method", "url", "body"])
    else:
        for request in planned:
            print(f"{request['method']} {request['url']}", file=out)
            if request["body"] is not None:
                print(json.dumps(request["body"], indent=2), file=out)
    print(f"(dry run: {len(planned)} request(s) shown, nothing sent)", file=err)
    return 0
