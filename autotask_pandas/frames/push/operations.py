"""The write operations of a push: one per row to send, and the deletes asked for.

Each operation is checked and routed here, before any request (an entity that does not allow
the operation, a child row without its parent): ``plan.sent`` and ``plan.requests`` hold the body
and request line exactly as they will go, which is what a dry run shows. A new row an earlier
push of the same pull already created is not created again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

from autotask_pandas.client.write_one import PreparedWrite
from autotask_pandas.exceptions import AutotaskValidationError
from autotask_pandas.frames.push.diff import frame_ids
from autotask_pandas.frames.push.validate import Problem
from autotask_pandas.types import WriteOperation

if TYPE_CHECKING:
    from autotask_pandas.frames.push.plan import PushPlan

__all__ = ["build_operations", "plan_deletes"]


def build_operations(plan: PushPlan) -> None:
    """An operation per planned row (``plan.ops``), with its body and request line as sent."""
    for position in plan.planned:
        action = plan.action[position]
        body = plan.bodies.get(position, {})
        if action == "update":
            if not body:
                # every changed cell was read-only or not sendable: nothing left to send
                plan.status[position] = "ok"
                plan.action[position] = "none"
                continue
            op = WriteOperation.update(
                plan.entity, int(plan.ids[position]), body, parent_id=_parent_id(plan, position)
            )
        else:
            if _seen_before(plan, position, body):
                continue
            op = WriteOperation.create(plan.entity, body)
        try:
            prepared = _prepare(plan, op)
        except AutotaskValidationError as exc:
            plan.status[position] = "invalid"
            plan.message[position] = str(exc)
            plan.problems.append(
                Problem(
                    plan.df.index[position],
                    plan.record_id(position),
                    None,
                    None,
                    str(exc),
                    position=position,
                )
            )
            continue
        plan.ops[position] = op
        plan.sent[position] = prepared.body
        plan.requests[position] = _request_line(prepared)


def plan_deletes(plan: PushPlan, delete: bool | Iterable[int]) -> None:
    """``plan.deletes``: the rows dropped with ``df.autotask.drop()`` (``delete=True``) or the ids
    given, never rows that are merely missing from the frame."""
    pull = plan.pull
    present = set(plan.ids[plan.has_id].tolist())
    if delete is False or delete is None:
        if pull is not None:
            waiting = pull.dropped - present
            if waiting:
                plan.notes.append(
                    f"{len(waiting):,} rows dropped with df.autotask.drop() are not deleted: "
                    "push(delete=True) deletes them"
                )
        return
    if delete is True:
        if pull is None:
            raise AutotaskValidationError(
                "delete=True deletes the rows removed with df.autotask.drop() from a pulled "
                "frame; this frame did not come from a pull: name the ids, delete=[...]"
            )
        wanted = sorted(pull.dropped - present)
        missing = len(pull.base.index.difference(pd.Index(sorted(present), dtype="int64")))
        unmarked = missing - len(wanted)
        if unmarked > 0:
            plan.notes.append(
                f"{unmarked:,} rows of the pull are not in this frame and are not deleted: only "
                "rows removed with df.autotask.drop() are"
            )
    else:
        if isinstance(delete, (str, bytes)) or not isinstance(delete, Iterable):
            raise AutotaskValidationError(f"delete is False, True or a list of ids, got {delete!r}")
        has, numbers, bad = frame_ids(pd.Series(list(delete), dtype=object))
        if bad.any():
            raise AutotaskValidationError(
                f"delete=[...] takes record ids (whole numbers), got {list(delete)!r}"
            )
        wanted = sorted(set(numbers[has].tolist()))
    for record_id in wanted:
        row: dict[str, Any] = {
            "id": record_id,
            "action": "delete",
            "status": "planned",
            "fields": (),
            "message": None,
            "request": None,
            "body": None,
            "op": None,
        }
        if record_id in present:
            row["status"] = "invalid"
            row["message"] = f"id {record_id} is still in the frame; drop it to delete it"
        else:
            parent = None
            name = plan.schema.parent_field
            base = pull.base if pull is not None else None
            if (
                name is not None
                and base is not None
                and name in base.columns
                and (record_id in base.index)
            ):
                value: Any = base.at[record_id, name]
                parent = None if pd.isna(value) else int(value)
            op = WriteOperation.delete(plan.entity, record_id, parent_id=parent)
            try:
                prepared = _prepare(plan, op)
            except AutotaskValidationError as exc:
                row["status"] = "invalid"
                row["message"] = str(exc)
            else:
                row["op"] = op
                row["request"] = _request_line(prepared)
        plan.deletes.append(row)


def _prepare(plan: PushPlan, op: WriteOperation) -> PreparedWrite:
    """``op`` checked and routed as ``client.write_many`` will send it, without a request."""
    return plan.client.plan_write(op)


def _parent_id(plan: PushPlan, position: int) -> int | None:
    """The parent record of a child row, from the snapshot (else the frame), for its route."""
    name = plan.schema.parent_field
    if name is None:
        return None
    if plan.pull is not None and plan.positions is not None and plan.positions[position] >= 0:
        base = plan.pull.base
        if name in base.columns:
            value = base[name].iloc[int(plan.positions[position])]
            return None if pd.isna(value) else int(value)
    if name in plan.df.columns:
        value = plan.df[name].iloc[position]
        try:
            return None if pd.isna(value) else int(value)
        except (TypeError, ValueError):
            return None
    return None


def _seen_before(plan: PushPlan, position: int, body: dict[str, Any]) -> bool:
    """A new row an earlier push of this pull already created (or sent without an answer)."""
    if plan.pull is None:
        return False
    label = plan.df.index[position]
    try:
        created = plan.pull.created.get(label)
    except TypeError:  # an unhashable label
        return False
    if created is None:
        return False
    if created.body != body:
        plan.status[position] = "invalid"
        text = (
            f"an earlier push created this row (label {label!r}) as id {created.id}, and it has "
            f"changed since: set its id (df.loc[{label!r}, 'id'] = {created.id}) to send the "
            "change as an update, or give it a new index label to create another record"
            if created.id is not None
            else f"an earlier push sent this row (label {label!r}) as a create and got no answer, "
            "and it has changed since: look the record up first"
        )
        plan.message[position] = text
        plan.problems.append(Problem(label, None, None, None, text, position=position))
        return True
    if created.id is not None:
        plan.action[position] = "none"
        plan.status[position] = "ok"
        plan.created_id[position] = created.id
        plan.message[position] = f"created by an earlier push as id {created.id}"
    else:
        plan.status[position] = "uncertain"
        plan.message[position] = (
            "an earlier push sent this create and got no answer: it may exist. Look it up; set "
            "this row's id if it does, or give the row a new index label to create it again"
        )
    return True


def _request_line(prepared: PreparedWrite) -> str:
    route = prepared.route
    try:
        if prepared.method == "DELETE":
            assert prepared.entity_id is not None
            path = route.item_path(prepared.entity_id, prepared.parent_id)
        else:
            path = route.collection_path(prepared.parent_id)
    except AutotaskValidationError:  # the parent id is learnt from the record when sent
        assert route.child is not None
        path = f"{route.child.parent}/{{parentId}}/{route.child.name}"
        if prepared.method == "DELETE":
            path += f"/{prepared.entity_id}"
    return f"{prepared.method} {path}"
