"""A picklist field's values and labels, both ways, from its metadata.

``picklist_maps`` is the one place a picklist's metadata is read: reading (``labels=True``
categoricals), writing (labels back to values), validation and the query language's labels all
go through it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..types import FieldMetadata

__all__ = [
    "PicklistMaps",
    "integer_text",
    "label_categorical",
    "picklist_maps",
    "plain_scalar",
    "uses_integer_values",
]


def integer_text(value: Any) -> bool:
    """Whether ``value`` is a string holding a whole number (``"5"``, ``" -2 "``)."""
    return isinstance(value, str) and value.strip().lstrip("-").isdigit()


def plain_scalar(value: Any) -> Any:
    """A numpy scalar as the Python value it holds; anything else as it is."""
    if isinstance(value, np.generic):
        return value.item()
    return value


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
            if integer_text(text):
                number = int(text)
                if number in self.value_to_label:
                    return (number,)
            if text in self.value_to_label:
                return (text,)
            return ()
        value = plain_scalar(label)
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
        if integer and integer_text(value):
            value = int(value)
        parent: Any = p.parent_value
        if integer_text(parent):
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
