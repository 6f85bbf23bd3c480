"""Values of a frame, its snapshot and the server brought into one form before they are compared.

A frame's picklists may be labels where its snapshot holds values (``df.autotask.labels()``), and
a cell may differ in the frame but not to the API (a label typed for its value, ``"5"`` for 5, a
datetime more precise than the API's milliseconds): ``comparable_frame`` and ``api_form`` remove
those differences, so only real edits count.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from autotask_pandas.exceptions import AutotaskValidationError
from autotask_pandas.frames import labels as labels_module
from autotask_pandas.frames.dtypes import object_values
from autotask_pandas.frames.push.validate import Column, EntitySchema
from autotask_pandas.frames.to_api import to_api_values

__all__ = ["api_form", "comparable_frame"]


def comparable_frame(
    df: pd.DataFrame, base: pd.DataFrame, schema: EntitySchema | None, columns: Iterable[str]
) -> pd.DataFrame:
    """``df`` with picklist columns in the snapshot's form (labels or values) where they differ.

    A frame turned to labels with ``df.autotask.labels()`` (or back with ``ids()``) holds its
    picklists differently from its snapshot; the comparison needs one form. Only such columns are
    converted; the others stay the frame's own (so their buffers are still recognised).
    """
    out: dict[str, Any] = {}
    for name in columns:
        if name not in base.columns or name not in df.columns:
            continue
        mine = isinstance(df[name].dtype, pd.CategoricalDtype)
        theirs = isinstance(base[name].dtype, pd.CategoricalDtype)
        if mine == theirs:
            continue
        column = schema.column(name) if schema is not None else None
        if column is None or not column.meta.is_picklist:
            continue
        out[name] = _convert_picklist(df[name], column, to_labels=theirs, like=base[name])
    if not out:
        return df
    converted = df.copy(deep=False)
    for name, values in out.items():
        converted[name] = values
    return converted


def _convert_picklist(
    values: pd.Series, column: Column, *, to_labels: bool, like: pd.Series
) -> pd.Series:
    frame = values.to_frame(column.name)
    try:
        if to_labels:
            converted = labels_module.to_labels(frame, [column.meta])[column.name]
            try:
                return converted.astype(like.dtype)
            except (TypeError, ValueError):
                return converted
        return labels_module.to_values(frame, [column.meta])[column.name]
    except AutotaskValidationError:
        return values  # compared as it is; the cells that cannot be sent are reported per row


def api_form(values: Any, column: Column, entity: str) -> np.ndarray:
    """Values as the API takes them (objects), or as they are when they do not convert."""
    series = pd.Series(values, copy=False)
    try:
        converted = to_api_values(series, column.meta, entity=entity)
    except AutotaskValidationError:
        return object_values(series)
    out = np.empty(len(converted), dtype=object)
    out[:] = converted
    return out
