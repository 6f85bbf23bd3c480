"""What may be written back, judged from field metadata before any request is sent.

``EntitySchema`` maps a frame's columns to the entity's fields (``udf:<name>`` columns to its UDFs)
and knows which are writable. ``check_values`` judges the values a push is about to send, column by
column: the type (through ``to_api_values``, the one conversion to API values), picklist values or
labels (unknown, ambiguous, inactive, or not belonging to the row's parent value of a dependent
picklist), numbers the field's type cannot hold (an ``integer`` beyond Int32, a ``long`` beyond
Int64; infinities and ``"nan"`` text are refused by the conversion), text that is not valid Unicode
(a lone surrogate), string lengths, and required fields left empty. Every problem names the frame row (its
index label), the id, the field and the value; ``problems_frame`` lays them out as a DataFrame.

Severity: an ``error`` keeps its row from being sent; a ``warning`` is about a column that is not
sent at all (a column that is no field of the entity, or a read-only column of a frame that did not
come from a pull), so the push goes on without it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from autotask_pandas.exceptions import AutotaskValidationError
from autotask_pandas.frames.dtypes import object_values
from autotask_pandas.frames.to_api import to_api_values
from autotask_pandas.query.columns import udf_column, udf_name
from autotask_pandas.query.picklists import integer_text, picklist_maps
from autotask_pandas.types import FieldMetadata

if TYPE_CHECKING:
    from autotask_pandas.client import AutotaskClient

__all__ = [
    "PROBLEM_COLUMNS",
    "Column",
    "EntitySchema",
    "Problem",
    "check_values",
    "problems_frame",
    "required_problems",
]

Severity = Literal["error", "warning"]
PROBLEM_COLUMNS = ("row", "id", "field", "value", "problem", "severity")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a frame: ``row`` is the frame's index label (None: the whole column)."""

    row: Hashable | None
    id: int | None
    field: str | None
    value: Any
    problem: str
    severity: Severity = "error"
    position: int | None = dataclass_field(default=None, compare=False, repr=False)  # frame row position

    def __str__(self) -> str:
        where = [] if self.row is None else [f"row {self.row!r}"]
        if self.id is not None:
            where.append(f"id {self.id}")
        if self.field is not None:
            where.append(f"field {self.field!r}")
        value = "" if self.value is None else f" (value {self.value!r})"
        return f"{', '.join(where)}: {self.problem}{value}"


def problems_frame(problems: Sequence[Problem]) -> pd.DataFrame:
    """The problems as a DataFrame (row, id, field, value, problem, severity); empty when clean."""
    return pd.DataFrame(
        {
            "row": pd.Series([p.row for p in problems], dtype=object),
            "id": pd.array([p.id for p in problems], dtype="Int64"),
            "field": pd.array([p.field for p in problems], dtype="string"),
            "value": pd.Series([p.value for p in problems], dtype=object),
            "problem": pd.array([p.problem for p in problems], dtype="string"),
            "severity": pd.array([p.severity for p in problems], dtype="string"),
        }
    )


@dataclass(frozen=True)
class Column:
    """A frame column that is a field (or UDF) of the entity."""

    name: str  # the frame's column
    key: str  # the API's field name, or the UDF's name
    meta: FieldMetadata
    udf: bool

    @property
    def writable(self) -> bool:
        return not self.meta.is_read_only and not (not self.udf and self.key.lower() == "id")

    @property
    def required(self) -> bool:
        # UDFs required in the UI are not required through the API (FACTS §8).
        return self.meta.is_required and not self.udf


