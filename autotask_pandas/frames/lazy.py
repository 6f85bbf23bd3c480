"""``Query``: a lazy, immutable description of an Autotask query that fetches nothing until asked.

    q = Query(client, "Tickets", where="status != Complete and createDate >= 2026-01-01")
    len(q)                      # one /query/count request
    q.head(20)                  # one page of 20 rows (MaxRecords=20)
    for chunk in q.pages(): ... # typed DataFrames page by page, bounded memory
    df = q.to_pandas()          # every page, with a tqdm bar whose total is the count
    q.to_parquet("t.parquet")   # streamed page by page into one Parquet file
    q                           # notebook: first page, "500 of 12,345 rows on the server"

``where``/``select``/``limit`` return new queries. Filters are the filter language's text, or
``QueryFilter``s / API dicts; picklist labels are resolved against the entity's metadata (fetched
once per entity by the client) when the query first runs. ``fields`` sends ``IncludeFields`` (the
server sends less) and orders the columns as listed; ``id`` is always fetched and comes first
unless placed elsewhere in ``fields``. UDF columns are selected as ``udf:<name>``.

Every frame a query returns (``head``, ``to_pandas``, each chunk of ``pages``) is registered as a
pull (``frames.snapshot``), so its edits can be pushed back; chunks of one ``pages()`` call share
one pull, so they can be concatenated and pushed together.
"""

from __future__ import annotations

import difflib
import html
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from autotask_pandas.client.paging import normalise_filters
from autotask_pandas.exceptions import AutotaskPullInterruptedError, AutotaskValidationError
from autotask_pandas.frames.builder import FrameBuilder
from autotask_pandas.frames.dtypes import check_tz
from autotask_pandas.frames.progress import ProgressFactory, make_bar, progress_disabled
from autotask_pandas.frames.snapshot import PullSource, attach, pull_of, record_pull
from autotask_pandas.query.columns import udf_name
from autotask_pandas.query.language import parse, resolve, to_text
from autotask_pandas.query.statement import QueryStatement
from autotask_pandas.types import FieldMetadata, FilterOperation, QueryFilter

if TYPE_CHECKING:
    from autotask_pandas.client import AutotaskClient

__all__ = ["ProgressFactory", "Query", "WhereInput", "entity_name", "normalise_where"]

MAX_PAGE_SIZE = 500

WhereInput = (
    str | QueryFilter | Mapping[str, Any] | Iterable[str | QueryFilter | Mapping[str, Any]] | None
)


def entity_name(entity: str) -> str:
    """The catalog's spelling of ``entity`` (any case), or an error naming close matches."""
    from autotask_pandas.catalog import load_catalog

    if not isinstance(entity, str) or not entity.strip():
        raise AutotaskValidationError(f"an entity name is a non-empty string, got {entity!r}")
    catalog = load_catalog()
    info = catalog.get(entity.strip())
    if info is not None:
        return info.name
    names = list(catalog.entities)
    close = difflib.get_close_matches(entity.lower(), [n.lower() for n in names], n=3, cutoff=0.6)
    by_lower = {n.lower(): n for n in names}
    hint = f"; did you mean {' or '.join(repr(by_lower[c]) for c in close)}?" if close else ""
    raise AutotaskValidationError(
        f"Autotask has no entity called {entity!r} (names are plural, e.g. 'Tickets'){hint}"
    )


def normalise_where(where: WhereInput) -> tuple[QueryFilter, ...]:
    """Filters from text, ``QueryFilter``s, API dicts, or a list of any of them (ANDed)."""
    if where is None:
        return ()
    if isinstance(where, (str, QueryFilter, Mapping)):
        where = [where]
    out: list[QueryFilter] = []
    for item in where:
        if isinstance(item, str):
            if item.strip():
                out.extend(parse(item))
        elif isinstance(item, (QueryFilter, Mapping)):
            out.extend(normalise_filters(item))  # the client's one reading of objects and dicts
        else:
            raise AutotaskValidationError(
                f"a filter is text, a QueryFilter or a dict, got {type(item).__name__}: {item!r}"
            )
    return tuple(out)


