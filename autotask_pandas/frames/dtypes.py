"""The one mapping between Autotask values and pandas, both directions, driven by field metadata.

=======================  ===========================  ======================================
Autotask (``dataType``)  pandas dtype                 notes
=======================  ===========================  ======================================
``integer``, ``long``    ``Int64``                    ids are never floats
``double``, ``decimal``  ``Float64``
``boolean``              ``boolean``
``datetime``             ``datetime64[ns, UTC]``      ``tz="Europe/Berlin"``: another zone
``datetime`` date-only   ``datetime64[ns]`` (naive)   midnight, never shifted; see below
``string`` (and others)  ``string`` (StringDtype())   pyarrow-backed
picklist                 ``Int64`` (its values)       ``labels=True``: ordered ``category``
                                                      of labels by ``sortOrder``, inactive
                                                      values kept
UDF ``udf:<name>``       by the UDF's ``type``        values travel as strings; typed here
=======================  ===========================  ======================================

Missing values are NA in every column (NaT in datetime columns).

Date-only fields. The API does not mark them: it stores and returns them as midnight datetimes and
does not time-zone convert them (FACTS §6). ``DATE_ONLY_FIELDS`` lists the ones we know; they become
*naive* ``datetime64[ns]`` at midnight rather than ``date32[pyarrow]``: pandas has no native date
dtype, and a ``date32[pyarrow]`` column refuses ``df.startDate >= "2026-01-01"`` and comparisons
with ``pd.Timestamp`` (TypeError), while the naive datetime column supports both, ``.dt``,
resampling and Parquet. Being naive says "a calendar date, not an instant", so ``tz=`` leaves it
alone, and mixing it with a UTC instant by mistake raises rather than shifting it. They go back as
``"YYYY-MM-DD"``.

Datetimes out of the ``ns`` range (years before 1677 or after 2262, such as a ``9999-12-31``
sentinel) would not fit; such a column is kept in microseconds (``datetime64[us, UTC]``) instead.

The reverse direction, ``to_api_values``, is what the writer sends: ``None`` for NA, ``int``,
``float``, ``bool``, ISO ``"YYYY-MM-DDTHH:MM:SS.fffZ"`` (UTC) or ``"YYYY-MM-DD"``, picklist labels
turned into values. For a UDF every value is a string (the API's ``{"name", "value"}`` pairs carry
strings), e.g. ``"5"``, ``"1.5"``, ``"true"``.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import difflib
import math
import numbers
import warnings
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..exceptions import AutotaskValidationError
from ..types import FieldMetadata
from .columns import udf_column, udf_name

__all__ = [
    "API_DTYPES",
    "DATE_ONLY_FIELDS",
    "FrameBuilder",
    "PicklistMaps",
    "ValueProblem",
    "build_frame",
    "check_tz",
    "dtype_for",
    "field_kind",
    "is_date_only",
    "picklist_maps",
    "to_api_values",
]

# Autotask dataType -> (kind, pandas dtype name shown in the docs).
API_DTYPES: dict[str, str] = {
    "integer": "Int64",
    "long": "Int64",
    "short": "Int64",
    "double": "Float64",
    "decimal": "Float64",
    "float": "Float64",
    "boolean": "boolean",
    "datetime": "datetime64[ns, UTC]",
    "date": "datetime64[ns]",
    "string": "string",
}
_KINDS = {
    "integer": "int",
    "long": "int",
    "short": "int",
    "double": "float",
    "decimal": "float",
    "float": "float",
    "boolean": "bool",
    "datetime": "datetime",
    "date": "date",
    "string": "string",
}

# Fields the Autotask UI treats as calendar dates (FACTS §6: kept as the date, time at midnight,
# never time-zone converted). The API does not mark them, so this table is ours; add to it with
# ``DATE_ONLY_FIELDS.setdefault(entity, set()).add(field)``. A test checks each entry is a datetime
# field of the catalog.
DATE_ONLY_FIELDS: dict[str, set[str]] = {
    "ConfigurationItemBillingProductAssociations": {"effectiveDate", "expirationDate"},
    "ConfigurationItems": {"installDate", "warrantyExpirationDate"},
    "ContactBillingProductAssociations": {"effectiveDate", "expirationDate"},
    "ContractBillingRules": {"startDate", "endDate"},
    "ContractBlocks": {"startDate", "endDate", "datePurchased"},
    "ContractCharges": {"datePurchased"},
    "ContractMilestones": {"dateDue"},
    "ContractRetainers": {"startDate", "endDate", "datePurchased"},
    "ContractServiceAdjustments": {"effectiveDate"},
    "ContractServiceBundleAdjustments": {"effectiveDate"},
    "ContractServiceBundleUnits": {"startDate", "endDate"},
    "ContractServiceUnits": {"startDate", "endDate"},
    "ContractTicketPurchases": {"startDate", "endDate", "datePurchased"},
    "Contracts": {"startDate", "endDate"},
    "ExpenseItems": {"expenseDate"},
    "ExpenseReports": {"weekEnding"},
    "Holidays": {"holidayDate"},
    "Invoices": {"fromDate", "toDate", "dueDate"},
    "Opportunities": {"projectedCloseDate", "promisedFulfillmentDate"},
    "Phases": {"startDate", "dueDate"},
    "ProjectCharges": {"datePurchased"},
    "Quotes": {"effectiveDate", "expirationDate"},
    "Resources": {"hireDate"},
    "SalesOrders": {"salesOrderDate", "promisedFulfillmentDate"},
    "SubscriptionPeriods": {"periodDate"},
    "Subscriptions": {"effectiveDate", "expirationDate"},
    "TicketCharges": {"datePurchased"},
    "ChangeOrderCharges": {"datePurchased"},
    "TimeEntries": {"dateWorked"},
    "TimeOffRequests": {"requestDate"},
}


def is_date_only(entity: str | None, field: str) -> bool:
    """Whether ``entity.field`` is a calendar date (see ``DATE_ONLY_FIELDS``)."""
    if not entity:
        return False
    names = DATE_ONLY_FIELDS.get(entity)
    if names is None:
        for key, value in DATE_ONLY_FIELDS.items():
            if key.lower() == entity.lower():
                names = value
                break
    if not names:
        return False
    return field in names or field.lower() in {n.lower() for n in names}


def field_kind(field: FieldMetadata, entity: str | None = None) -> str:
    """int | float | bool | datetime | date | string | object: how a field's values are held."""
    if field.name.lower() == "id" and not field.is_udf:
        return "int"
    data_type = (field.data_type or "").lower()
    kind = _KINDS.get(data_type, "object" if data_type and data_type != "base64" else "string")
    if kind == "datetime" and not field.is_udf and is_date_only(entity, field.name):
        return "date"
    return kind


