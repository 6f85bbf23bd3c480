"""How the sandbox stores and prints values of each Autotask data type.

Datetimes are kept as fixed-width UTC text (``2026-01-02T03:04:05.123Z``) so that SQLite compares
them correctly as strings and a filter on a datetime column is plain SQL. The live API stores all
times in UTC; whether it appends ``Z`` is unconfirmed (FACTS §6), and we do, since a reader can then
never mistake the value for local time.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from .errors import ApiError

__all__ = [
    "SQL_TYPES",
    "coerce_write_value",
    "format_datetime",
    "parse_datetime",
    "whole_number",
]

SQL_TYPES = {
    "integer": "INTEGER",
    "long": "INTEGER",
    "double": "REAL",
    "boolean": "INTEGER",
    "datetime": "TEXT",
    "string": "TEXT",
    "base64": "BLOB",
}

_DATETIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?"
    r"(Z|[+-]\d{2}:?\d{2})?$"
)


def format_datetime(value: datetime) -> str:
    """A datetime as the sandbox stores and answers it: UTC, milliseconds, ``Z``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse_datetime(text: str) -> str | None:
    """Canonical stored text for an API datetime string, or None if it is not one.

    Accepts what clients send: a date, a datetime with or without seconds, fractions of up to
    seven digits (.NET's precision) and a ``Z`` or numeric offset; no offset means UTC, as the API
    documents.
    """
    found = _DATETIME_RE.match(text.strip())
    if not found:
        return None
    year, month, day, hour, minute, second, fraction, zone = found.groups()
    try:
        parsed = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0").ljust(6, "0")[:6]),
            tzinfo=UTC,
        )
    except ValueError:
        return None
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = sign * (int(digits[:2]) * 60 + int(digits[2:]))
        parsed = parsed.replace(tzinfo=timezone(timedelta(minutes=offset)))
    return format_datetime(parsed)


def whole_number(value: Any) -> int | None:
    """``value`` as an int when it is one (an int, an integral float, digits in a string), else
    None; booleans are not numbers here (callers decide what a JSON true means)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return None


def coerce_write_value(entity: str, field: str, kind: str, value: Any) -> Any:
    """A value from a write body, converted to what the store keeps.

    The live API accepts numbers and booleans sent as strings (Datto's own collection sends
    ``"id": "4"`` and ``"IsActive": "False"``), so we do too; anything that cannot be read as the
    field's type is refused with the field named.
    """
    if value is None:
        return None
    bad = ApiError(f"Invalid value '{value}' for field {field} of type {kind} on the {entity} entity.")
    if kind in ("integer", "long"):
        number = whole_number(value)
        if number is None:
            raise bad
        # The API binds integer to Int32 and long to Int64: a value beyond is refused, never
        # handed to SQLite (whose OverflowError would be a crash, not an answer).
        bits = 32 if kind == "integer" else 64
        if not -(2 ** (bits - 1)) <= number < 2 ** (bits - 1):
            raise ApiError(
                f"Value '{value}' for field {field} on the {entity} entity is out of the range "
                f"of {'Int32' if bits == 32 else 'Int64'}."
            )
        return number
    if kind == "double":
        if isinstance(value, bool):
            raise bad
        try:
            double = float(value)
        except (TypeError, ValueError, OverflowError):
            raise bad from None
        if not math.isfinite(double):
            raise bad
        return double
    if kind == "boolean":
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return int(value.strip().lower() == "true")
        if isinstance(value, int) and value in (0, 1):
            return value
        raise bad
    if kind == "datetime":
        if isinstance(value, datetime):
            return format_datetime(value)
        if isinstance(value, date):
            return format_datetime(datetime(value.year, value.month, value.day, tzinfo=UTC))
        if isinstance(value, str):
            parsed = parse_datetime(value)
            if parsed is not None:
                return parsed
        raise bad
    if kind == "base64":
        if isinstance(value, (bytes, bytearray)):
            return bytes(value)
        if isinstance(value, str):
            try:
                return base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raise ApiError(f"The data of this {entity} is not valid base64.") from None
        raise bad
    # string
    if isinstance(value, (dict, list)):
        raise bad
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
