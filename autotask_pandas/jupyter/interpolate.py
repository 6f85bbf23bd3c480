"""``{python_variable}`` in an ``%autotask`` line, written into the filter language safely.

    status = {wanted}           wanted = "Waiting Customer"  ->  status = "Waiting Customer"
    id in {ids}                 ids = [1, 2, 3]              ->  id in (1, 2, 3)
    createDate >= {start}       start = date(2026, 1, 1)     ->  createDate >= 2026-01-01
    title contains "{word}"     inside quotes the text is escaped for those quotes

A value is never pasted as raw text: a string becomes one quoted string (so ``x" or id > "0``
stays a value and cannot add conditions), numbers, booleans and dates their literals, and lists
a parenthesised list for ``in``. ``{name.attr}`` reads an attribute; ``{{`` and ``}}`` are literal
braces; any other ``{`` is left alone (the query then says what is wrong with it). The
expressions are names, not Python code: nothing is evaluated.

IPython's own ``{}``/``$`` expansion is turned off for the magic (``no_var_expand``), since it
would paste values unquoted.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import math
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["InterpolationError", "interpolate", "literal"]

_NAME = re.compile(r"\{([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\}")
_MISSING = object()


class InterpolationError(ValueError):
    """A ``{name}`` that names no variable, or holds a value the filter language cannot hold."""


def _scalar(value: Any) -> Any:
    item = getattr(value, "item", None)  # numpy and pandas scalars
    if callable(item) and type(value).__module__.split(".")[0] in ("numpy", "pandas"):
        try:
            return item()
        except (TypeError, ValueError):
            return value
    return value


def _quote(text: str, quote: str = '"') -> str:
    return text.replace("\\", "\\\\").replace(quote, "\\" + quote)


def literal(value: Any, name: str = "value") -> str:
    """``value`` as a literal of the filter language (a string quoted, a list in parentheses)."""
    if isinstance(value, enum.Enum):
        value = value.value
    if _is_listlike(value):
        items = list(value)
        if not items:
            raise InterpolationError(f"{{{name}}} is an empty list; 'in ()' matches nothing")
        return "(" + ", ".join(literal(v, name) for v in items) + ")"
    if hasattr(value, "isoformat") and hasattr(value, "tzinfo") and str(value) == "NaT":
        raise InterpolationError(f"{{{name}}} is NaT; use 'is null' for a missing date")
    value = _scalar(value)
    if value is None:
        raise InterpolationError(f"{{{name}}} is None; write 'field is null' for a missing value")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InterpolationError(f"{{{name}}} is {value!r}, which a filter cannot hold")
        return repr(value)
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise InterpolationError(f"{{{name}}} is {value!r}, which a filter cannot hold")
        return format(value, "f")
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, str):
        return '"' + _quote(value) + '"'
    raise InterpolationError(
        f"{{{name}}} holds a {type(value).__name__}, which a filter cannot hold "
        "(give text, a number, true/false, a date or a list of those)"
    )


def _is_listlike(value: Any) -> bool:
    if isinstance(value, (str, bytes, Mapping)):
        return False
    if isinstance(value, (list, tuple, set, frozenset)):
        return True
    module = type(value).__module__.split(".")[0]
    return module in ("numpy", "pandas") and hasattr(value, "__iter__") and getattr(
        value, "ndim", 1
    ) > 0


def _lookup(name: str, namespace: Mapping[str, Any]) -> Any:
    head, *attrs = name.split(".")
    value = namespace.get(head, _MISSING)
    if value is _MISSING:
        raise InterpolationError(f"no Python variable named {head!r} (in {{{name}}})")
    for attr in attrs:
        try:
            value = getattr(value, attr)
        except AttributeError:
            raise InterpolationError(
                f"{head!r} has no attribute {attr!r} (in {{{name}}})"
            ) from None
    return value


def interpolate(text: str, namespace: Mapping[str, Any]) -> str:
    """``text`` with each ``{name}`` replaced by the variable's value (see the module doc)."""
    if "{" not in text and "}" not in text:
        return text
    out: list[str] = []
    quote: str | None = None
    i = 0
    while i < len(text):
        char = text[i]
        if quote is not None and char == "\\" and i + 1 < len(text):
            out.append(text[i : i + 2])
            i += 2
            continue
        if char in "{}" and text.startswith(char * 2, i):
            out.append(char)
            i += 2
            continue
        if char == "{":
            found = _NAME.match(text, i)
            if found:
                value = _lookup(found.group(1), namespace)
                if quote is None:
                    out.append(literal(value, found.group(1)))
                else:
                    shown = value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value
                    out.append(_quote(str(_scalar(shown)), quote))
                i = found.end()
                continue
        if quote is None and char in "\"'":
            quote = char
        elif quote == char:
            quote = None
        out.append(char)
        i += 1
    return "".join(out)
