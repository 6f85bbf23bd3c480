"""One write operation, checked and turned into its request.

``prepare_write`` does everything that needs no network - entity name, whether the entity
allows the operation, where it goes (root or parent), the body - and fails with
``AutotaskValidationError`` before anything is sent. ``execute_write`` sends it; the only extra
request it may make is one GET to learn the parent id of an existing child record being updated
or deleted when the body does not carry it.

Updates are ``PATCH /{Entity}`` and replaces ``PUT /{Entity}`` with ``id`` in the body; the live
API answers 405 to ``PATCH /{Entity}/{id}``.
"""

from __future__ import annotations

import base64
import datetime as _dt
import decimal
import enum
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from autotask_pandas.client.fieldnames import to_api_fields
from autotask_pandas.client.routing import Route, Router, find_key
from autotask_pandas.client.transport import RequestKind
from autotask_pandas.exceptions import (
    AutotaskAPIError,
    AutotaskNotFoundError,
    AutotaskValidationError,
)
from autotask_pandas.types import WriteOperation

__all__ = ["PreparedWrite", "execute_write", "jsonable", "prepare_write"]

# WriteOperation action -> (catalog op, HTTP method, request kind)
_ACTIONS: dict[str, tuple[str, str, RequestKind]] = {
    "create": ("create", "POST", RequestKind.CREATE),
    "update": ("patch", "PATCH", RequestKind.WRITE),
    "replace": ("update", "PUT", RequestKind.WRITE),
    "delete": ("delete", "DELETE", RequestKind.WRITE),
}


def jsonable(value: Any) -> Any:
    """A body value as JSON: datetimes as UTC ISO strings, bytes as base64, numpy/pandas
    scalars unwrapped."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):  # "format: byte" fields, e.g. data
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:  # the API stores and returns UTC
            value = value.astimezone(_dt.UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat() + "T00:00:00"
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    item = getattr(value, "item", None)  # numpy / pandas scalars
    if callable(item):
        try:
            return jsonable(item())
        except (TypeError, ValueError):
            pass
    isoformat = getattr(value, "isoformat", None)  # pandas Timestamp without .item()
    if callable(isoformat):
        return isoformat()
    return value


@dataclass(frozen=True, slots=True)
class PreparedWrite:
    operation: WriteOperation
    route: Route
    method: str
    kind: RequestKind
    body: dict[str, Any] | None
    entity_id: int | None
    parent_id: int | None  # None on a child route: learn it from the record first


def _as_id(value: Any, what: str) -> int:
    value = jsonable(value)
    if isinstance(value, bool) or value is None:
        raise AutotaskValidationError(f"{what} must be an integer id, got {value!r}")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise AutotaskValidationError(f"{what} must be an integer id, got {value!r}") from None
    if number != value and str(number) != str(value):
        raise AutotaskValidationError(f"{what} must be an integer id, got {value!r}")
    return number


def prepare_write(
    router: Router,
    op: WriteOperation,
    live_fields: Callable[[str], Iterable[str]] | None = None,
) -> PreparedWrite:
    catalog_op, method, kind = _ACTIONS[op.action]
    info = router.entity(op.entity)
    # Field names as the API spells them: the reference's snake_case and SOAP-era names
    # (a ticket's accountID is companyID) are mapped; a name neither the catalog nor the server's
    # field metadata knows is refused, since the live API would silently drop it.
    source = to_api_fields(
        info,
        op.body,
        strict=True,
        live_fields=(lambda: live_fields(info.name)) if live_fields is not None else None,
    )
    route = router.route(info, catalog_op, prefer_child=op.parent_id is not None, body=source)
    body = {str(k): jsonable(v) for k, v in source.items()}
    id_key = find_key(body, "id")

    entity_id: int | None = None
    if op.action == "create":
        if id_key is not None:
            if jsonable(body[id_key]) not in (0, "0", None):
                raise AutotaskValidationError(
                    f"a {info.name} create takes no id (got id={body[id_key]!r}); use update/replace"
                )
            del body[id_key]
        if op.entity_id is not None:
            raise AutotaskValidationError("a create takes no entity_id")
    else:
        if op.entity_id is None:
            raise AutotaskValidationError(f"{op.action} of {info.name} needs the record's id")
        entity_id = _as_id(op.entity_id, "entity_id")
        if id_key is not None:
            if _as_id(body[id_key], "id") != entity_id:
                raise AutotaskValidationError(
                    f"{op.action} of {info.name} {entity_id}: the body's id {body[id_key]!r} differs"
                )
            del body[id_key]
        if op.action in ("update", "replace"):
            body = {"id": entity_id, **body}  # the API takes the id in the body, not the URL

    parent_id: int | None = None
    if route.needs_parent:
        assert route.child is not None
        field = route.parent_field
        if op.parent_id is not None:
            parent_id = _as_id(op.parent_id, "parent_id")
            if field and op.action != "delete" and find_key(body, field) is None:
                body[field] = parent_id
        elif field and (key := find_key(body, field)) is not None and body[key] is not None:
            parent_id = _as_id(body[key], field)
        elif op.action == "create" or "get" not in info.ops or field is None:
            hint = f"set {field} or pass parent_id" if field else "pass parent_id"
            raise AutotaskValidationError(
                f"a {info.name} {op.action} goes to {route.child.parent}/{{parentId}}/"
                f"{route.child.name}: the parent id is missing ({hint}); no request was sent"
            )
    return PreparedWrite(
        op, route, method, kind, None if op.action == "delete" else body, entity_id, parent_id
    )


Send = Callable[[str, str, Any, RequestKind, "int | None"], Any]
GetItem = Callable[[str, int], "dict[str, Any] | None"]


def execute_write(prepared: PreparedWrite, send: Send, get_item: GetItem) -> tuple[int, Any]:
    """Send one prepared write; returns (item id the API answered, the answer)."""
    route = prepared.route
    parent_id = prepared.parent_id
    if route.needs_parent and parent_id is None:
        assert prepared.entity_id is not None and route.parent_field is not None
        record = get_item(route.entity.name, prepared.entity_id)
        if record is None:
            raise AutotaskNotFoundError(
                f"{route.entity.name} {prepared.entity_id} not found (looked up for its parent id)",
                status_code=404,
            )
        key = find_key(record, route.parent_field)
        if key is None or record[key] is None:
            raise AutotaskValidationError(
                f"{route.entity.name} {prepared.entity_id} has no {route.parent_field}; "
                "pass parent_id"
            )
        parent_id = _as_id(record[key], route.parent_field)

    if prepared.operation.action == "delete":
        assert prepared.entity_id is not None
        path = route.item_path(prepared.entity_id, parent_id)
    else:
        path = route.collection_path(parent_id)
    answer = send(
        prepared.method,
        path,
        prepared.body,
        prepared.kind,
        prepared.operation.impersonation_resource_id,
    )
    raw = answer.get("itemId") if isinstance(answer, Mapping) else None
    try:
        item_id = int(raw) if raw is not None else prepared.entity_id
    except (TypeError, ValueError):
        item_id = prepared.entity_id
    if item_id is None:  # only a create can get here: it must say what it made
        raise AutotaskAPIError(
            f"{prepared.method} {path}: the API answered without an itemId: {answer!r}",
            status_code=200,
            response=answer,
        )
    return item_id, answer
