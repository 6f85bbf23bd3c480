"""Pull snapshots: what each pulled row looked like on the server, kept beside the user's frame.

A pull (``read_autotask``, ``Query.to_pandas``, ``%autotask``) registers its frame here. The frame
itself carries only ``df.attrs["autotask"] = {"entity": ..., "pull": <int>}``: pandas deep-copies
``attrs`` on nearly every operation, so it must stay tiny, and it survives what analysts do
(filtering, sorting, selecting columns, ``copy()``, adding columns, concatenating frames of the same
pull). The snapshot is a shallow copy of the pulled frame indexed by ``id``: under pandas'
Copy-on-Write (always on from pandas 3) it shares every column's memory with the user's frame until
the user edits that column, so holding it costs almost nothing, and an unedited column can be
recognised by identity of its buffer.

After a push, the rows that landed move forward (``Pull.advance``), so the next push sends only what
is still pending. The pull also remembers what a push cannot read off a frame: the ids dropped on
purpose with ``df.autotask.drop`` (the only rows ``push(delete=True)`` deletes) and the frame rows a
push created (so pushing the same frame again does not create them twice).

Without Copy-on-Write (pandas 2 with the option off) a shallow copy would see the user's in-place
edits, so the snapshot is then a deep copy.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from autotask_pandas.client import AutotaskClient

__all__ = ["ATTRS_KEY", "Created", "Pull", "forget", "pull_of", "record_pull"]

ATTRS_KEY = "autotask"
_ids = itertools.count(1)
_lock = threading.Lock()
_pulls: dict[int, Pull] = {}


def _copy_on_write() -> bool:
    if int(pd.__version__.split(".")[0]) >= 3:
        return True
    return pd.get_option("mode.copy_on_write") is True


@dataclass(frozen=True)
class Created:
    """A frame row (by index label) that a push sent as a create.

    ``id`` is the new record's id, or None when the create's outcome is uncertain (sent, no answer);
    ``body`` is what was sent, so a later push can tell the same row from a different one that
    happens to carry the same label.
    """

    id: int | None
    body: Any


def _merge_column(old: pd.Series, new: pd.Series) -> pd.Series:
    """``old`` with the values of ``new`` (a subset of its index) put in, keeping ``old``'s dtype.

    Column by column and through ``mask`` rather than a 2-D ``.loc`` assignment, which pandas
    refuses for nullable columns holding NA; a label new to a categorical becomes a category.
    """
    aligned = new.reindex(old.index)
    hit = old.index.isin(new.index)
    if isinstance(old.dtype, pd.CategoricalDtype):
        extra = pd.Index(aligned[hit].dropna().unique()).difference(old.cat.categories)
        if len(extra):
            old = old.cat.add_categories(extra)
    try:
        aligned = aligned.astype(old.dtype)
    except (TypeError, ValueError):
        old = old.astype(object)
    return old.mask(hit, aligned)


@dataclass
class Pull:
    """One pull of one entity: the server's values of its rows, indexed by id.

    Pages of a chunked pull are added with ``extend`` and concatenated once, when ``base`` is next
    read: adding page by page to one frame would copy the snapshot once per page.
    """

    id: int
    entity: str
    client: AutotaskClient | None
    _base: pd.DataFrame = field(repr=False)  # index: id (Int64); columns: as pulled
    labels: bool = False  # picklist columns hold labels (categoricals), not values
    tz: str | None = None  # datetime columns shown in this zone (None: UTC)
    options: dict[str, Any] = field(default_factory=dict)
    dropped: set[int] = field(default_factory=set)  # ids dropped with df.autotask.drop
    created: dict[Hashable, Created] = field(default_factory=dict)  # frame label -> create sent
    _pending: list[pd.DataFrame] = field(default_factory=list, repr=False)

    @property
    def base(self) -> pd.DataFrame:
        with _lock:
            return self._consolidated()

    def _consolidated(self) -> pd.DataFrame:
        if self._pending:
            parts = [self._base, *(p.reindex(columns=self._base.columns) for p in self._pending)]
            self._base = pd.concat(parts)
            self._pending = []
        return self._base

    def extend(self, frame: pd.DataFrame) -> None:
        """Add the rows of a later page of the same pull (``frame`` has an ``id`` column)."""
        rows = frame.set_index("id", drop=False).copy(deep=not _copy_on_write())
        rows.index.name = None
        with _lock:
            self._pending.append(rows)

    def mark_dropped(self, ids: Iterable[int]) -> None:
        """Remember ``ids`` as dropped on purpose: ``push(delete=True)`` deletes them."""
        with _lock:
            self.dropped.update(int(i) for i in ids)

    def record_create(self, label: Hashable, created: Created) -> None:
        with _lock:
            self.created[label] = created

    def advance(self, rows: pd.DataFrame) -> None:
        """Make ``rows`` (indexed by id, some of the base's columns) the new server state."""
        if rows.empty:
            return
        with _lock:
            base = self._consolidated()
            known = rows.index.intersection(base.index)
            new_ids = rows.index.difference(base.index)
            columns = [c for c in rows.columns if c in base.columns]
            if len(known) and columns:
                base = base.copy(deep=False)
                for column in columns:
                    base[column] = _merge_column(base[column], rows.loc[known, column])
            if len(new_ids):
                base = pd.concat([base, rows.loc[new_ids].reindex(columns=base.columns)])
            self._base = base

    def drop(self, ids: pd.Index) -> None:
        """Forget rows that no longer exist on the server (after a delete)."""
        with _lock:
            base = self._consolidated()
            self._base = base.drop(index=base.index.intersection(ids))
            self.dropped.difference_update(int(i) for i in ids)


def record_pull(
    df: pd.DataFrame,
    entity: str,
    client: AutotaskClient | None,
    *,
    labels: bool = False,
    tz: str | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Register ``df`` (a fresh pull with an ``id`` column) and tag it; returns ``df``."""
    if "id" not in df.columns:
        raise ValueError(f"a pulled {entity} frame needs its id column to be pushed back")
    base = df.set_index("id", drop=False).copy(deep=not _copy_on_write())
    base.index.name = None
    with _lock:
        pull = Pull(next(_ids), entity, client, base, labels, tz, dict(options))
        _pulls[pull.id] = pull
    df.attrs[ATTRS_KEY] = {"entity": entity, "pull": pull.id}
    return df


def pull_of(df: pd.DataFrame) -> Pull | None:
    """The pull ``df`` came from, if its tag survived and the pull is still known."""
    tag = df.attrs.get(ATTRS_KEY)
    if not isinstance(tag, dict) or "pull" not in tag:
        return None
    return _pulls.get(tag["pull"])


def forget(df: pd.DataFrame) -> None:
    """Drop ``df``'s pull snapshot (its memory is freed once no frame shares its columns)."""
    tag = df.attrs.get(ATTRS_KEY)
    if isinstance(tag, dict):
        with _lock:
            pull_id = tag.get("pull")
            if pull_id is not None:
                _pulls.pop(pull_id, None)
