"""What a push would do, decided and validated before any write (``plan_push``, ``PushPlan``).

Which rows are updates, creates or nothing (for a pulled frame: the rows that differ from the
snapshot; for another frame: every row), which of their cells are sent (``bodies.py``), the write
operations and deletes (``operations.py``), and every problem that keeps a row from being sent.
No write happens here, and no read beyond metadata. The rules are in ``push.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from autotask_pandas.catalog import load_catalog
from autotask_pandas.client.default import default_client
from autotask_pandas.client.routing import Router
from autotask_pandas.exceptions import AutotaskValidationError
from autotask_pandas.frames.builder import build_frame
from autotask_pandas.frames.push.compare import comparable_frame
from autotask_pandas.frames.push.diff import (
    align,
    diff_frame,
    frame_ids,
    values_differ,
    with_id_column,
)
from autotask_pandas.frames.push.validate import Column, EntitySchema, Problem, required_problems
from autotask_pandas.frames.snapshot import ATTRS_KEY, Pull, pull_of
from autotask_pandas.types import WriteOperation

if TYPE_CHECKING:
    from autotask_pandas.client import AutotaskClient

__all__ = ["DERIVED_KEY", "PushPlan", "plan_rows", "resolve"]

#: ``df.attrs[DERIVED_KEY]``: columns added by ``df.autotask.lookup`` (never pushed, no warning).
DERIVED_KEY = "autotask_derived"


@dataclass
class PushPlan:
    """Everything a push would do, decided before any write; see ``plan_push``."""

    df: pd.DataFrame
    entity: str
    client: AutotaskClient
    schema: EntitySchema
    pull: Pull | None  # the snapshot the frame is compared with (send moves it forward)
    compare: pd.DataFrame  # df with picklists in the snapshot's form (df itself without a pull)
    has_id: np.ndarray
    ids: np.ndarray
    action: np.ndarray  # per frame row: update/create/none
    status: np.ndarray  # per frame row: ok (nothing to do), planned, invalid, skipped, ...
    message: np.ndarray
    problems: list[Problem] = field(default_factory=list)
    bad_rows: set[int] = field(default_factory=set)  # positions with an error: not sent
    fields: dict[int, list[str]] = field(default_factory=dict)  # position -> frame columns sent
    bodies: dict[int, dict[str, Any]] = field(default_factory=dict)  # position -> body as built
    ops: dict[int, WriteOperation] = field(default_factory=dict)
    requests: dict[int, str] = field(default_factory=dict)
    sent: dict[int, dict[str, Any] | None] = field(default_factory=dict)  # exact bodies
    created_id: dict[int, int] = field(default_factory=dict)
    deletes: list[dict[str, Any]] = field(default_factory=list)
    positions: np.ndarray | None = None  # snapshot row of each frame row (pulled frames)
    notes: list[str] = field(default_factory=list)

    @property
    def planned(self) -> list[int]:
        return [int(p) for p in np.flatnonzero(self.status == "planned")]

    def record_id(self, position: int) -> int | None:
        """The id of the frame row at ``position``, None for a new row."""
        return int(self.ids[position]) if self.has_id[position] else None

    def row_problem(self, position: int, field_: str | None, value: Any, text: str) -> None:
        """An error of one row: the row is not sent."""
        self.bad_rows.add(position)
        self.problems.append(
            Problem(
                self.df.index[position],
                self.record_id(position),
                field_,
                value,
                text,
                position=position,
            )
        )

    def by_column(self, positions: Iterable[int]) -> dict[str, list[int]]:
        """The columns the rows at ``positions`` send, each with the positions that send it."""
        out: dict[str, list[int]] = {}
        for position in positions:
            for name in self.fields.get(position, ()):
                out.setdefault(name, []).append(position)
        return out

    def read_records(self, records: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
        """API records as the frame's pull reads them (its labels and time zone)."""
        assert self.pull is not None
        return build_frame(
            self.entity,
            records,
            self.schema.fields,
            self.schema.udfs,
            columns=columns,
            labels=self.pull.labels,
            tz=self.pull.tz,
        )

    def column_warning(self, name: str, text: str) -> None:
        """A column that is not sent; the push goes on without it."""
        self.problems.append(Problem(None, None, name, None, text, "warning"))

    def mark_invalid(self) -> None:
        """Invalid rows get every problem of theirs as message; rows with something to send are
        ``planned``."""
        by_row: dict[int, list[str]] = {position: [] for position in self.bad_rows}
        for problem in self.problems:
            if problem.severity == "error" and problem.position in by_row:
                text = (
                    problem.problem
                    if problem.field is None
                    else f"{problem.field}: {problem.problem}"
                )
                by_row[problem.position].append(text)
        for position, texts in by_row.items():
            self.status[position] = "invalid"
            self.message[position] = "; ".join(texts) or "invalid"
        for position in np.flatnonzero(self.status == "ok").tolist():
            if self.action[position] != "none":
                self.status[position] = "planned"


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
            "this frame did not come from a pull, or lost it: say which entity its rows are, e.g. "
            "push(entity='Contacts'). A frame made by df.merge(...) loses its pull (pandas drops "
            "attrs in a merge): when the pulled frame's id column survived the merge, give it "
            "back, merged.attrs = df.attrs, and push again (columns that are no fields are not "
            "sent); to add the names of referenced records, df.autotask.lookup('companyID', "
            "'companyName') keeps the pull. pd.concat keeps a frame's pull only when every frame "
            "concatenated carries it in one state (frames of one pull that were pushed since they "
            "parted each hold a snapshot of their own): add new rows with df.loc[label] = {...}, "
            "or give them the pulled frame's attrs first, new.attrs = df.attrs"
        )
    if pull is not None:
        if entity is not None and entity.lower() != pull.entity.lower():
            raise AutotaskValidationError(
                f"this frame was pulled from {pull.entity}; it cannot be pushed to {entity}"
            )
        entity = pull.entity
        client = client or pull.client
    if client is None:  # as read_autotask: the environment's credentials, else the demo sandbox
        client = default_client()
    assert entity is not None
    return pull, entity, client


