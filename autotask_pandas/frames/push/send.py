"""Sending a push's operations through ``client.write_many`` and moving the snapshot forward.

Afterwards the pushed frame's snapshot holds what landed: a snapshot of its own (``Pull.fork``,
then ``Pull.advance``) where updated cells take the values sent, created rows are added under their
new ids and deleted ids leave it. A second push of the same frame then sends only what is still
pending, while frames derived from it before the push keep what they were pulled as (so they send
no value back, and meet this push's values as conflicts). A create sent, with or without an answer,
is remembered by its row label for every frame of the pull, so it is not blindly created again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from autotask_pandas.frames.push.bodies import put_value, sent_value
from autotask_pandas.frames.snapshot import Created, move_forward
from autotask_pandas.types import WriteResult

if TYPE_CHECKING:
    from autotask_pandas.frames.push.plan import PushPlan

__all__ = ["send"]


def send(plan: PushPlan, progress: bool | Callable[[WriteResult], None] | None) -> None:
    """Write the planned rows and deletes; record each one's status, then advance the snapshot.

    On an interrupt (``KeyboardInterrupt`` during ``write_many``) what landed is recorded and
    the snapshot advanced as usual, rows never sent are ``skipped`` ("push was interrupted"),
    then the interrupt is re-raised."""
    positions = [p for p in plan.planned if p in plan.ops]
    deletes = [row for row in plan.deletes if row["status"] == "planned"]
    ops = [plan.ops[p] for p in positions] + [row["op"] for row in deletes]
    if not ops:
        return
    try:
        results: list[WriteResult | None] = list(plan.client.write_many(ops, progress=progress))
    except BaseException as exc:
        # Interrupted (Ctrl-C): the writes that landed are recorded exactly as after a whole
        # push, so pushing again creates no row twice; the rest stay pending. Then re-raise.
        partial = getattr(exc, "write_results", None)
        if partial is None:  # nothing was sent
            raise
        _record(plan, positions, deletes, partial)
        raise
    _record(plan, positions, deletes, results)


_NOT_SENT = "not sent: the push was interrupted; push again to send it"


def _record(
    plan: PushPlan,
    positions: list[int],
    deletes: list[dict[str, Any]],
    results: list[WriteResult | None],
) -> None:
    """Each row's and delete's outcome (None: never sent), then the snapshot moved forward."""
    landed_updates: list[int] = []
    landed_creates: list[tuple[int, int]] = []
    for position, result in zip(positions, results[: len(positions)], strict=True):
        if result is None:
            plan.status[position], plan.message[position] = "skipped", _NOT_SENT
            continue
        plan.status[position] = result.status
        if result.ok:
            if plan.action[position] == "create":
                assert result.item_id is not None  # a create answered ok carries its new id
                plan.created_id[position] = result.item_id
                landed_creates.append((position, result.item_id))
            else:
                landed_updates.append(position)
        else:
            plan.message[position] = _error_text(result)
            if (
                result.status == "uncertain"
                and plan.action[position] == "create"
                and plan.pull is not None
            ):
                _remember_create(plan, position, None)
    gone: list[int] = []
    for row, result in zip(deletes, results[len(positions) :], strict=True):
        if result is None:
            row["status"], row["message"] = "skipped", _NOT_SENT
            continue
        row["status"] = result.status
        if result.ok:
            gone.append(int(row["id"]))
        else:
            row["message"] = _error_text(result)
    if plan.pull is not None:
        _advance_snapshot(plan, landed_updates, landed_creates, gone)


def _error_text(result: WriteResult) -> str:
    error = result.error
    if error is None:
        return result.status
    errors = getattr(error, "errors", None)
    if errors:
        return "; ".join(str(e) for e in errors)
    return str(error)


def _remember_create(plan: PushPlan, position: int, new_id: int | None) -> None:
    assert plan.pull is not None
    label = plan.df.index[position]
    try:
        hash(label)
    except TypeError:
        return
    plan.pull.record_create(label, Created(new_id, plan.bodies.get(position, {})))


def _advance_snapshot(
    plan: PushPlan, updates: list[int], creates: list[tuple[int, int]], gone: list[int]
) -> None:
    """Move the pushed frame, and only it, forward by what landed (``frames/snapshot.py``)."""
    assert plan.pull is not None
    for position, new_id in creates:
        _remember_create(plan, position, new_id)  # shared by every frame of the pull
    if not (updates or creates or gone):
        return
    plan.pull = plan.pull.fork()  # the frame's own: frames derived before keep the old one
    _advance(plan, updates)
    _advance_creates(plan, creates)
    if gone:
        plan.pull.drop(pd.Index(gone))
    move_forward(plan.df, plan.pull)


def _advance(plan: PushPlan, positions: list[int]) -> None:
    """Move the snapshot of landed updates forward by the values sent."""
    assert plan.pull is not None
    if not positions:
        return
    base = plan.pull.base
    for name, where in plan.by_column(positions).items():
        if name not in base.columns:
            continue
        at = np.asarray(where, dtype=np.intp)
        index = pd.Index(plan.ids[at])
        mine = plan.compare[name]
        if mine.dtype == base[name].dtype:
            values = mine.array.take(at)
        else:  # the frame holds it in another form: the values sent, as the server holds them
            ids = [int(plan.ids[p]) or plan.created_id.get(p) for p in where]
            read = _read_back(plan, name, where, ids)
            try:
                read = read.astype(base[name].dtype)
            except (TypeError, ValueError):
                pass
            values = read.array
        plan.pull.advance(pd.Series(values, index=index, name=name).to_frame())


def _advance_creates(plan: PushPlan, created: list[tuple[int, int]]) -> None:
    """Add created rows to the snapshot as the frame held them when pushed.

    Their server-set fields (ticket numbers, create dates) are not known without a read; taking
    the frame's own values means the row has nothing pending once its new id is set on it.
    """
    assert plan.pull is not None
    if not created:
        return
    base = plan.pull.base
    where = np.asarray([p for p, _ in created], dtype=np.intp)
    new_ids = pd.Index([new_id for _, new_id in created], dtype="int64")
    data: dict[str, Any] = {}
    for name in base.columns:
        dtype: Any = base[name].dtype
        if name == "id":
            data[name] = pd.array(new_ids.to_numpy(), dtype=dtype)
        elif name in plan.compare.columns and plan.compare[name].dtype == dtype:
            data[name] = plan.compare[name].array.take(where)
        else:
            values: list[Any] = [None] * len(created)
            sent = [i for i, (p, _) in enumerate(created) if name in plan.fields.get(p, ())]
            if sent:
                read = _read_back(
                    plan, name, [created[i][0] for i in sent], [created[i][1] for i in sent]
                ).array
                for k, i in enumerate(sent):
                    values[i] = read[k]
            try:
                data[name] = pd.array(values, dtype=dtype)
            except (TypeError, ValueError):
                data[name] = np.asarray(values, dtype=object)
    plan.pull.advance(pd.DataFrame(data, index=new_ids))


def _read_back(plan: PushPlan, name: str, positions: list[int], ids: list[int | None]) -> pd.Series:
    """The values sent for column ``name`` at ``positions`` as a pull reads them (``build_frame``
    of records with those ids): the form the server holds them in."""
    column = plan.schema.column(name)
    assert column is not None
    records = []
    for position, record_id in zip(positions, ids, strict=True):
        record: dict[str, Any] = {"id": record_id}
        put_value(record, column, sent_value(plan.bodies.get(position, {}), column))
        records.append(record)
    return plan.read_records(records, ["id", name])[name]