@dataclass
class EntitySchema:
    """The fields and UDFs of one entity, as its metadata describes them (fetched once, cached)."""

    entity: str
    fields: list[FieldMetadata]
    udfs: list[FieldMetadata]
    parent_field: str | None = None  # the field naming the parent of a child entity's route
    _by_name: dict[str, FieldMetadata] = dataclass_field(default_factory=dict, repr=False)
    _by_udf: dict[str, FieldMetadata] = dataclass_field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_name = {f.name.lower(): f for f in self.fields}
        self._by_udf = {f.name.lower(): f for f in self.udfs}

    @classmethod
    def load(cls, client: AutotaskClient, entity: str) -> EntitySchema:
        """The schema of ``entity`` (any spelling; an unknown entity is an error, no request)."""
        info = client.entity_info(entity)  # raises AutotaskValidationError for unknown names
        fields = client.get_field_metadata(info.name)
        udfs = client.get_udf_metadata(info.name)
        parent_field = None
        if info.children:
            child = next((c for c in info.children if {"create", "patch"} & set(c.ops)), None)
            if child is not None and not ({"create", "patch"} & set(info.ops)):
                parent_field = child.parent_field
        return cls(info.name, fields, udfs, parent_field)

    def column(self, name: object) -> Column | None:
        """The field a column holds (names match ignoring case), or None for a column of the user's."""
        if not isinstance(name, str):
            return None
        udf = udf_name(name)
        if udf is not None:
            meta = self._by_udf.get(udf.lower())
            return None if meta is None else Column(name, meta.name, meta, True)
        meta = self._by_name.get(name.lower())
        if meta is None:
            if name.lower() == "id":
                meta = FieldMetadata(name="id", data_type="long", is_read_only=True)
                return Column(name, "id", meta, False)
            return None
        return Column(name, meta.name, meta, False)

    def columns(self, names: Iterable[object]) -> tuple[dict[str, Column], list[object]]:
        """(known columns by frame name, the frame's other columns)."""
        known: dict[str, Column] = {}
        other: list[object] = []
        for name in names:
            column = self.column(name)
            if column is None:
                other.append(name)
            else:
                known[str(name)] = column
        return known, other

    @property
    def required(self) -> list[FieldMetadata]:
        return [f for f in self.fields if f.is_required and f.name.lower() != "id"]

    def udf_columns(self) -> list[str]:
        return [udf_column(u.name) for u in self.udfs]