def check_tz(tz: str | None) -> str | None:
    """``tz`` if it names a time zone (``"UTC"``, ``"Europe/Berlin"``), else a clear error."""
    if tz is None:
        return None
    if not isinstance(tz, str):
        tz = str(tz)
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise AutotaskValidationError(
            f"unknown time zone {tz!r}; give an IANA name such as 'UTC' or 'Europe/Berlin'"
        ) from None
    return tz


# -- picklists ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PicklistMaps:
    """A picklist's values and labels, both ways. Values are ``int`` for integer fields.

    ``labels`` are the categories of ``labels=True`` columns: unique, ordered by ``sortOrder``
    (then metadata order), inactive values included so old rows keep their label.
    """

    field: str
    values: tuple[Any, ...]  # every value, in label order
    labels: tuple[str, ...]  # unique labels, in order
    value_to_label: Mapping[Any, str]
    label_to_values: Mapping[str, tuple[Any, ...]]  # exact label -> values (several if shared)
    folded_to_values: Mapping[str, tuple[Any, ...]]  # casefolded label -> values
    parent_of: Mapping[Any, Any]  # value -> parent value (dependent picklists)
    active: frozenset[Any]

    def values_for(self, label: Any) -> tuple[Any, ...]:
        """The values a label (or a value given as itself) may mean; empty if none."""
        if isinstance(label, str):
            found = self.label_to_values.get(label)
            if found is None:
                found = self.folded_to_values.get(label.strip().casefold())
            if found:
                return found
            text = label.strip()
            if text.lstrip("-").isdigit():
                number = int(text)
                if number in self.value_to_label:
                    return (number,)
            if text in self.value_to_label:
                return (text,)
            return ()
        value = _plain_scalar(label)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if value in self.value_to_label and not isinstance(value, bool):
            return (value,)
        return ()


