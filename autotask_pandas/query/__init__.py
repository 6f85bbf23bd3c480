"""Queries: the filter language (``language``) and whole query statements (``statement``)."""

from autotask_pandas.query.language import FilterSyntaxError, Label, parse, resolve, to_text
from autotask_pandas.query.statement import QueryStatement, parse_statement

__all__ = [
    "FilterSyntaxError",
    "Label",
    "QueryStatement",
    "parse",
    "parse_statement",
    "resolve",
    "to_text",
]