def plan_rows(
    df: pd.DataFrame,
    *,
    entity: str | None = None,
    client: AutotaskClient | None = None,
    create: bool = True,
) -> tuple[PushPlan, dict[str, Column], dict[str, list[int]]]:
    """What each row of ``df`` would do (update, create, nothing) and which columns it sends.

    Returns the plan, the frame's columns that are entity fields (by name), and each sent column
    with the positions that send it; the bodies and write operations are ``bodies.py``'s and
    ``operations.py``'s. No write, and no read beyond metadata.
    """
    if not isinstance(df, pd.DataFrame):
        raise AutotaskValidationError(f"push takes a DataFrame, got {type(df).__name__}")
    if not df.columns.is_unique:
        dupes = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        raise AutotaskValidationError(f"the frame has duplicate columns: {', '.join(dupes)}")
    df = with_id_column(df)
    pull, entity, client = resolve(df, entity, client)
    schema = EntitySchema.load(client, entity)
    notes: list[str] = []
    if pull is not None:
        df = _pulled_names(df, pull.base.columns, schema, notes)
    derived = _derived_columns(df)
    known, other = schema.columns(df.columns)
    n = len(df)
    if "id" in df.columns:
        has_id, ids, bad_id = frame_ids(df["id"])
    elif pull is not None:
        raise AutotaskValidationError(
            "the frame lost its id column: without it its rows cannot be matched to the pull"
        )
    else:
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
        notes=notes,
    )
    other = [name for name in other if name not in derived]
    renamed = _renamed_away(plan, other) if pull is not None else set()
    for name in other:
        if name not in renamed:
            plan.column_warning(str(name), f"{schema.entity} has no such field; not pushed")
    for position in np.flatnonzero(bad_id).tolist():
        plan.row_problem(
            position, "id", df["id"].iloc[position], "not a record id (a whole number)"
        )
    _duplicate_ids(plan)

    columns: dict[str, list[int]] = {}  # frame column -> positions that send it
    writable = [c for c in known.values() if c.writable]
    creates = np.flatnonzero(~has_id & ~bad_id)
    if pull is not None:
        _plan_pulled(plan, known, columns)
    else:
        for name, column in known.items():
            if not column.writable and column.key.lower() != "id":
                plan.column_warning(name, "a read-only field: the column is not sent")
        updates = [p for p in np.flatnonzero(has_id).tolist() if p not in plan.bad_rows]
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
            for column in writable:  # every field column, also one that was not pulled
                columns.setdefault(column.name, []).extend(creates.tolist())
            required_problems(df, schema, known, creates, plan.problems, plan.bad_rows)

    return plan, known, columns


def _duplicate_ids(plan: PushPlan) -> None:
    with_id = np.flatnonzero(plan.has_id)
    if not len(with_id):
        return
    dup = pd.Series(plan.ids[with_id]).duplicated(keep=False).to_numpy()
    if not dup.any():
        return
    groups: dict[int, list[int]] = {}
    for position in with_id[dup].tolist():
        groups.setdefault(int(plan.ids[position]), []).append(position)
    for record_id, positions in groups.items():
        rows = ", ".join(repr(plan.df.index[p]) for p in positions)
        for position in positions:
            plan.row_problem(
                position, "id", record_id, f"id {record_id} appears in several rows ({rows})"
            )