def check_values(
    df: pd.DataFrame,
    column: Column,
    positions: np.ndarray,
    *,
    schema: EntitySchema,
    labels: bool,
    ids: np.ndarray,
    has_id: np.ndarray,
    problems: list[Problem],
    bad_rows: set[int],
    sending: Mapping[str, Iterable[int]] | None = None,
) -> list[Any]:
    """The API values of ``column`` at frame ``positions``, every one checked.

    Rows whose value cannot be sent are added to ``bad_rows`` (positions) and ``problems``; their
    value in the returned list is None. ``sending`` maps each frame column to the row positions
    that send it: a controlling picklist's new value is checked against the row's dependent value
    where that dependent is not sent too (where it is, its own check judges the pair, once).
    """
    meta = column.meta
    entity = schema.entity

    def report(i: int, value: Any, message: str) -> None:
        position = int(positions[i])
        bad_rows.add(position)
        problems.append(
            Problem(
                df.index[position],
                int(ids[position]) if has_id[position] else None,
                column.name,
                value,
                message,
                position=position,
            )
        )

    series = df[column.name].iloc[positions].set_axis(pd.RangeIndex(len(positions)))
    parents = _parent_values(df, schema, meta, positions)
    parent_series = None if parents is None else pd.Series(parents, dtype=object)
    values, failed = _convert(series, meta, labels, entity, parent_series)
    for i, value, reason in failed:
        report(i, value, reason)
    unconverted = {i for i, _, _ in failed}

    shown = object_values(series)
    if meta.is_picklist and meta.picklist_values:
        maps = picklist_maps(meta)
        inactive = set(maps.values) - set(maps.active)
        keys = [_picklist_key(v, maps) for v in values]
        for i, v in enumerate(keys):
            if v is not None and v in inactive:
                report(
                    i,
                    shown[i],
                    f"{maps.value_to_label.get(v, v)!r} ({v}) is an inactive value of the "
                    "picklist and cannot be set",
                )
        if parents is not None and maps.parent_of:
            for i, v in enumerate(keys):
                wanted = maps.parent_of.get(v) if v is not None else None
                have = parents[i]
                if wanted is not None and have is not None and have != wanted:
                    report(
                        i,
                        shown[i],
                        f"{maps.value_to_label.get(v, v)!r} belongs to "
                        f"{meta.picklist_parent_value_field} {wanted}, but the row has {have}",
                    )
    if meta.is_picklist and not column.udf:
        for child in _dependent_columns(df, schema, column):
            judged = set((sending or {}).get(child.name, ()))
            mask = np.fromiter((int(p) not in judged for p in positions), bool, len(positions))
            _check_children(
                df, child, positions, values, meta, labels, entity, shown, report, mask
            )
    for i, v in enumerate(values):
        position = _lone_surrogate(v)
        if position is not None:
            report(
                i,
                _short(shown[i]),
                f"not valid Unicode: a lone surrogate {v[position]!r} at character {position} "
                "(text decoded with errors='surrogateescape'?); the API takes UTF-8 only",
            )
    bounds = _INTEGER_RANGES.get((meta.data_type or "").lower())
    if bounds is not None:
        low, high, kind = bounds
        for i, v in enumerate(values):
            if isinstance(v, int) and not isinstance(v, bool) and not low <= v <= high:
                report(
                    i,
                    shown[i],
                    f"{v} is beyond the range of the field's type {meta.data_type} ({kind}: "
                    f"{low} to {high})",
                )
    limit = meta.length or 0
    if (meta.data_type or "").lower() == "string" and limit > 0:
        for i, v in enumerate(values):
            if isinstance(v, str) and len(v) > limit:
                report(i, _short(shown[i]), f"{len(v)} characters, more than the {limit} allowed")
    if column.required:
        for i, v in enumerate(values):
            blank = v is None or (isinstance(v, str) and not v.strip())
            if blank and i not in unconverted:
                report(i, None, "a required field cannot be empty")
    return values


def _convert(
    series: pd.Series,
    meta: FieldMetadata,
    labels: bool,
    entity: str,
    parent: pd.Series | None,
) -> tuple[list[Any], list[tuple[int, Any, str]]]:
    """``to_api_values`` of a positional Series: (values, [(position, value, reason)])."""
    try:
        return to_api_values(series, meta, labels=labels, entity=entity, parent=parent), []
    except AutotaskValidationError as exc:
        found = getattr(exc, "problems", None)
        if not found:
            raise
    failed = [(int(p.row), p.value, p.reason) for p in found]
    broken = {i for i, _, _ in failed}
    values: list[Any] = [None] * len(series)
    good = [i for i in range(len(series)) if i not in broken]
    if good:
        again = to_api_values(
            series.iloc[good],
            meta,
            labels=labels,
            entity=entity,
            parent=None if parent is None else parent.iloc[good],
        )
        for i, v in zip(good, again, strict=True):
            values[i] = v
    return values, failed


def _picklist_key(value: Any, maps: Any) -> Any:
    """A picklist value as the maps hold it (UDF values travel as text: "2" is 2)."""
    if value is None or value in maps.value_to_label:
        return value
    if integer_text(value):
        return int(value)
    return value


def _dependent_columns(df: pd.DataFrame, schema: EntitySchema, column: Column) -> list[Column]:
    """The frame's columns holding a dependent picklist that ``column`` controls (a Ticket's
    subIssueType for issueType: its ``picklistParentValueField``, FACTS §7)."""
    out: list[Column] = []
    for meta in schema.fields:
        controller = (meta.picklist_parent_value_field or "").lower()
        if not meta.is_picklist or not meta.picklist_values or controller != column.key.lower():
            continue
        name = next(
            (c for c in df.columns if isinstance(c, str) and c.lower() == meta.name.lower()), None
        )
        child = schema.column(name) if name is not None else None
        if child is not None and not child.udf:
            out.append(child)
    return out


