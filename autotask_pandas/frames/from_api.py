"""Raw API values of one page, one column at a time, into the arrays a frame is built from.

The reading half of ``dtypes.py``'s table, used by ``FrameBuilder`` (``builder.py``): numbers,
booleans and strings go through Arrow (parsed in C), with a value-by-value fallback for the odd
page whose values are not what the metadata says; datetimes are parsed as ISO strings in UTC.
Numbers, booleans and datetimes go page by page into a ``ColumnBuffer`` (one growing numpy array
of values, and one of the mask, per column), strings stay Arrow arrays, until
``masked_to_pandas``/``datetimes_to_pandas`` make the column's pandas array. ``where``
(``"Tickets.status"``) names the column in warnings.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence
from types import FrameType
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from autotask_pandas.frames.dtypes import bool_from_text

__all__ = [
    "ARROW_TYPES",
    "ColumnBuffer",
    "cast_text",
    "coerce_one",
    "coerce_slowly",
    "datetimes_to_pandas",
    "masked_numpy",
    "masked_to_pandas",
    "parse_datetimes",
    "stamps_to_numpy",
]

ARROW_TYPES = {
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    # pandas' Arrow-backed ``string`` columns hold ``large_string``: pages made so need no cast
    # (a copy of every string column's offsets) when the frame is put together.
    "string": pa.large_string(),
}

_NUMPY_TYPES = {"int": np.dtype("int64"), "float": np.dtype("float64"), "bool": np.dtype(bool)}
_MASKED_ARRAYS = {
    "int": pd.arrays.IntegerArray,
    "float": pd.arrays.FloatingArray,
    "bool": pd.arrays.BooleanArray,
}
_NAT = np.iinfo(np.int64).min


def _caller_level() -> int:
    """The ``stacklevel`` that makes a warning name the first line outside this package (the
    user's ``read_autotask(...)``, or a notebook cell), however deep the conversion runs: pages
    are converted in batches, from ``add`` or from ``finish``."""
    frame: FrameType | None = sys._getframe(2)  # the caller of the function that warns
    level = 2
    while frame is not None and frame.f_globals.get("__name__", "").startswith("autotask_pandas."):
        frame = frame.f_back
        level += 1
    return level


def masked_numpy(array: pa.Array, kind: str) -> tuple[np.ndarray, np.ndarray | None]:
    """An Arrow array as numpy (values, mask) - the parts of pandas' masked arrays; the mask is
    None when no value is null. The values may be a view of Arrow's memory: a ``ColumnBuffer``
    copies them into its own array before the Arrow array is dropped."""
    if array.null_count == 0:
        return np.asarray(array.to_numpy(zero_copy_only=False), dtype=_NUMPY_TYPES[kind]), None
    mask = array.is_null().to_numpy(zero_copy_only=False)
    filler = {"int": 0, "float": 0.0, "bool": False}[kind]
    values = np.asarray(
        array.fill_null(filler).to_numpy(zero_copy_only=False), dtype=_NUMPY_TYPES[kind]
    )
    return values, mask


def stamps_to_numpy(array: pa.Array) -> np.ndarray:
    """Arrow timestamps (UTC) as numpy datetime64 of their unit, NaT for null (may be a view of
    Arrow's memory, see ``masked_numpy``)."""
    unit = array.type.unit
    numbers = array.cast(pa.int64())
    if numbers.null_count:
        numbers = numbers.fill_null(_NAT)
    return np.asarray(numbers.to_numpy(zero_copy_only=False)).view(f"M8[{unit}]")


# Rows a buffer holds before it first grows: 1 MiB of int64, so a pull of up to 131,072 rows
# never grows (a grown buffer leaves its old array as a hole in the C heap, resident until
# reused). Capacity never written is never touched, so it costs address space only; under 2 MiB
# it cannot be backed by a transparent huge page (numpy asks for them from 4 MiB).
_FIRST_CAPACITY = 1 << 17


class ColumnBuffer:
    """One number, boolean or datetime column of a frame being built, as pages arrive.

    The values go into one numpy array (and the nulls into one boolean mask, for masked kinds)
    that grows by doubling, so the frame's column *is* that array at the end (``take`` puts
    pages that came out of order in place and shrinks it): no per-page arrays to join, so a pull
    never holds a column twice. Why it matters: per-page arrays are small allocations scattered among the
    pages' dicts on the C heap, and the heap keeps them resident after they are freed, so joining
    them at the end cost a second copy of every column in peak RSS (issue 10, B2). The part of
    the capacity not yet written is never touched, so it takes address space, not memory.
    Datetimes are kept in the unit of their pages; one page in ``us`` (dates past 2262) turns
    the column to ``us``.
    """

    __slots__ = ("_mask", "_values", "rows")

    def __init__(self, dtype: np.dtype | str, *, masked: bool) -> None:
        self._values = np.empty(0, dtype=dtype)
        self._mask: np.ndarray | None = np.empty(0, dtype=bool) if masked else None
        self.rows = 0

    @property
    def dtype(self) -> np.dtype:
        return self._values.dtype

    def append(self, values: np.ndarray, mask: np.ndarray | None = None) -> None:
        """Copy one page's ``values`` (and ``mask``, None: no nulls) after the rows held."""
        if values.dtype != self._values.dtype:
            if values.dtype.kind == "M" and values.dtype != np.dtype("M8[ns]"):
                # The column turns to ``us``: the rows held are converted (capacity drops to them).
                self._values = self._values[: self.rows].astype(values.dtype)
            else:
                values = values.astype(self._values.dtype)
        start, stop = self.rows, self.rows + len(values)
        if stop > len(self._values):
            self._grow(stop)
        self._values[start:stop] = values
        if self._mask is not None:
            self._mask[start:stop] = False if mask is None else mask
        self.rows = stop

    def _grow(self, needed: int) -> None:
        capacity = max(needed, 2 * len(self._values), _FIRST_CAPACITY)
        grown = np.empty(capacity, dtype=self._values.dtype)
        grown[: self.rows] = self._values[: self.rows]
        self._values = grown
        if self._mask is not None:
            mask = np.empty(capacity, dtype=bool)
            mask[: self.rows] = self._mask[: self.rows]
            self._mask = mask

    def take(self, order: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """The column's (values, mask) in final order, ``order`` being the rows' positions
        (None: as appended); the buffer is empty afterwards. The arrays are the buffer's own,
        shrunk to the rows in place (see ``_shrunk``)."""
        values, mask, rows = self._values, self._mask, self.rows
        self._values = np.empty(0, dtype=values.dtype)
        self._mask = None if mask is None else np.empty(0, dtype=bool)
        self.rows = 0
        if order is not None:
            # Reordered in place, through a temporary of one column: a new array per column
            # would leave each old one as a hole in the C heap while the next is made.
            values[:rows] = values[:rows].take(order)
            if mask is not None:
                mask[:rows] = mask[:rows].take(order)
        return _shrunk(values, rows), None if mask is None else _shrunk(mask, rows)


def _shrunk(array: np.ndarray, rows: int) -> np.ndarray:
    """``array[:rows]`` owning exactly its memory: shrunk in place (``realloc``) when it is at
    least half full, else copied (a small frame then holds small arrays of its own, not pages
    of big mappings)."""
    if len(array) == rows:
        return array
    if rows < len(array) // 2:
        return array[:rows].copy()
    try:
        array.resize(rows, refcheck=False)  # nothing else refers to a buffer's array
    except (ValueError, SystemError):
        return array[:rows].copy()
    return array


def masked_to_pandas(values: np.ndarray, mask: np.ndarray | None, kind: str) -> Any:
    """A number or boolean column's (values, mask) as its pandas masked array (no copy)."""
    if mask is None:
        mask = np.zeros(len(values), dtype=bool)
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
            stacklevel=_caller_level(),
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
                stacklevel=_caller_level(),
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


def datetimes_to_pandas(values: np.ndarray, kind: str, tz: str | None) -> Any:
    """A datetime column's values (``datetime64``, NaT for null) as its pandas array: UTC (or
    ``tz``), or naive dates."""
    index = pd.DatetimeIndex(values, copy=False)
    if kind == "date":
        # The calendar date the API keeps (its midnight, read in UTC), as a naive midnight.
        return index.normalize().array
    index = index.tz_localize("UTC")
    if tz is not None:
        index = index.tz_convert(tz)
    return index.array
