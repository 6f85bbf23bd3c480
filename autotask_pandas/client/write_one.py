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
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from autotask_pandas.client.fieldnames import to_api_fields
from autotask_pandas.client.routing import Route, Router, find_key
from autotask_pandas.client.transport import RequestKind
from autotask_pandas.exceptions import (
    AutotaskNotFoundError,
    AutotaskUncertainWriteError,
    AutotaskValidationError,
)
from autotask_pandas.types import WriteOperation, decimal_json

__all__ = ["CreatedWithoutId", "PreparedWrite", "execute_write", "jsonable", "prepare_write"]


class CreatedWithoutId(AutotaskUncertainWriteError):
    """A create answered 200 without an ``itemId``: the record was made, its id is unknown.

    Unlike a create that got no answer, this one is known to have landed, so looking it up after
    the batch can find it (``ok``) or not (still uncertain), never prove it ``failed``."""

# WriteOperation action -> (catalog op, HTTP method, request kind)
_ACTIONS: dict[str, tuple[str, str, RequestKind]] = {
    "create": ("create", "POST", RequestKind.CREATE),
    "update": ("patch", "PATCH", RequestKind.WRITE),
    "replace": ("update", "PUT", RequestKind.WRITE),
    "delete": ("delete", "DELETE", RequestKind.WRITE),
}


def jsonable(value: Any) -> Any:
    """A body value as the API takes it, in JSON types; ``AutotaskValidationError`` for a value
    it cannot take.

    * Missing values of every kind - ``None``, a NaN float (Python, numpy, ``Decimal``),
      ``pd.NA``, ``pd.NaT``, numpy's ``NaT`` - become ``None`` (JSON ``null``).
    * Datetimes (``datetime``, ``pd.Timestamp``, ``np.datetime64``) become
      ``"YYYY-MM-DDTHH:MM:SS.fffZ"`` in UTC, the form the API gives back (FACTS §6: it stores and
      returns UTC; submit ``yyyy-mm-ddThh:mm:ss.ms``); a naive one is taken as UTC; digits past the
      millisecond are dropped. Dates become ``"YYYY-MM-DD"`` (date-only fields keep the date, §6).
    * numpy scalars become the Python value they print as (``np.float32(0.1)`` is ``0.1``, not
      the double ``0.10000000149011612`` it widens to); ``np.str_`` a plain ``str``.
    * A ``Decimal`` becomes an ``int`` when whole, a ``float`` when a double holds it exactly, else
      its digits as a string, which the API reads as the number (FACTS §11), so no digit is lost.
    * A string holding a lone surrogate (``"bad \\udcff byte"``) raises: UTF-8 cannot carry it.
    * Bytes become base64 (``"format: byte"`` fields such as an attachment's ``data``), an enum its
      value, mappings and lists element by element.
    * Infinities, durations and anything else JSON cannot carry raise: JSON has no infinity, and
      the API no duration type (send hours as a number).
    """
    if _is_missing(value):
        return None
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    numpy = sys.modules.get("numpy")  # no numpy scalar exists unless numpy was imported
    if numpy is not None and isinstance(value, numpy.generic):
        value = _from_numpy(value, numpy)
    if isinstance(value, str):
        return _utf8_text(value)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise AutotaskValidationError(f"{value!r} cannot be sent: JSON has no infinity")
        return float(value)
    if isinstance(value, decimal.Decimal):
        return _api_decimal(value)
    if isinstance(value, _dt.datetime):
        return _api_datetime(value)
    if isinstance(value, _dt.date):
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    if isinstance(value, _dt.timedelta):
        raise AutotaskValidationError(f"{value!r} cannot be sent: {_NO_DURATIONS}")
    if isinstance(value, (bytes, bytearray, memoryview)):  # "format: byte" fields, e.g. data
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    raise AutotaskValidationError(
        f"{value!r} cannot be sent: a {type(value).__name__} has no JSON form the API takes"
    )


_NO_DURATIONS = "the API has no duration type (send hours as a number)"


def _utf8_text(value: str) -> str:
    """``value`` as a plain ``str``; ``AutotaskValidationError`` for a lone surrogate, which no
    UTF-8 body can carry (text decoded with ``errors="surrogateescape"``, a broken file)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise AutotaskValidationError(
            f"{value!r} cannot be sent: not valid Unicode (a lone surrogate "
            f"{value[exc.start]!r} at character {exc.start}); the API takes UTF-8 only"
        ) from None
    return str(value)


def _is_missing(value: Any) -> bool:
    """None, NaN (Python, numpy or Decimal), pd.NA, pd.NaT or numpy's NaT."""
    if value is None:
        return True
    if isinstance(value, float):  # numpy's float64 included
        return math.isnan(value)
    if isinstance(value, decimal.Decimal):
        return value.is_nan()  # quiet and signalling; comparing a signalling NaN would raise
    pandas = sys.modules.get("pandas")  # pandas' missing values exist only once it is imported
    if pandas is not None and (value is pandas.NA or value is pandas.NaT):
        return True
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        if isinstance(value, (numpy.datetime64, numpy.timedelta64)):
            return bool(numpy.isnat(value))
        if isinstance(value, numpy.floating):
            return bool(numpy.isnan(value))
    return False


def _from_numpy(value: Any, numpy: Any) -> Any:
    """A numpy scalar as the Python value it stands for (``NaN``/``NaT`` are handled before)."""
    if isinstance(value, numpy.datetime64):
        unit = numpy.datetime_data(value.dtype)[0]
        if unit in ("Y", "M", "W", "D"):  # a calendar date
            return value.astype("datetime64[D]").item()
        # .item() of a nanosecond value is an int; at microseconds it is a datetime (naive: UTC)
        moment = value.astype("datetime64[us]").item()
        if not isinstance(moment, _dt.datetime):  # outside the years datetime holds
            raise AutotaskValidationError(f"{value!r} cannot be sent: out of the datetime range")
        return moment
    if isinstance(value, numpy.floating) and not isinstance(value, float):
        return float(str(value))  # float32/float16: the digits it prints, not the widened double
    if isinstance(value, numpy.timedelta64):
        raise AutotaskValidationError(f"{value!r} cannot be sent: {_NO_DURATIONS}")
    return value.item()


def _api_datetime(value: _dt.datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS.fffZ`` in UTC; a naive datetime is UTC already (FACTS §6)."""
    if value.tzinfo is not None and value.utcoffset() is not None:
        value = value.astimezone(_dt.UTC)
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}T"
        f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}.{value.microsecond // 1000:03d}Z"
    )


def _api_decimal(value: decimal.Decimal) -> int | float | str:
    if not value.is_finite():
        raise AutotaskValidationError(f"{value!r} cannot be sent: JSON has no infinity")
    return decimal_json(value)


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
    body: dict[str, Any] = {}
    for name, given in source.items():
        try:
            body[str(name)] = jsonable(given)
        except AutotaskValidationError as exc:
            raise AutotaskValidationError(
                f"{info.name}.{name}: {exc}; no request was sent"
            ) from None
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
        # A 200 says it was made, so it is not "failed" (which invites a resend, a duplicate):
        # the record exists, and which one it is is unknown.
        raise CreatedWithoutId(
            f"{prepared.method} {path}: the API answered 200 without an itemId ({answer!r}): the "
            "create was probably made but its id is unknown, so it was not resent; look it up by "
            "a field you set",
            method=prepared.method,
            url=path,
        )
    return item_id, answer