def picklist_maps(field: FieldMetadata) -> PicklistMaps:
    """Values <-> labels of a picklist field (empty maps for other fields)."""
    integer = (field.data_type or "").lower() in ("integer", "long", "short") or field.is_udf
    entries = []
    for position, p in enumerate(field.picklist_values or ()):
        value: Any = p.value
        if integer and isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        parent: Any = p.parent_value
        if isinstance(parent, str) and parent.strip().lstrip("-").isdigit():
            parent = int(parent)
        order = p.sort_order if p.sort_order is not None else math.inf
        entries.append(
            (order, position, value, p.label or str(p.value), parent or None, p.is_active)
        )
    entries.sort(key=lambda e: (e[0], e[1]))
    value_to_label: dict[Any, str] = {}
    by_label: dict[str, list[Any]] = {}
    folded: dict[str, list[Any]] = {}
    parents: dict[Any, Any] = {}
    active = set()
    for _, _, value, label, parent, is_active in entries:
        value_to_label[value] = label
        by_label.setdefault(label, []).append(value)
        folded.setdefault(label.strip().casefold(), []).append(value)
        if parent is not None:
            parents[value] = parent
        if is_active:
            active.add(value)
    return PicklistMaps(
        field=field.name,
        values=tuple(value_to_label),
        labels=tuple(by_label),
        value_to_label=value_to_label,
        label_to_values={k: tuple(v) for k, v in by_label.items()},
        folded_to_values={k: tuple(v) for k, v in folded.items()},
        parent_of=parents,
        active=frozenset(active),
    )


def _uses_integer_values(field: FieldMetadata) -> bool:
    """Whether a picklist's values are held as Int64 (integer fields; UDFs with integer values)."""
    if (field.data_type or "").lower() in ("integer", "long", "short"):
        return True
    if field.is_udf and field.is_picklist:
        return all(str(p.value).strip().lstrip("-").isdigit() for p in field.picklist_values or ())
    return False


def _label_categorical(
    values: pd.api.extensions.ExtensionArray, maps: PicklistMaps
) -> pd.Categorical:
    """Values (Int64 or string) as an ordered categorical of labels; unknown values kept as text."""
    categories = list(maps.labels)
    position = {label: i for i, label in enumerate(categories)}
    lookup_values = list(maps.value_to_label)
    lookup_codes = [position[maps.value_to_label[v]] for v in lookup_values]
    series = pd.Series(values, copy=False)
    if isinstance(values.dtype, pd.Int64Dtype):
        index = pd.Index(
            np.asarray([v for v in lookup_values if isinstance(v, int)], dtype="int64")
        )
        codes_for = np.asarray(
            [c for v, c in zip(lookup_values, lookup_codes) if isinstance(v, int)], dtype="int64"
        )
        raw = values.to_numpy(dtype="int64", na_value=0)
    else:
        index = pd.Index([str(v) for v in lookup_values], dtype=object)
        codes_for = np.asarray(lookup_codes, dtype="int64")
        raw = np.asarray(values.to_numpy(dtype=object, na_value=""), dtype=object)
    found = index.get_indexer(raw) if len(index) else np.full(len(raw), -1, dtype="intp")
    codes = np.where(found >= 0, codes_for[np.clip(found, 0, None)] if len(codes_for) else -1, -1)
    missing = np.asarray(pd.isna(series))
    unknown = (found < 0) & ~missing
    if unknown.any():
        # A value the picklist does not list (deleted since, or metadata out of date): kept as
        # its own text, rather than silently turned into NA. Rare, so value by value.
        codes = codes.copy()
        for i in np.flatnonzero(unknown):
            text = str(raw[i])
            if text not in position:
                position[text] = len(categories)
                categories.append(text)
            codes[i] = position[text]
    codes = np.where(missing, -1, codes)
    dtype = pd.CategoricalDtype(categories, ordered=True)
    return pd.Categorical.from_codes(codes.astype("int64"), dtype=dtype)


# -- dtypes ---------------------------------------------------------------------------------


