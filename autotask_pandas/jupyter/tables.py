"""What ``%autotask entities``, ``fields`` and ``threshold`` show: small pandas frames and a line.

The catalog (generated from the spec) lists the entities without a request; ``fields`` reads the
entity's metadata through the client, which fetches it once per entity and caches it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd

from autotask_pandas.catalog import load_catalog
from autotask_pandas.client import AutotaskClient
from autotask_pandas.query.columns import udf_column
from autotask_pandas.query.picklists import picklist_maps
from autotask_pandas.types import FieldMetadata, ThresholdInfo

__all__ = ["ApiUsage", "entities_frame", "fields_frame"]

_OPS = ("query", "count", "get", "create", "update", "delete")


def entities_frame() -> pd.DataFrame:
    """One row per entity: what it allows at its root, the parents it is written under, UDFs."""
    rows = []
    for info in load_catalog():
        rows.append(
            {
                "entity": info.name,
                **{op: op in info.ops or (op == "update" and "patch" in info.ops) for op in _OPS},
                "written under": ", ".join(f"{c.parent}/{{id}}/{c.name}" for c in info.children),
                "udfs": info.has_udfs,
            }
        )
    return pd.DataFrame(rows)


def _picklist_text(field: FieldMetadata) -> str:
    """``1 New, 8 In Progress, ...`` in the picklist's order (the labels=True category order)."""
    if not field.is_picklist or not field.picklist_values:
        return ""
    maps = picklist_maps(field)
    return ", ".join(f"{value} {maps.value_to_label[value]}" for value in maps.values)


def fields_frame(client: AutotaskClient, entity: str) -> pd.DataFrame:
    """The entity's fields then its UDFs (column ``udf:<name>``): type, required, read-only,
    queryable, reference, picklist values with labels."""
    fields = [*client.get_field_metadata(entity), *client.get_udf_metadata(entity)]
    rows = [
        {
            "field": udf_column(f.name) if f.is_udf else f.name,
            "type": f.data_type or "",
            "required": bool(f.is_required),
            "read-only": bool(f.is_read_only),
            "queryable": bool(f.is_queryable),
            "udf": bool(f.is_udf),
            "reference": f.reference_entity_type or "",
            "picklist": _picklist_text(f),
        }
        for f in fields
    ]
    frame = pd.DataFrame(rows)
    frame.attrs["entity"] = entity
    return frame


@dataclass(frozen=True)
class ApiUsage:
    """``%autotask threshold``: requests used of the rolling hour's budget (FACTS.md §10)."""

    used: int
    limit: int
    minutes: int

    @classmethod
    def of(cls, info: ThresholdInfo) -> ApiUsage:
        return cls(
            info.current_timeframe_request_count,
            info.external_request_threshold,
            info.request_threshold_timeframe,
        )

    @property
    def fraction(self) -> float:
        return self.used / self.limit if self.limit > 0 else 0.0

    def __repr__(self) -> str:
        return (
            f"API usage: {self.used:,} of {self.limit:,} requests in the last {self.minutes} "
            f"minutes ({self.fraction:.1%})"
        )

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(repr(self))}</p>"
