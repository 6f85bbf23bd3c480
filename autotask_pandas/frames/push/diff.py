"""Which cells of a pulled frame differ from the pull's snapshot, found without looking at most.

A frame is aligned to its snapshot (``Pull.base``, indexed by id) on its ``id`` column. When the
frame still holds the pulled rows in the pulled order (the common case: cells were edited in place)
the alignment is the identity and every column whose buffer is still the snapshot's own is
skipped at once: under Copy-on-Write an edit copies the column it touches, so a shared buffer
proves the column unedited. The other columns are compared vectorised, NA-aware (NA equals NA, a
value never equals NA).

The result says, per column, which frame rows (by position) hold a changed value; it knows nothing
of field metadata: what may be sent is decided by the validation and the push.
"""

from __future__ import annotations

from collections.abc import Iterable, Sized
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from autotask_pandas.exceptions import AutotaskValidationError
from autotask_pandas.frames.dtypes import object_values

__all__ = [
    "Alignment",
    "FrameDiff",
    "align",
    "diff_frame",
    "frame_ids",
    "same_buffers",
    "values_differ",
    "with_id_column",
]


@dataclass(frozen=True)
class Alignment:
    """Where each frame row's id is in the snapshot.

    ``has_id``: the row carries an id (rows without one are new records). ``ids``: the id as int64
    (0 where there is none or it is not a whole number). ``bad_id``: an id that is not a whole
    number. ``positions``: the snapshot row of each frame row, -1 where its id is not in the
    snapshot. ``identity``: the frame holds exactly the snapshot's rows in the snapshot's order.
    """

    has_id: np.ndarray
    ids: np.ndarray
    bad_id: np.ndarray
    positions: np.ndarray
    identity: bool

    @property
    def known(self) -> np.ndarray:
        """Frame rows whose id is in the snapshot."""
        return self.positions >= 0


