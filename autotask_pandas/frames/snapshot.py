"""Pull snapshots: what a frame was pulled as (plus what it pushed itself), kept beside it.

A pull (``read_autotask``, ``Query.to_pandas``, ``%autotask``) tags its frame::

    df.attrs["autotask"] == {"entity": "Tickets", "pull": 3}   # a PullTag

``pull`` numbers the pull. The tag is a ``PullTag``: a dict of those plain items (``to_parquet``
writes ``attrs`` as JSON) whose attribute ``snapshot`` is the ``Pull`` the frame is compared with:
the server's values of its rows, indexed by id. The snapshot is a shallow copy of the pulled
frame: under pandas' Copy-on-Write (always on from pandas 3; on pandas 2.2 this module turns it on
when imported, see ``_enable_copy_on_write``) it shares every column's memory with the user's frame
until the user edits that column, so holding it costs almost nothing, and an unedited column can be
recognised by identity of its buffer. Without Copy-on-Write (pandas 2 with the option turned off
again by the user) a shallow copy would see the user's in-place edits, so the snapshot is then a
deep copy.

**Derived frames.** pandas deep-copies ``attrs`` onto nearly every frame (and Series) made from
another: ``df[mask]``, ``copy()``, ``head()``, ``set_index()``, ``pd.concat`` of frames whose
``attrs`` are equal (``NDFrame.__finalize__``; always a deep copy since pandas 2.2). A
``PullTag`` deep-copies into a new tag naming the *same* ``Pull``, so a derived frame shares
its parent's snapshot without copying it, and holds a tag of its own.

**Pushes move one frame.** A push that lands gives the pushing frame a snapshot of its own
(``Pull.fork``, then ``advance``/``drop``: only the columns that moved are new memory) and points
that frame's tag at it (``move_forward``). Frames derived earlier keep what they were pulled
as: untouched, they send nothing; an edit of a field a sibling pushed meanwhile meets the server's
new value in the conflict check. Frames derived later start from the new snapshot. Tags are equal
when they name the same snapshot, so ``pd.concat`` keeps the tag only of frames in one state.

**What every snapshot of a pull shares** (``_Origin``): the entity, client and read options, the
ids dropped on purpose with ``df.autotask.drop`` (the only rows ``push(delete=True)`` deletes; a
delete that landed is no longer pending for any frame), and the frame rows a push created, by index
label (so no frame of the pull creates them twice).

**What a pull asked** (``PullSource``): the filters and columns of the query, its limit, and when
it started (the client's clock, taken before its first request). ``refresh`` (``frames/refresh.py``)
re-runs it for the rows changed since; a refreshed frame is a new pull (``record_refresh``) whose
snapshot is the old one moved forward by what the server answered.

**Lifetime.** A snapshot lives as long as some frame, Series taken from one, or ``Query.pages()``
generator refers to it: the registry here holds weak references only, for ``snapshot_usage``.
``forget`` drops a pull's snapshots at once, for every frame of it. A pickled frame's tag comes
back a plain dict, as it does from Parquet: a reloaded frame's pull is unknown (and the file holds
neither snapshot nor client).
"""

from __future__ import annotations

import copy
import datetime as _dt
import itertools
import threading
import weakref
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from autotask_pandas.client import AutotaskClient
    from autotask_pandas.types import QueryFilter

__all__ = [
    "ATTRS_KEY",
    "Created",
    "Pull",
    "PullSource",
    "PullTag",
    "SnapshotUsage",
    "attach",
    "forget",
    "merge_column",
    "move_forward",
    "now_utc",
    "pull_of",
    "record_pull",
    "record_refresh",
    "snapshot_usage",
]

ATTRS_KEY = "autotask"
_ids = itertools.count(1)
_lock = threading.RLock()
_live: weakref.WeakSet[Pull] = weakref.WeakSet()  # every snapshot some frame still refers to


_PANDAS_MAJOR = int(pd.__version__.split(".")[0])


def _enable_copy_on_write() -> None:
    """On pandas 2 (2.2 is the floor), turn on the Copy-on-Write that pandas 3 always uses.

    Without it a frame and what was derived from it (``df.head()``, ``df[mask]``, a shallow
    snapshot) may share memory that an edit changes in place: an edit of ``tickets`` would show in
    a ``subset`` taken before it, and in the snapshot it is compared with, so a push would send a
    sibling's edits or none. Pushes must mean the same on pandas 2.2 and 3, so importing the pandas
    layer sets ``mode.copy_on_write`` to True (pandas 3's semantics) unless the user already chose
    ``"warn"``. A user who turns it off again afterwards gets deep snapshots (``_copy_on_write``),
    but derived frames then alias as pandas 2 makes them.
    """
    if _PANDAS_MAJOR < 3 and pd.get_option("mode.copy_on_write") is False:
        pd.set_option("mode.copy_on_write", True)


