"""Picklists in pandas: which picklists hold Int64 values, and values as label categoricals.

The values <-> labels maps themselves are ``query/picklists.py`` (``picklist_maps``), shared with
the filter language.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from autotask_pandas.query.picklists import PicklistMaps, integer_text
from autotask_pandas.types import FieldMetadata

__all__ = ["LabelCoder", "label_categorical", "uses_integer_values"]


def uses_integer_values(field: FieldMetadata) -> bool:
    """Whether a picklist's values are held as Int64 (integer fields; UDFs with integer values)."""
    if (field.data_type or "").lower() in ("integer", "long", "short"):
        return True
    if field.is_udf and field.is_picklist:
        return all(integer_text(str(p.value)) for p in field.picklist_values or ())
    return False


@dataclass(frozen=True)
class LabelCoder:
    """A picklist's values -> label codes, built once per picklist (``LabelCoder.of``).

    Codes are positions in ``labels``. A value the picklist does not list (deleted since, or
    metadata out of date) is kept as its own text rather than silently turned into NA: it takes
    the code of a label with that text, or else an extra code after the labels, numbered in the
    order such texts are first met (the ``extra`` dict the ``*_codes`` methods fill, which a
    caller coding a column page by page passes on from page to page). Missing values: -1.
    """

    labels: tuple[str, ...]
    position: Mapping[str, int]  # label -> code
    int_values: np.ndarray  # the integer values, sorted (for np.searchsorted)
    int_codes: np.ndarray  # each of int_values' codes
    text_values: pa.Array  # every value as text (string values; integers as digits)
    text_codes: np.ndarray  # each of text_values' codes

    @classmethod
    def of(cls, maps: PicklistMaps) -> LabelCoder:
        labels = tuple(maps.labels)
        position = {label: i for i, label in enumerate(labels)}
        values = list(maps.value_to_label)
        codes = np.asarray([position[maps.value_to_label[v]] for v in values], dtype=np.int64)
        # bool is an int too: the lookup the coder replaced held them as 0/1 alike.
        is_int = np.asarray([isinstance(v, int) for v in values], dtype=bool)
        ints = np.asarray([v for v in values if isinstance(v, int)], dtype=np.int64)
        order = np.argsort(ints, kind="stable")
        return cls(
            labels=labels,
            position=position,
            int_values=ints[order],
            int_codes=codes[is_int][order],
            text_values=pa.array([str(v) for v in values], type=pa.string()),
            text_codes=codes,
        )

    def int_codes_of(
        self, values: np.ndarray, mask: np.ndarray | None, extra: MutableMapping[str, int]
    ) -> np.ndarray:
        """Codes of integer values (``mask``: True where missing), as int64."""
        values = np.asarray(values, dtype=np.int64)
        if len(self.int_values):
            at = np.searchsorted(self.int_values, values)
            np.minimum(at, len(self.int_values) - 1, out=at)
            found = self.int_values[at] == values
            codes = np.where(found, self.int_codes[at], -1)
        else:
            codes = np.full(len(values), -1, dtype=np.int64)
        if mask is not None:
            codes[mask] = -1
            unknown = (codes < 0) & ~mask
        else:
            unknown = codes < 0
        if unknown.any():
            where = np.flatnonzero(unknown)
            self._add_unknown(codes, where, [str(int(v)) for v in values[where]], extra)
        return codes

    def text_codes_of(self, array: pa.Array, extra: MutableMapping[str, int]) -> np.ndarray:
        """Codes of an Arrow string array's values (null: missing), as int64."""
        value_set = self.text_values
        if value_set.type != array.type:
            value_set = value_set.cast(array.type)
        found = pc.fill_null(pc.index_in(array, value_set=value_set), -1)
        at = np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.int64)
        codes = np.where(at >= 0, self.text_codes[np.maximum(at, 0)], -1) if len(value_set) else at
        unknown = codes < 0
        if array.null_count:
            unknown &= ~np.asarray(array.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        if unknown.any():
            where = np.flatnonzero(unknown)
            texts = [str(t) for t in array.take(pa.array(where)).to_pylist()]
            self._add_unknown(codes, where, texts, extra)
        return codes

    def object_codes_of(
        self, raw: np.ndarray, missing: np.ndarray, extra: MutableMapping[str, int]
    ) -> np.ndarray:
        """Codes of other values (floats, booleans, objects): matched against the values as text
        by equality, so only strings can match; the rest are unknown, kept as their text."""
        index = pd.Index(self.text_values.to_pylist(), dtype=object)
        at = index.get_indexer(raw) if len(index) else np.full(len(raw), -1, dtype=np.intp)
        codes = np.where(at >= 0, self.text_codes[np.maximum(at, 0)], -1) if len(index) else at
        codes = np.asarray(codes, dtype=np.int64)
        codes[missing] = -1
        unknown = (codes < 0) & ~missing
        if unknown.any():
            where = np.flatnonzero(unknown)
            self._add_unknown(codes, where, [str(raw[i]) for i in where], extra)
        return codes

    def _add_unknown(
        self,
        codes: np.ndarray,
        where: np.ndarray,
        texts: list[str],
        extra: MutableMapping[str, int],
    ) -> None:
        # Rare (a value missing from the metadata), so text by text.
        for i, text in zip(where.tolist(), texts, strict=True):
            code = self.position.get(text)
            if code is None:
                code = extra.setdefault(text, len(self.labels) + len(extra))
            codes[i] = code

    def categorical(self, codes: np.ndarray, extra: Mapping[str, int]) -> pd.Categorical:
        """Codes (with the extra texts they use) as the ordered categorical of labels."""
        dtype = pd.CategoricalDtype([*self.labels, *extra], ordered=True)
        return pd.Categorical.from_codes(codes.astype(np.int64, copy=False), dtype=dtype)


def label_categorical(
    values: pd.api.extensions.ExtensionArray, maps: PicklistMaps
) -> pd.Categorical:
    """Values (Int64 or string) as an ordered categorical of labels; unknown values kept as text
    (after the labels, in the order met); missing values as NA."""
    coder = LabelCoder.of(maps)
    extra: dict[str, int] = {}
    if isinstance(values.dtype, pd.Int64Dtype):
        numbers = values.to_numpy(dtype="int64", na_value=0)
        missing = np.asarray(pd.isna(values), dtype=bool)
        codes = coder.int_codes_of(numbers, missing, extra)
    elif isinstance(values.dtype, pd.StringDtype):
        held: Any = values  # pandas-stubs refuse None as na_value, which Arrow reads as null
        text = held.to_numpy(dtype=object, na_value=None)
        codes = coder.text_codes_of(pa.array(text, type=pa.string(), from_pandas=True), extra)
    else:
        raw = np.asarray(values.to_numpy(dtype=object, na_value=""), dtype=object)
        missing = np.asarray(pd.isna(pd.Series(values, copy=False)), dtype=bool)
        codes = coder.object_codes_of(raw, missing, extra)
    return coder.categorical(codes, extra)
