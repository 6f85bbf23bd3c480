"""Edits the server made since the pull: the conflict re-read and comparison of a push.

The updated rows are re-read (``id in [...]``, at most 500 ids a query, only the edited fields)
and an edited field whose server value moved since the pull, and is not already what the frame
holds, is a conflict; so is a row deleted on the server. Values are compared as the API holds
them, so a frame value more precise than the server keeps is no change made on the server.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from autotask_pandas.frames.push.compare import api_form
from autotask_pandas.frames.push.diff import values_differ
from autotask_pandas.types import FilterOperation, QueryFilter

if TYPE_CHECKING:
    from autotask_pandas.frames.push.plan import PushPlan

__all__ = ["CONFLICT_CHUNK", "conflicts_frame", "find_conflicts", "mark_conflicts"]

CONFLICT_CHUNK = 500  # ids per re-read query: the API's limit of OR conditions


def find_conflicts(plan: PushPlan) -> list[dict[str, Any]]:
    """Re-read the updated rows and list every edited cell the server changed since the pull."""
    pull = plan.pull
    if pull is None or plan.positions is None:
        return []
    rows = [p for p in plan.planned if plan.action[p] == "update" and p in plan.ops]
    if not rows:
        return []
    known = {name: plan.schema.column(name) for name in plan.df.columns}
    edited = list(plan.by_column(rows))
    include = ["id"] + [known[name].key for name in edited]  # type: ignore[union-attr]
    ids = [int(plan.ids[p]) for p in rows]
    chunks = [ids[start : start + CONFLICT_CHUNK] for start in range(0, len(ids), CONFLICT_CHUNK)]

    def read(chunk: list[int]) -> list[dict[str, Any]]:
        return plan.client.query_all(
            plan.entity,
            [QueryFilter(field="id", op=FilterOperation.IN, value=chunk)],
            include_fields=include,
        )

    # The re-reads go out together, up to the endpoint's thread limit (FACTS §10): 1,000 edits
    # cost one round trip of reads before the writes, not two.
    workers = max(1, min(len(chunks), plan.client.config.thread_limit))
    with ThreadPoolExecutor(workers, thread_name_prefix="autotask-conflicts") as pool:
        records = [record for part in pool.map(read, chunks) for record in part]
    server = plan.read_records(records, ["id", *edited])
    server.index = pd.Index(server["id"].to_numpy(dtype="int64"))
    base = pull.base
    conflicts: list[dict[str, Any]] = []
    gone = set(ids) - set(server.index.tolist())
    for position in rows:
        record_id = int(plan.ids[position])
        if record_id in gone:
            conflicts.append(
                {
                    "position": position,
                    "id": record_id,
                    "field": None,
                    "pulled": None,
                    "server": None,
                    "yours": None,
                    "why": "deleted on the server since the pull",
                }
            )
    by_column = plan.by_column(p for p in rows if int(plan.ids[p]) not in gone)
    for name, positions in by_column.items():
        where = np.asarray(positions, dtype=np.intp)
        row_ids = plan.ids[where]
        now = server[name].reindex(pd.Index(row_ids)).array
        pulled = base[name].array.take(plan.positions[where])
        yours = plan.compare[name].array.take(where)
        column = plan.schema.column(name)
        assert column is not None
        # Compared as the API holds them (a datetime keeps milliseconds): a value the frame held
        # more precisely than the server keeps is not a change made on the server.
        now_api, pulled_api, yours_api = (
            api_form(values, column, plan.entity) for values in (now, pulled, yours)
        )
        moved = values_differ(now_api, pulled_api) & values_differ(now_api, yours_api)
        for i in np.flatnonzero(moved).tolist():
            conflicts.append(
                {
                    "position": int(where[i]),
                    "id": int(row_ids[i]),
                    "field": name,
                    "pulled": _cell(pulled[i]),
                    "server": _cell(now[i]),
                    "yours": _cell(plan.df[name].iloc[int(where[i])]),
                    "why": "changed on the server since the pull",
                }
            )
    return conflicts


def mark_conflicts(plan: PushPlan, conflicts: list[dict[str, Any]]) -> list[int]:
    """Give each conflicting row the status ``conflict`` and a message naming every conflict of
    it; returns the positions of those rows."""
    conflicting = sorted({c["position"] for c in conflicts})
    for position in conflicting:
        mine = [c for c in conflicts if c["position"] == position]
        plan.status[position] = "conflict"
        plan.message[position] = "; ".join(
            f"{c['field']}: {c['why']} (pulled {_show(c['pulled'])}, now {_show(c['server'])}, "
            f"yours {_show(c['yours'])})"
            if c["field"]
            else c["why"]
            for c in mine
        )
    return conflicting


def conflicts_frame(conflicts: list[dict[str, Any]], index: pd.Index) -> pd.DataFrame:
    """The conflicts as a DataFrame: row (the frame's label), id, field, pulled, server, yours."""
    return pd.DataFrame(
        {
            "row": pd.Series([index[c["position"]] for c in conflicts], dtype=object),
            "id": pd.array([c["id"] for c in conflicts], dtype="Int64"),
            "field": pd.array([c["field"] for c in conflicts], dtype="string"),
            "pulled": pd.Series([c["pulled"] for c in conflicts], dtype=object),
            "server": pd.Series([c["server"] for c in conflicts], dtype=object),
            "yours": pd.Series([c["yours"] for c in conflicts], dtype=object),
        }
    )


def _show(value: Any) -> str:
    if value is None:
        return "empty"
    return repr(value) if isinstance(value, str) else str(value)


def _cell(value: Any) -> Any:
    """A cell as shown in a conflict: None where pandas sees a missing value."""
    try:
        missing = bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or the like: a value
        missing = False
    return None if missing else value
