"""``--filter`` and ``--fields``: the one filter language of ``read_autotask(where=...)`` and
``%autotask`` (``autotask_pandas.query``), not a grammar of the CLI's own.

    --filter "status != Complete"                  labels, resolved against the metadata
    --filter "priority in (High, Critical)"        lists in parentheses
    --filter 'title contains "disk full"'          text with spaces is quoted
    --filter "status eq 5"  "dueDateTime notExist"  the API's spellings (eq noteq gt gte lt lte
                                                   beginsWith endsWith contains exist notExist
                                                   in notIn) are accepted too
    --filter 'udf:"Root Cause" exists'             a user-defined field
    --fields 'id,title,udf:"Root Cause"'           columns, a UDF as udf:"Name"

Two steps, so that nothing is sent for a mistake: ``parse_filters``/``parse_fields`` read the text
before any connection (a syntax error is a usage error, exit 2, with a caret under the position);
``resolve_filters``/``resolve_fields`` then check names and labels against the entity's metadata
(fetched once and cached by the client) before the query is sent: an unknown field gets the
"did you mean" of the Python API, also a usage error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autotask_pandas.exceptions import AutotaskValidationError
from autotask_pandas.query import FilterSyntaxError as _LanguageError
from autotask_pandas.query import parse, resolve
from autotask_pandas.query.statement import parse_columns, resolve_columns
from autotask_pandas.types import QueryFilter

__all__ = [
    "FilterSyntaxError",
    "parse_fields",
    "parse_filter",
    "parse_filters",
    "resolve_fields",
    "resolve_filters",
]


class FilterSyntaxError(ValueError):
    """A --filter or --fields the CLI cannot read, or names the entity does not have (a usage
    error: exit code 2, nothing sent)."""


def _hint(text: str, error: _LanguageError) -> str:
    at = text[error.position : error.position + 1]
    if at == "[":
        return "\n  (lists are written in parentheses: status in (1, 5))"
    if error.problem.startswith("expected 'and', 'or' or the end"):
        return '\n  (text with spaces is quoted: title contains "disk full")'
    return ""


def parse_filters(texts: Sequence[str]) -> list[QueryFilter]:
    """The conditions of every ``--filter`` (ANDed), read but not yet checked against metadata."""
    found: list[QueryFilter] = []
    for text in texts:
        try:
            found.extend(parse(text))
        except _LanguageError as exc:
            raise FilterSyntaxError(f"--filter {text!r}: {exc}{_hint(text, exc)}") from None
    return found


def parse_filter(text: str) -> QueryFilter:
    """One ``--filter`` as one condition (its conditions ANDed in a group when several)."""
    filters = parse_filters([text])
    return filters[0] if len(filters) == 1 else QueryFilter.and_(*filters)


def parse_fields(text: str) -> list[str]:
    """The columns of ``--fields`` (``id,title,udf:"Root Cause"``; a UDF as ``udf:<name>``)."""
    try:
        return list(parse_columns(text))
    except _LanguageError as exc:
        raise FilterSyntaxError(f"--fields {text!r}: {exc}") from None


def resolve_filters(client: Any, entity: str, filters: Sequence[QueryFilter]) -> list[QueryFilter]:
    """``filters`` checked against ``entity``'s metadata, labels turned into values."""
    if not filters:
        return []
    try:
        return resolve(
            filters,
            client.get_field_metadata(entity),
            client.get_udf_metadata(entity),
            entity=entity,
        )
    except AutotaskValidationError as exc:
        raise FilterSyntaxError(f"--filter: {exc}") from None


def resolve_fields(client: Any, entity: str, fields: Sequence[str]) -> list[str]:
    """``fields`` in the metadata's spelling (``udf:<name>`` for UDFs), or "did you mean"."""
    try:
        return list(
            resolve_columns(
                fields,
                client.get_field_metadata(entity),
                client.get_udf_metadata(entity),
                entity=entity,
            )
        )
    except AutotaskValidationError as exc:
        raise FilterSyntaxError(f"--fields: {exc}") from None
