"""Typed DataFrames from pages of API records (the table is in ``dtypes.py``).

``FrameBuilder`` is what a paged read uses (``Query.to_pandas``, ``read_autotask``): one page is
converted as it arrives and its records can be dropped. ``build_frame`` is the same for records
already in hand.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa

from autotask_pandas.exceptions import AutotaskValidationError
from autotask_pandas.frames.dtypes import check_tz
from autotask_pandas.frames.from_api import (
    ARROW_TYPES,
    ColumnBuffer,
    cast_text,
    coerce_slowly,
    datetimes_to_pandas,
    masked_numpy,
    masked_to_pandas,
    parse_datetimes,
    stamps_to_numpy,
)
from autotask_pandas.frames.picklists import LabelCoder, uses_integer_values
from autotask_pandas.query.columns import udf_column, udf_name
from autotask_pandas.query.kinds import field_kind
from autotask_pandas.query.picklists import PicklistMaps, picklist_maps
from autotask_pandas.types import FieldMetadata

__all__ = ["FrameBuilder", "build_frame"]


@dataclass
class _Column:
    name: str  # the DataFrame column
    key: str  # the record key (entity fields) or UDF name (UDF columns)
    kind: str
    udf: bool
    picklist: PicklistMaps | None = None


_UDF_KEY = "userdefinedfields"
# Rows of pages converted together (``FrameBuilder._pending``): 2 pages of 500. Their raw values
# wait that long (a few MB of a large page's strings), a small part of B2's peak-RSS budget.
_BATCH_ROWS = 1000
_EMPTY_DTYPES = {"int": "int64", "float": "float64", "bool": "bool"}


class FrameBuilder:
    """Builds one typed DataFrame from pages of records, page by page.

    ``add(records)`` takes a page's values out of its dicts, so the dicts can be dropped; every
    1,000 rows (``_BATCH_ROWS``) the waiting pages are converted at once, vectorised (Arrow parses
    strings, numbers and ISO datetimes in C), and their values let go: numbers, booleans and
    datetimes are copied into one growing numpy array per column (``ColumnBuffer``), strings kept
    as Arrow chunks. ``finish()`` makes each column from them without joining anything (the
    buffer is shrunk in place; a chunked Arrow array backs the ``string`` column), or, for pages
    added out of order, with one reordering copy of one column at a time. With ``labels``,
    picklist columns are kept as label codes from the first page on. Peak memory of a whole
    pull stays within 2x the final frame, and time close to the untyped ``from_records`` floor
    (``benchmarks/bench_memory.py``, ``benchmarks/bench_frames_read.py``).
    """

    def __init__(
        self,
        entity: str,
        fields: Sequence[FieldMetadata],
        udf_fields: Sequence[FieldMetadata] = (),
        *,
        columns: Sequence[str] | None = None,
        labels: bool = False,
        tz: str | None = None,
    ) -> None:
        self.entity = entity
        self.labels = labels
        self.tz = check_tz(tz)
        self._fields = {f.name.lower(): f for f in fields}
        self._udfs = {f.name.lower(): f for f in udf_fields}
        self._field_list = list(fields)
        self._udf_list = list(udf_fields)
        self._columns: list[_Column] | None = (
            self._plan(list(columns)) if columns is not None else None
        )
        self._chunks: dict[str, list[Any]] = {}  # strings (Arrow) and other objects, per page
        self._buffers: dict[str, ColumnBuffer] = {}  # numbers, booleans, datetimes; label codes
        # Label columns: each picklist's coder, made at its first page, and the texts of values
        # the picklist does not list -> their codes (after the labels), as met page by page.
        self._coders: dict[str, LabelCoder] = {}
        self._extra: dict[str, dict[str, int]] = {}
        self._rows = 0  # rows converted
        # Pages' raw values (column -> values) waiting to be converted together: a conversion
        # per column costs about as much for 500 rows as for 1,000 (calls into Arrow and numpy,
        # not values), and a concurrent pull converts under the interpreter lock its network
        # threads need.
        self._pending: list[dict[str, Sequence[Any]]] = []
        self._pending_sizes: list[int] = []  # their rows, page by page
        self._order: list[Any] = []  # each page's place among the pages (add(order=))
        self._sizes: list[int] = []  # each page's rows, in the order added

    # -- planning -----------------------------------------------------------------------------

    def _column_for(self, name: str) -> _Column:
        udf = udf_name(name)
        if udf is not None:
            meta = self._udfs.get(udf.lower())
            if meta is None:
                raise AutotaskValidationError(
                    _unknown_message(
                        self.entity,
                        name,
                        [udf_column(f.name) for f in self._udf_list],
                        what="user-defined field",
                    )
                )
            return self._make(udf_column(meta.name), meta.name, meta, udf=True)
        meta = self._fields.get(name.lower())
        if meta is None:
            if name.lower() == "id":
                meta = FieldMetadata(name="id", data_type="long", is_read_only=True)
            else:
                raise AutotaskValidationError(
                    _unknown_message(self.entity, name, [f.name for f in self._field_list])
                )
        return self._make(meta.name, meta.name, meta, udf=False)

    def _make(self, name: str, key: str, meta: FieldMetadata, *, udf: bool) -> _Column:
        kind = field_kind(meta, self.entity)
        picklist = None
        if meta.is_picklist and meta.picklist_values:
            picklist = picklist_maps(meta)
            if uses_integer_values(meta):
                kind = "int"
        return _Column(name, key, kind, udf, picklist)

    def _plan(self, names: list[str]) -> list[_Column]:
        out: list[_Column] = []
        seen: set[str] = set()
        for name in names:
            column = self._column_for(str(name))
            if column.name.lower() in seen:
                continue
            seen.add(column.name.lower())
            out.append(column)
        return out

    def _default_plan(self, first: Mapping[str, Any] | None) -> list[_Column]:
        """Without ``columns``: the metadata's fields the records carry (all, with no records),
        keys the metadata does not know (typed as given), then every UDF."""
        if first is None:
            names = [f.name for f in self._field_list]
            extra: list[str] = []
        else:
            present = {str(k).lower() for k in first}
            names = [f.name for f in self._field_list if f.name.lower() in present]
            extra = [
                str(k)
                for k in first
                if str(k).lower() not in self._fields and str(k).lower() != _UDF_KEY
            ]
        if "id" not in {n.lower() for n in names} and (first is None or "id" in first):
            names.insert(0, "id")
        plan = self._plan(names)
        for key in extra:
            plan.append(_Column(key, key, "object", False))
        plan.extend(self._make(udf_column(f.name), f.name, f, udf=True) for f in self._udf_list)
        return plan

    @property
    def columns(self) -> list[str]:
        """The frame's column names (known once the first page was added, or columns were given)."""
        if self._columns is None:
            return [c.name for c in self._default_plan(None)]
        return [c.name for c in self._columns]

    # -- pages --------------------------------------------------------------------------------

    def add(self, records: Sequence[Mapping[str, Any]], order: Any = None) -> FrameBuilder:
        """Keep one page of records (API dicts): its values are taken out of the dicts now (the
        dicts can be dropped) and converted with the pages before them once ``_BATCH_ROWS`` rows
        wait, or at ``finish``.

        ``order``: where the page goes among the pages added (any sortable key, e.g. its first
        id), for pages that arrive out of order (a concurrent pull); ``finish`` puts the rows in
        that order. Without it, pages stay as added.
        """
        if not records:
            return self
        self._order.append(order if order is not None else len(self._order))
        self._sizes.append(len(records))
        if self._columns is None:
            self._columns = self._default_plan(records[0])
        self._pending.append(_columns_of(records, self._columns))
        self._pending_sizes.append(len(records))
        if sum(self._pending_sizes) >= _BATCH_ROWS:
            self._convert_pending()
        return self

    def _convert_pending(self) -> None:
        """Convert the pages waiting in ``_pending``, each column in one go."""
        pages, self._pending = self._pending, []
        sizes, self._pending_sizes = self._pending_sizes, []
        if not pages or self._columns is None:
            return
        for column in self._columns:
            raw: Sequence[Any] = (
                pages[0].pop(column.name)
                if len(pages) == 1
                else list(chain.from_iterable(page.pop(column.name) for page in pages))
            )
            self._keep(column, self._convert(column, raw), sizes)
        self._rows += sum(sizes)

    def _labelled(self, column: _Column) -> bool:
        return (
            self.labels
            and column.picklist is not None
            and column.kind in ("int", "float", "bool", "string")
        )

    def _keep(self, column: _Column, converted: Any, sizes: Sequence[int]) -> None:
        """Keep one column of the pages of ``sizes`` rows, converted together."""
        if self._labelled(column):
            self._keep_labels(column, converted)
            return
        if column.kind in ("object", "string"):
            # A chunk a page (Arrow slices share the batch's memory): ``finish`` puts pages that
            # came out of order in place by moving chunks.
            chunks = self._chunks.setdefault(column.name, [])
            start = 0
            for size in sizes:
                chunks.append(converted[start : start + size])
                start += size
            return
        buffer = self._buffers.get(column.name)
        if column.kind in ("datetime", "date"):
            if buffer is None:
                buffer = self._buffers[column.name] = ColumnBuffer(converted.dtype, masked=False)
            buffer.append(converted)
            return
        values, mask = converted
        if buffer is None:
            buffer = self._buffers[column.name] = ColumnBuffer(values.dtype, masked=True)
        buffer.append(values, mask)

    def _where(self, column: _Column) -> str:
        return f"{self.entity}.{column.name}"

    def _keep_labels(self, column: _Column, converted: Any) -> None:
        """A picklist page as label codes (``labels=True``): the column holds codes as the pull
        runs, not values turned into labels at the end (which held the values, and several
        temporaries of their size, beside the codes). Labels keep the picklist's codes; values
        it does not list get codes after them as they are met (``finish`` orders them by row).
        The page's values are coded as converted (numpy, or Arrow strings), by the column's
        ``LabelCoder``, made once: rebuilding the lookup and a categorical per page cost more
        than converting the page."""
        coder = self._coder(column)
        extra = self._extra.setdefault(column.name, {})
        if column.kind == "string":
            codes = coder.text_codes_of(converted, extra)
        elif column.kind == "int":
            numbers, mask = converted
            codes = coder.int_codes_of(numbers, mask, extra)
        else:  # float and bool picklists (rare): as label_categorical matches them, by text
            numbers, mask = converted
            values = masked_to_pandas(numbers, mask, column.kind)
            raw = np.asarray(values.to_numpy(dtype=object, na_value=""), dtype=object)
            missing = mask if mask is not None else np.zeros(len(numbers), dtype=bool)
            codes = coder.object_codes_of(raw, missing, extra)
        buffer = self._buffers.get(column.name)
        if buffer is None:
            buffer = self._buffers[column.name] = ColumnBuffer("int32", masked=False)
        buffer.append(codes.astype(np.int32, copy=False))

    def _coder(self, column: _Column) -> LabelCoder:
        coder = self._coders.get(column.name)
        if coder is None:
            assert column.picklist is not None
            coder = self._coders[column.name] = LabelCoder.of(column.picklist)
        return coder

    def _finish_labels(self, column: _Column, rows: np.ndarray | None) -> pd.Categorical:
        """A label column's codes as the ordered categorical ``label_categorical`` makes of the
        whole column: the picklist's labels, then values it does not list in row order."""
        assert column.picklist is not None
        labels = list(column.picklist.labels)
        buffer = self._buffers.pop(column.name, None) or ColumnBuffer("int32", masked=False)
        codes, _ = buffer.take(rows)
        self._coders.pop(column.name, None)
        categories = labels + list(self._extra.pop(column.name, None) or ())
        if len(categories) > len(labels):
            extra = np.arange(len(labels), len(categories))
            first = [int(np.flatnonzero(codes == code)[0]) for code in extra]
            order = extra[np.argsort(first, kind="stable")]
            new_code = np.arange(len(categories))
            new_code[order] = extra
            codes = np.where(codes >= 0, new_code[codes], -1)
            categories = labels + [categories[int(code)] for code in order]
        dtype = pd.CategoricalDtype(categories, ordered=True)
        return pd.Categorical.from_codes(codes.astype(np.int64), dtype=dtype)

    def _convert(self, column: _Column, raw: Sequence[Any]) -> Any:
        """One page of one column converted: numpy (values, mask or None) for numbers and
        booleans, numpy datetime64 for datetimes (both copied into the column's buffer by
        ``_keep``), an Arrow array for strings, a list otherwise."""
        kind = column.kind
        if kind == "object":
            return list(raw)
        if kind in ("datetime", "date"):
            return stamps_to_numpy(parse_datetimes(raw, self._where(column)))
        if column.udf and kind != "string":
            # UDF values travel as strings: "5", "1.5", "true".
            array = cast_text(raw, kind, self._where(column))
        else:
            try:
                array = pa.array(raw, type=ARROW_TYPES[kind])
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
                array = coerce_slowly(raw, kind, self._where(column))
        if kind == "string":
            return array
        return masked_numpy(array, kind)

    # -- the frame ------------------------------------------------------------------------------

    def finish(self) -> pd.DataFrame:
        """The typed DataFrame of every page added (the builder is spent afterwards)."""
        self._convert_pending()
        plan = self._columns if self._columns is not None else self._default_plan(None)
        keys = self._order
        rows: np.ndarray | None = None  # each final row's position among the rows as added
        if any(a > b for a, b in zip(keys, keys[1:], strict=False)):
            pages = sorted(range(len(keys)), key=keys.__getitem__)
            for name, chunks in self._chunks.items():  # strings and objects: a chunk a page
                self._chunks[name] = [chunks[i] for i in pages]
            starts = np.cumsum([0, *self._sizes[:-1]])
            rows = np.concatenate([np.arange(starts[i], starts[i] + self._sizes[i]) for i in pages])
        self._order, self._sizes = [], []
        data: dict[str, Any] = {}
        for column in plan:
            data[column.name] = self._finish_column(column, rows)
        self._chunks.clear()
        self._buffers.clear()
        frame = pd.DataFrame(data, copy=False)
        frame.index = pd.RangeIndex(len(frame))
        return frame

    def _finish_column(self, column: _Column, rows: np.ndarray | None) -> Any:
        # Each column's pages are let go as soon as it is made: one column is held twice at most.
        kind = column.kind
        if self._labelled(column):
            return self._finish_labels(column, rows)
        if kind not in ("object", "string"):
            buffer = self._buffers.pop(column.name, None)
            if buffer is None:  # no page: an empty column of the kind
                dtype = "M8[ns]" if kind in ("datetime", "date") else _EMPTY_DTYPES[kind]
                buffer = ColumnBuffer(dtype, masked=kind not in ("datetime", "date"))
            values, mask = buffer.take(rows)
            del buffer
            if kind in ("datetime", "date"):
                return datetimes_to_pandas(values, kind, self.tz)
            return masked_to_pandas(values, mask, kind)
        chunks = self._chunks.pop(column.name, [])
        if kind == "object":
            out = np.empty(self._rows, dtype=object)
            start = 0
            for chunk in chunks:
                out[start : start + len(chunk)] = chunk
                start += len(chunk)
            return out
        joined = pa.chunked_array(chunks, type=ARROW_TYPES["string"])
        chunks.clear()
        string_dtype: Any = pd.StringDtype()  # __from_arrow__ is missing from pandas-stubs
        return string_dtype.__from_arrow__(joined)


