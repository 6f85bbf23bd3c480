"""How Autotask fields are named as DataFrame columns.

Entity fields keep their API names (``companyID``, ``createDate``). UDFs become columns named
``udf:<UDF name>`` (``udf:Customer Tier``): the prefix cannot clash with an API field name (those
never contain a colon), keeps the UDF's own spelling readable, and tells the push where the value
goes back (``userDefinedFields``).
"""

from __future__ import annotations

__all__ = ["UDF_PREFIX", "udf_column", "udf_name"]

UDF_PREFIX = "udf:"


def udf_column(name: str) -> str:
    """The column of the UDF called ``name``."""
    return UDF_PREFIX + name


def udf_name(column: object) -> str | None:
    """The UDF a column holds, or None for an entity field (or a column of the user's own)."""
    if isinstance(column, str) and column.startswith(UDF_PREFIX):
        return column[len(UDF_PREFIX) :]
    return None
