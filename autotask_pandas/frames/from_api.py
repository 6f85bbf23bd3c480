"""Raw API values of one page, one column at a time, into the arrays a frame is built from.

The reading half of ``dtypes.py``'s table, used by ``FrameBuilder`` (``builder.py``): numbers,
booleans and strings go through Arrow (parsed in C), with a value-by-value fallback for the odd
page whose values are not what the metadata says; datetimes are parsed as ISO strings in UTC.
Numbers and booleans are kept as numpy (values, mask) pairs, datetimes as numpy ``datetime64``,
strings as Arrow arrays, until ``join_masked``/``datetimes_to_pandas`` turn a column's pages into
its pandas array. ``where`` (``"Tickets.status"``) names the column in warnings.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from autotask_pandas.frames.dtypes import bool_from_text

__all__ = [
    "ARROW_TYPES",
    "cast_text",
    "coerce_one",
    "coerce_slowly",
    "datetimes_to_pandas",
    "join_masked",
    "masked_numpy",
    "parse_datetimes",
    "stamps_to_numpy",
]

ARROW_TYPES = {
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "string": pa.string(),
}

_NUMPY_TYPES = {"int": np.dtype("int64"), "float": np.dtype("float64"), "bool": np.dtype(bool)}
_MASKED_ARRAYS = {
    "int": pd.arrays.IntegerArray,
    "float": pd.arrays.FloatingArray,
    "bool": pd.arrays.BooleanArray,
}
_NAT = np.iinfo(np.int64).min


def _concat(parts: list[np.ndarray], dtype: np.dtype) -> np.ndarray:
    if not parts:
        return np.empty(0, dtype=dtype)
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts)


def masked_numpy(array: pa.Array, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """An Arrow array as numpy (values, mask) - the parts of pandas' masked arrays."""
    n = len(array)
    if array.null_count == 0:
        # Copied out of Arrow's pool (to_numpy would be a view keeping the Arrow buffer alive).
        return np.array(array.to_numpy(zero_copy_only=False), dtype=_NUMPY_TYPES[kind]), np.zeros(
            n, bool
        )
    mask = array.is_null().to_numpy(zero_copy_only=False)
    filler = {"int": 0, "float": 0.0, "bool": False}[kind]
    values = np.array(
        array.fill_null(filler).to_numpy(zero_copy_only=False), dtype=_NUMPY_TYPES[kind]
    )
    return values, mask


def stamps_to_numpy(array: pa.Array) -> np.ndarray:
    """Arrow timestamps (UTC) as numpy datetime64 of their unit, NaT for null."""
    unit = array.type.unit
    numbers = array.cast(pa.int64())
    if numbers.null_count:
        numbers = numbers.fill_null(_NAT)
    return np.array(numbers.to_numpy(zero_copy_only=False)).view(f"M8[{unit}]")


def join_masked(chunks: list[tuple[np.ndarray, np.ndarray]], kind: str) -> Any:
    """The (values, mask) pages of a number or boolean column as one pandas masked array."""
    values = _concat([c[0] for c in chunks], _NUMPY_TYPES[kind])
    mask = _concat([c[1] for c in chunks], np.dtype(bool))
    chunks.clear()
    return _MASKED_ARRAYS[kind](values, mask)


def cast_text(raw: Sequence[Any], kind: str, where: str) -> pa.Array:
    """UDF values (strings) as ints, floats or booleans, vectorised by Arrow's cast."""
    try:
        text = pc.utf8_trim_whitespace(pa.array(raw, type=pa.string()))
        if kind == "bool":
            lowered = pc.ascii_lower(text)
            if not _all_bool_text(lowered):
                return coerce_slowly(raw, kind, where)
            return pc.equal(lowered, "true")
        return text.cast(ARROW_TYPES[kind])
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
        return coerce_slowly(raw, kind, where)


def _all_bool_text(lowered: pa.Array) -> bool:
    valid = pc.is_in(lowered, value_set=pa.array(["true", "false"]))
    return bool(pc.all(pc.or_kleene(valid, pc.is_null(lowered))).as_py())


def coerce_slowly(raw: Sequence[Any], kind: str, where: str) -> pa.Array:
    """Value by value, for the odd page whose values are not what the metadata says.

    Readable values are converted (``"5"`` in an integer field); others become NA with a warning
    naming the column, rather than failing the whole read.
    """
    out: list[Any] = []
    bad: list[Any] = []
    for v in raw:
        try:
            out.append(coerce_one(v, kind))
        except (TypeError, ValueError, OverflowError):
            out.append(None)
            bad.append(v)
    if bad:
        warnings.warn(
            f"{where}: {len(bad)} value(s) are not {kind} values and were read as "
            f"NA, e.g. {bad[0]!r}",
            RuntimeWarning,
            stacklevel=4,
        )
    return pa.array(out, type=ARROW_TYPES[kind])


