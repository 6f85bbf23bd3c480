"""Incremental refresh: fetch only the rows changed on the server since a frame was pulled.

    tickets = read_autotask("Tickets", where="status != Complete")
    ...                                            # others edit, create and delete tickets
    tickets = tickets.autotask.refresh()           # only what changed since the pull is fetched
    tickets = tickets.autotask.refresh(deleted=True)   # and rows deleted on the server dropped
    recent = read_autotask("Tickets", since="2026-11-01T00:00:00Z")   # rows changed since then

**Which field.** A refresh filters on the entity's last-modified field, the datetime the server
stamps on every write: ``EntityInfo.modified`` in the catalog (``lastActivityDate`` of Tickets and
Companies, ``lastModifiedDate`` of Contacts, ``lastModifiedDateTime`` of TimeEntries; chosen by
name by ``tools/generate_catalog.py``, since the spec marks none). An entity without one cannot be
refreshed: ``AutotaskValidationError`` naming it (pull it again instead).

**Since when.** The pull's start (the client's clock, taken before its first request, kept in
its ``PullSource``) minus ``overlap`` (default ``OVERLAP``, 5 minutes). The API stores and compares
times in UTC (FACTS.md §6) and takes datetimes in filters as strings (§4); the client reads no
server clock, so the overlap absorbs the skew between the client's clock and the server's (and a
write that became visible a little after its stamp). Rows changed within the overlap are fetched
again, harmlessly. The refresh's own start (taken before its first request) is the start of the
frame it returns, so refreshes chain without gaps.

**How, in at most three queries** (the metadata is the pull's, cached by the client):

1. *What changed*: ``{modified} gte since`` alone, only ``id`` (IncludeFields): the ids of every
   record of the entity changed since. None: nothing changed (one request, whatever the frame's
   size).
2. *The changed rows that match*: the pull's own query (its conditions, columns, labels and
   time zone) plus ``{modified} gte since``. Rows of the frame it returns replace theirs; rows
   the pull did not have are added (created since, or changed so that they now match). Ids
   from query 1 of the pull's rows that query 2 does not return no longer match: dropped.
   A fetched row the snapshot already holds as the server does (changed within the overlap,
   before the pull read it) is no change: the frame's row stays, edits and all.
   Query 1 goes first so that a row changed between the two is either in query 2's answer or
   changed after the refresh started, and then found by the next refresh.
3. ``deleted=True``: ``/query/count`` of the pull's conditions. When it equals the number of rows
   the refreshed snapshot holds, nothing it holds was deleted (one request); otherwise an id-only
   query of the pull's conditions (IncludeFields ``id``; a page per 500 ids) names the ids gone,
   and they are dropped. A record created on the server between query 2 and the count can hide a
   delete from the count; the next refresh fetches that record and sees the difference.

**What the result is.** A new frame, a new pull: the frame's rows with an id, updated as above,
in ascending id (as a pull gives them) on a new ``RangeIndex``, then its rows without an id (not
created yet) as they were. Extra columns of the frame (added by the user or by ``lookup()``) are
kept for the rows that stay, NA for rows added. Its snapshot is the old one moved forward: the
server's values for the rows fetched, the rows dropped gone. So a refreshed frame that nobody
edited equals a fresh pull of the same query (rows, values, dtypes, order) and pushes nothing,
while edits in rows the server did not change stay in the frame and stay pending for ``push``.
Rows the user removed from the frame (``df[mask]``, ``df.autotask.drop``) are not brought back;
ids dropped with ``df.autotask.drop`` stay pending deletes. A row without an id that a push of the
pull created is refreshed as the record it became (its id set).

**Conflicts: a local change of a row that also changed on the server.** A cell edited in the frame
(or a row dropped with ``df.autotask.drop``) of a row the server changed, or deleted, or that no
longer matches, would be lost by taking the server's row. ``conflicts="fail"`` (default) refuses
the whole refresh, nothing changed, with an ``AutotaskValidationError`` naming the ids and fields:
push the edits first (push checks them against the server), or undo them. ``conflicts="server"``
takes the server's rows and discards those local changes (a dropped row the server changed comes
back, no longer to be deleted). An edited cell that already holds the server's new value is no
conflict, nor is a dropped row the server deleted.

**Frames that cannot be refreshed** (``AutotaskValidationError``): a frame of no known pull; a
pull that cannot be asked again as one query (chunks of ``pages()``); a pull with a limit (rows
created since could belong among its lowest ids); an entity without a last-modified field; a
frame holding ids twice; a row without an id that a push sent as a create and got no answer for.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from autotask_pandas.catalog import load_catalog
from autotask_pandas.exceptions import AutotaskValidationError
from autotask_pandas.frames.lazy import Query, entity_name
from autotask_pandas.frames.push.diff import frame_ids, with_id_column
from autotask_pandas.frames.snapshot import (
    Pull,
    merge_column,
    now_utc,
    pull_of,
    record_refresh,
)
from autotask_pandas.types import FilterOperation, QueryFilter

if TYPE_CHECKING:
    from autotask_pandas.client import AutotaskClient

__all__ = [
    "OVERLAP",
    "RefreshConflicts",
    "as_utc",
    "modified_field",
    "refresh_frame",
    "since_filter",
]

OVERLAP = _dt.timedelta(minutes=5)
RefreshConflicts = Literal["fail", "server"]
EditsOf = Callable[[pd.DataFrame], pd.DataFrame]  # frame -> its changes (df.autotask.changes())


def modified_field(entity: str) -> str:
    """The last-modified field of ``entity`` (from the catalog), or AutotaskValidationError naming
    the entity when it has none (or is unknown)."""
    name = entity_name(entity)
    info = load_catalog().get(name)
    modified = info.modified if info is not None else None
    if modified is None:
        raise AutotaskValidationError(
            f"{name} has no last-modified field (the catalog knows none for it), so it cannot be "
            "read by change time or refreshed: pull it again (read_autotask) instead"
        )
    return modified


def as_utc(since: _dt.datetime | _dt.date | str) -> _dt.datetime:
    """``since`` as an aware UTC datetime: a datetime (naive means UTC, as the API's times are:
    FACTS.md §6), a date (its midnight UTC) or ISO 8601 text (``2026-11-01``,
    ``2026-11-01T09:30:00Z``). Anything else: AutotaskValidationError."""
    value: object = since
    if isinstance(since, str):
        try:
            value = _dt.datetime.fromisoformat(since.strip().replace("z", "Z"))
        except ValueError:
            raise AutotaskValidationError(
                f"since= takes a datetime or ISO 8601 text such as '2026-11-01T09:30:00Z', "
                f"got {since!r}"
            ) from None
    if isinstance(value, _dt.datetime):
        if pd.isna(value):
            raise AutotaskValidationError("since= is NaT; give a datetime")
        if value.tzinfo is None:
            return value.replace(tzinfo=_dt.UTC)
        return value.astimezone(_dt.UTC)
    if isinstance(value, _dt.date):
        return _dt.datetime(value.year, value.month, value.day, tzinfo=_dt.UTC)
    raise AutotaskValidationError(
        f"since= takes a datetime, a date or ISO 8601 text, got {type(since).__name__}: {since!r}"
    )


def since_filter(entity: str, since: _dt.datetime | _dt.date | str) -> QueryFilter:
    """``{modified} gte since`` for ``entity`` (see ``modified_field``, ``as_utc``)."""
    return QueryFilter(field=modified_field(entity), op=FilterOperation.GTE, value=as_utc(since))


def refresh_frame(
    df: pd.DataFrame,
    edits_of: EditsOf,
    *,
    deleted: bool = False,
    conflicts: RefreshConflicts = "fail",
    overlap: _dt.timedelta = OVERLAP,
    client: AutotaskClient | None = None,
) -> pd.DataFrame:
    """``df`` with the rows changed on the server since its pull merged in (module docstring).

    ``edits_of(frame)`` gives a frame's local changes as ``df.autotask.changes()`` does (columns
    ``id``, ``field``, ``old``, ``new``). Returns a new frame (a new pull); ``df`` and its
    snapshot are not changed. Raises ``AutotaskValidationError`` (see the module docstring), and
    the client's errors.
    """
    if conflicts not in ("fail", "server"):
        raise AutotaskValidationError(f"conflicts is 'fail' or 'server', got {conflicts!r}")
    if not isinstance(overlap, _dt.timedelta) or overlap < _dt.timedelta(0):
        raise AutotaskValidationError(f"overlap is a timedelta of 0 or more, got {overlap!r}")
    pull = pull_of(df)
    if pull is None:
        raise AutotaskValidationError(
            "this frame did not come from a pull (or its pull was forgotten), so there is "
            "nothing to refresh; read it with read_autotask"
        )
    source = pull.source
    if source is None:
        raise AutotaskValidationError(
            f"this {pull.entity} frame came from chunks of Query.pages(), which cannot be asked "
            "again as one query; pull it with read_autotask to refresh it"
        )
    if source.limit is not None:
        raise AutotaskValidationError(
            f"this {pull.entity} frame was pulled with a limit ({source.limit:,} rows): records "
            "created since could belong among its lowest ids, so it cannot be refreshed exactly; "
            "pull it again"
        )
    entity = pull.entity
    changed_since = since_filter(entity, source.started - overlap)
    client = client if client is not None else pull.client
    started = now_utc()  # before the first request: the new pull's start

    work = with_id_column(df)
    if "id" not in work.columns:
        raise AutotaskValidationError(f"the {entity} frame has no id column to refresh it by")
    work = _with_created_ids(work, pull)
    has, numbers, bad = frame_ids(work["id"])
    if bad.any():
        raise AutotaskValidationError(
            f"the {entity} frame's id column holds values that are no ids, at rows "
            f"{list(work.index[bad][:10])}"
        )
    frame_index = pd.Index(numbers[has], dtype="int64")
    if frame_index.has_duplicates:
        twice = sorted(frame_index[frame_index.duplicated()].unique().tolist())
        raise AutotaskValidationError(
            f"the {entity} frame holds ids {twice[:10]} more than once; refresh needs one row an id"
        )
    unsent = work[~has]  # new rows no push created: kept as they are
    base = pull.base

    query = Query(client, entity, source.where, source.fields, None, pull.labels, pull.tz)
    changed = _ids(query.client, entity, [changed_since])  # query 1
    fetched: pd.DataFrame | None = None
    gone = _no_ids()
    if len(changed):
        fetched = query.where(changed_since).to_pandas(progress=False)  # query 2
        fetched.attrs = {}  # not a pull of its own: its rows join this one
        fetched = fetched.set_index(fetched["id"].astype("int64"), drop=False)
        fetched.index.name = None
        known = frame_index.union(base.index)
        gone = changed.intersection(known).difference(fetched.index)
        # Rows the snapshot already holds as the server does (changed within the overlap, before
        # the pull read them) are no change: they keep the frame's row, edits and all.
        fetched = fetched.loc[_moved(fetched, base)]
    new_base = _moved_base(base, fetched, gone)
    lost = _no_ids()
    if deleted:  # query 3
        lost = _deleted_ids(query, new_base.index)
        gone = gone.union(lost)
        new_base = new_base.drop(index=new_base.index.intersection(lost))

    touched = gone if fetched is None else gone.union(fetched.index)
    # a row dropped for deletion that the server deleted is what was wanted: no conflict
    dropped = pd.Index(sorted(pull.dropped), dtype="int64").difference(lost)
    _check_conflicts(work, has, frame_index, touched, fetched, dropped, edits_of, conflicts, entity)

    add = _no_ids()
    if fetched is not None:
        # rows of the frame that changed, and rows new to the pull; not rows the user removed
        add = fetched.index.intersection(frame_index).union(fetched.index.difference(base.index))
    revived = _no_ids()
    if fetched is not None and conflicts == "server":
        # a row dropped for deletion that the server changed: the server's row wins, drop undone
        revived = fetched.index.intersection(dropped)
        add = add.union(revived)
    out = _merged(work[has], frame_index, gone, fetched, add)
    if len(unsent):
        out = pd.concat([out, unsent], ignore_index=True)
        out = _like_frame(out, work)
    # The pull's dtypes where the frame's had widened and the values allow (a row appended with
    # pd.concat, or a cell set on pandas 2, can turn a string column into object): a refreshed
    # frame is a pull, and compares equal to a fresh one.
    out = _like_frame(out, new_base)
    if "id" not in df.columns:  # the frame was indexed by id: so is the refresh
        out = out.set_index("id")
    out.attrs = {}
    pending = set(pull.dropped) - set(revived.tolist())
    return record_refresh(out, pull, new_base, started, client, dropped=pending)


def _no_ids() -> pd.Index:
    return pd.Index(np.empty(0, dtype=np.int64))


def _ids(client: AutotaskClient, entity: str, filters: list[QueryFilter] | None) -> pd.Index:
    """The ids matching ``filters`` (already resolved), fetched with IncludeFields ``id``."""
    ids: list[int] = []
    for page in client.iter_row_pages(entity, filters, ["id"], ordered=False):
        ids.extend(int(row["id"]) for row in page)
    return pd.Index(sorted(ids), dtype="int64")


def _deleted_ids(query: Query, held: pd.Index) -> pd.Index:
    """Ids of ``held`` (rows the refreshed snapshot holds) that no longer match ``query``:
    a count first, the id-only query only when the count says rows are missing."""
    if query.count() == len(held):
        return _no_ids()
    present = _ids(query.client, query.entity, query.filters or None)
    return held.difference(present)


def _moved(fetched: pd.DataFrame, base: pd.DataFrame) -> np.ndarray:
    """Which fetched rows differ from the snapshot (or are not in it): a mask over ``fetched``."""
    inside = fetched.index.isin(base.index)
    moved = ~inside
    if not inside.any():
        return moved
    common = fetched.index[inside]
    old = base.loc[common]
    new = fetched.loc[common]
    differs = np.zeros(len(common), dtype=bool)
    for column in base.columns:
        if column not in new.columns:
            continue
        differs |= _cells_differ(old[column], new[column])
    moved[inside] = differs
    return moved


def _cells_differ(old: pd.Series, new: pd.Series) -> np.ndarray:
    """Cell by cell, by position: the values differ (NA equals NA). Incomparable: they differ."""
    old, new = old.reset_index(drop=True), new.reset_index(drop=True)
    try:
        old_na = old.isna().to_numpy(dtype=bool)
        new_na = new.isna().to_numpy(dtype=bool)
        equal = (old == new).fillna(False).to_numpy(dtype=bool)
    except (TypeError, ValueError):
        return np.ones(len(old), dtype=bool)
    return ~((old_na & new_na) | (equal & ~old_na & ~new_na))


def _with_created_ids(work: pd.DataFrame, pull: Pull) -> pd.DataFrame:
    """``work`` with the ids of the rows a push of the pull created set (by their labels), so
    they are refreshed as the records they are. A row whose create got no answer is refused."""
    if not pull.created or not work["id"].isna().any():
        return work
    ids: dict[Hashable, int] = {}
    uncertain: list[Hashable] = []
    for label in work.index[work["id"].isna().to_numpy(dtype=bool)]:
        try:
            created = pull.created.get(label)
        except TypeError:  # an unhashable label: never recorded
            continue
        if created is None:
            continue
        if created.id is None:
            uncertain.append(label)
        else:
            ids[label] = created.id
    if uncertain:
        raise AutotaskValidationError(
            f"rows {uncertain[:10]} of the {pull.entity} frame were sent as creates that got no "
            "answer: look the records up and set their ids (or give the rows new index labels) "
            "before refreshing"
        )
    if not ids:
        return work
    out = work.copy(deep=False)
    labels = list(out.index)
    values = list(out["id"].astype(object))
    for position in np.flatnonzero(out.index.isin(list(ids))).tolist():
        values[position] = ids[labels[position]]
    out["id"] = _as_dtype(pd.Series(values, index=out.index, dtype=object), out["id"].dtype)
    return out


def _moved_base(base: pd.DataFrame, fetched: pd.DataFrame | None, gone: pd.Index) -> pd.DataFrame:
    """The snapshot's rows moved forward: fetched rows take the server's values (new ones
    added), gone ones removed. Unchanged: ``base`` itself (its memory shared)."""
    out = base
    if len(gone):
        out = out.drop(index=out.index.intersection(gone))
    if fetched is None or fetched.empty:
        return out
    rows = fetched.reindex(columns=out.columns)
    known = rows.index.intersection(out.index)
    if len(known):
        out = out.copy(deep=False)
        for column in out.columns:
            if column in fetched.columns:
                out[column] = merge_column(out[column], rows.loc[known, column])
    new = rows.index.difference(out.index)
    if len(new):
        out = _like_frame(pd.concat([out, rows.loc[new]]), base)
    return out


def _check_conflicts(
    work: pd.DataFrame,
    has: np.ndarray,
    frame_index: pd.Index,
    touched: pd.Index,
    fetched: pd.DataFrame | None,
    dropped: pd.Index,
    edits_of: EditsOf,
    conflicts: RefreshConflicts,
    entity: str,
) -> None:
    """Refuse (``conflicts="fail"``) when a local change (an edited cell of the frame, an id in
    ``dropped``) of a row the server changed would be lost."""
    if conflicts != "fail" or not len(touched):
        return
    problems: dict[int, set[str]] = {}
    for i in sorted(touched.intersection(dropped)):
        problems.setdefault(int(i), set()).add("(dropped for deletion)")
    mine = frame_index.isin(touched)
    if mine.any():
        rows = work[has][mine]
        edits = edits_of(rows)
        for row_id, name, new in zip(edits["id"], edits["field"], edits["new"], strict=True):
            row = int(row_id)
            if fetched is not None and row in fetched.index and name in fetched.columns:
                if _same(fetched.at[row, name], new):
                    continue  # the server already holds the frame's value
            problems.setdefault(row, set()).add(str(name))
    if problems:
        listed = "; ".join(
            f"{row}: {', '.join(sorted(fields))}" for row, fields in sorted(problems.items())[:10]
        )
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise AutotaskValidationError(
            f"{len(problems)} {entity} rows changed on the server since the pull also hold "
            f"local changes that refreshing would lose; ids and fields: {listed}{more}. Push them "
            "first (push checks them against the server), undo them, or refresh(conflicts="
            "'server') to take the server's rows"
        )


def _same(server: object, mine: object) -> bool:
    """Whether two cells hold the same value (NA equals NA); unsure means no."""
    try:
        if _missing(server) or _missing(mine):
            return _missing(server) and _missing(mine)
        return bool(server == mine)
    except (TypeError, ValueError):
        return False


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or value != value


def _merged(
    rows: pd.DataFrame,
    frame_index: pd.Index,
    gone: pd.Index,
    fetched: pd.DataFrame | None,
    add: pd.Index,
) -> pd.DataFrame:
    """The frame's rows with an id, refreshed: in ascending id, on a new RangeIndex."""
    by_id = rows.set_axis(frame_index, axis=0)
    kept = frame_index.difference(gone).difference(add)
    if fetched is None or not len(add):
        if frame_index.is_monotonic_increasing and not len(gone):
            return rows.reset_index(drop=True)  # nothing changed: only a new index
        return by_id.loc[kept].sort_index().reset_index(drop=True)
    taken = fetched.loc[add].reindex(columns=rows.columns)
    extra = [c for c in rows.columns if c not in fetched.columns]
    if extra:  # the frame's own columns: its values where it has the row, NA for new rows
        taken[extra] = by_id[extra].reindex(add)
    out = pd.concat([by_id.loc[kept], taken]).sort_index()
    return _like_frame(out, rows).reset_index(drop=True)


def _as_dtype(values: pd.Series, dtype: object) -> pd.Series:
    if values.dtype == dtype:
        return values
    try:
        converted: pd.Series = values.astype(dtype)  # type: ignore[call-overload]
        return converted
    except (TypeError, ValueError):
        return values


def _like_frame(out: pd.DataFrame, like: pd.DataFrame) -> pd.DataFrame:
    """``out``'s columns in ``like``'s dtypes where a concat widened them."""
    for column in out.columns:
        if column in like.columns and out[column].dtype != like[column].dtype:
            out[column] = _as_dtype(out[column], like[column].dtype)
    return out
