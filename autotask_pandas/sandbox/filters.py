"""Autotask query filters translated to SQL, with the live API's rules and error texts.

This is the sandbox's own reading of the grammar in FACTS §4, written apart from the client's
filter code on purpose: if both sides shared it, their bugs would cancel out in the tests.

Choices where the live behaviour is unconfirmed (documented in docs/sandbox.md):
- ``noteq`` and ``notIn`` match rows where the field is empty, as the API's LINQ (C#) null
  semantics would; ``gt``/``lt`` and friends never match an empty field.
- String comparisons ignore case, as SQL Server's default collation does.
- An operator the API does not know is silently dropped, as observed on the live API (PR #193).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..catalog import EntityInfo, FieldInfo
from . import tenant
from .errors import ApiError
from .values import parse_datetime, whole_number

__all__ = [
    "MAX_OR_CONDITIONS",
    "CompiledFilter",
    "UdfType",
    "compile_filter",
    "field_list",
    "is_queryable",
    "lower_keys",
]

MAX_OR_CONDITIONS = 500
COMPARISONS = {"eq": "=", "noteq": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
LIKE_PATTERNS: dict[str, Callable[[str], str]] = {
    "beginsWith": lambda v: f"{v}%",
    "endsWith": lambda v: f"%{v}",
    "contains": lambda v: f"%{v}%",
}
# Documented as not queryable on attachment entities (FACTS §9): filtering on them is an error.
NOT_QUERYABLE_ON_ATTACHMENTS = {"data", "fileSize", "creatorType"}
KNOWN_OPS = {*COMPARISONS, *LIKE_PATTERNS, "exist", "notExist", "in", "notIn", "and", "or"}


@dataclass(frozen=True, slots=True)
class UdfType:
    """What the filter compiler needs to know of a UDF definition."""

    name: str
    type: str  # string | integer | double | datetime


@dataclass(slots=True)
class CompiledFilter:
    where: str
    params: list[Any] = field(default_factory=list)
    or_conditions: int = 0
    udf_conditions: int = 0


def lower_keys(obj: Mapping[str, Any]) -> dict[str, Any]:
    """JSON keys are case-insensitive on the live API (``MaxRecords`` and ``maxRecords`` alike)."""
    return {str(k).lower(): v for k, v in obj.items()}


class _Compiler:
    def __init__(self, entity: EntityInfo, udfs: Mapping[str, UdfType]) -> None:
        self.entity = entity
        self.udfs = {k.lower(): v for k, v in udfs.items()}
        self.out = CompiledFilter("1")

    def unknown(self, name: str) -> ApiError:
        return ApiError(f"Unable to find {name} in the {self.entity.singular} Entity")

    def group(self, items: Any, joiner: str) -> str:
        if not isinstance(items, list):
            raise ApiError("The filter must be an array of filter objects.")
        parts = [p for p in (self.node(item) for item in items) if p is not None]
        if not parts:
            return "1"
        return "(" + f" {joiner} ".join(parts) + ")"

    def node(self, raw: Any) -> str | None:
        if not isinstance(raw, Mapping):
            raise ApiError("Each filter item must be an object with op, field and value.")
        item = lower_keys(raw)
        op = item.get("op")
        if op not in KNOWN_OPS:
            return None  # the live API drops what it does not understand
        if op in ("and", "or"):
            items = item.get("items") or []
            if op == "or":
                self.out.or_conditions += len(items)
            return self.group(items, op.upper())
        name = item.get("field")
        if not isinstance(name, str) or not name:
            raise ApiError(f"The {op} filter needs a field.")
        if item.get("udf") is True:
            return self.udf_condition(op, name, item)
        fld = self.entity.field(name)
        if fld is None or fld.name == "soapParentPropertyId":
            raise self.unknown(name)
        if not is_queryable(self.entity, fld):
            raise ApiError(f"{fld.name} is not a queryable field of the {self.entity.singular} Entity")
        column = f'"{fld.name}"'
        return self.condition(op, column, fld.name, fld.type, item, null_check=True)

    def condition(
        self, op: str, column: str, name: str, kind: str, item: dict[str, Any], null_check: bool
    ) -> str:
        if op == "exist":
            return f"{column} IS NOT NULL"
        if op == "notExist":
            return f"{column} IS NULL"
        if "value" not in item or item["value"] is None:
            raise ApiError(f"The {op} filter on {name} needs a value; null is not allowed.")
        value = item["value"]
        if op in ("in", "notIn"):
            if not isinstance(value, list):
                raise ApiError(f"The {op} filter on {name} needs an array of values.")
            self.out.or_conditions += len(value)
            if not value:
                return "0" if op == "in" else "1"
            converted = [self.convert(name, kind, v) for v in value]
            self.out.params.extend(converted)
            marks = ", ".join("?" for _ in converted)
            if op == "in":
                return f"{column} IN ({marks})"
            return f"({column} NOT IN ({marks}) OR {column} IS NULL)"
        if op in LIKE_PATTERNS:
            if kind != "string":
                raise ApiError(f"The {op} operator can only be used on text fields, not on {name}.")
            escaped = re.sub(r"([\\%_])", r"\\\1", str(value))
            self.out.params.append(LIKE_PATTERNS[op](escaped))
            return f"{column} LIKE ? ESCAPE '\\'"
        self.out.params.append(self.convert(name, kind, value))
        sql_op = COMPARISONS[op]
        if op == "noteq" and null_check:
            return f"({column} != ? OR {column} IS NULL)"
        return f"{column} {sql_op} ?"

    def udf_condition(self, op: str, name: str, item: dict[str, Any]) -> str:
        udf = self.udfs.get(name.lower())
        if udf is None:
            raise self.unknown(name)
        self.out.udf_conditions += 1
        inner_op = {"noteq": "eq", "notIn": "in", "notExist": "exist"}.get(op, op)
        value_sql = "CAST(value AS REAL)" if udf.type in ("integer", "double") else "value"
        if udf.type == "datetime":
            # UDF values are text in whatever ISO form they were stored ("2027-09-30T00:00:00"
            # from the demo, the canonical "...000Z" from writes): compare canonical forms.
            value_sql = "strftime('%Y-%m-%dT%H:%M:%fZ', value)"
        start = len(self.out.params)
        inner = self.condition(inner_op, value_sql, udf.name, udf.type, item, null_check=False)
        # The subquery's own parameters come before the value's, which condition() just appended.
        self.out.params[start:start] = [self.entity.name, udf.name]
        membership = "NOT IN" if inner_op != op else "IN"
        return (
            f"id {membership} (SELECT entity_id FROM udf WHERE entity = ? AND name = ?"
            f" AND value IS NOT NULL AND {inner})"
        )

    def convert(self, name: str, kind: str, value: Any) -> Any:
        if kind in ("integer", "long"):
            if isinstance(value, bool):
                # Integer flags such as Contact.isActive: Datto's own collection filters them with
                # a JSON true (FACTS §4), which SQL Server reads as 1.
                return int(value)
            number = whole_number(value)
            if number is not None:
                return number
            # The live API passes the text to SQL Server, which fails the cast (picklist labels
            # used in place of values end here).
            raise ApiError(
                f"Conversion failed when converting the varchar value '{value}' to data type int."
            )
        if kind == "double":
            if isinstance(value, bool):
                raise ApiError(f"Error converting data type varchar to numeric ('{value}').")
            try:
                return float(value)
            except (TypeError, ValueError):
                raise ApiError(f"Error converting data type varchar to numeric ('{value}').") from None
        if kind == "boolean":
            if not isinstance(value, bool):
                raise ApiError(
                    f"The value of the boolean field {name} must be true or false, not {value!r}."
                )
            return int(value)
        if kind == "datetime":
            parsed = parse_datetime(value) if isinstance(value, str) else None
            if parsed is None:
                raise ApiError(
                    "Conversion failed when converting date and/or time from character string."
                )
            return parsed
        if isinstance(value, (dict, list)):
            raise ApiError(f"Invalid value for field {name}.")
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)


def is_queryable(entity: EntityInfo, fld: FieldInfo) -> bool:
    attachment = entity.name.endswith("Attachments") or entity.name == "AttachmentInfo"
    return fld.type != "base64" and not (attachment and fld.name in NOT_QUERYABLE_ON_ATTACHMENTS)


def compile_filter(
    entity: EntityInfo,
    items: Any,
    udfs: Mapping[str, UdfType] | None = None,
    max_or_conditions: int = MAX_OR_CONDITIONS,
) -> CompiledFilter:
    """SQL for a QueryModel's ``filter`` array (top-level items are ANDed); more than
    ``max_or_conditions`` OR conditions (``SandboxSettings.max_or_conditions``) is an error."""
    compiler = _Compiler(entity, udfs or {})
    where = compiler.group(items, "AND")
    out = compiler.out
    out.where = where
    if out.or_conditions > max_or_conditions:
        raise ApiError(f"Queries are limited to {max_or_conditions} or fewer 'OR' conditions.")
    if out.udf_conditions > 1:
        raise ApiError("Only one user-defined field can be queried at a time.")
    return out


def field_list(entity: EntityInfo, names: Any) -> list[FieldInfo] | None:
    """The IncludeFields of a query as fields (``id`` always first), or None for every field."""
    if not names:
        return None
    if not isinstance(names, list):
        raise ApiError("IncludeFields must be an array of field names.")
    chosen: dict[str, FieldInfo] = {}
    id_field = entity.field("id")
    if id_field is not None:
        chosen["id"] = id_field
    udfs = tenant.udf_definitions(entity.name) if entity.has_udfs else ()
    udf_names = {d.name.lower() for d in udfs}
    for name in names:
        fld = entity.field(str(name))
        if fld is None and str(name).lower() in udf_names:
            continue  # UDFs may be listed (FACTS §4); userDefinedFields comes back anyway
        if fld is None:
            raise ApiError(f"Unable to find {name} in the {entity.singular} Entity")
        chosen.setdefault(fld.name, fld)
    return list(chosen.values())
