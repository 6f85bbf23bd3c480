"""Settling a write whose fate is unknown by reading the record back.

An update, replace or delete whose first attempt went unanswered and whose retry was refused
(``AutotaskUncertainWriteError`` with ``last_error``) may have landed. Reading the record tells:

* a delete: the record is gone - ``ok``; it is still there - ``failed`` (``last_error``);
* an update/replace: every field sent holds the value sent - ``ok``; one holds another value, or
  the record is gone - ``failed``; a field the answer does not carry - still ``uncertain``.

Wrongly saying ``failed`` costs a resend of an idempotent PATCH; wrongly saying ``ok`` would lose
an edit, so a value is "there" only when it compares equal as the API writes it back: numbers by
value, datetimes as instants to the millisecond (FACTS §6: UTC, with or without ``Z``), UDFs by
name, ``null`` as ``null`` or ``""``.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import math
from collections.abc import Mapping
from typing import Any

from autotask_pandas.client.routing import find_key

__all__ = ["edit_is_there"]


def edit_is_there(body: Mapping[str, Any], record: Mapping[str, Any]) -> bool | None:
    """Whether ``record`` holds every value of the write ``body`` (``id`` aside): True, False, or
    None when it cannot tell (a field the record does not carry)."""
    verdict: bool | None = True
    for name, sent in body.items():
        if name.lower() == "id":
            continue
        if name.lower() == "userdefinedfields":
            same = _udfs_there(sent, record)
        else:
            key = find_key(record, name)
            same = None if key is None else _same(sent, record[key])
        if same is False:
            return False
        if same is None:
            verdict = None
    return verdict


def _udfs_there(sent: Any, record: Mapping[str, Any]) -> bool | None:
    key = find_key(record, "userDefinedFields")
    if not isinstance(sent, list):
        return None
    held: dict[str, Any] = {}
    if key is not None and isinstance(record[key], list):
        for udf in record[key]:
            if isinstance(udf, Mapping) and isinstance(udf.get("name"), str):
                held[udf["name"].lower()] = udf.get("value")
    verdict: bool | None = True
    for udf in sent:
        if not isinstance(udf, Mapping) or not isinstance(udf.get("name"), str):
            return None
        name = udf["name"].lower()
        if name not in held:
            # The live API leaves out UDFs without a value (FACTS §8): absent means empty.
            same = _same(udf.get("value"), None) if key is not None else None
        else:
            same = _same(udf.get("value"), held[name])
        if same is False:
            return False
        if same is None:
            verdict = None
    return verdict


def _same(sent: Any, got: Any) -> bool:
    if sent is None or sent == "":
        return got is None or got == ""
    if got is None:
        return False
    if isinstance(sent, bool) or isinstance(got, bool):
        return str(sent).lower() == str(got).lower()
    if isinstance(sent, int | float) or isinstance(got, int | float):
        a, b = _number(sent), _number(got)
        return a is not None and b is not None and (a == b or math.isclose(a, b, rel_tol=1e-12))
    if isinstance(sent, str) and isinstance(got, str):
        if sent == got:
            return True
        when_sent, when_got = _instant(sent), _instant(got)
        if when_sent is not None and when_got is not None:
            return when_sent == when_got
        a, b = _number(sent), _number(got)
        return a is not None and b is not None and a == b
    return bool(sent == got)


def _number(value: Any) -> float | None:
    try:
        number = float(decimal.Decimal(str(value)))
    except (ArithmeticError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _instant(text: str) -> _dt.datetime | None:
    """A datetime string as a UTC instant to the millisecond (a naive one is UTC, FACTS §6)."""
    if len(text) < 10 or text[4:5] != "-":
        return None
    try:
        moment = _dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.UTC)
    moment = moment.astimezone(_dt.UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