def with_id_column(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` itself, or for a frame indexed by id (``df.set_index("id")``) a shallow copy with
    the index also as an ``id`` column: an id index is as good as an id column.

    The copy keeps ``df``'s index (results stay aligned to the frame's labels) and shares its
    very tag (``attrs``), so a push that lands moves ``df``'s snapshot forward, not a copy's.
    """
    name = df.index.name
    if (
        "id" in df.columns
        or isinstance(df.index, pd.MultiIndex)
        or not isinstance(name, str)
        or name.lower() != "id"
    ):
        return df
    out = df.copy(deep=False)
    out.insert(0, "id", df.index.array)
    out.attrs = df.attrs
    return out


def frame_ids(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(has_id, ids as int64, bad_id) of an id column of any dtype (Int64, float from CSV, object)."""
    missing = values.isna().to_numpy(dtype=bool)
    if pd.api.types.is_integer_dtype(values.dtype):
        ids = values.to_numpy(dtype="int64", na_value=0)
        return ~missing, ids, np.zeros(len(values), dtype=bool)
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    whole = np.isfinite(numbers) & (numbers == np.round(numbers)) & (numbers > 0)
    bad = ~missing & ~whole
    ids = np.where(whole, numbers, 0).astype("int64")
    return ~missing & whole, ids, bad


def align(df: pd.DataFrame, base: pd.DataFrame) -> Alignment:
    """Align the frame's rows to the snapshot's on ``id``."""
    if "id" not in df.columns:
        raise AutotaskValidationError(
            "the frame has no id column: a pulled frame needs it to be compared with its pull"
        )
    has_id, ids, bad = frame_ids(df["id"])
    index = base.index
    if not index.is_unique:
        raise AutotaskValidationError("the pull's snapshot has duplicate ids; pull again")
    base_ids = index.to_numpy(dtype="int64", na_value=0)
    n = len(df)
    if n == len(base) and has_id.all() and np.array_equal(ids, base_ids):
        return Alignment(has_id, ids, bad, np.arange(n, dtype=np.intp), True)
    positions = np.full(n, -1, dtype=np.intp)
    if has_id.any():
        positions[has_id] = index.get_indexer(pd.Index(ids[has_id]))
    return Alignment(has_id, ids, bad, positions, False)


def _buffers(array: object) -> tuple[object, ...] | None:
    """The memory an array's values live in, as comparable keys (None: cannot tell)."""
    parts: list[np.ndarray] = []
    for name in ("_data", "_mask", "_ndarray", "_codes"):
        buffer = getattr(array, name, None)
        if isinstance(buffer, np.ndarray):
            parts.append(buffer)
    if parts:
        return tuple(
            (p.__array_interface__["data"][0], p.shape, p.strides, p.dtype.str) for p in parts
        ) + ((id(array.dtype.categories),) if isinstance(array, pd.Categorical) else ())
    chunked = getattr(array, "_pa_array", None)  # pyarrow-backed strings and other Arrow arrays
    if chunked is not None:
        keys: list[object] = [len(chunked), str(chunked.type)]
        for chunk in chunked.chunks:
            keys.append((chunk.offset, len(chunk)))
            keys.extend(b.address if b is not None else None for b in chunk.buffers())
        return tuple(keys)
    return None


def same_buffers(left: pd.Series, right: pd.Series) -> bool:
    """True when both columns hold their values in the very same memory (so are equal)."""
    a, b = left.array, right.array
    if a is b:
        return True
    if len(a) != len(b) or a.dtype != b.dtype:
        return False
    key = _buffers(a)
    return key is not None and key == _buffers(b)


def values_differ(new: object, old: object) -> np.ndarray:
    """Element-wise "changed" of two equally long arrays: NA equals NA, a value never equals NA."""
    # Keep each array's own dtype: inferring one would turn an object column into Arrow strings,
    # which refuse a lone surrogate ("bad \\udcff byte") with UnicodeEncodeError; validation
    # reports such a cell on its row (validate.py), so the diff must only see it differ.
    new_s = pd.Series(new, copy=False, dtype=getattr(new, "dtype", None))
    old_s = pd.Series(old, copy=False, dtype=getattr(old, "dtype", None))
    new_na = new_s.isna().to_numpy(dtype=bool)
    old_na = old_s.isna().to_numpy(dtype=bool)
    try:
        equal = new_s.eq(old_s.set_axis(new_s.index))
        same = equal.to_numpy(dtype=bool, na_value=False)
    except (TypeError, ValueError):
        # different dtypes that refuse to compare (categories differ, str vs number): by object
        left = object_values(new_s)
        right = object_values(old_s)
        same = np.fromiter(
            (_scalar_equal(x, y) for x, y in zip(left, right, strict=True)), bool, len(left)
        )
    return ~same & ~(new_na & old_na)


def _scalar_equal(x: object, y: object) -> bool:
    try:
        return bool(x == y)
    except (TypeError, ValueError):
        return False


@dataclass
class FrameDiff:
    """The changed cells of a frame: ``changed[column]`` = frame row positions that differ."""

    alignment: Alignment
    compared: list[str]
    changed: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def rows(self) -> np.ndarray:
        """Frame row positions with at least one changed cell, ascending."""
        if not self.changed:
            return np.empty(0, dtype=np.intp)
        return np.unique(np.concatenate(list(self.changed.values())))

    def columns_of(self, columns: Iterable[str] | None = None) -> dict[int, list[str]]:
        """Frame row position -> its changed columns (in frame order), for ``columns`` only."""
        wanted = self.changed if columns is None else {c: self.changed[c] for c in columns}
        out: dict[int, list[str]] = {}
        for column, rows in wanted.items():
            for row in rows.tolist():
                out.setdefault(row, []).append(column)
        return out

    def to_frame(self, df: pd.DataFrame, base: pd.DataFrame) -> pd.DataFrame:
        """One row per changed cell: id, field, old (the pull's value), new (the frame's)."""
        row_parts, col_parts, olds, news = [], [], [], []
        order = {c: i for i, c in enumerate(df.columns)}
        positions = self.alignment.positions
        for column, rows in self.changed.items():
            if not len(rows):
                continue
            row_parts.append(rows)
            col_parts.append(np.full(len(rows), order[column], dtype=np.intp))
            olds.append(_as_objects(base[column].array.take(positions[rows])))
            news.append(_as_objects(df[column].array.take(rows)))
        if not row_parts:
            frame = pd.DataFrame(
                {
                    "id": pd.array([], dtype="Int64"),
                    "field": pd.array([], dtype="string"),
                    "old": pd.Series([], dtype=object),
                    "new": pd.Series([], dtype=object),
                },
                index=df.index[:0],
            )
            return frame
        rows = np.concatenate(row_parts)
        cols = np.concatenate(col_parts)
        order_ = np.lexsort((cols, rows))
        rows, cols = rows[order_], cols[order_]
        names = np.asarray(df.columns, dtype=object)[cols]
        return pd.DataFrame(
            {
                "id": pd.array(self.alignment.ids[rows], dtype="Int64"),
                "field": pd.array(names, dtype="string"),
                "old": np.concatenate(olds)[order_],
                "new": np.concatenate(news)[order_],
            },
            index=df.index.take(rows),
        )


def _as_objects(array: Sized) -> np.ndarray:
    out = np.empty(len(array), dtype=object)
    out[:] = list(pd.Series(array, copy=False).astype(object).where(lambda s: s.notna(), None))
    return out


def diff_frame(
    df: pd.DataFrame,
    base: pd.DataFrame,
    *,
    columns: Iterable[str] | None = None,
    alignment: Alignment | None = None,
) -> FrameDiff:
    """Compare ``df`` with its snapshot on the columns both hold (all but ``id``), or ``columns``."""
    if not df.columns.is_unique:
        dupes = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        raise AutotaskValidationError(f"the frame has duplicate columns: {', '.join(dupes)}")
    alignment = alignment or align(df, base)
    names = [c for c in (columns if columns is not None else df.columns) if c != "id"]
    compared = [c for c in names if c in base.columns and c in df.columns]
    result = FrameDiff(alignment, compared)
    if not alignment.identity:
        rows = np.flatnonzero(alignment.known)
        if not len(rows):
            return result
        base_rows = alignment.positions[rows]
    for column in compared:
        new, old = df[column], base[column]
        if alignment.identity:
            if same_buffers(new, old):
                continue
            differs = values_differ(new.array, old.array)
            changed = np.flatnonzero(differs)
        else:
            differs = values_differ(new.array.take(rows), old.array.take(base_rows))
            changed = rows[differs]
        if len(changed):
            result.changed[column] = changed.astype(np.intp, copy=False)
    return result