def build_frame(
    entity: str,
    records: Iterable[Mapping[str, Any]] | Sequence[Mapping[str, Any]],
    fields: Sequence[FieldMetadata],
    udf_fields: Sequence[FieldMetadata] = (),
    *,
    columns: Sequence[str] | None = None,
    labels: bool = False,
    tz: str | None = None,
) -> pd.DataFrame:
    """A typed DataFrame of API records (see the table in ``dtypes.py``).

    ``columns`` (field names and ``udf:<name>``) picks and orders the columns; without it the
    frame has the fields the records carry, in metadata order, then a column per UDF.
    """
    builder = FrameBuilder(entity, fields, udf_fields, columns=columns, labels=labels, tz=tz)
    if not isinstance(records, Sequence):
        records = list(records)
    for start in range(0, len(records), 5000):
        builder.add(records[start : start + 5000])
    return builder.finish()


def _columns_of(
    records: Sequence[Mapping[str, Any]], plan: list[_Column]
) -> dict[str, Sequence[Any]]:
    """Each planned column's raw values from one page of records."""
    first = records[0]
    keys = tuple(first)
    lower = {str(k).lower(): k for k in keys}
    by_key: dict[Any, Sequence[Any]] | None = None
    if all(tuple(r) == keys for r in records):
        # The usual case: every record has the same keys in the same order (one serializer).
        by_key = (
            dict(zip(keys, zip(*map(dict.values, cast("Sequence[dict[Any, Any]]", records)))))
            if isinstance(first, dict)
            else None
        )
    out: dict[str, Sequence[Any]] = {}
    n = len(records)
    udf_columns = [c for c in plan if c.udf]
    for column in plan:
        if column.udf:
            continue
        key = lower.get(column.key.lower(), column.key)
        if by_key is not None:
            values = by_key.get(key)
            out[column.name] = values if values is not None else (None,) * n
        else:
            out[column.name] = [r.get(key) for r in records]
    if udf_columns:
        slots = {c.key.lower(): [None] * n for c in udf_columns}
        udf_key = lower.get(_UDF_KEY, "userDefinedFields")
        lists = by_key.get(udf_key) if by_key is not None else None
        if lists is None:
            lists = [r.get(udf_key) for r in records]
        for i, items in enumerate(lists):
            if items:
                for item in items:
                    slot = slots.get(str(item.get("name", "")).lower())
                    if slot is not None:
                        slot[i] = item.get("value")
        for column in udf_columns:
            out[column.name] = slots[column.key.lower()]
    return out


def _unknown_message(entity: str, name: str, known: Sequence[str], what: str = "field") -> str:
    """``Tickets has no field 'staus'; did you mean 'status'?``"""
    lowered = {k.lower(): k for k in known}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(lowered[c]) for c in close)}?" if close else ""
    return f"{entity} has no {what} {name!r}{hint}"