def dtype_for(
    field: FieldMetadata, *, entity: str | None = None, labels: bool = False, tz: str | None = None
) -> Any:
    """The pandas dtype a column of ``field`` gets (a CategoricalDtype with ``labels=True``)."""
    if labels and field.is_picklist and field.picklist_values:
        return pd.CategoricalDtype(list(picklist_maps(field).labels), ordered=True)
    kind = field_kind(field, entity)
    if field.is_picklist and field.picklist_values and _uses_integer_values(field):
        kind = "int"
    return _dtype_of_kind(kind, tz)


def _dtype_of_kind(kind: str, tz: str | None = None) -> Any:
    if kind == "int":
        return pd.Int64Dtype()
    if kind == "float":
        return pd.Float64Dtype()
    if kind == "bool":
        return pd.BooleanDtype()
    if kind == "datetime":
        return pd.DatetimeTZDtype("ns", tz or "UTC")
    if kind == "date":
        return np.dtype("datetime64[ns]")
    if kind == "string":
        return pd.StringDtype()
    return np.dtype(object)


# -- building frames ------------------------------------------------------------------------


@dataclass
class _Column:
    name: str  # the DataFrame column
    key: str  # the record key (entity fields) or UDF name (UDF columns)
    kind: str
    field: FieldMetadata | None
    udf: bool
    picklist: PicklistMaps | None = None


_ARROW_TYPES = {
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "string": pa.string(),
}
_UDF_KEY = "userdefinedfields"


class FrameBuilder:
    """Builds one typed DataFrame from pages of records, page by page.

    Each ``add(records)`` converts the page's values at once, vectorised (Arrow parses strings,
    numbers and ISO datetimes in C), so the page's dicts can be dropped: numbers, booleans and
    datetimes are kept as numpy chunks, strings as Arrow chunks. ``finish()`` joins the chunks once,
    column by column (strings without a copy: a chunked Arrow array backs the ``string`` column).
    Peak memory stays close to the final frame's size, and time close to the untyped
    ``from_records`` floor (``benchmarks/bench_frames_read.py``).
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
        self._chunks: dict[str, list[Any]] = {}
        self._rows = 0

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
            if _uses_integer_values(meta):
                kind = "int"
        return _Column(name, key, kind, meta, udf, picklist)

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
            plan.append(_Column(key, key, "object", None, False))
        plan.extend(self._make(udf_column(f.name), f.name, f, udf=True) for f in self._udf_list)
        return plan

    @property
    def columns(self) -> list[str]:
        """The frame's column names (known once the first page was added, or columns were given)."""
        if self._columns is None:
            return [c.name for c in self._default_plan(None)]
        return [c.name for c in self._columns]

    # -- pages --------------------------------------------------------------------------------

    def add(self, records: Sequence[Mapping[str, Any]]) -> FrameBuilder:
        """Convert one page of records (API dicts) and keep its columns."""
        if not records:
            return self
        if self._columns is None:
            self._columns = self._default_plan(records[0])
        values = _columns_of(records, self._columns)
        for column in self._columns:
            raw = values.pop(column.name)
            self._chunks.setdefault(column.name, []).append(self._convert(column, raw))
        self._rows += len(records)
        return self

    def _convert(self, column: _Column, raw: Sequence[Any]) -> Any:
        """One page of one column in its kept form: numpy (values, mask) for numbers and
        booleans, numpy datetime64 for datetimes, an Arrow array for strings, a list otherwise."""
        kind = column.kind
        if kind == "object":
            return list(raw)
        if kind in ("datetime", "date"):
            return _stamps_to_numpy(_parse_datetimes(raw, column, self.entity))
        if column.udf and kind != "string":
            # UDF values travel as strings: "5", "1.5", "true".
            array = _cast_text(raw, kind, column, self.entity)
        else:
            try:
                array = pa.array(raw, type=_ARROW_TYPES[kind])
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
                array = _coerce_slowly(raw, kind, column, self.entity)
        if kind == "string":
            return array
        return _masked_numpy(array, kind)

    # -- the frame ------------------------------------------------------------------------------

    def finish(self) -> pd.DataFrame:
        """The typed DataFrame of every page added (the builder is spent afterwards)."""
        plan = self._columns if self._columns is not None else self._default_plan(None)
        data: dict[str, Any] = {}
        for column in plan:
            chunks = self._chunks.pop(column.name, [])
            data[column.name] = self._finish_column(column, chunks)
        self._chunks.clear()
        frame = pd.DataFrame(data, copy=False)
        frame.index = pd.RangeIndex(len(frame))
        return frame

    def _finish_column(self, column: _Column, chunks: list[Any]) -> Any:
        # Chunks are dropped as soon as they are joined: one column is ever held twice at most.
        kind = column.kind
        if kind == "object":
            out = np.empty(self._rows, dtype=object)
            start = 0
            for chunk in chunks:
                out[start : start + len(chunk)] = chunk
                start += len(chunk)
            return out
        if kind in ("datetime", "date"):
            return _datetimes_to_pandas(chunks, kind, self.tz)
        if kind == "string":
            joined = pa.chunked_array(chunks, type=pa.string())
            chunks.clear()
            array: Any = pd.StringDtype().__from_arrow__(joined)
        else:
            values = _concat([c[0] for c in chunks], _NUMPY_TYPES[kind])
            mask = _concat([c[1] for c in chunks], np.dtype(bool))
            chunks.clear()
            array = _MASKED_ARRAYS[kind](values, mask)
        if self.labels and column.picklist is not None:
            return _label_categorical(array, column.picklist)
        return array


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


