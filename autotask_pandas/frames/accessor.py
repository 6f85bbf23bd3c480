"""``df.autotask``: what a frame is, what changed in it, and pushing it back.

Registered when ``autotask_pandas`` is imported::

    tickets = read_autotask("Tickets", where="status != Complete")
    tickets.loc[tickets.priority == "Low", "queueID"] = "Level II Support"
    tickets.autotask.changes()          # one row per changed cell: id, field, old, new
    tickets.autotask.validate()         # problems, by row and field; empty when clean
    tickets.autotask.push(dry_run=True) # what would be sent, request by request
    result = tickets.autotask.push()    # per-row result (a PushResult)
    tickets = tickets.autotask.refresh()  # rows changed on the server since the pull, merged in

See ``push.py`` (and docs/frames.md, "Pushing") for the rules of push, ``refresh.py`` (and
docs/frames.md, "Refreshing") for those of refresh.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from autotask_pandas.catalog import load_catalog
from autotask_pandas.exceptions import AutotaskValidationError
from autotask_pandas.frames.builder import build_frame
from autotask_pandas.frames.push.compare import comparable_frame
from autotask_pandas.frames.push.diff import diff_frame, frame_ids, with_id_column
from autotask_pandas.frames.push.plan import DERIVED_KEY, resolve
from autotask_pandas.frames.push.push import Conflicts, plan_push, push_frame
from autotask_pandas.frames.push.result import PushResult
from autotask_pandas.frames.push.validate import EntitySchema, problems_frame
from autotask_pandas.frames.refresh import OVERLAP, RefreshConflicts, refresh_frame
from autotask_pandas.frames.snapshot import ATTRS_KEY, Pull, forget, pull_of
from autotask_pandas.types import FilterOperation, QueryFilter, WriteResult

if TYPE_CHECKING:
    from autotask_pandas.client import AutotaskClient

__all__ = ["AutotaskAccessor"]

_IN_LIMIT = 500  # ids per ``in`` condition (FACTS.md, "Query grammar": 500 ORs a query at most)


@pd.api.extensions.register_dataframe_accessor("autotask")
class AutotaskAccessor:
    """The Autotask side of a DataFrame (``df.autotask``)."""

    def __init__(self, df: pd.DataFrame) -> None:
        self._df = df

    # -- what the frame is ----------------------------------------------------------------

    @property
    def pull(self) -> Pull | None:
        """The snapshot the frame is compared with (what it was pulled as, plus what it pushed
        itself; see ``frames/snapshot.py``), or None for a frame of no known pull."""
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
        df = with_id_column(self._df)  # an id index is as good as an id column
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

    # -- names of referenced records ------------------------------------------------------

    def lookup(
        self,
        column: str,
        field: str,
        *,
        name: str | None = None,
        client: AutotaskClient | None = None,
    ) -> pd.DataFrame:
        """A copy with a derived column: ``field`` of the record each id of ``column`` refers to.

        ``df.autotask.lookup("companyID", "companyName")`` adds ``companyID.companyName`` (or
        ``name``), fetched with one query per 500 distinct ids (``id in (...)``, only ``id`` and
        ``field``); an id with no record gives NA. Unlike ``df.merge`` it keeps the frame's pull,
        and the derived column is never pushed. ``column`` must be a reference field (its
        metadata names the entity referred to); otherwise AutotaskValidationError.
        """
        df = self._df
        if column not in df.columns:
            raise AutotaskValidationError(f"the frame has no column {column!r}")
        if self.pull is None:
            raise AutotaskValidationError(
                "lookup() needs a pulled frame, to know the entity of its columns"
            )
        _, entity, client = resolve(df, None, client)
        schema = EntitySchema.load(client, entity)
        meta = schema.column(column)
        target = (
            _referenced_entity(entity, meta.key, meta.meta.reference_entity_type) if meta else None
        )
        if not target:
            raise AutotaskValidationError(
                f"{entity}.{column} is not a reference field (it names no entity to look up)"
            )
        target_schema = EntitySchema.load(client, target)
        wanted = target_schema.column(field)
        if wanted is None:
            raise AutotaskValidationError(f"{target_schema.entity} has no field {field!r}")
        has, numbers, _ = frame_ids(df[column])
        ids = sorted(set(numbers[has].tolist()))
        found: list[pd.DataFrame] = []
        for start in range(0, len(ids), _IN_LIMIT):
            chunk = tuple(ids[start : start + _IN_LIMIT])
            records = client.query_all(
                target_schema.entity,
                [QueryFilter(field="id", op=FilterOperation.IN, value=chunk)],
                ["id", wanted.key],
            )
            found.append(
                build_frame(
                    target_schema.entity,
                    records,
                    target_schema.fields,
                    target_schema.udfs,
                    columns=["id", wanted.name],
                    labels=True,
                )
            )
        out_name = name or f"{column}.{wanted.name}"
        if schema.column(out_name) is not None:
            raise AutotaskValidationError(
                f"{out_name!r} is a field of {entity}: name the looked-up column otherwise, name=..."
            )
        table = pd.concat(found) if found else pd.DataFrame({"id": [], wanted.name: []})
        values = table.set_index("id")[wanted.name]
        keys = pd.Series(numbers, index=df.index).where(has)
        mapped = values.reindex(pd.Index(keys.to_numpy())).to_numpy() if len(values) else None
        out = df.copy(deep=False)
        if mapped is None:
            out[out_name] = pd.Series(pd.NA, index=df.index, dtype=values.dtype)
        else:
            out[out_name] = pd.Series(mapped, index=df.index, dtype=values.dtype)
        derived = list(out.attrs.get(DERIVED_KEY) or ())
        out.attrs[DERIVED_KEY] = [*derived, out_name] if out_name not in derived else derived
        return out

    # -- deletes --------------------------------------------------------------------------

    def drop(self, ids: Iterable[int] | pd.Series) -> pd.DataFrame:
        """The frame without the rows of ``ids`` (or where a boolean Series is True), marked for
        deletion: ``push(delete=True)`` deletes them, and only them (filtering never deletes)."""
        original = self._df
        df = with_id_column(original)
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
        return original[~mask]

    def forget(self) -> None:
        """Drop the snapshots of the frame's pull, for every frame of it, freeing their memory at
        once (those frames' pushes then need entity=, as for a CSV frame). Without it a snapshot
        is freed with the last frame of its pull."""
        forget(self._df)

    # -- refreshing -----------------------------------------------------------------------

    def refresh(
        self,
        *,
        deleted: bool = False,
        conflicts: RefreshConflicts = "fail",
        overlap: _dt.timedelta = OVERLAP,
        client: AutotaskClient | None = None,
    ) -> pd.DataFrame:
        """The frame with the rows changed on the server since its pull merged in (a new frame).

        Fetches only what changed since the pull started (less ``overlap``, for clock skew), by
        the entity's last-modified field (the catalog's ``EntityInfo.modified``): changed rows
        replace the frame's, rows that now match the pull's conditions are added, rows that no
        longer match are dropped; ``deleted=True`` also drops rows deleted on the server (a
        count, and an id-only query only when the count differs). An unchanged frame costs one
        request (two with ``deleted=True``), whatever its size.

        The result is a new pull, rows in ascending id on a new RangeIndex (rows without an id
        after them): untouched, it equals a fresh pull of the same query and pushes nothing;
        edits in rows the server did not change stay in it, pending. A local change (edited
        cell, ``drop()``) of a row the server also changed: ``conflicts="fail"`` (default) raises
        AutotaskValidationError naming the ids and fields, nothing changed; ``"server"`` takes the
        server's rows. Also AutotaskValidationError for a frame of no known pull, a pull with a
        limit or from ``pages()``, an entity with no last-modified field. ``client``: the one
        to ask (default: the pull's). See ``frames/refresh.py`` for the rules.
        """
        return refresh_frame(
            self._df,
            lambda frame: AutotaskAccessor(frame).changes(),
            deleted=deleted,
            conflicts=conflicts,
            overlap=overlap,
            client=client,
        )

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
        Afterwards this frame's snapshot holds what landed, so pushing it again sends only what
        is still pending; frames taken from it before the push keep what they were pulled as (an
        untouched one sends nothing). The frame itself is never changed.
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


def _referenced_entity(entity: str, field: str, named: str | None) -> str | None:
    """The entity a reference field points to: the metadata's ``referenceEntityType`` (singular
    in the API, ``Contact``: FACTS.md, "Field info") as a catalog entity, else the catalog's own
    reading of the field name (``contactID`` -> ``Contacts``)."""
    catalog = load_catalog()
    if named:
        for spelling in (named, f"{named}s", f"{named}es", f"{named[:-1]}ies"):
            info = catalog.get(spelling)
            if info is not None:
                return info.name
    info = catalog.get(entity)
    described = info.field(field) if info is not None else None
    return described.reference if described is not None else None


def _labels_differ(df: pd.DataFrame, base: pd.DataFrame, columns: list[str]) -> bool:
    return any(
        isinstance(df[c].dtype, pd.CategoricalDtype)
        != isinstance(base[c].dtype, pd.CategoricalDtype)
        for c in columns
    )