def _check_children(
    df: pd.DataFrame,
    child: Column,
    positions: np.ndarray,
    values: list[Any],
    meta: FieldMetadata,
    labels: bool,
    entity: str,
    shown: np.ndarray,
    report: Callable[[int, Any, str], None],
    mask: np.ndarray,
) -> None:
    """A controlling picklist's new values against the row's dependent value: changing
    issueType alone must not leave a subIssueType whose ``parentValue`` is another issue type.
    (A dependent value that does not convert is reported where its own column is judged.)"""
    series = df[child.name].iloc[positions].set_axis(pd.RangeIndex(len(positions)))
    kept, _ = _convert(series, child.meta, labels, entity, pd.Series(values, dtype=object))
    maps, child_maps = picklist_maps(meta), picklist_maps(child.meta)
    for i, (value, dependent) in enumerate(zip(values, kept, strict=True)):
        if not mask[i] or value is None or dependent is None:
            continue
        key = _picklist_key(dependent, child_maps)
        wanted = child_maps.parent_of.get(key)
        have = _picklist_key(value, maps)
        if wanted is not None and wanted != have:
            label = child_maps.value_to_label.get(key, key)
            report(
                i,
                shown[i],
                f"the row's {child.key} {key} ({label!r}) belongs to {child.meta.picklist_parent_value_field} "
                f"{wanted}, not {have}: change {child.key} with it",
            )


# The API's integer types and what they hold: it binds ``integer`` to .NET Int32 and ``long`` to
# Int64 (as the filter language assumes, query/language.py); a value beyond them is refused by the
# API, so it is refused here, on its row, before any request.
_INTEGER_RANGES: dict[str, tuple[int, int, str]] = {
    "short": (-(2**15), 2**15 - 1, "Int16"),
    "int": (-(2**31), 2**31 - 1, "Int32"),
    "integer": (-(2**31), 2**31 - 1, "Int32"),
    "long": (-(2**63), 2**63 - 1, "Int64"),
}


def _lone_surrogate(value: Any) -> int | None:
    """The position of the first lone surrogate in a string (UTF-8 cannot hold one), or None."""
    if not isinstance(value, str):
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        return int(exc.start)
    return None


def _short(value: Any, limit: int = 60) -> Any:
    if isinstance(value, str) and len(value) > limit:
        return value[: limit - 1] + "…"
    return value


def _parent_values(
    df: pd.DataFrame, schema: EntitySchema, meta: FieldMetadata, positions: np.ndarray
) -> list[Any] | None:
    """The API values of a dependent picklist's controlling field at ``positions``, or None when
    the field is not dependent or its column is not in the frame (a value that does not convert
    is None: it is reported where that column is judged)."""
    if not meta.is_picklist or not meta.picklist_parent_value_field:
        return None
    name = next(
        (
            c
            for c in df.columns
            if isinstance(c, str) and c.lower() == meta.picklist_parent_value_field.lower()
        ),
        None,
    )
    parent = schema.column(name) if name is not None else None
    if parent is None:
        return None
    series = df[name].iloc[positions].set_axis(pd.RangeIndex(len(positions)))
    values, _ = _convert(series, parent.meta, False, schema.entity, None)
    return values


def required_problems(
    df: pd.DataFrame,
    schema: EntitySchema,
    known: Mapping[str, Column],
    positions: np.ndarray,
    problems: list[Problem],
    bad_rows: set[int],
) -> None:
    """New records: every required field must be a column of the frame."""
    present = {c.key.lower() for c in known.values() if not c.udf}
    for meta in schema.required:
        if meta.name.lower() in present or meta.is_read_only:
            continue
        for position in positions.tolist():
            bad_rows.add(position)
            problems.append(
                Problem(
                    df.index[position],
                    None,
                    meta.name,
                    None,
                    f"required to create a {schema.entity} record, and the frame has no such "
                    "column",
                    position=position,
                )
            )