def _masked_numpy(array: pa.Array, kind: str) -> tuple[np.ndarray, np.ndarray]:
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


def _stamps_to_numpy(array: pa.Array) -> np.ndarray:
    """Arrow timestamps (UTC) as numpy datetime64 of their unit, NaT for null."""
    unit = array.type.unit
    numbers = array.cast(pa.int64())
    if numbers.null_count:
        numbers = numbers.fill_null(_NAT)
    return np.array(numbers.to_numpy(zero_copy_only=False)).view(f"M8[{unit}]")


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
    """A typed DataFrame of API records (see the module's table).

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
            dict(zip(keys, zip(*map(dict.values, records)))) if isinstance(first, dict) else None
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


def _cast_text(raw: Sequence[Any], kind: str, column: _Column, entity: str) -> pa.Array:
    """UDF values (strings) as ints, floats or booleans, vectorised by Arrow's cast."""
    try:
        text = pc.utf8_trim_whitespace(pa.array(raw, type=pa.string()))
        if kind == "bool":
            lowered = pc.ascii_lower(text)
            if not _all_bool_text(lowered):
                return _coerce_slowly(raw, kind, column, entity)
            return pc.equal(lowered, "true")
        return text.cast(_ARROW_TYPES[kind])
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
        return _coerce_slowly(raw, kind, column, entity)


def _all_bool_text(lowered: pa.Array) -> bool:
    valid = pc.is_in(lowered, value_set=pa.array(["true", "false"]))
    return bool(pc.all(pc.or_kleene(valid, pc.is_null(lowered))).as_py())


_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def _coerce_slowly(raw: Sequence[Any], kind: str, column: _Column, entity: str) -> pa.Array:
    """Value by value, for the odd page whose values are not what the metadata says.

    Readable values are converted (``"5"`` in an integer field); others become NA with a warning
    naming the column, rather than failing the whole read.
    """
    out: list[Any] = []
    bad: list[Any] = []
    for v in raw:
        try:
            out.append(_coerce_one(v, kind))
        except (TypeError, ValueError, OverflowError):
            out.append(None)
            bad.append(v)
    if bad:
        warnings.warn(
            f"{entity}.{column.name}: {len(bad)} value(s) are not {kind} values and were read as "
            f"NA, e.g. {bad[0]!r}",
            RuntimeWarning,
            stacklevel=4,
        )
    return pa.array(out, type=_ARROW_TYPES[kind])