def coerce_one(v: Any, kind: str) -> Any:
    """One value read leniently as ``kind`` (``"5"`` as 5, ``"yes"`` as True); TypeError or
    ValueError when it is no such value."""
    if v is None:
        return None
    if kind == "int":
        if isinstance(v, bool):
            return int(v)
        if isinstance(v, int):
            return v
        if isinstance(v, float):
            if v.is_integer():
                return int(v)
            raise ValueError(v)
        if isinstance(v, str):
            text = v.strip()
            if not text:
                return None
            number = float(text) if not text.lstrip("-").isdigit() else int(text)
            if isinstance(number, float):
                if not number.is_integer():
                    raise ValueError(v)
                number = int(number)
            return number
        raise TypeError(v)
    if kind == "float":
        if isinstance(v, bool):
            raise TypeError(v)
        if isinstance(v, str) and not v.strip():
            return None
        return float(v)
    if kind == "bool":
        if isinstance(v, bool):
            return v
        if isinstance(v, (int, float)) and v in (0, 1):
            return bool(v)
        if isinstance(v, str):
            return bool_from_text(v) if v.strip() else None
        raise ValueError(v)
    # string
    if isinstance(v, str):
        return v
    if isinstance(v, (dict, list)):
        raise TypeError(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def parse_datetimes(raw: Sequence[Any], where: str) -> pa.Array:
    """ISO strings as ``timestamp[ns, UTC]`` (naive ones are UTC, as the API documents).

    Arrow's cast parses ``…Z`` and offsets in C; naive strings are parsed as naive and then read as
    UTC. Anything else (mixed forms, odd precision) goes through
    ``pd.to_datetime(format="ISO8601")``.
    """
    try:
        text = pa.array(raw, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        text = None
    if text is not None:
        # ns first; then us, which holds dates past 2262 (9999-12-31, "no end") on every pandas:
        # pandas 2.2's to_datetime below would read those as NA.
        for unit in ("ns", "us"):
            for attempt in (_cast_aware, _cast_naive):
                try:
                    return attempt(text, unit)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                    continue
    try:
        parsed = pd.to_datetime(
            pd.Series(list(raw), dtype=object), format="ISO8601", utc=True, errors="raise"
        )
    except (ValueError, TypeError, OverflowError):
        parsed = pd.to_datetime(
            pd.Series(list(raw), dtype=object), format="ISO8601", utc=True, errors="coerce"
        )
        bad = [v for v, p in zip(raw, parsed) if v is not None and pd.isna(p)]
        if bad:
            warnings.warn(
                f"{where}: {len(bad)} value(s) are not datetimes and were read as "
                f"NA, e.g. {bad[0]!r}",
                RuntimeWarning,
                stacklevel=4,
            )
    unit = parsed.dt.unit if parsed.dt.unit in ("ns", "us") else "us"
    try:
        return pa.array(parsed.dt.as_unit("ns").array, type=pa.timestamp("ns", "UTC"))
    except (pa.ArrowInvalid, OverflowError, ValueError):
        return pa.array(parsed.dt.as_unit(unit).array, type=pa.timestamp(unit, "UTC"))


def _cast_aware(text: pa.Array, unit: str = "ns") -> pa.Array:
    return text.cast(pa.timestamp(unit, "UTC"))


def _cast_naive(text: pa.Array, unit: str = "ns") -> pa.Array:
    # A timestamp without zone cast to one with "UTC" keeps its number: naive values are UTC.
    return text.cast(pa.timestamp(unit)).cast(pa.timestamp(unit, "UTC"))


def datetimes_to_pandas(chunks: list[np.ndarray], kind: str, tz: str | None) -> Any:
    """A datetime column's pages as one pandas array: UTC (or ``tz``), or naive dates."""
    units = {c.dtype for c in chunks}
    if len(units) > 1:  # a page kept in us (out of the ns range) makes the whole column us
        chunks[:] = [c.astype("M8[us]") for c in chunks]
        units = {np.dtype("M8[us]")}
    values = _concat(chunks, units.pop() if units else np.dtype("M8[ns]"))
    chunks.clear()
    index = pd.DatetimeIndex(values, copy=False)
    if kind == "date":
        # The calendar date the API keeps (its midnight, read in UTC), as a naive midnight.
        return index.normalize().array
    index = index.tz_localize("UTC")
    if tz is not None:
        index = index.tz_convert(tz)
    return index.array