def _plan_pulled(plan: PushPlan, known: dict[str, Column], columns: dict[str, list[int]]) -> None:
    """A pulled frame: the rows that differ from the snapshot are updates of what changed."""
    df, pull = plan.df, plan.pull
    assert pull is not None
    base = pull.base
    compared = [name for name in known if name != "id" and name in base.columns]
    for name in known:
        if name not in base.columns and name != "id":
            plan.column_warning(name, "not part of the pull: sent for new rows only")
    plan.compare = compare = comparable_frame(df, base, plan.schema, compared)
    alignment = align(compare, base)
    plan.positions = alignment.positions
    unknown = np.flatnonzero(alignment.has_id & ~alignment.known)
    for position in unknown.tolist():
        plan.row_problem(
            position,
            "id",
            int(plan.ids[position]),
            f"id {plan.ids[position]} is not one of the rows pulled; a frame with rows of "
            "another pull is pushed with push(entity=...)",
        )
    diff = diff_frame(compare, base, columns=compared, alignment=alignment)
    for position, changed in diff.columns_of().items():
        sendable = []
        for name in changed:
            column = known[name]
            if column.writable:
                sendable.append(name)
            else:
                plan.row_problem(
                    position,
                    name,
                    df[name].iloc[position],
                    "a read-only field: this edit cannot be sent",
                )
        plan.action[position] = "update"
        for name in sendable:
            columns.setdefault(name, []).append(position)


def _derived_columns(df: pd.DataFrame) -> set[str]:
    names = df.attrs.get(DERIVED_KEY)
    return {str(n) for n in names} if isinstance(names, (list, tuple)) else set()


def _pulled_names(
    df: pd.DataFrame, pulled: pd.Index, schema: EntitySchema, notes: list[str]
) -> pd.DataFrame:
    """``df`` with a column renamed only in case (``title`` -> ``Title``) given back its pulled
    name, so its edits are compared with the pull and sent (field names ignore case; without this
    the column would count as "not part of the pull" and its edits would be dropped)."""
    by_key: dict[str, str] = {}
    for name in pulled:
        column = schema.column(name)
        if column is not None and name not in df.columns:
            by_key[column.key.lower()] = str(name)
    if not by_key:
        return df
    mapping: dict[str, str] = {}
    for name in df.columns:
        if name in pulled:
            continue
        column = schema.column(name)
        target = by_key.get(column.key.lower()) if column is not None else None
        if target is not None and target not in mapping.values():
            mapping[str(name)] = target
    if not mapping:
        return df
    out = df.rename(columns=mapping)
    out.attrs = df.attrs  # the same tag: a push that lands moves df's snapshot forward
    for old, new in mapping.items():
        notes.append(f"column {old!r} was compared with the pulled {new!r} and is sent as {new!r}")
    return out


def _renamed_away(plan: PushPlan, other: list[object]) -> set[object]:
    """Columns of the user's that are a pulled field column renamed to a name that is no field
    (``title`` -> ``Ticket title``): an edit there would be silently lost, so each row where
    such a column differs from the pull is an error, and the column is named in a warning.

    A column counts as renamed when it has the dtype of a field column the frame no longer has
    and holds that column's pulled values in at least 80% of the rows it shares with the pull (a
    column of the user's rarely does; one rewritten wholesale stays a warning, which the result's
    summary names).
    """
    pull = plan.pull
    assert pull is not None
    base = pull.base
    missing = [
        str(name)
        for name in base.columns
        if name != "id" and name not in plan.df.columns and plan.schema.column(name) is not None
    ]
    if not missing or not other:
        return set()
    alignment = align(plan.df, base)
    rows = np.flatnonzero(alignment.known)
    if not len(rows):
        return set()
    base_rows = alignment.positions[rows]
    found: set[object] = set()
    for name in other:
        for pulled in missing:
            if plan.df[name].dtype != base[pulled].dtype:
                continue
            try:
                differs = values_differ(
                    plan.df[name].array.take(rows), base[pulled].array.take(base_rows)
                )
            except (TypeError, ValueError):
                continue
            if differs.sum() * 5 > len(rows):
                continue
            found.add(name)
            fix = f"df.rename(columns={{{name!r}: {pulled!r}}})"
            plan.column_warning(
                str(name),
                f"looks like the pulled column {pulled!r} renamed: not pushed; {fix} sends it",
            )
            for position in rows[differs].tolist():
                plan.action[position] = "update"  # an edit, counted as one that was not sent
                plan.row_problem(
                    position,
                    str(name),
                    plan.df[name].iloc[position],
                    f"an edit in column {name!r}, which looks like the pulled {pulled!r} renamed, "
                    f"cannot be sent under that name: rename it back, {fix}",
                )
            break
    return found