def _coerce_one(v: Any, kind: str) -> Any:
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
            text = v.strip().lower()
            if not text:
                return None
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
        raise ValueError(v)
    # string
    if isinstance(v, str):
        return v
    if isinstance(v, (dict, list)):
        raise TypeError(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _parse_datetimes(raw: Sequence[Any], column: _Column, entity: str) -> pa.Array:
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
        for attempt in (_cast_aware, _cast_naive):
            try:
                return attempt(text)
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
                f"{entity}.{column.name}: {len(bad)} value(s) are not datetimes and were read as "
                f"NA, e.g. {bad[0]!r}",
                RuntimeWarning,
                stacklevel=4,
            )
    unit = parsed.dt.unit if parsed.dt.unit in ("ns", "us") else "us"
    try:
        return pa.array(parsed.dt.as_unit("ns").array, type=pa.timestamp("ns", "UTC"))
    except (pa.ArrowInvalid, OverflowError, ValueError):
        return pa.array(parsed.dt.as_unit(unit).array, type=pa.timestamp(unit, "UTC"))


def _cast_aware(text: pa.Array) -> pa.Array:
    return text.cast(pa.timestamp("ns", "UTC"))


def _cast_naive(text: pa.Array) -> pa.Array:
    # A timestamp without zone cast to one with "UTC" keeps its number: naive values are UTC.
    return text.cast(pa.timestamp("ns")).cast(pa.timestamp("ns", "UTC"))


def _datetimes_to_pandas(chunks: list[np.ndarray], kind: str, tz: str | None) -> Any:
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


# -- back to the API ------------------------------------------------------------------------


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
    if maps is not None and _uses_integer_values(field):
        kind = "int"
    if maps is not None and not _uses_integer_values(field) and kind == "int":
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
            if _is_na(v):
                out.append(None)
                continue
            try:
                if maps is not None and (labels or is_cat or isinstance(v, str)):
                    converted = _picklist_value(
                        v,
                        maps,
                        None if parents is None else parents.iloc[position],
                        prefer_label=labels or is_cat,
                    )
                    if kind == "int" and not isinstance(converted, int):
                        converted = _coerce_one(converted, "int")
                else:
                    converted = _to_python(v, kind)
                    if maps is not None and converted not in maps.value_to_label:
                        raise _LabelError(
                            f"{converted!r} is not a value of the picklist; valid labels: "
                            + _valid_list(maps)
                        )
            except (TypeError, ValueError, OverflowError) as exc:
                problems.append(ValueProblem(row, field.name, v, _reason(exc, kind)))
                out.append(None)
                continue
            out.append(converted)
    if problems:
        where = f"{entity}.{field.name}" if entity else field.name
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        error = AutotaskValidationError(
            f"{where}: {len(problems)} value(s) cannot be sent: {shown}{more}"
        )
        error.problems = problems  # type: ignore[attr-defined]
        raise error
    if field.is_udf:
        return [None if v is None else _udf_text(v) for v in out]
    return out


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


def _picklist_value(v: Any, maps: PicklistMaps, parent: Any, *, prefer_label: bool) -> Any:
    candidates = maps.values_for(v)
    if not candidates:
        raise _LabelError(
            f"{v!r} matches no label of the picklist {maps.field!r}; valid labels: "
            + _valid_list(maps)
        )
    if len(candidates) > 1 and parent is not None and not _is_na(parent):
        parent = _plain_scalar(parent)
        narrowed = tuple(c for c in candidates if maps.parent_of.get(c) == parent)
        if len(narrowed) == 1:
            return narrowed[0]
    if len(candidates) > 1:
        raise _LabelError(
            f"{v!r} matches several values of the picklist {maps.field!r} "
            f"({', '.join(map(repr, candidates))}); give the value instead"
        )
    return candidates[0]


def _is_na(v: Any) -> bool:
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


def _plain_scalar(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return v


def _to_python(v: Any, kind: str) -> Any:
    v = _plain_scalar(v)
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
        if isinstance(v, str):
            text = v.strip()
            if text.lstrip("-").isdigit():
                return int(text)
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
            text = v.strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
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
        parsed = []
        for row, v in zip(series.index, objects.to_numpy(dtype=object)):
            if _is_na(v):
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
                if stamp is pd.NaT:
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


def _unknown_message(entity: str, name: str, known: Sequence[str], what: str = "field") -> str:
    """``Tickets has no field 'staus'; did you mean 'status'?``"""
    lowered = {k.lower(): k for k in known}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(lowered[c]) for c in close)}?" if close else ""
    return f"{entity} has no {what} {name!r}{hint}"
