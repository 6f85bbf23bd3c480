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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from autotask_pandas.exceptions import AutotaskValidationError
from autotask_pandas.frames.builder import FrameBuilder
from autotask_pandas.frames.dtypes import check_tz
from autotask_pandas.frames.snapshot import ATTRS_KEY, pull_of, record_pull
from autotask_pandas.query.columns import udf_name
from autotask_pandas.query.language import parse, resolve, to_text
from autotask_pandas.types import FieldMetadata, FilterOperation, QueryFilter

if TYPE_CHECKING:
    from autotask_pandas.client import AutotaskClient

__all__ = ["Query", "WhereInput", "entity_name", "normalise_where"]

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
        elif isinstance(item, QueryFilter):
            out.append(item)
        elif isinstance(item, Mapping):
            try:
                out.append(QueryFilter.from_api(item))
            except ValueError as exc:
                raise AutotaskValidationError(f"bad filter {dict(item)!r}: {exc}") from None
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


ProgressFactory = Callable[..., Any]


def _progress_bar(progress: bool | ProgressFactory, total: int | None, desc: str) -> Any:
    if progress is False or progress is None:
        return None
    if progress is True:
        from tqdm.auto import tqdm

        return tqdm(total=total, unit="rows", desc=desc)
    return progress(total=total, unit="rows", desc=desc)


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
        labels: bool = False,
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
        """The entity's fields and UDF definitions (cached by the client)."""
        client = self.client
        return client.get_field_metadata(self.entity), client.get_udf_metadata(self.entity)

    @property
    def filters(self) -> list[QueryFilter]:
        """The conditions as sent: fields checked, picklist labels turned into values."""
        cached = self._cache.get("filters")
        if cached is None:
            fields, udfs = self.metadata()
            cached = resolve(self.where_, fields, udfs, entity=self.entity) if self.where_ else []
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

    def _builder(self, columns: Sequence[str] | None = None) -> FrameBuilder:
        fields, udfs = self.metadata()
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

    def __len__(self) -> int:
        """Rows this query returns: the server's count, capped by the limit."""
        total = self.count()
        return total if self.limit_ is None else min(total, self.limit_)

    def __bool__(self) -> bool:  # a Query is a description; truth-testing must not send a count
        return True

    def _record_pages(
        self, limit: int | None, page_size: int = MAX_PAGE_SIZE
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of API records, asking for no page beyond ``limit`` rows."""
        if limit is not None and limit <= 0:
            return
        filters = self.filters
        if limit is not None:
            page_size = min(page_size, limit)
        page_size = max(1, min(MAX_PAGE_SIZE, page_size))
        remaining = limit
        pages = self.client.iter_pages(
            self.entity, filters or None, self._include_fields(), page_size=page_size
        )
        for page in pages:
            items = page.items
            if remaining is not None:
                items = items[:remaining]
                remaining -= len(items)
            if items:
                yield items
            if remaining is not None and remaining <= 0:
                return

    def _record_chunks(self, chunksize: int) -> Iterator[list[dict[str, Any]]]:
        """Records in lists of exactly ``chunksize`` (the last may be shorter): pages of that
        size up to 500, pages of 500 put together above."""
        if chunksize <= MAX_PAGE_SIZE:
            yield from self._record_pages(self.limit_, chunksize)
            return
        buffer: list[dict[str, Any]] = []
        for records in self._record_pages(self.limit_):
            buffer.extend(records)
            while len(buffer) >= chunksize:
                yield buffer[:chunksize]
                del buffer[:chunksize]
        if buffer:
            yield buffer

    def _effective_limit(self, n: int | None) -> int | None:
        if n is None:
            return self.limit_
        return n if self.limit_ is None else min(n, self.limit_)

    def _build(self, limit: int | None, bar: Any = None) -> pd.DataFrame:
        builder = self._builder()  # checks the columns before any request
        try:
            for records in self._record_pages(limit):
                builder.add(records)
                if bar is not None:
                    bar.update(len(records))
                del records  # the page's dicts are not needed once converted
        finally:
            if bar is not None:
                bar.close()
        return builder.finish()

    def head(self, n: int = 5) -> pd.DataFrame:
        """The first ``n`` rows (ascending id), fetching only the pages they need."""
        frame = self._build(self._effective_limit(_check_limit(n)))
        return self._register(frame)

    def to_pandas(self, progress: bool | ProgressFactory = True) -> pd.DataFrame:
        """Every row (up to the limit) as one typed DataFrame.

        ``progress``: a ``tqdm.auto`` bar whose total is the server's count (one extra count
        request); False for none; or a callable made like ``tqdm(total=, unit=, desc=)``.
        """
        bar = None
        if progress:
            bar = _progress_bar(progress, len(self), self.entity)
        frame = self._build(self.limit_, bar)
        return self._register(frame)

    def pages(
        self,
        chunksize: int = MAX_PAGE_SIZE,
        *,
        pushable: bool = True,
        progress: bool | ProgressFactory = False,
    ) -> Iterator[pd.DataFrame]:
        """Typed DataFrames of ``chunksize`` rows (a page of the API by default: 500), fetched as
        the iteration goes; memory holds one chunk (plus the pull's snapshot, see below).

        Chunks continue one RangeIndex (concatenated, they read 0..n-1) and share one pull, so
        ``pd.concat(chunks)`` can be pushed. The pull keeps the server's values of every row
        yielded (for conflict checks); ``pushable=False`` keeps nothing, for pure streaming.
        """
        chunksize = _check_limit(chunksize) or 0
        if chunksize < 1:
            raise AutotaskValidationError(f"chunksize must be at least 1, got {chunksize!r}")
        bar = _progress_bar(progress, len(self), self.entity) if progress else None
        columns: list[str] | None = None
        offset = 0
        pull = None
        try:
            for records in self._record_chunks(chunksize):
                chunk = self._builder(columns).add(records).finish()
                if bar is not None:
                    bar.update(len(records))
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
                        chunk.attrs[ATTRS_KEY] = {"entity": self.entity, "pull": pull.id}
                yield chunk
        finally:
            if bar is not None:
                bar.close()

    def _register(self, frame: pd.DataFrame) -> pd.DataFrame:
        return record_pull(frame, self.entity, self.client, labels=self.labels, tz=self.tz)

    def to_parquet(
        self,
        path: str | Path,
        *,
        progress: bool | ProgressFactory = False,
        compression: str = "snappy",
    ) -> Path:
        """Stream every page into one Parquet file (a ``ParquetWriter``, one row group a page):
        never more than a page in memory. Read back with ``pd.read_parquet``, DuckDB, Dask,
        Spark. Returns the path."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = Path(path)
        bar = _progress_bar(progress, len(self), self.entity) if progress else None
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
        where = self.where_text
        text = f"Query({self.entity}"
        if where:
            text += f" where {where}"
        if self.fields is not None:
            text += f", fields={list(self.fields)}"
        if self.limit_ is not None:
            text += f", limit={self.limit_}"
        if self.labels:
            text += ", labels=True"
        if self.tz:
            text += f", tz={self.tz!r}"
        return text + ")"

    def __repr__(self) -> str:
        try:
            frame, total = self._preview()
        except Exception as exc:  # noqa: BLE001 - a repr must not raise; it says what went wrong
            return f"{self._title()}\n<not fetched: {type(exc).__name__}: {exc}>"
        with pd.option_context("display.max_rows", 10, "display.max_columns", 12):
            body = repr(frame)
        return f"{self._title()}\n{body}\n{self._footer(len(frame), total)}"

    def _repr_html_(self) -> str:
        try:
            frame, total = self._preview()
        except Exception as exc:  # noqa: BLE001 - as in __repr__
            return (
                f"<p><b>{html.escape(self._title())}</b></p>"
                f"<p>not fetched: {html.escape(type(exc).__name__)}: {html.escape(str(exc))}</p>"
            )
        with pd.option_context("display.max_rows", 20):
            # pandas-stubs do not declare DataFrame._repr_html_ (the notebook display hook)
            table = str(getattr(frame, "_repr_html_")() or "")
        return (
            f"<p><b>{html.escape(self._title())}</b></p>{table}"
            f"<p><i>{html.escape(self._footer(len(frame), total))}</i></p>"
        )


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
