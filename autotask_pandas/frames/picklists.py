"""Picklists in pandas: which picklists hold Int64 values, and values as label categoricals.

The values <-> labels maps themselves are ``query/picklists.py`` (``picklist_maps``), shared with
the filter language.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from autotask_pandas.query.picklists import PicklistMaps, integer_text
from autotask_pandas.types import FieldMetadata

__all__ = ["label_categorical", "uses_integer_values"]


def uses_integer_values(field: FieldMetadata) -> bool:
    """Whether a picklist's values are held as Int64 (integer fields; UDFs with integer values)."""
    if (field.data_type or "").lower() in ("integer", "long", "short"):
        return True
    if field.is_udf and field.is_picklist:
        return all(integer_text(str(p.value)) for p in field.picklist_values or ())
    return False


def label_categorical(
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
