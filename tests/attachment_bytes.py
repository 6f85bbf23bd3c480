"""A ticket attachment's bytes as the API sends them, read past the widgets and the attachments
entity, so a test compares what a widget shows with what the server holds."""

from __future__ import annotations

import base64
from typing import Any

from autotask_pandas.client import AutotaskClient


def file_bytes(client: AutotaskClient, ticket_id: int, attachment_id: int) -> bytes:
    """``GET /Tickets/{ticket}/Attachments/{id}``'s ``data``. The envelope is ``items`` (a list,
    or an object) or ``item`` (FACTS §5 "Get by id"): any of them is read."""
    body: Any = client.request("GET", f"Tickets/{ticket_id}/Attachments/{attachment_id}")
    item = body.get("item") or body.get("items")
    if isinstance(item, list):
        (item,) = item
    assert isinstance(item, dict) and isinstance(item.get("data"), str), body
    return base64.b64decode(item["data"])
