"""``--filter "field op value"``: the CLI's one-condition syntax (the full language lives in
``autotask_pandas.query``; this is deliberately tiny).

    status noteq 5                 value parsed as JSON when it is JSON: 5, true, [1,2], "5"
    title contains disk full       otherwise the rest of the line, as a string
    status in 1,5,8                in/notIn also take a comma-separated list
    dueDateTime notExist           exist/notExist take no value
    udf:"Root Cause" exist         a user-defined field (quote names with spaces)
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError

from autotask_pandas.types import FilterOperation, QueryFilter

__all__ = ["FilterSyntaxError", "parse_filter"]

_CONDITION = re.compile(
    r"""^\s*(?P<udf>udf:)?(?:"(?P<dq>[^"]+)"|'(?P<sq>[^']+)'|(?P<bare>\S+))"""
    r"""(?:\s+(?P<op>\S+))?(?:\s+(?P<value>.*?))?\s*$""",
    re.DOTALL,
)
_OPERATORS = ", ".join(sorted({op.value for op in FilterOperation}))
_LIST_OPS = (FilterOperation.IN, FilterOperation.NOT_IN)


class FilterSyntaxError(ValueError):
    """A --filter the CLI cannot read (a usage error: exit code 2)."""


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_filter(text: str) -> QueryFilter:
    match = _CONDITION.match(text)
    if not match or not match.group("op"):
        raise FilterSyntaxError(f'--filter {text!r}: expected "field op value", e.g. "status eq 1"')
    field = match.group("dq") or match.group("sq") or match.group("bare")
    try:
        op = FilterOperation(match.group("op"))
    except ValueError:
        raise FilterSyntaxError(
            f"--filter {text!r}: unknown operator {match.group('op')!r}; one of {_OPERATORS}"
        ) from None
    raw = match.group("value")
    value: Any = None
    if op in (FilterOperation.EXIST, FilterOperation.NOT_EXIST):
        if raw:
            raise FilterSyntaxError(f"--filter {text!r}: {op.value} takes no value")
    elif not raw:
        raise FilterSyntaxError(f"--filter {text!r}: {op.value} needs a value")
    else:
        value = _value(raw)
        if op in _LIST_OPS and not isinstance(value, list):
            value = [_value(v.strip()) for v in raw.split(",") if v.strip()]
    try:
        return QueryFilter(field=field, op=op, value=value, udf=bool(match.group("udf")))
    except ValidationError as exc:
        reason = exc.errors()[0].get("msg", str(exc)) if exc.errors() else str(exc)
        raise FilterSyntaxError(
            f"--filter {text!r}: {reason.removeprefix('Value error, ')}"
        ) from None