def _equals(name: str, value: Any) -> QueryFilter:
    """``where(status="Complete", priority=[1, 2], dueDateTime=None)``."""
    udf = udf_name(name)
    field_name, is_udf = (udf, True) if udf is not None else (name, False)
    if value is None:
        return QueryFilter(field=field_name, op=FilterOperation.NOT_EXIST, udf=is_udf)
    if isinstance(value, (list, tuple, set, frozenset)):
        return QueryFilter(field=field_name, op=FilterOperation.IN, value=tuple(value), udf=is_udf)
    return QueryFilter(field=field_name, op=FilterOperation.EQ, value=value, udf=is_udf)


def _bar_shown(progress: bool | ProgressFactory | None) -> bool:
    """Whether a fetch shows a bar (not with ``progress=False`` or ``TQDM_DISABLE``)."""
    return not (progress is None or progress is False or (progress is True and progress_disabled()))


def _progress_bar(query: Query, progress: bool | ProgressFactory | None) -> Any:
    """The bar of a fetch (``frames/progress.py``) sized by the server's count; the count is
    only asked for when a bar is shown."""
    if not _bar_shown(progress):
        return None
    return make_bar(progress, total=len(query), desc=query.entity)


def _sent_as_given(entity: str, where: Sequence[QueryFilter]) -> list[QueryFilter] | None:
    """The conditions as they will likely be sent, judged without the entity's metadata, or
    None when that cannot be judged. Only conditions on fields the catalog (the vendored spec)
    types as numbers or booleans qualify, checked by ``resolve`` against the spec's types: a
    misspelt field or a number the field cannot hold is still refused before any request, and a
    picklist label (text) is left to the metadata."""
    from autotask_pandas.catalog import load_catalog

    info = load_catalog().get(entity)
    if info is None:
        return None
    spec = [
        FieldMetadata(name=f.name, data_type=f.type)
        for f in info.fields
        if f.type in ("integer", "long", "double", "boolean")
    ]
    try:
        return resolve(where, spec, (), entity=entity)
    except AutotaskValidationError:
        return None


def _as_sent(filters: Sequence[QueryFilter]) -> list[dict[str, Any]]:
    """The conditions in the API's JSON form, to compare two lists as the server sees them."""
    return [f.to_api() for f in filters]