_enable_copy_on_write()


def _copy_on_write() -> bool:
    if _PANDAS_MAJOR >= 3:
        return True
    return pd.get_option("mode.copy_on_write") is True


def _detached(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without ``attrs``: a snapshot holding a frame tag would keep another snapshot
    alive through it (``set_index`` and ``concat`` copy the tag of the frame they start from)."""
    if frame.attrs:
        frame.attrs = {}
    return frame


@dataclass(frozen=True)
class Created:
    """A frame row (by index label) that a push sent as a create.

    ``id`` is the new record's id, or None when the create's outcome is uncertain (sent, no answer);
    ``body`` is what was sent, so a later push can tell the same row from a different one that
    happens to carry the same label.
    """

    id: int | None
    body: Any


def merge_column(old: pd.Series, new: pd.Series) -> pd.Series:
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


def now_utc() -> _dt.datetime:
    """The client's clock, in UTC: when a pull or a refresh starts."""
    return _dt.datetime.now(_dt.UTC)


@dataclass(frozen=True)
class PullSource:
    """What a pull asked for: enough to ask again (``frames/refresh.py``).

    ``where``: the conditions as given (labels unresolved); ``fields``: the columns chosen (None:
    every field); ``limit``: the row limit (None: every row); ``started``: the client's clock (UTC)
    taken before the pull's first request, so a row changed while the pull ran is changed after it.
    """

    where: tuple[QueryFilter, ...] = ()
    fields: tuple[str, ...] | None = None
    limit: int | None = None
    started: _dt.datetime = field(default_factory=now_utc)


class _Origin:
    """What every snapshot of one pull shares (see the module docstring)."""

    def __init__(
        self,
        entity: str,
        client: AutotaskClient | None,
        labels: bool,
        tz: str | None,
        options: dict[str, Any],
    ) -> None:
        self.id = next(_ids)
        self.entity = entity
        self.client = client
        self.labels = labels  # picklist columns hold labels (categoricals), not values
        self.tz = tz  # datetime columns shown in this zone (None: UTC)
        self.options = options
        self.source: PullSource | None = None  # None: the query is unknown (a chunked pull)
        self.dropped: set[int] = set()  # ids dropped with df.autotask.drop, not yet deleted
        self.created: dict[Hashable, Created] = {}  # frame label -> create sent
        self.forgotten = False
        self.snapshots: weakref.WeakSet[Pull] = weakref.WeakSet()
        self.versions = itertools.count()


class Pull:
    """One snapshot of one pull: the server's values of its rows as the frames referring to it
    know them (what they were pulled as, plus what they pushed), indexed by id (Int64).

    ``base`` is that frame. Pages of a chunked pull are added with ``extend`` and concatenated
    once, when ``base`` is next read: adding page by page to one frame would copy the snapshot once
    per page. ``advance`` and ``drop`` change this snapshot in place; a push applies them to a
    ``fork`` of the pushing frame's own, so frames derived earlier keep theirs.
    """

    def __init__(self, origin: _Origin, base: pd.DataFrame) -> None:
        self._origin = origin
        self._base = _detached(base)  # index: id (Int64); columns: as pulled
        self._pending: list[pd.DataFrame] = []
        self.version = next(origin.versions)  # 0: as pulled; each fork counts up
        with _lock:
            origin.snapshots.add(self)
            _live.add(self)

    # -- what every snapshot of the pull shares ---------------------------------------------

    @property
    def id(self) -> int:
        """The pull's number (the same for every snapshot of it)."""
        return self._origin.id

    @property
    def entity(self) -> str:
        return self._origin.entity

    @property
    def client(self) -> AutotaskClient | None:
        return self._origin.client

    @property
    def labels(self) -> bool:
        """Picklist columns were pulled as labels (categoricals), not values."""
        return self._origin.labels

    @property
    def tz(self) -> str | None:
        """The zone datetime columns were pulled in (None: UTC)."""
        return self._origin.tz

    @property
    def options(self) -> dict[str, Any]:
        return self._origin.options

    @property
    def source(self) -> PullSource | None:
        """What the pull asked for and when (None for a pull that cannot be re-run)."""
        return self._origin.source

    @property
    def dropped(self) -> set[int]:
        """Ids dropped on purpose with ``df.autotask.drop`` and not deleted yet."""
        return self._origin.dropped

    @property
    def created(self) -> dict[Hashable, Created]:
        """Frame rows (by index label) a push of this pull created, or sent without an answer."""
        return self._origin.created

    @property
    def forgotten(self) -> bool:
        return self._origin.forgotten

    # -- this snapshot ------------------------------------------------------------------------

    @property
    def base(self) -> pd.DataFrame:
        with _lock:
            return self._consolidated()

    def _consolidated(self) -> pd.DataFrame:
        if self._pending:
            parts = [self._base, *(p.reindex(columns=self._base.columns) for p in self._pending)]
            self._base = _detached(pd.concat(parts))
            self._pending = []
        return self._base

    def _rows(self) -> int:
        return len(self._base) + sum(len(p) for p in self._pending)

    def extend(self, frame: pd.DataFrame) -> None:
        """Add the rows of a later page of the same pull (``frame`` has an ``id`` column)."""
        rows = frame.set_index("id", drop=False).copy(deep=not _copy_on_write())
        rows.index.name = None
        with _lock:
            self._pending.append(_detached(rows))

    def mark_dropped(self, ids: Iterable[int]) -> None:
        """Remember ``ids`` as dropped on purpose: ``push(delete=True)`` deletes them."""
        with _lock:
            self._origin.dropped.update(int(i) for i in ids)

    def record_create(self, label: Hashable, created: Created) -> None:
        """Remember a create sent for the frame row ``label``, for every frame of the pull."""
        with _lock:
            self._origin.created[label] = created

    def fork(self) -> Pull:
        """A new snapshot of the same pull holding what this one holds: it shares this one's
        frame (so its columns' memory) until ``advance`` or ``drop`` replaces parts of it."""
        with _lock:
            base = self._consolidated()
        return Pull(self._origin, base)

    def advance(self, rows: pd.DataFrame) -> None:
        """Make ``rows`` (indexed by id, some of the base's columns) the new server state.

        Builds a new frame (the columns that moved are new, the rest shared): another snapshot
        sharing this one's frame, such as the one it was forked from, is not changed.
        """
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
                    base[column] = merge_column(base[column], rows.loc[known, column])
            if len(new_ids):
                base = pd.concat([base, rows.loc[new_ids].reindex(columns=base.columns)])
            self._base = _detached(base)

    def drop(self, ids: pd.Index) -> None:
        """Forget rows that no longer exist on the server (after a delete): they leave this
        snapshot, and no frame of the pull has them pending as dropped any more."""
        with _lock:
            base = self._consolidated()
            self._base = _detached(base.drop(index=base.index.intersection(ids)))
            self._origin.dropped.difference_update(int(i) for i in ids)

    def forget(self) -> None:
        """Make the pull unknown to every frame of it, and free the memory of its snapshots."""
        with _lock:
            self._origin.forgotten = True
            for snapshot in list(self._origin.snapshots):
                # a fresh empty frame: an empty slice would still hold the columns' buffers
                snapshot._base = pd.DataFrame(columns=snapshot._base.columns)
                snapshot._pending = []

    def __repr__(self) -> str:
        state = "forgotten" if self.forgotten else f"{self._rows():,} rows"
        return f"<Pull {self.id} of {self.entity}, snapshot {self.version}: {state}>"


class PullTag(dict[str, Any]):
    """A frame's tag, ``df.attrs["autotask"]``: the items ``entity`` and ``pull`` (plain values, so
    ``attrs`` stay JSON for ``to_parquet``) and the attribute ``snapshot``, the ``Pull`` the frame
    is compared with.

    Tiny, since pandas deep-copies ``attrs`` on nearly every operation: a copy (deep or not) is a
    new tag naming the same ``Pull``, never a copy of it. Equal to a tag with the same items naming
    the same snapshot (a plain dict is never equal to it). Pickled, it comes back a plain dict: a
    reloaded frame's pull is unknown.
    """

    __slots__ = ("snapshot",)

    def __init__(self, snapshot: Pull | None, items: Mapping[str, Any]) -> None:
        super().__init__(items)
        self.snapshot = snapshot

    def __copy__(self) -> PullTag:
        return PullTag(self.snapshot, self)

    def __deepcopy__(self, memo: dict[int, Any]) -> PullTag:
        return PullTag(self.snapshot, copy.deepcopy(dict(self), memo))

    def __reduce__(self) -> tuple[type[dict[str, Any]], tuple[dict[str, Any]]]:
        return (dict, (dict(self),))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, PullTag)
            and other.snapshot is self.snapshot
            and dict.__eq__(self, other) is True
        )

    def __ne__(self, other: object) -> bool:  # dict's own __ne__ would compare the items only
        return not self.__eq__(other)


