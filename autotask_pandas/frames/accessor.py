"""``df.autotask``: what a frame is, what changed in it, and pushing it back.

Registered when ``autotask_pandas`` is imported::

    tickets = read_autotask("Tickets", where="status != Complete")
    tickets.loc[tickets.priority == 4, "queueID"] = 8
    tickets.autotask.changes()          # one row per changed cell: id, field, old, new
    tickets.autotask.validate()         # problems, by row and field; empty when clean
    tickets.autotask.push(dry_run=True) # what would be sent, request by request
    result = tickets.autotask.push()    # per-row result (a PushResult)

See ``push.py`` (and docs/frames.md, "Pushing") for the rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from autotask_pandas.exceptions import AutotaskValidationError
from autotask_pandas.frames.push.compare import comparable_frame
from autotask_pandas.frames.push.diff import diff_frame, frame_ids
from autotask_pandas.frames.push.plan import resolve
from autotask_pandas.frames.push.push import Conflicts, plan_push, push_frame
from autotask_pandas.frames.push.result import PushResult
from autotask_pandas.frames.push.validate import EntitySchema, problems_frame
from autotask_pandas.frames.snapshot import ATTRS_KEY, Pull, forget, pull_of
from autotask_pandas.types import WriteResult

if TYPE_CHECKING:
    from autotask_pandas.client import AutotaskClient

__all__ = ["AutotaskAccessor"]


@pd.api.extensions.register_dataframe_accessor("autotask")
class AutotaskAccessor:
    """The Autotask side of a DataFrame (``df.autotask``)."""

    def __init__(self, df: pd.DataFrame) -> None:
        self._df = df

    # -- what the frame is ----------------------------------------------------------------

    @property
    def pull(self) -> Pull | None:
        """The pull the frame came from (its snapshot), or None."""
        return pull_of(self._df)

    @property
    def entity(self) -> str | None:
        """The entity the frame's rows are (``"Tickets"``), or None for a frame of unknown origin."""
        pull = self.pull
        if pull is not None:
            return pull.entity
        tag = self._df.attrs.get(ATTRS_KEY)
        return tag.get("entity") if isinstance(tag, dict) else None

    def _schema(self, client: AutotaskClient | None = None, entity: str | None = None) -> Any:
        _, name, client = resolve(self._df, entity, client)
        return EntitySchema.load(client, name)

    # -- what changed ---------------------------------------------------------------------

    def changes(self) -> pd.DataFrame:
        """One row per cell that differs from the pull: id, field, old (pulled), new (the frame's).

        The index holds the frame's row labels. Every compared column is listed, read-only ones
        included (``validate()`` says which edits cannot be sent). A frame that did not come from a
        pull has no snapshot to compare with: AutotaskValidationError.
        """
        df = self._df
        pull = self.pull
        if pull is None:
            raise AutotaskValidationError(
                "this frame did not come from a pull, so there is nothing to compare it with"
            )
        base = pull.base
        compared = [c for c in df.columns if c != "id" and c in base.columns]
        compare = df
        if _labels_differ(df, base, compared):
            schema = self._schema()
            compare = comparable_frame(df, base, schema, compared)
        result = diff_frame(compare, base, columns=compared)
        return result.to_frame(df, base)

    def validate(
        self,
        *,
        entity: str | None = None,
        client: AutotaskClient | None = None,
        create: bool = True,
    ) -> pd.DataFrame:
        """Every problem a push would refuse (and columns it would not send), by row and field.

        Columns: row (index label), id, field, value, problem, severity (``error``: the row is not
        sent; ``warning``: the column is not sent). Empty when clean. For a pulled frame only what
        would be sent is judged (edited cells, new rows); for other frames, every row.
        """
        plan = plan_push(self._df, entity=entity, client=client, create=create)
        return problems_frame(plan.problems)

    # -- picklists ------------------------------------------------------------------------

    def labels(self, *, client: AutotaskClient | None = None) -> pd.DataFrame:
        """A copy with picklist columns as ordered categoricals of their labels."""
        from autotask_pandas.frames.labels import to_labels

        schema = self._schema(client)
        return to_labels(self._df, schema.fields, schema.udfs, entity=schema.entity)

    def ids(self, *, client: AutotaskClient | None = None) -> pd.DataFrame:
        """A copy with picklist columns as their values (the inverse of ``labels()``)."""
        from autotask_pandas.frames.labels import to_values

        schema = self._schema(client)
        return to_values(self._df, schema.fields, schema.udfs, entity=schema.entity)

    # -- deletes --------------------------------------------------------------------------

    def drop(self, ids: Iterable[int] | pd.Series) -> pd.DataFrame:
        """The frame without the rows of ``ids`` (or where a boolean Series is True), marked for
        deletion: ``push(delete=True)`` deletes them, and only them (filtering never deletes)."""
        df = self._df
        pull = self.pull
        if pull is None:
            raise AutotaskValidationError(
                "drop() marks rows of a pulled frame for deletion; for another frame name the ids: "
                "push(entity=..., delete=[...])"
            )
        if "id" not in df.columns:
            raise AutotaskValidationError("the frame has no id column")
        if isinstance(ids, pd.Series) and pd.api.types.is_bool_dtype(ids.dtype):
            mask = ids.reindex(df.index).fillna(False).to_numpy(dtype=bool)
        else:
            has, numbers, bad = frame_ids(pd.Series(list(ids), dtype=object))
            if bad.any() or not has.all():
                raise AutotaskValidationError(f"drop() takes record ids, got {list(ids)!r}")
            has_id, frame_numbers, _ = frame_ids(df["id"])
            mask = has_id & np.isin(frame_numbers, numbers)
            absent = sorted(set(numbers.tolist()) - set(frame_numbers[mask].tolist()))
            if absent:
                raise AutotaskValidationError(
                    f"ids {absent[:10]} are not rows of this frame; nothing was marked"
                )
        _, frame_numbers, _ = frame_ids(df["id"])
        dropped = frame_numbers[mask]
        outside = pd.Index(dropped).difference(pull.base.index)
        if len(outside):
            raise AutotaskValidationError(
                f"ids {sorted(outside.tolist())[:10]} are not rows of the pull; nothing was marked"
            )
        pull.mark_dropped(dropped.tolist())
        return df[~mask]

    def forget(self) -> None:
        """Drop the frame's pull snapshot (its pushes then need entity=, as for a CSV frame)."""
        forget(self._df)

    # -- pushing --------------------------------------------------------------------------

    def push(
        self,
        dry_run: bool = False,
        conflicts: Conflicts = "fail",
        create: bool = True,
        delete: bool | Iterable[int] = False,
        progress: bool | Callable[[WriteResult], None] | None = True,
        entity: str | None = None,
        client: AutotaskClient | None = None,
    ) -> PushResult:
        """Send the frame's edits, new rows and (on request) deletes back to Autotask.

        * Pulled frames send, per changed row, one PATCH with only the changed writable fields
          (and the id); rows without an id are created; nothing else is sent.
        * Frames that did not come from a pull need ``entity=``: rows with an id are updated
          with every writable column given (an empty cell clears the field), rows without one
          are created. No conflict check is possible: there is no snapshot of the server.
        * Every row is validated first; invalid rows are reported (status ``invalid``), not sent.
        * ``conflicts``: the updated rows are re-read first and an edited field changed on the
          server since the pull is a conflict. ``"fail"``: nothing is written; ``"skip"``: the
          conflicting rows are not sent; ``"overwrite"``: no re-read, the frame wins.
        * ``delete=True`` deletes the rows removed with ``df.autotask.drop()`` (never rows that
          are merely missing, e.g. filtered out); ``delete=[ids]`` deletes those ids.
        * ``dry_run=True`` writes nothing: each row's request line and body are in the result.
        * ``create=False`` leaves new rows alone (status ``skipped``).
        * ``progress``: a tqdm bar (True), none (False) or a callable taking each WriteResult.

        Returns a ``PushResult`` aligned to the frame's rows (deletes in ``result.deletes``).
        Afterwards the pull's snapshot holds what landed, so pushing again sends only what is
        still pending. The frame itself is never changed.
        """
        return push_frame(
            self._df,
            dry_run=dry_run,
            conflicts=conflicts,
            create=create,
            delete=delete,
            progress=progress,
            entity=entity,
            client=client,
        )


def _labels_differ(df: pd.DataFrame, base: pd.DataFrame, columns: list[str]) -> bool:
    return any(
        isinstance(df[c].dtype, pd.CategoricalDtype)
        != isinstance(base[c].dtype, pd.CategoricalDtype)
        for c in columns
    )