class Query:
    """A query of one entity; see the module docstring. Fetches nothing until asked."""

    __slots__ = ("_cache", "client_", "entity", "fields", "labels", "limit_", "tz", "where_")

    client_: AutotaskClient | None
    entity: str
    where_: tuple[QueryFilter, ...]
    fields: tuple[str, ...] | None
    limit_: int | None
    labels: bool
    tz: str | None
    _cache: dict[str, Any]  # "filters", "count", "preview"

    def __init__(
        self,
        client: AutotaskClient | None,
        entity: str,
        where: WhereInput = None,
        fields: Sequence[str] | str | None = None,
        limit: int | None = None,
        labels: bool = True,
        tz: str | None = None,
    ) -> None:
        set_ = object.__setattr__
        set_(self, "client_", client)
        set_(self, "entity", entity_name(entity))
        set_(self, "where_", normalise_where(where))
        set_(self, "fields", _field_tuple(fields))
        set_(self, "limit_", _check_limit(limit))
        set_(self, "labels", bool(labels))
        set_(self, "tz", check_tz(tz))
        set_(self, "_cache", {})

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a Query is immutable: where(), select() and limit() return new ones")

    def _replace(self, **changes: Any) -> Query:
        new = object.__new__(Query)
        for name in self.__slots__:
            object.__setattr__(new, name, changes.get(name, getattr(self, name)))
        object.__setattr__(new, "_cache", {})
        return new

    # -- building -------------------------------------------------------------------------------

    def where(self, *conditions: WhereInput, **equals: Any) -> Query:
        """A new query with more conditions (ANDed): text, QueryFilters, dicts, ``field=value``."""
        added: list[QueryFilter] = []
        for condition in conditions:
            added.extend(normalise_where(condition))
        added.extend(_equals(name, value) for name, value in equals.items())
        return self._replace(where_=self.where_ + tuple(added))

    def select(self, *fields: str | Sequence[str]) -> Query:
        """A new query fetching only these fields (``udf:<name>`` for UDFs), in this order."""
        names: list[str] = []
        for f in fields:
            names.extend([f] if isinstance(f, str) else list(f))
        return self._replace(fields=_field_tuple(names) if names else None)

    def limit(self, n: int | None) -> Query:
        """A new query returning at most ``n`` rows."""
        return self._replace(limit_=_check_limit(n))

    def with_options(self, *, labels: bool | None = None, tz: str | None = None) -> Query:
        """A new query with picklist labels and/or a display time zone."""
        changes: dict[str, Any] = {}
        if labels is not None:
            changes["labels"] = bool(labels)
        if tz is not None:
            changes["tz"] = check_tz(tz)
        return self._replace(**changes)

    # -- what it is -------------------------------------------------------------------------------

    @property
    def client(self) -> AutotaskClient:
        """The client given, or the default one (``autotask_pandas.client.default``)."""
        if self.client_ is not None:
            return self.client_
        from autotask_pandas.client.default import default_client

        return default_client()

    def metadata(self) -> tuple[list[FieldMetadata], list[FieldMetadata]]:
        """The entity's fields and UDF definitions (cached by the client). When not cached, the
        two requests go out at the same time: they are different endpoints, each with its own
        thread limit (FACTS §10)."""
        fields, udfs = self._fetch_metadata(ThreadPoolExecutor(1, "autotask-metadata"))
        return fields.result(), udfs.result()

    def _fetch_metadata(
        self, pool: ThreadPoolExecutor, *, fields_in_pool: bool = False
    ) -> tuple[Future[list[FieldMetadata]], Future[list[FieldMetadata]]]:
        """The fields (fetched in this thread, or in ``pool`` with ``fields_in_pool``) and UDF
        definitions (in ``pool``) as futures; a one-use ``pool`` is shut down without waiting."""
        client = self.client
        udfs = pool.submit(client.get_udf_metadata, self.entity)
        fields: Future[list[FieldMetadata]]
        if fields_in_pool:
            fields = pool.submit(client.get_field_metadata, self.entity)
        else:
            fields = Future()
            try:
                fields.set_result(client.get_field_metadata(self.entity))
            except BaseException as exc:
                fields.set_exception(exc)
            pool.shutdown(wait=False)
        return fields, udfs

    def _resolve(
        self, fields: Future[list[FieldMetadata]], udfs: Future[list[FieldMetadata]]
    ) -> list[QueryFilter]:
        """The conditions resolved, waiting for the UDF definitions only when they are needed:
        a condition that the entity's fields do not resolve is tried again with them (a UDF,
        or an error that lists them)."""
        try:
            return resolve(self.where_, fields.result(), (), entity=self.entity)
        except AutotaskValidationError:
            return resolve(self.where_, fields.result(), udfs.result(), entity=self.entity)

    @property
    def filters(self) -> list[QueryFilter]:
        """The conditions as sent: fields checked, picklist labels turned into values."""
        cached = self._cache.get("filters")
        if cached is None:
            cached = (
                self._resolve(*self._fetch_metadata(ThreadPoolExecutor(1))) if self.where_ else []
            )
            self._cache["filters"] = cached
        return list(cached)

    @property
    def where_text(self) -> str:
        """The conditions in the filter language (as given, labels unresolved)."""
        if not self.where_:
            return ""
        try:
            return to_text(self.where_)
        except AutotaskValidationError:
            return repr([f.to_api() for f in self.where_])

    @property
    def columns(self) -> list[str] | None:
        """The frame's columns when ``fields`` were given (``id`` first unless placed)."""
        if self.fields is None:
            return None
        names = list(self.fields)
        if not any(n.lower() == "id" for n in names):
            names.insert(0, "id")
        return names

    def _include_fields(self) -> list[str] | None:
        if self.fields is None:
            return None
        # UDFs come back in userDefinedFields anyway; only entity fields are listed.
        return [n for n in self.columns or () if udf_name(n) is None]

    def _builder(
        self,
        columns: Sequence[str] | None = None,
        metadata: tuple[list[FieldMetadata], list[FieldMetadata]] | None = None,
    ) -> FrameBuilder:
        fields, udfs = metadata if metadata is not None else self.metadata()
        return FrameBuilder(
            self.entity,
            fields,
            udfs,
            columns=columns if columns is not None else self.columns,
            labels=self.labels,
            tz=self.tz,
        )

    # -- fetching -------------------------------------------------------------------------------

    def count(self) -> int:
        """How many rows match on the server (``/query/count``; the limit is not applied)."""
        filters = self.filters
        value = self.client.count(self.entity, filters or None)
        self._cache["count"] = value
        return value

    def _count_of(self, filters: Sequence[QueryFilter]) -> int:
        """``len(self)`` for these conditions, not cached (an early count, see ``_build``)."""
        return self._capped(self.client.count(self.entity, list(filters) or None))

    def _capped(self, total: int) -> int:
        return total if self.limit_ is None else min(total, self.limit_)

    def __len__(self) -> int:
        """Rows this query returns: the server's count, capped by the limit."""
        return self._capped(self.count())

    def __bool__(self) -> bool:  # a Query is a description; truth-testing must not send a count
        return True

    def _record_pages(
        self,
        limit: int | None,
        page_size: int = MAX_PAGE_SIZE,
        *,
        ordered: bool = True,
        total: Future[int] | None = None,
        filters: Sequence[QueryFilter] | None = None,
    ) -> Generator[list[dict[str, Any]], None, None]:
        """Pages of API records, asking for no page beyond ``limit`` rows.

        Pulled over id ranges with several requests in flight (``client.iter_row_pages``): pages
        of at most ``page_size`` rows (``MaxRecords``), each an ascending run of ids, but not all
        full (a range usually ends on a shorter page). ``ordered``: in ascending id (``pages()``,
        ``to_parquet``; at most a few pages wait for the ranges below them, and nothing is sent
        while the consumer holds a page); else as they arrive (``to_pandas`` puts each in its
        place). With a limit they always come in order: the lowest ids. ``total``: the row
        count in flight (a bar's), which the pull plans its ranges with. ``filters``: the
        conditions to send, when not ``self.filters`` (an early first page, see ``_build``).
        """
        if limit is not None and limit <= 0:
            return
        if filters is None:
            filters = self.filters
        yield from self.client.iter_row_pages(
            self.entity,
            filters or None,
            self._include_fields(),
            limit=limit,
            ordered=ordered,
            page_size=max(1, min(MAX_PAGE_SIZE, page_size)),
            total=total,
        )

    def _record_chunks(self, chunksize: int, bar: Any = None) -> Iterator[list[dict[str, Any]]]:
        """Records in ascending id, in lists of exactly ``chunksize`` (the last may be shorter).

        Pages ask for ``chunksize`` rows up to 500, 500 above; they are cut and put together to
        size, since a concurrent pull's pages are not all full. ``bar`` counts each page as it
        comes in. The generator keeps no reference to a list it yielded (``_front``), so a chunk
        is freed as soon as its consumer lets it go.
        """
        buffer: list[dict[str, Any]] = []
        for records in self._record_pages(self.limit_, min(chunksize, MAX_PAGE_SIZE)):
            if bar is not None:
                bar.update(len(records))
            buffer.extend(records)
            del records
            while len(buffer) >= chunksize:
                yield _front(buffer, chunksize)
        if buffer:
            yield _front(buffer, len(buffer))

    def _effective_limit(self, n: int | None) -> int | None:
        if n is None:
            return self.limit_
        return n if self.limit_ is None else min(n, self.limit_)

    def _build(
        self,
        limit: int | None,
        progress: bool | ProgressFactory | None = None,
        source: PullSource | None = None,
    ) -> pd.DataFrame:
        """Every row up to ``limit``, pulled concurrently, as one typed frame.

        Interrupted after the first page: ``AutotaskPullInterruptedError`` whose ``resume()``
        fetches the rest into the same builder and returns the whole frame, registered with
        ``source`` (the pages received are not asked again; the resume shows no bar).

        Few round trips before the first page (issue 10): the entity's fields, its UDF
        definitions and (with a bar) the count are requested at the same time, and the first
        page goes out as soon as the filters are resolved (they need the fields, not the UDFs,
        unless a condition names one); the builder waits for the UDFs only once the first page
        is under way. Chosen columns are still checked before any request.

        Conditions only on number and boolean fields (``id < 5000``, ``status in (1, 5)``) do
        not wait for the fields: checked against the spec's types (the catalog), the first page
        and the count go out with the metadata requests, and are kept once the metadata resolves
        the conditions to the same JSON. Otherwise (rare: the tenant's metadata differs from the
        spec) they are dropped and asked again; a condition the metadata refuses (``status =
        999``, no value of the picklist) raises ``AutotaskValidationError`` as before, after
        that one request.
        """
        pool = ThreadPoolExecutor(4, "autotask-prefetch")
        fields, udfs = self._fetch_metadata(pool, fields_in_pool=True)
        builder: FrameBuilder | None = None
        counted: Future[int] | None = None
        bar: Any = None
        pages: Generator[list[dict[str, Any]], None, None] | None = None
        early: (
            tuple[Generator[list[dict[str, Any]], None, None], Future[Any], Future[int] | None]
            | None
        ) = None
        try:
            guess = None
            if self.where_ and "filters" not in self._cache and self.fields is None:
                guess = _sent_as_given(self.entity, self.where_)
            if guess is not None and not fields.done():
                # The first page (and the count) go out with the conditions as written, beside
                # the metadata they are checked against: a round trip saved (issue 10).
                early_count = pool.submit(self._count_of, guess) if _bar_shown(progress) else None
                early_pages = self._record_pages(
                    limit, ordered=False, total=early_count, filters=guess
                )
                early = (early_pages, pool.submit(next, early_pages, None), early_count)
            if self.where_ and "filters" not in self._cache:
                self._cache["filters"] = self._resolve(fields, udfs)
            if self.fields is not None:  # checks the columns before any request
                builder = self._builder(metadata=(fields.result(), udfs.result()))
            first: list[dict[str, Any]] | None = None
            if early is not None and _as_sent(self._cache["filters"]) == _as_sent(guess or []):
                pages, first_page, counted = early
                first = first_page.result()
            else:
                if early is not None:
                    # The metadata read the conditions otherwise than the spec did (a field the
                    # tenant types differently): the early answers are not this query's, dropped.
                    early_pages, first_page, early_count = early
                    wait([first_page, *([early_count] if early_count else [])])
                    early_pages.close()
                if _bar_shown(progress):
                    counted = pool.submit(self.__len__)
                pages = self._record_pages(limit, ordered=False, total=counted)
                first = next(pages, None)  # sent while the metadata and the count are in flight
            if builder is None:
                builder = self._builder(metadata=(fields.result(), udfs.result()))
            if counted is not None:
                bar = make_bar(progress, total=counted.result(), desc=self.entity)
            # As they arrive: each page goes to its place by its first id (ids ascend).
            records = first
            try:
                while records is not None:
                    builder.add(records, order=records[0]["id"])
                    if bar is not None:
                        bar.update(len(records))
                    del records  # the page's dicts are not needed once converted
                    records = next(pages, None)
            except AutotaskPullInterruptedError as stop:
                raise self._resumable(stop, builder, source) from stop.error
        finally:
            if pages is not None:
                pages.close()  # an error while building stops the pull's requests
            if early is not None and early[0] is not pages:
                wait([early[1]])  # a generator is closed only once its request is answered
                early[0].close()
            pool.shutdown(wait=True, cancel_futures=True)
            if bar is not None:
                bar.close()
        return builder.finish()

    def _resumable(
        self,
        stop: AutotaskPullInterruptedError[Iterator[list[dict[str, Any]]]],
        builder: FrameBuilder,
        source: PullSource | None,
    ) -> AutotaskPullInterruptedError[pd.DataFrame]:
        """The error of an interrupted ``_build``: its resume adds the missing pages to
        ``builder`` and returns the frame, registered."""

        def resume() -> pd.DataFrame:
            try:
                for records in stop.resume():
                    builder.add(records, order=records[0]["id"])
            except AutotaskPullInterruptedError as again:
                raise self._resumable(again, builder, source) from again.error
            return self._register(builder.finish(), source)

        return AutotaskPullInterruptedError(
            stop.message, error=stop.error, received=stop.received, resume=resume
        )

    def head(self, n: int = 5) -> pd.DataFrame:
        """The first ``n`` rows (ascending id), fetching only the pages they need."""
        limit = self._effective_limit(_check_limit(n))
        source = PullSource(self.where_, self.fields, limit)  # started: before the first request
        return self._register(self._build(limit, None, source), source)

    def to_pandas(self, progress: bool | ProgressFactory = True) -> pd.DataFrame:
        """Every row (up to the limit) as one typed DataFrame.

        ``progress``: a ``tqdm.auto`` bar whose total is the server's count (one extra count
        request, in flight with the first page: no round trip of its own); False for none; or
        a callable made like ``tqdm(total=, unit=, desc=)``.
        """
        source = PullSource(self.where_, self.fields, self.limit_)  # started: before any request
        return self._register(self._build(self.limit_, progress, source), source)

    def pages(
        self,
        chunksize: int = MAX_PAGE_SIZE,
        *,
        pushable: bool = True,
        progress: bool | ProgressFactory = False,
    ) -> Iterator[pd.DataFrame]:
        """Typed DataFrames of ``chunksize`` rows (a page of the API by default: 500), in
        ascending id, fetched as the iteration goes with as many requests in flight as
        ``to_pandas`` sends (id ranges, ``client.iter_row_pages(ordered=True)``). Memory holds
        one chunk and the few pages fetched ahead of it (the pull sends nothing while a chunk is
        being used, and buffers at most ``RangePull``'s ``max_buffered`` pages: it never runs far
        ahead of a slow consumer), plus the pull's snapshot, see below. ``progress`` counts rows
        as each page comes in.

        Chunks continue one RangeIndex (concatenated, they read 0..n-1) and share one pull, so
        ``pd.concat(chunks)`` can be pushed. The pull keeps the server's values of every row
        yielded (for conflict checks); ``pushable=False`` keeps nothing, for pure streaming.
        """
        chunksize = _check_limit(chunksize) or 0
        if chunksize < 1:
            raise AutotaskValidationError(f"chunksize must be at least 1, got {chunksize!r}")
        bar = _progress_bar(self, progress)
        columns: list[str] | None = None
        offset = 0
        pull = None
        try:
            for records in self._record_chunks(chunksize, bar):
                chunk = self._builder(columns).add(records).finish()
                del records
                columns = list(chunk.columns)  # every chunk gets the first one's columns
                chunk.index = pd.RangeIndex(offset, offset + len(chunk))
                offset += len(chunk)
                if pushable:
                    if pull is None:
                        self._register(chunk)
                        pull = pull_of(chunk)
                    else:
                        pull.extend(chunk)
                        attach(chunk, pull)  # a tag of its own naming the one snapshot
                yield chunk
        finally:
            if bar is not None:
                bar.close()

    def _register(self, frame: pd.DataFrame, source: PullSource | None = None) -> pd.DataFrame:
        return record_pull(
            frame, self.entity, self.client, labels=self.labels, tz=self.tz, source=source
        )

    def to_parquet(
        self,
        path: str | Path,
        *,
        progress: bool | ProgressFactory = False,
        compression: str = "snappy",
    ) -> Path:
        """Stream every page into one Parquet file (a ``ParquetWriter``, one row group a page of
        500 rows, in ascending id), pulled as ``pages()`` pulls: concurrently, with memory
        bounded by a few pages. Read back with ``pd.read_parquet``, DuckDB, Dask, Spark.
        Returns the path."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = Path(path)
        bar = _progress_bar(self, progress)
        writer = None
        try:
            for chunk in self.pages(pushable=False):
                if writer is None:
                    table = pa.Table.from_pandas(chunk, preserve_index=False)
                    writer = pq.ParquetWriter(path, table.schema, compression=compression)
                else:
                    table = pa.Table.from_pandas(chunk, schema=writer.schema, preserve_index=False)
                writer.write_table(table)
                if bar is not None:
                    bar.update(len(chunk))
                del chunk, table
            if writer is None:  # no rows: still a file, with the columns and their types
                empty = self._builder().finish()
                table = pa.Table.from_pandas(empty, preserve_index=False)
                writer = pq.ParquetWriter(path, table.schema, compression=compression)
                writer.write_table(table)
        finally:
            if writer is not None:
                writer.close()
            if bar is not None:
                bar.close()
        return path

    # -- display --------------------------------------------------------------------------------

    def _preview(self) -> tuple[pd.DataFrame, int]:
        """The first page and the server's count, fetched once per Query object."""
        cached = self._cache.get("preview")
        if cached is None:
            frame = self._build(self._effective_limit(MAX_PAGE_SIZE))
            cached = (frame, self.count())
            self._cache["preview"] = cached
        return cached

    def _footer(self, shown: int, total: int) -> str:
        text = f"{shown:,} of {total:,} rows on the server"
        if self.limit_ is not None:
            text += f" (limit {self.limit_:,})"
        return text

    def _title(self) -> str:
        """The query as an ``%autotask`` line, with its options."""
        statement = QueryStatement(
            self.entity, self.where_text or None, self.fields or (), self.limit_
        )
        options = []
        if self.labels:
            options.append("labels")
        if self.tz:
            options.append(f"tz={self.tz!r}")
        text = f"Query: {statement.to_text()}"
        return text + (f" ({', '.join(options)})" if options else "")

    def __repr__(self) -> str:
        """A short text form that sends no request (a plain REPL shows it as it is)."""
        counted = self._cache.get("count")
        if counted is not None:
            state = f"{counted:,} rows on the server when last counted; not fetched"
        else:
            state = "not fetched yet"
        return (
            f"{self._title()}\n  {state}: q.head(n) for a few rows, q.to_pandas() for all, "
            "len(q) to count"
        )

    def _repr_html_(self) -> str:
        """The first page, fetched once per Query object for this display (and saying so)."""
        try:
            frame, total = self._preview()
        except Exception as exc:  # noqa: BLE001 - a display must not raise; it says what went wrong
            return (
                f"<p><b>{html.escape(self._title())}</b></p>"
                f"<p>not fetched: {html.escape(type(exc).__name__)}: {html.escape(str(exc))}</p>"
            )
        with pd.option_context("display.max_rows", 20):
            # pandas-stubs do not declare DataFrame._repr_html_ (the notebook display hook)
            table = str(getattr(frame, "_repr_html_")() or "")
        note = "the first page, fetched once for this display; q.to_pandas() fetches every row"
        return (
            f"<p><b>{html.escape(self._title())}</b></p>{table}"
            f"<p><i>{html.escape(self._footer(len(frame), total))}; {html.escape(note)}</i></p>"
        )


def _front(buffer: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """The first ``n`` records, taken out of ``buffer``."""
    front = buffer[:n]
    del buffer[:n]
    return front


def _field_tuple(fields: Sequence[str] | str | None) -> tuple[str, ...] | None:
    if fields is None:
        return None
    if isinstance(fields, str):
        fields = [f.strip() for f in fields.split(",") if f.strip()]
    names = [str(f) for f in fields]
    if not names:
        raise AutotaskValidationError("fields is empty; give at least one field or None for all")
    return tuple(dict.fromkeys(names))


def _check_limit(limit: int | None) -> int | None:
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise AutotaskValidationError(f"a limit is a non-negative integer, got {limit!r}")
    return limit
