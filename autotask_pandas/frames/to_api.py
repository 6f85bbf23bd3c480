"""Frame values back to what the API takes: ``to_api_values``, the one conversion the writer uses.

NA -> ``None``, ``int``, ``float``, ``bool``, ISO ``"YYYY-MM-DDTHH:MM:SS.fffZ"`` (UTC) or
``"YYYY-MM-DD"`` (date-only fields), picklist labels turned into values; UDF values as strings.
A value that cannot be sent is a ``ValueProblem``; all of a column's are raised together.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from autotask_pandas.exceptions import AutotaskValidationError
from autotask_pandas.frames.dtypes import bool_from_text
from autotask_pandas.frames.from_api import coerce_one
from autotask_pandas.frames.picklists import uses_integer_values
from autotask_pandas.query.kinds import field_kind
from autotask_pandas.query.picklists import PicklistMaps, integer_text, picklist_maps, plain_scalar
from autotask_pandas.types import FieldMetadata

__all__ = ["ValueProblem", "is_na", "problems_error", "to_api_values"]


@dataclass(frozen=True)
class ValueProblem:
    """One value that cannot go to the API: where (row label), what, and why."""

    row: Any
    field: str
    value: Any
    reason: str

    def __str__(self) -> str:
        return f"row {self.row!r}, field {self.field!r}: {self.reason} (value {self.value!r})"


def to_api_values(
    values: pd.Series,
    field: FieldMetadata,
    *,
    labels: bool = False,
    entity: str | None = None,
    parent: pd.Series | None = None,
) -> list[Any]:
    """The values of a column as the API takes them, in the Series' order.

    NA -> ``None``; ``Int64`` -> ``int``; ``Float64`` -> ``float``; ``boolean`` -> ``bool``;
    datetimes -> ``"YYYY-MM-DDTHH:MM:SS.fffZ"`` in UTC (naive ones are taken as UTC); date-only
    fields of ``entity`` -> ``"YYYY-MM-DD"``; picklist labels (categoricals, or strings when
    ``labels`` is true or the text is no valid value) -> their values. UDF fields
    (``field.is_udf``) give strings, as ``userDefinedFields`` carries them.

    ``parent`` (aligned to ``values``) holds the controlling field's values of a dependent
    picklist, to tell apart two values that share a label. A value that cannot be sent raises
    ``AutotaskValidationError`` naming the entity, field, rows and values; ``.problems`` lists
    every one (``ValueProblem``).
    """
    kind = field_kind(field, entity)
    maps = picklist_maps(field) if field.is_picklist and field.picklist_values else None
    if maps is not None and uses_integer_values(field):
        kind = "int"
    if maps is not None and not uses_integer_values(field) and kind == "int":
        kind = "string"
    is_cat = isinstance(values.dtype, pd.CategoricalDtype)
    if kind in ("datetime", "date"):
        out, problems = _datetimes_to_api(values, field, kind)
    else:
        out = []
        problems = []
        objects = values.astype(object) if is_cat else values
        parents = parent.reindex(values.index) if parent is not None else None
        for position, (row, v) in enumerate(zip(values.index, objects.to_numpy(dtype=object))):
            if is_na(v):
                out.append(None)
                continue
            try:
                if maps is not None and (labels or is_cat or isinstance(v, str)):
                    converted = _picklist_value(
                        v, maps, None if parents is None else parents.iloc[position]
                    )
                    if kind == "int" and not isinstance(converted, int):
                        converted = coerce_one(converted, "int")
                else:
                    converted = _to_python(v, kind)
                    if maps is not None and converted not in maps.value_to_label:
                        raise _LabelError(
                            f"{converted!r} is not a value of the picklist; valid labels: "
                            + _valid_list(maps)
                        )
            except (TypeError, ValueError, OverflowError) as exc:
                reason = _reason(exc, kind)
                if kind == "string" and isinstance(plain_scalar(v), float):
                    reason = _number_for_text(field.name, entity)
                problems.append(ValueProblem(row, field.name, v, reason))
                out.append(None)
                continue
            out.append(converted)
    if problems:
        where = f"{entity}.{field.name}" if entity else field.name
        raise problems_error(f"{where}: {len(problems)} value(s) cannot be sent", problems)
    if field.is_udf:
        return [None if v is None else _udf_text(v) for v in out]
    return out


def is_na(v: Any) -> bool:
    """Whether one cell is missing: None, NA, NaT or NaN (anything else is a value)."""
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    if isinstance(v, (np.floating, np.datetime64, np.timedelta64)):
        return (
            bool(np.isnat(v))
            if isinstance(v, (np.datetime64, np.timedelta64))
            else bool(np.isnan(v))
        )
    return False


def problems_error(what: str, problems: list[ValueProblem]) -> AutotaskValidationError:
    """One error for a column's (or frame's) value problems: ``what``, then the first five;
    ``.problems`` holds every one."""
    shown = "; ".join(str(p) for p in problems[:5])
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    error = AutotaskValidationError(f"{what}: {shown}{more}")
    error.problems = problems  # type: ignore[attr-defined]
    return error


def _number_for_text(name: str, entity: str | None) -> str:
    """A float where the API takes text: not converted, since that is not lossless (``0123``
    read by ``pd.read_csv`` is ``123.0``; ``1.50`` is ``1.5``)."""
    where = f"{entity!r}" if entity else "'<Entity>'"
    return (
        "not a valid string but a number: pandas read this column as numbers, which loses "
        "leading zeros and formatting ('0123' becomes 123.0), so it is not converted; read the "
        f"file with read_autotask_csv(path, {where}), or pd.read_csv(..., "
        f"dtype={{{name!r}: str}})"
    )


def _reason(exc: BaseException, kind: str) -> str:
    if isinstance(exc, _LabelError):
        return str(exc)
    return f"not a valid {_KIND_WORDS.get(kind, kind)}"


_KIND_WORDS = {"int": "integer", "float": "number", "bool": "boolean", "string": "string"}


class _LabelError(ValueError):
    pass


def _valid_list(maps: PicklistMaps, limit: int = 20) -> str:
    shown = [repr(label) for label in maps.labels[:limit]]
    if len(maps.labels) > limit:
        shown.append("…")
    return ", ".join(shown)


def _picklist_value(v: Any, maps: PicklistMaps, parent: Any) -> Any:
    candidates = maps.values_for(v)
    if not candidates:
        raise _LabelError(
            f"{v!r} matches no label of the picklist {maps.field!r}; valid labels: "
            + _valid_list(maps)
        )
    if len(candidates) > 1 and parent is not None and not is_na(parent):
        parent = plain_scalar(parent)
        narrowed = tuple(c for c in candidates if maps.parent_of.get(c) == parent)
        if len(narrowed) == 1:
            return narrowed[0]
    if len(candidates) > 1:
        raise _LabelError(
            f"{v!r} matches several values of the picklist {maps.field!r} "
            f"({', '.join(map(repr, candidates))}); give the value instead"
        )
    return candidates[0]


def _to_python(v: Any, kind: str) -> Any:
    v = plain_scalar(v)
    if kind == "int":
        if isinstance(v, bool):
            raise TypeError(v)
        if isinstance(v, decimal.Decimal):
            if v != v.to_integral_value():
                raise ValueError(v)
            return int(v)
        if isinstance(v, numbers.Integral):
            return int(v)
        if isinstance(v, float):
            if not v.is_integer():
                raise ValueError(v)
            return int(v)
        if integer_text(v):
            return int(v.strip())
        raise ValueError(v)
    if kind == "float":
        if isinstance(v, bool):
            raise TypeError(v)
        if isinstance(v, (numbers.Real, decimal.Decimal)):
            number = float(v)
        elif isinstance(v, str):
            number = float(v.strip())
        else:
            raise TypeError(v)
        if not math.isfinite(number):
            raise ValueError(v)
        return number
    if kind == "bool":
        if isinstance(v, bool):
            return v
        if isinstance(v, numbers.Integral) and v in (0, 1):
            return bool(v)
        if isinstance(v, str):
            return bool_from_text(v)
        raise ValueError(v)
    if kind == "string":
        if isinstance(v, str):
            return v
        if isinstance(v, numbers.Integral) and not isinstance(v, bool):
            return str(v)
        raise TypeError(v)
    return v


def _udf_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _datetimes_to_api(
    values: pd.Series, field: FieldMetadata, kind: str
) -> tuple[list[Any], list[ValueProblem]]:
    problems: list[ValueProblem] = []
    series = values
    if not pd.api.types.is_datetime64_any_dtype(series.dtype):
        objects = series.astype(object)
        parsed: list[Any] = []
        for row, v in zip(series.index, objects.to_numpy(dtype=object)):
            if is_na(v):
                parsed.append(pd.NaT)
                continue
            try:
                if isinstance(v, _dt.datetime):
                    stamp = pd.Timestamp(v)
                elif isinstance(v, _dt.date):
                    stamp = pd.Timestamp(v.year, v.month, v.day)
                elif isinstance(v, (str, np.datetime64)):
                    stamp = pd.Timestamp(v)
                else:
                    raise TypeError(v)
                if pd.isna(stamp):  # pd.Timestamp('NaT') gives NaT
                    raise ValueError(v)
            except (TypeError, ValueError, OverflowError):
                problems.append(ValueProblem(row, field.name, v, "not a valid datetime"))
                parsed.append(pd.NaT)
                continue
            if stamp.tzinfo is not None:
                stamp = stamp.tz_convert("UTC").tz_localize(None)
            parsed.append(stamp)
        series = pd.Series(pd.DatetimeIndex(parsed), index=values.index)
    elif isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    missing = series.isna().to_numpy()
    if kind == "date":
        text = series.dt.strftime("%Y-%m-%d")
    else:
        text = series.dt.strftime("%Y-%m-%dT%H:%M:%S.") + (
            (series.dt.microsecond // 1000).astype("Int64").astype(str).str.zfill(3) + "Z"
        )
    out = [None if m else t for t, m in zip(text.astype(object).to_numpy(), missing)]
    return out, problems
