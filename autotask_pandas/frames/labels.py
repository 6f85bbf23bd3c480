"""Picklist columns of whole frames, values <-> labels (``df.autotask.labels()`` / ``ids()``).

``to_labels`` turns each picklist column holding values into an ordered categorical of labels (as
``labels=True`` reads them); ``to_values`` turns labels (categoricals, or strings typed by the
user) back into values: ``Int64`` for integer picklists. Other columns are left as they are, and
the frame's ``attrs`` (its pull tag) are kept. Both work per distinct value, not per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from autotask_pandas.frames.picklists import label_categorical, uses_integer_values
from autotask_pandas.frames.to_api import ValueProblem, is_na, problems_error
from autotask_pandas.query.columns import udf_column
from autotask_pandas.query.picklists import PicklistMaps, integer_text, picklist_maps
from autotask_pandas.types import FieldMetadata

__all__ = ["picklist_columns", "to_labels", "to_values"]


def picklist_columns(
    df: pd.DataFrame, fields: Sequence[FieldMetadata], udf_fields: Sequence[FieldMetadata] = ()
) -> dict[str, FieldMetadata]:
    """The frame's columns that hold a picklist, with their field (UDFs as ``udf:<name>``)."""
    by_column: dict[str, FieldMetadata] = {}
    for f in [*fields, *udf_fields]:
        if f.is_picklist and f.picklist_values:
            by_column[(udf_column(f.name) if f.is_udf else f.name).lower()] = f
    return {
        c: by_column[c.lower()] for c in df.columns if isinstance(c, str) and c.lower() in by_column
    }


def to_labels(
    df: pd.DataFrame,
    fields: Sequence[FieldMetadata],
    udf_fields: Sequence[FieldMetadata] = (),
    *,
    entity: str | None = None,
) -> pd.DataFrame:
    """A copy of ``df`` whose picklist columns are ordered categoricals of labels."""
    out = df.copy(deep=False)
    for column, field in picklist_columns(df, fields, udf_fields).items():
        series = df[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            continue
        maps = picklist_maps(field)
        values = _as_values(series, field, entity)
        out[column] = pd.Series(label_categorical(values, maps), index=df.index, name=column)
    return out


def to_values(
    df: pd.DataFrame,
    fields: Sequence[FieldMetadata],
    udf_fields: Sequence[FieldMetadata] = (),
    *,
    entity: str | None = None,
) -> pd.DataFrame:
    """A copy of ``df`` whose picklist columns hold values (``Int64`` for integer picklists).

    Labels match exactly, then ignoring case; a number that is a valid value is kept. A label
    that matches no value, or several (and the row's parent value, for a dependent picklist,
    does not decide), raises ``AutotaskValidationError`` naming the rows (``.problems``).
    """
    out = df.copy(deep=False)
    columns = picklist_columns(df, fields, udf_fields)
    by_name = {f.name: f for f in fields}
    problems: list[ValueProblem] = []
    for column, field in columns.items():
        series = df[column]
        maps = picklist_maps(field)
        parent = None
        parent_field = by_name.get(field.picklist_parent_value_field or "")
        if parent_field is not None and parent_field.name in df.columns:
            parent = df[parent_field.name]
            if parent_field.name in columns:
                parent = _values_of(parent, parent_field, picklist_maps(parent_field), None, [])
        if _is_value_dtype(series.dtype):
            continue
        out[column] = _values_of(series, field, maps, parent, problems)
    if problems:
        where = f"{entity}: " if entity else ""
        raise problems_error(
            f"{where}{len(problems)} picklist label(s) cannot be turned into values", problems
        )
    return out


def _is_value_dtype(dtype: Any) -> bool:
    return pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_float_dtype(dtype)


def _as_values(series: pd.Series, field: FieldMetadata, entity: str | None) -> Any:
    if uses_integer_values(field):
        held: Any = series  # pandas-stubs refuse a Series here, which pd.array takes
        if pd.api.types.is_integer_dtype(series.dtype) or pd.api.types.is_float_dtype(series.dtype):
            return pd.array(held, dtype="Int64")
        return _values_of(series, field, picklist_maps(field), None, []).array
    text: Any = series.astype("string")
    return pd.array(text, dtype=pd.StringDtype())


def _values_of(
    series: pd.Series,
    field: FieldMetadata,
    maps: PicklistMaps,
    parent: pd.Series | None,
    problems: list[ValueProblem],
) -> pd.Series:
    """Labels (or values) to values, one lookup per distinct label."""
    integer = uses_integer_values(field)
    dtype: Any = pd.Int64Dtype() if integer else pd.StringDtype()
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        categories = list(series.cat.categories)
    else:
        codes, uniques = pd.factorize(series.astype(object), use_na_sentinel=True)
        categories = list(uniques)
    resolved: list[Any] = []
    ambiguous: dict[int, tuple[Any, ...]] = {}
    unknown: set[int] = set()
    for i, label in enumerate(categories):
        candidates = maps.values_for(label) if not is_na(label) else ()
        if not candidates and integer and integer_text(label):
            # A value the picklist does not list, shown as its own text by to_labels/labels=True:
            # it goes back to itself (the writer still refuses to send it).
            candidates = (int(str(label).strip()),)
        if len(candidates) == 1:
            resolved.append(candidates[0])
        else:
            resolved.append(None)
            if candidates:
                ambiguous[i] = candidates
            else:
                unknown.add(i)
    values: list[Any] = [None if c < 0 else resolved[c] for c in codes]
    if ambiguous or unknown:
        parents = (
            parent.reindex(series.index).to_numpy(dtype=object) if parent is not None else None
        )
        for position in np.flatnonzero(np.isin(codes, [*ambiguous, *unknown])):
            code = codes[position]
            label = categories[int(code)]
            row = series.index[int(position)]
            if code in unknown:
                problems.append(
                    ValueProblem(
                        row,
                        str(series.name),
                        label,
                        "matches no label of the picklist; valid labels: "
                        + ", ".join(repr(x) for x in maps.labels[:20]),
                    )
                )
                continue
            candidates = ambiguous[code]
            if parents is not None and not is_na(parents[position]):
                narrowed = [c for c in candidates if maps.parent_of.get(c) == parents[position]]
                if len(narrowed) == 1:
                    values[position] = narrowed[0]
                    continue
            problems.append(
                ValueProblem(
                    row,
                    str(series.name),
                    label,
                    f"matches several values ({', '.join(map(repr, candidates))})",
                )
            )
    if not integer:
        values = [None if v is None else str(v) for v in values]
    return pd.Series(pd.array(values, dtype=dtype), index=series.index, name=series.name)
