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
* **Interrupted** (Ctrl-C while writing): no further row is sent, the requests already sent are
  waited for, and what landed is recorded as after a whole push (created rows under their new
  ids, updates in the snapshot), so pushing again sends only the rest and creates no row twice.
  The ``KeyboardInterrupt`` is then re-raised carrying ``push_result``: the ``PushResult`` so far,
  rows never sent ``skipped`` ("the push was interrupted"), and ``write_results`` (see
  ``client/write_many.py``).

Where each step lives: ``plan.py`` (rows -> updates, creates, nothing; validation), ``bodies.py``
(the cells sent), ``operations.py`` (write operations, request lines, deletes), ``conflicts.py``
(the re-read), ``send.py`` (``client.write_many``, the snapshot moving forward); this module runs
them in order and lays out the result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from autotask_pandas.exceptions import AutotaskValidationError
from autotask_pandas.frames.progress import make_bar
from autotask_pandas.frames.push.bodies import fill_bodies
from autotask_pandas.frames.push.conflicts import conflicts_frame, find_conflicts, mark_conflicts
from autotask_pandas.frames.push.operations import build_operations, plan_deletes
from autotask_pandas.frames.push.plan import PushPlan, plan_rows
from autotask_pandas.frames.push.result import PushResult, empty_result
from autotask_pandas.frames.push.send import send
from autotask_pandas.frames.push.validate import problems_frame
from autotask_pandas.types import WriteResult

if TYPE_CHECKING:
    from autotask_pandas.client import AutotaskClient

__all__ = ["Conflicts", "plan_push", "push_frame"]

Conflicts = Literal["fail", "overwrite", "skip"]
_CONFLICT_CHOICES = ("fail", "overwrite", "skip")


def plan_push(
    df: pd.DataFrame,
    *,
    entity: str | None = None,
    client: AutotaskClient | None = None,
    create: bool = True,
    delete: bool | Iterable[int] = False,
) -> PushPlan:
    """Decide what a push sends; validate it. No write, and no read beyond metadata."""
    plan, known, columns = plan_rows(df, entity=entity, client=client, create=create)
    fill_bodies(plan, known, columns)
    plan.mark_invalid()
    build_operations(plan)
    plan_deletes(plan, delete)
    return plan


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
    conflicting = mark_conflicts(plan, found)
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
        try:
            _send_with_progress(plan, progress)
        except BaseException as exc:
            # Interrupted (Ctrl-C) while writing: send() has recorded what landed; the result as
            # far as it got travels with the re-raised exception as ``push_result``.
            if getattr(exc, "write_results", None) is not None:
                try:
                    exc.push_result = _result(  # type: ignore[attr-defined]
                        plan, dry_run, conflicts_frame(found, df.index)
                    )
                except Exception as error:  # noqa: BLE001 - the interrupt must propagate
                    exc.add_note(f"the push's result could not be built: {error!r}")
            raise
    return _result(plan, dry_run, conflicts_frame(found, df.index))


def _send_with_progress(
    plan: PushPlan, progress: bool | Callable[[WriteResult], None] | None
) -> None:
    """``send`` with the push's own bar (``frames/progress.py``: a widget in Jupyter, text in a
    terminal, none with ``TQDM_DISABLE``), one step per row or delete written."""
    if progress is not True:
        send(plan, progress)
        return
    total = sum(1 for p in plan.planned if p in plan.ops) + sum(
        1 for row in plan.deletes if row["status"] == "planned"
    )
    bar = make_bar(True, total=total, desc=f"push {plan.entity}") if total else None
    if bar is None:
        send(plan, False)
        return
    try:
        send(plan, lambda result: bar.update(1))
    finally:
        bar.close()


def _result(plan: PushPlan, dry_run: bool, conflicts: pd.DataFrame) -> PushResult:
    """One row per frame row (in its order and index), the deletes apart."""
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
    # A row with nothing to send did not land: its status says so, so that
    # (result.status == "ok").sum() counts the rows that did.
    status = np.where((plan.action == "none") & (plan.status == "ok"), "unchanged", plan.status)
    frame = pd.DataFrame(
        {
            "id": ids,
            "action": pd.array(plan.action, dtype="string"),
            "status": pd.array(status, dtype="string"),
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