def attach(df: pd.DataFrame, pull: Pull) -> pd.DataFrame:
    """Tag ``df`` as a frame of ``pull`` (a tag of its own); returns ``df``."""
    df.attrs[ATTRS_KEY] = PullTag(pull, {"entity": pull.entity, "pull": pull.id})
    return df


def record_pull(
    df: pd.DataFrame,
    entity: str,
    client: AutotaskClient | None,
    *,
    labels: bool = False,
    tz: str | None = None,
    source: PullSource | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Register ``df`` (a fresh pull with an ``id`` column) and tag it; returns ``df``.

    ``source``: what the pull asked for (``refresh`` needs it); None for a pull that cannot be
    asked again as one query (chunks of ``pages()``).
    """
    if "id" not in df.columns:
        raise ValueError(f"a pulled {entity} frame needs its id column to be pushed back")
    base = df.set_index("id", drop=False).copy(deep=not _copy_on_write())
    base.index.name = None
    origin = _Origin(entity, client, labels, tz, dict(options))
    origin.source = source
    pull = Pull(origin, base)
    return attach(df, pull)


def record_refresh(
    df: pd.DataFrame,
    previous: Pull,
    base: pd.DataFrame,
    started: _dt.datetime,
    client: AutotaskClient | None = None,
    dropped: Iterable[int] | None = None,
) -> pd.DataFrame:
    """Register ``df``, a refresh of a frame of ``previous``, as a new pull and tag it.

    ``base`` (indexed by id, ``previous``'s columns) is the server's state of its rows as the
    refresh left it: it becomes the new pull's snapshot (so edits kept in ``df`` stay pending).
    The new pull asks what ``previous`` asked, as of ``started``; ids dropped with
    ``df.autotask.drop`` and still in ``base`` stay pending deletes (a copy: deleting them through
    one pull does not clear them from the other); ``dropped``: those ids instead of
    ``previous``'s. Rows created by pushes of ``previous`` are not carried over: the refresh gave
    them their ids. Returns ``df``.
    """
    source = previous.source
    with _lock:
        origin = _Origin(
            previous.entity,
            client if client is not None else previous.client,
            previous.labels,
            previous.tz,
            dict(previous.options),
        )
        origin.source = replace(source, started=started) if source is not None else None
        pending = previous.dropped if dropped is None else dropped
        origin.dropped = {int(i) for i in pending if i in base.index}
    return attach(df, Pull(origin, base))


def _tag(df: pd.DataFrame) -> PullTag | None:
    tag = df.attrs.get(ATTRS_KEY)
    return tag if isinstance(tag, PullTag) else None


def pull_of(df: pd.DataFrame) -> Pull | None:
    """The snapshot ``df`` is compared with, if its tag survived and its pull is still known."""
    tag = _tag(df)
    if tag is None or tag.snapshot is None or tag.snapshot.forgotten:
        return None
    return tag.snapshot


def move_forward(df: pd.DataFrame, pull: Pull) -> None:
    """Point ``df``'s own tag at ``pull`` (a snapshot forked from its own): its push landed.

    Only ``df`` moves (and frames that share its very tag, as ``new.attrs = df.attrs`` makes them
    do); its ``attrs`` keep the same objects, so they compare equal to before.
    """
    tag = _tag(df)
    if tag is not None:
        tag.snapshot = pull


def forget(df: pd.DataFrame) -> None:
    """Drop ``df``'s pull, for every frame of it: its snapshots' memory is freed at once (but for
    columns a frame still shares), and those frames' pushes then need ``entity=``."""
    pull = pull_of(df)
    if pull is not None:
        pull.forget()


@dataclass(frozen=True)
class SnapshotUsage:
    """What pull snapshots hold now: ``pulls`` some frame still refers to, their ``snapshots``
    (one a pull, plus one per frame that pushed apart from its siblings), the ``rows`` over those
    snapshots and the bytes their frames reach (``memory_usage(deep=True)``, index included).

    Snapshots of one pull share the columns that did not move, and share them with the frames, so
    ``nbytes`` counts what they keep reachable, not what they alone add.
    """

    pulls: int
    snapshots: int
    rows: int
    nbytes: int


def snapshot_usage() -> SnapshotUsage:
    """The registry's own accounting of live snapshots (see ``SnapshotUsage``); run
    ``gc.collect()`` first to count only what some frame still refers to."""
    with _lock:
        live = [s for s in list(_live) if not s.forgotten]
        frames = [f for s in live for f in (s._base, *s._pending)]
        return SnapshotUsage(
            pulls=len({id(s._origin) for s in live}),
            snapshots=len(live),
            rows=sum(len(f) for f in frames),
            nbytes=sum(int(f.memory_usage(index=True, deep=True).sum()) for f in frames),
        )
