"""The bodies a push sends: each row's cells to send, as the API takes them, checked.

Entity fields go in the body under their API name; UDFs as ``userDefinedFields`` items
(``{"name": ..., "value": ...}``). ``put_value``/``sent_value`` are the one way to write a value
into such a record and to read it back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from autotask_pandas.frames.push.compare import api_form
from autotask_pandas.frames.push.validate import Column, check_values

if TYPE_CHECKING:
    from autotask_pandas.frames.push.plan import PushPlan

__all__ = ["fill_bodies", "put_value", "sent_value"]

_UDFS = "userDefinedFields"


def put_value(record: dict[str, Any], column: Column, value: Any) -> None:
    """Set ``column``'s value in an API record (a UDF as a ``userDefinedFields`` item)."""
    if column.udf:
        record.setdefault(_UDFS, []).append({"name": column.key, "value": value})
    else:
        record[column.key] = value


def sent_value(body: dict[str, Any], column: Column) -> Any:
    """``column``'s value in an API record (None when it is not there)."""
    if column.udf:
        for item in body.get(_UDFS, ()):
            if item["name"] == column.key:
                return item["value"]
        return None
    return body.get(column.key)


def fill_bodies(plan: PushPlan, known: dict[str, Column], columns: dict[str, list[int]]) -> None:
    """API values of every cell to send, checked; fills ``plan.bodies`` and ``plan.fields``.

    ``columns`` maps a frame column to the row positions that send it.
    """
    labels = bool(plan.pull.labels) if plan.pull is not None else False
    order_of = {name: i for i, name in enumerate(plan.df.columns)}
    for name in sorted(columns, key=order_of.__getitem__):  # bodies follow the frame's columns
        positions = columns[name]
        column = known[name]
        order = np.asarray(sorted(set(positions)), dtype=np.intp)
        values = check_values(
            plan.df,
            column,
            order,
            schema=plan.schema,
            labels=labels,
            ids=plan.ids,
            has_id=plan.has_id,
            problems=plan.problems,
            bad_rows=plan.bad_rows,
            sending=columns,
        )
        creating = plan.action[order] == "create"
        same = _same_as_pulled(plan, column, order, values, creating)
        for position, value, new, unchanged in zip(
            order.tolist(), values, creating.tolist(), same, strict=True
        ):
            if (new and value is None) or unchanged:
                continue  # a create leaves empty cells out; an update, what the API holds
            put_value(plan.bodies.setdefault(position, {}), column, value)
            plan.fields.setdefault(position, []).append(name)


def _same_as_pulled(
    plan: PushPlan, column: Column, order: np.ndarray, values: list[Any], creating: np.ndarray
) -> list[bool]:
    """Per cell: an update whose API value is the pulled one (nothing to send).

    A cell can differ in the frame and not to the API: a label typed for its value, ``"5"`` for
    5 in an object column, a datetime more precise than the API's milliseconds.
    """
    pull = plan.pull
    same = [False] * len(order)
    if pull is None or plan.positions is None or column.name not in pull.base.columns:
        return same
    updating = np.flatnonzero(~creating & (plan.positions[order] >= 0))
    if not len(updating):
        return same
    pulled = pull.base[column.name].array.take(plan.positions[order[updating]])
    old = api_form(pulled, column, plan.entity)
    for i, before in zip(updating.tolist(), old, strict=True):
        new = values[i]
        same[i] = (new is None and before is None) or (
            new is not None and before is not None and type(new) is type(before) and new == before
        )
    return same
