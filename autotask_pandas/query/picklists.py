"""A picklist field's values and labels, both ways, from its metadata.

``picklist_maps`` is the one place a picklist's metadata is read: the filter language's labels,
reading (``labels=True`` categoricals, ``frames/picklists.py``), writing (labels back to values)
and validation all go through it. Labels are ordered by ``sortOrder``, then metadata order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from autotask_pandas.types import FieldMetadata

__all__ = ["PicklistMaps", "integer_text", "picklist_maps", "plain_scalar"]


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
