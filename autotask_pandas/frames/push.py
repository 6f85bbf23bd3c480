"""Pushing a frame's edits back: plan, validate, check conflicts, write, move the snapshot forward.

The rules (also in docs/frames.md, "Pushing"):

* **Pulled frames** (``read_autotask``, ``Query.to_pandas``, ``%autotask``) are compared with their
  pull's snapshot. A row with an id sends one ``PATCH`` with ``id`` and only the writable fields
  whose value differs from the pull; an unchanged row sends nothing. Columns the user added that
  are no fields of the entity are not sent (``validate()`` mentions them as warnings); a field
  column that was not part of the pull is sent for new rows only.
* **Frames that did not come from a pull** (CSV, Excel: ``push(entity="Contacts")``) have no
  snapshot: a row with an id sends every writable column it has (an empty cell clears the field),
  and no conflict check is possible - there is nothing to tell a server edit from the frame's.
* **Rows without an id** are created (``create=False`` skips them); child entities go through their
  parent's route, which the client finds from the parent field (``companyID`` of a Contact). Empty
  cells are left out of a create's body. A row created by a push is remembered by its index label
  (and what was sent), so pushing the same frame again does not create it twice.
* **Deletes** are never inferred from rows missing from a frame (a filtered frame is missing rows
  too). ``delete=True`` deletes the rows removed with ``df.autotask.drop(...)`` that are still
  absent from the frame; ``delete=[ids]`` deletes those ids. ``dry_run=True`` lists them.
* **Validation first**: every row to send is checked (see ``validate.py``) before the first request;
  an invalid row is reported with every problem and not sent, the others are.
* **Conflicts**: the updated rows are re-read (``id in [...]``, at most 500 ids a query, only the
  edited fields) and an edited field whose server value moved since the pull (and is not already
  what the frame holds) is a conflict. ``conflicts="fail"`` (default): nothing at all is written and
  the result names the conflicts; ``"skip"``: the conflicting rows are not sent, the rest is;
  ``"overwrite"``: no re-read, the frame wins.
* **Dry run**: nothing is written; reads (metadata, the conflict re-read) still happen. The result
  shows each request line and body exactly as it would be sent.
* **Afterwards** the snapshot of the rows that landed moves forward (``Pull.advance``), so a second
  push sends only what is still pending (failed rows, rows that were not sent). The frame is never
  changed by a push.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from autotask_pandas._batch import WriteOperation, WriteResult
from autotask_pandas._routing import Router
from autotask_pandas._writes import prepare_write
from autotask_pandas.catalog import load_catalog
from autotask_pandas.exceptions import AutotaskValidationError
from autotask_pandas.frames import labels as labels_module
from autotask_pandas.frames.diff import FrameDiff, align, diff_frame, frame_ids, values_differ
from autotask_pandas.frames.dtypes import build_frame, to_api_values
from autotask_pandas.frames.result import PushResult, empty_result
from autotask_pandas.frames.snapshot import ATTRS_KEY, Created, Pull, pull_of
from autotask_pandas.frames.validate import (
    Column,
    EntitySchema,
    Problem,
    check_values,
    problems_frame,
    required_problems,
)
from autotask_pandas.types import QueryFilter

if TYPE_CHECKING:
    from autotask_pandas.client import AutotaskClient

__all__ = ["Conflicts", "PushPlan", "comparable_frame", "plan_push", "push_frame", "resolve"]

Conflicts = Literal["fail", "overwrite", "skip"]
CONFLICT_CHUNK = 500  # ids per re-read query: the API's limit of OR conditions
_CONFLICT_CHOICES = ("fail", "overwrite", "skip")


# -- who and what -----------------------------------------------------------------------------


def resolve(
    df: pd.DataFrame, entity: str | None, client: AutotaskClient | None
) -> tuple[Pull | None, str, AutotaskClient]:
    """(the frame's pull or None, the entity, the client) for a push, or a clear error."""
    pull = pull_of(df)
    if entity is not None:  # an unknown entity is named as such, whatever else is missing
        entity = Router(load_catalog()).entity(entity).name
    if pull is None and entity is None:
        tag = df.attrs.get(ATTRS_KEY)
        if isinstance(tag, dict) and tag.get("pull") is not None:
            raise AutotaskValidationError(
                f"this {tag.get('entity', '')} frame came from a pull this session no longer knows "
                "(a pickled or reloaded frame?): its edits cannot be told from the server's. Pull "
                "again, or push it as a frame without a snapshot with push(entity=...), which sends "
                "every column of every row"
            )
        raise AutotaskValidationError(
            "this frame did not come from a pull: say which entity its rows are, e.g. "
            "push(entity='Contacts'). (pd.concat keeps a frame's pull only when every frame "
            "concatenated carries it: add new rows with df.loc[label] = {...}, or give them the "
            "pulled frame's attrs first, new.attrs = df.attrs)"
        )
    if pull is not None:
        if entity is not None and entity.lower() != pull.entity.lower():
            raise AutotaskValidationError(
                f"this frame was pulled from {pull.entity}; it cannot be pushed to {entity}"
            )
        entity = pull.entity
        client = client or pull.client
    if client is None:
        raise AutotaskValidationError(
            "no client to push with: pass client=AutotaskClient(...) (the frame's pull has none)"
        )
    assert entity is not None
    return pull, entity, client


def comparable_frame(
    df: pd.DataFrame, base: pd.DataFrame, schema: EntitySchema | None, columns: Iterable[str]
) -> pd.DataFrame:
    """``df`` with picklist columns in the snapshot's form (labels or values) where they differ.

    A frame turned to labels with ``df.autotask.labels()`` (or back with ``ids()``) holds its
    picklists differently from its snapshot; the comparison needs one form. Only such columns are
    converted; the others stay the frame's own (so their buffers are still recognised).
    """
    out: dict[str, Any] = {}
    for name in columns:
        if name not in base.columns or name not in df.columns:
            continue
        mine = isinstance(df[name].dtype, pd.CategoricalDtype)
        theirs = isinstance(base[name].dtype, pd.CategoricalDtype)
        if mine == theirs:
            continue
        column = schema.column(name) if schema is not None else None
        if column is None or not column.meta.is_picklist:
            continue
        out[name] = _convert_picklist(df[name], column, to_labels=theirs, like=base[name])
    if not out:
        return df
    converted = df.copy(deep=False)
    for name, values in out.items():
        converted[name] = values
    return converted


def _convert_picklist(
    values: pd.Series, column: Column, *, to_labels: bool, like: pd.Series
) -> pd.Series:
    frame = values.to_frame(column.name)
    try:
        if to_labels:
            converted = labels_module.to_labels(frame, [column.meta])[column.name]
            try:
                return converted.astype(like.dtype)
            except (TypeError, ValueError):
                return converted
        return labels_module.to_values(frame, [column.meta])[column.name]
    except AutotaskValidationError:
        return values  # compared as it is; the cells that cannot be sent are reported per row


# -- the plan ---------------------------------------------------------------------------------


@dataclass
class PushPlan:
    """Everything a push would do, decided before any write; see ``plan_push``."""

    df: pd.DataFrame
    entity: str
    client: AutotaskClient
    schema: EntitySchema
    pull: Pull | None
    compare: pd.DataFrame  # df with picklists in the snapshot's form (df itself without a pull)
    has_id: np.ndarray
    ids: np.ndarray
    action: np.ndarray  # per frame row: update/create/none
    status: np.ndarray  # per frame row: ok (nothing to do), planned, invalid, skipped, ...
    message: np.ndarray
    problems: list[Problem] = field(default_factory=list)
    fields: dict[int, list[str]] = field(default_factory=dict)  # position -> frame columns sent
    bodies: dict[int, dict[str, Any]] = field(default_factory=dict)  # position -> body as built
    ops: dict[int, WriteOperation] = field(default_factory=dict)
    requests: dict[int, str] = field(default_factory=dict)
    sent: dict[int, dict[str, Any] | None] = field(default_factory=dict)  # exact bodies
    created_id: dict[int, int] = field(default_factory=dict)
    deletes: list[dict[str, Any]] = field(default_factory=list)
    diff: FrameDiff | None = None
    positions: np.ndarray | None = None  # snapshot row of each frame row (pulled frames)
    notes: list[str] = field(default_factory=list)

    @property
    def planned(self) -> list[int]:
        return [int(p) for p in np.flatnonzero(self.status == "planned")]


def plan_push(
    df: pd.DataFrame,
    *,
    entity: str | None = None,
    client: AutotaskClient | None = None,
    create: bool = True,
    delete: bool | Iterable[int] = False,
) -> PushPlan:
    """Decide what a push sends; validate it. No write, and no read beyond metadata."""
    if not isinstance(df, pd.DataFrame):
        raise AutotaskValidationError(f"push takes a DataFrame, got {type(df).__name__}")
    if not df.columns.is_unique:
        dupes = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        raise AutotaskValidationError(f"the frame has duplicate columns: {', '.join(dupes)}")
    pull, entity, client = resolve(df, entity, client)
    schema = EntitySchema.load(client, entity)
    known, other = schema.columns(df.columns)
    n = len(df)
    problems: list[Problem] = []
    for name in other:
        problems.append(
            Problem(
                None,
                None,
                str(name),
                None,
                f"{schema.entity} has no such field; not pushed",
                "warning",
            )
        )
    if "id" in df.columns:
        has_id, ids, bad_id = frame_ids(df["id"])
    else:
        if pull is not None:
            raise AutotaskValidationError(
                "the frame lost its id column: without it its rows cannot be matched to the pull"
            )
        has_id, ids, bad_id = np.zeros(n, bool), np.zeros(n, "int64"), np.zeros(n, bool)
    plan = PushPlan(
        df=df,
        entity=schema.entity,
        client=client,
        schema=schema,
        pull=pull,
        compare=df,
        has_id=has_id,
        ids=ids,
        action=np.full(n, "none", dtype=object),
        status=np.full(n, "ok", dtype=object),
        message=np.full(n, None, dtype=object),
        problems=problems,
    )
    bad_rows: set[int] = set()

    def row_problem(position: int, field_: str | None, value: Any, text: str) -> None:
        bad_rows.add(position)
        problems.append(
            Problem(
                df.index[position],
                int(ids[position]) if has_id[position] else None,
                field_,
                value,
                text,
                position=position,
            )
        )

    for position in np.flatnonzero(bad_id).tolist():
        row_problem(position, "id", df["id"].iloc[position], "not a record id (a whole number)")
    _duplicate_ids(df, has_id, ids, row_problem)

    columns: dict[str, list[int]] = {}  # frame column -> positions that send it
    writable = [c for c in known.values() if c.writable]
    creates = np.flatnonzero(~has_id & ~bad_id)
    if pull is not None:
        _plan_pulled(plan, known, row_problem, columns)
    else:
        for name, column in known.items():
            if not column.writable and column.key.lower() != "id":
                problems.append(
                    Problem(
                        None,
                        None,
                        name,
                        None,
                        "a read-only field: the column is not sent",
                        "warning",
                    )
                )
        updates = [p for p in np.flatnonzero(has_id).tolist() if p not in bad_rows]
        for position in updates:
            plan.action[position] = "update"
        for column in writable:
            if updates:
                columns.setdefault(column.name, []).extend(updates)

    if len(creates):
        plan.action[creates] = "create"
        if not create:
            plan.status[creates] = "skipped"
            plan.message[creates] = "a new row (no id); not created because create=False"
        else:
            for column in writable:
                if pull is None or column.name in df.columns:
                    columns.setdefault(column.name, []).extend(creates.tolist())
            required_problems(df, schema, known, creates, problems, bad_rows)

    _convert_all(plan, known, columns, bad_rows)
    _mark_invalid(plan, bad_rows)
    _build_operations(plan, known)
    _plan_deletes(plan, delete)
    return plan


def _duplicate_ids(
    df: pd.DataFrame, has_id: np.ndarray, ids: np.ndarray, row_problem: Callable[..., None]
) -> None:
    with_id = np.flatnonzero(has_id)
    if not len(with_id):
        return
    dup = pd.Series(ids[with_id]).duplicated(keep=False).to_numpy()
    if not dup.any():
        return
    groups: dict[int, list[int]] = {}
    for position in with_id[dup].tolist():
        groups.setdefault(int(ids[position]), []).append(position)
    for record_id, positions in groups.items():
        rows = ", ".join(repr(df.index[p]) for p in positions)
        for position in positions:
            row_problem(
                position, "id", record_id, f"id {record_id} appears in several rows ({rows})"
            )


def _plan_pulled(
    plan: PushPlan,
    known: dict[str, Column],
    row_problem: Callable[..., None],
    columns: dict[str, list[int]],
) -> None:
    df, pull = plan.df, plan.pull
    assert pull is not None
    base = pull.base
    compared = [name for name in known if name != "id" and name in base.columns]
    for name, column in known.items():
        if name not in base.columns and name != "id":
            plan.problems.append(
                Problem(
                    None,
                    None,
                    name,
                    None,
                    "not part of the pull: sent for new rows only",
                    "warning",
                )
            )
    plan.compare = compare = comparable_frame(df, base, plan.schema, compared)
    alignment = align(compare, base)
    plan.positions = alignment.positions
    unknown = np.flatnonzero(alignment.has_id & ~alignment.known)
    for position in unknown.tolist():
        row_problem(
            position,
            "id",
            int(plan.ids[position]),
            f"id {plan.ids[position]} is not one of the rows pulled; a frame with rows of "
            "another pull is pushed with push(entity=...)",
        )
    plan.diff = diff = diff_frame(compare, base, columns=compared, alignment=alignment)
    for position, changed in diff.columns_of().items():
        sendable = []
        for name in changed:
            column = known[name]
            if column.writable:
                sendable.append(name)
            else:
                row_problem(
                    position,
                    name,
                    df[name].iloc[position],
                    "a read-only field: this edit cannot be sent",
                )
        plan.action[position] = "update"
        for name in sendable:
            columns.setdefault(name, []).append(position)


def _convert_all(
    plan: PushPlan, known: dict[str, Column], columns: dict[str, list[int]], bad_rows: set[int]
) -> None:
    """API values of every cell to send, checked; fills ``plan.bodies`` and ``plan.fields``."""
    labels = bool(plan.pull.labels) if plan.pull is not None else False
    order_of = {name: i for i, name in enumerate(plan.df.columns)}
    for name in sorted(columns, key=order_of.__getitem__):  # bodies follow the frame's columns
        positions = columns[name]
        column = known[name]
        order = np.asarray(sorted(set(positions)), dtype=np.intp)
        values = check_values(
            plan.df,
            column,
            order,
            schema=plan.schema,
            labels=labels,
            ids=plan.ids,
            has_id=plan.has_id,
            problems=plan.problems,
            bad_rows=bad_rows,
        )
        creating = plan.action[order] == "create"
        same = _same_as_pulled(plan, column, order, values, creating)
        for position, value, new, unchanged in zip(
            order.tolist(), values, creating.tolist(), same, strict=True
        ):
            if (new and value is None) or unchanged:
                continue  # a create leaves empty cells out; an update, what the API holds
            body = plan.bodies.setdefault(position, {})
            if column.udf:
                body.setdefault("userDefinedFields", []).append(
                    {"name": column.key, "value": value}
                )
            else:
                body[column.key] = value
            plan.fields.setdefault(position, []).append(name)


def _same_as_pulled(
    plan: PushPlan, column: Column, order: np.ndarray, values: list[Any], creating: np.ndarray
) -> list[bool]:
    """Per cell: an update whose API value is the pulled one (nothing to send).

    A cell can differ in the frame and not to the API: a label typed for its value, ``"5"`` for
    5 in an object column, a datetime more precise than the API's milliseconds.
    """
    pull = plan.pull
    same = [False] * len(order)
    if pull is None or plan.positions is None or column.name not in pull.base.columns:
        return same
    updating = np.flatnonzero(~creating & (plan.positions[order] >= 0))
    if not len(updating):
        return same
    pulled = pull.base[column.name].array.take(plan.positions[order[updating]])
    old = _api_form(pulled, column, plan.entity)
    for i, before in zip(updating.tolist(), old, strict=True):
        new = values[i]
        same[i] = (new is None and before is None) or (
            new is not None and before is not None and type(new) is type(before) and new == before
        )
    return same


def _mark_invalid(plan: PushPlan, bad_rows: set[int]) -> None:
    """Invalid rows get every problem of theirs as message; rows with something to send are
    ``planned``."""
    by_row: dict[int, list[str]] = {position: [] for position in bad_rows}
    for problem in plan.problems:
        if problem.severity == "error" and problem.position in by_row:
            text = (
                problem.problem if problem.field is None else f"{problem.field}: {problem.problem}"
            )
            by_row[problem.position].append(text)  # type: ignore[index]
    for position, texts in by_row.items():
        plan.status[position] = "invalid"
        plan.message[position] = "; ".join(texts) or "invalid"
    for position in np.flatnonzero(plan.status == "ok").tolist():
        if plan.action[position] != "none":
            plan.status[position] = "planned"


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


def _build_operations(plan: PushPlan, known: dict[str, Column]) -> None:
    router = plan.client._router
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
            prepared = prepare_write(router, op)
        except AutotaskValidationError as exc:
            plan.status[position] = "invalid"
            plan.message[position] = str(exc)
            plan.problems.append(
                Problem(
                    plan.df.index[position],
                    _id_of(plan, position),
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


def _id_of(plan: PushPlan, position: int) -> int | None:
    return int(plan.ids[position]) if plan.has_id[position] else None


def _request_line(prepared: Any) -> str:
    route = prepared.route
    try:
        if prepared.method == "DELETE":
            path = route.item_path(prepared.entity_id, prepared.parent_id)
        else:
            path = route.collection_path(prepared.parent_id)
    except AutotaskValidationError:  # the parent id is learnt from the record when sent
        path = f"{route.child.parent}/{{parentId}}/{route.child.name}"
        if prepared.method == "DELETE":
            path += f"/{prepared.entity_id}"
    return f"{prepared.method} {path}"


def _plan_deletes(plan: PushPlan, delete: bool | Iterable[int]) -> None:
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
    router = plan.client._router
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
                value = base.at[record_id, name]
                parent = None if pd.isna(value) else int(value)
            op = WriteOperation.delete(plan.entity, record_id, parent_id=parent)
            try:
                prepared = prepare_write(router, op)
            except AutotaskValidationError as exc:
                row["status"] = "invalid"
                row["message"] = str(exc)
            else:
                row["op"] = op
                row["request"] = _request_line(prepared)
        plan.deletes.append(row)


# -- conflicts --------------------------------------------------------------------------------


def find_conflicts(plan: PushPlan) -> list[dict[str, Any]]:
    """Re-read the updated rows and list every edited cell the server changed since the pull."""
    pull = plan.pull
    if pull is None or plan.positions is None:
        return []
    rows = [p for p in plan.planned if plan.action[p] == "update" and p in plan.ops]
    if not rows:
        return []
    known = {name: plan.schema.column(name) for name in plan.df.columns}
    edited = list(dict.fromkeys(name for p in rows for name in plan.fields.get(p, ())))
    include = ["id"] + [known[name].key for name in edited]  # type: ignore[union-attr]
    ids = [int(plan.ids[p]) for p in rows]
    records: list[dict[str, Any]] = []
    for start in range(0, len(ids), CONFLICT_CHUNK):
        chunk = ids[start : start + CONFLICT_CHUNK]
        records.extend(
            plan.client.query_all(
                plan.entity,
                [QueryFilter(field="id", op="in", value=chunk)],
                include_fields=include,
            )
        )
    server = build_frame(
        plan.entity,
        records,
        plan.schema.fields,
        plan.schema.udfs,
        columns=["id", *edited],
        labels=pull.labels,
        tz=pull.tz,
    )
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
    by_column: dict[str, list[int]] = {}
    for position in rows:
        if int(plan.ids[position]) in gone:
            continue
        for name in plan.fields.get(position, ()):
            by_column.setdefault(name, []).append(position)
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
            _api_form(values, column, plan.entity) for values in (now, pulled, yours)
        )
        moved = values_differ(now_api, pulled_api) & values_differ(now_api, yours_api)
        for i in np.flatnonzero(moved).tolist():
            conflicts.append(
                {
                    "position": int(where[i]),
                    "id": int(row_ids[i]),
                    "field": name,
                    "pulled": _scalar(pulled[i]),
                    "server": _scalar(now[i]),
                    "yours": _scalar(plan.df[name].iloc[int(where[i])]),
                    "why": "changed on the server since the pull",
                }
            )
    return conflicts


def _api_form(values: Any, column: Column, entity: str) -> np.ndarray:
    """Values as the API takes them (objects), or as they are when they do not convert."""
    series = pd.Series(values, copy=False)
    try:
        converted = to_api_values(series, column.meta, entity=entity)
    except AutotaskValidationError:
        return series.to_numpy(dtype=object, na_value=None)
    out = np.empty(len(converted), dtype=object)
    out[:] = converted
    return out


def _show(value: Any) -> str:
    if value is None:
        return "empty"
    return repr(value) if isinstance(value, str) else str(value)


def _scalar(value: Any) -> Any:
    return None if _is_na(value) else value


def _is_na(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def conflicts_frame(conflicts: list[dict[str, Any]], index: pd.Index) -> pd.DataFrame:
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


# -- the push ---------------------------------------------------------------------------------


def push_frame(
    df: pd.DataFrame,
    *,
    dry_run: bool = False,
    conflicts: Conflicts = "fail",
    create: bool = True,
    delete: bool | Iterable[int] = False,
    progress: bool | Callable[[WriteResult], None] | None = True,
    entity: str | None = None,
    client: AutotaskClient | None = None,
) -> PushResult:
    """``df.autotask.push(...)``: see the module docstring for the rules."""
    if conflicts not in _CONFLICT_CHOICES:
        raise AutotaskValidationError(
            f"conflicts is one of {', '.join(map(repr, _CONFLICT_CHOICES))}, got {conflicts!r}"
        )
    plan = plan_push(df, entity=entity, client=client, create=create, delete=delete)
    found: list[dict[str, Any]] = []
    if conflicts != "overwrite":
        found = find_conflicts(plan)
    conflicting = sorted({c["position"] for c in found})
    for position in conflicting:
        mine = [c for c in found if c["position"] == position]
        plan.status[position] = "conflict"
        plan.message[position] = "; ".join(
            f"{c['field']}: {c['why']} (pulled {_show(c['pulled'])}, now {_show(c['server'])}, "
            f"yours {_show(c['yours'])})"
            if c["field"]
            else c["why"]
            for c in mine
        )
    stop = bool(conflicting) and conflicts == "fail"
    if stop:
        why = (
            f"not sent: {len(conflicting):,} rows conflict with server edits and "
            "conflicts='fail' (see result.conflicts; conflicts='skip' sends the rest)"
        )
        for position in plan.planned:
            plan.status[position] = "skipped"
            plan.message[position] = why
        for row in plan.deletes:
            if row["status"] == "planned":
                row["status"], row["message"] = "skipped", why
    elif dry_run:
        for position in plan.planned:
            plan.status[position] = "pending"
        for row in plan.deletes:
            if row["status"] == "planned":
                row["status"] = "pending"
    else:
        _send(plan, progress)
    return _result(plan, dry_run, conflicts_frame(found, df.index))


def _send(plan: PushPlan, progress: Any) -> None:
    positions = [p for p in plan.planned if p in plan.ops]
    deletes = [row for row in plan.deletes if row["status"] == "planned"]
    ops = [plan.ops[p] for p in positions] + [row["op"] for row in deletes]
    if not ops:
        return
    results = plan.client.write_many(ops, progress=progress)
    landed_updates: list[int] = []
    landed_creates: list[tuple[int, int]] = []
    for position, result in zip(positions, results[: len(positions)], strict=True):
        plan.status[position] = result.status
        if result.ok:
            if plan.action[position] == "create":
                plan.created_id[position] = int(result.item_id)  # type: ignore[arg-type]
                landed_creates.append((position, int(result.item_id)))  # type: ignore[arg-type]
            else:
                landed_updates.append(position)
        else:
            plan.message[position] = _error_text(result)
            if result.status == "uncertain" and plan.pull is not None:
                _remember_create(plan, position, None)
    gone: list[int] = []
    for row, result in zip(deletes, results[len(positions) :], strict=True):
        row["status"] = result.status
        if result.ok:
            gone.append(int(row["id"]))
        else:
            row["message"] = _error_text(result)
    if plan.pull is not None:
        _advance(plan, landed_updates)
        for position, new_id in landed_creates:
            _remember_create(plan, position, new_id)
        _advance_creates(plan, landed_creates)
        if gone:
            plan.pull.drop(pd.Index(gone))


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


def _server_form(plan: PushPlan, name: str, where: np.ndarray) -> pd.Series:
    """The frame's values of ``name`` at ``where`` in the snapshot's dtype (what the server holds)."""
    assert plan.pull is not None
    base = plan.pull.base
    mine = plan.compare[name]
    if name in base.columns and mine.dtype == base[name].dtype:
        return pd.Series(mine.array.take(where), index=pd.Index(plan.ids[where]), name=name)
    column = plan.schema.column(name)
    assert column is not None
    records = []
    for position in where.tolist():
        value = _sent_value(plan.bodies.get(position, {}), column)
        record: dict[str, Any] = {"id": int(plan.ids[position]) or plan.created_id.get(position)}
        if column.udf:
            record["userDefinedFields"] = [{"name": column.key, "value": value}]
        else:
            record[column.key] = value
        records.append(record)
    frame = build_frame(
        plan.entity,
        records,
        plan.schema.fields,
        plan.schema.udfs,
        columns=["id", name],
        labels=plan.pull.labels,
        tz=plan.pull.tz,
    )
    values = frame[name]
    if name in base.columns:
        try:
            values = values.astype(base[name].dtype)
        except (TypeError, ValueError):
            pass
    return pd.Series(values.array, index=pd.Index(plan.ids[where]), name=name)


def _sent_value(body: dict[str, Any], column: Column) -> Any:
    if column.udf:
        for item in body.get("userDefinedFields", ()):
            if item["name"] == column.key:
                return item["value"]
        return None
    return body.get(column.key)


def _advance(plan: PushPlan, positions: list[int]) -> None:
    """Move the snapshot of landed updates forward by the values sent."""
    assert plan.pull is not None
    if not positions:
        return
    by_column: dict[str, list[int]] = {}
    for position in positions:
        for name in plan.fields.get(position, ()):
            by_column.setdefault(name, []).append(position)
    for name, where in by_column.items():
        if name not in plan.pull.base.columns:
            continue
        values = _server_form(plan, name, np.asarray(where, dtype=np.intp))
        plan.pull.advance(values.to_frame())


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
        dtype = base[name].dtype
        if name == "id":
            data[name] = pd.array(new_ids.to_numpy(), dtype=dtype)
        elif name in plan.compare.columns and plan.compare[name].dtype == dtype:
            data[name] = plan.compare[name].array.take(where)
        else:
            values = [
                _server_form_create(plan, name, position, new_id)
                if name in plan.fields.get(position, ())
                else None
                for position, new_id in created
            ]
            try:
                data[name] = pd.array(values, dtype=dtype)
            except (TypeError, ValueError):
                data[name] = np.asarray(values, dtype=object)
    plan.pull.advance(pd.DataFrame(data, index=new_ids))


def _server_form_create(plan: PushPlan, name: str, position: int, new_id: int) -> Any:
    column = plan.schema.column(name)
    assert column is not None and plan.pull is not None
    value = _sent_value(plan.bodies.get(position, {}), column)
    record: dict[str, Any] = {"id": new_id}
    if column.udf:
        record["userDefinedFields"] = [{"name": column.key, "value": value}]
    else:
        record[column.key] = value
    frame = build_frame(
        plan.entity,
        [record],
        plan.schema.fields,
        plan.schema.udfs,
        columns=["id", name],
        labels=plan.pull.labels,
        tz=plan.pull.tz,
    )
    return frame[name].iloc[0]


# -- the result -------------------------------------------------------------------------------


def _result(plan: PushPlan, dry_run: bool, conflicts: pd.DataFrame) -> PushResult:
    df = plan.df
    n = len(df)
    ids = pd.array(np.where(plan.has_id, plan.ids, 0), dtype="Int64")
    ids[~plan.has_id] = pd.NA
    for position, new_id in plan.created_id.items():
        ids[position] = new_id
    fields = np.empty(n, dtype=object)
    fields[:] = [()] * n
    bodies = np.full(n, None, dtype=object)
    requests = np.full(n, None, dtype=object)
    for position, names in plan.fields.items():
        if plan.action[position] != "none":
            fields[position] = tuple(names)
    for position, body in plan.sent.items():
        bodies[position] = body
        requests[position] = plan.requests.get(position)
    frame = pd.DataFrame(
        {
            "id": ids,
            "action": pd.array(plan.action, dtype="string"),
            "status": pd.array(plan.status, dtype="string"),
            "fields": fields,
            "message": pd.array(plan.message, dtype="string"),
            "request": pd.array(requests, dtype="string"),
            "body": bodies,
        },
        index=df.index,
    )
    if plan.deletes:
        deletes = pd.DataFrame(
            {
                "id": pd.array([r["id"] for r in plan.deletes], dtype="Int64"),
                "action": pd.array(["delete"] * len(plan.deletes), dtype="string"),
                "status": pd.array([r["status"] for r in plan.deletes], dtype="string"),
                "fields": pd.Series([()] * len(plan.deletes), dtype=object),
                "message": pd.array([r["message"] for r in plan.deletes], dtype="string"),
                "request": pd.array([r["request"] for r in plan.deletes], dtype="string"),
                "body": pd.Series([None] * len(plan.deletes), dtype=object),
            }
        )
    else:
        deletes = empty_result()
    return PushResult.build(
        frame,
        entity=plan.entity,
        dry_run=dry_run,
        deletes=deletes,
        problems=problems_frame(plan.problems),
        conflicts=conflicts,
        notes=plan.notes,
    )
