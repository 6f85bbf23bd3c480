"""Queries: the body the API expects, splitting what it cannot take, and walking the pages.

**Body.** ``{"filter": [...], "MaxRecords": n, "IncludeFields": [...]}``. No filter is sent as
``[{"op": "gte", "field": "id", "value": 0}]`` ("all rows"): the live API fails a query without a
``filter`` and returns nothing for an empty one. ``IncludeFields`` always carries ``id`` (the
API requires it past 500 rows, and merging relies on it).

**Splitting.** Autotask allows at most 500 OR conditions per query (FACTS §4): each value of an
``in``/``notIn`` list counts one, and so does each item of an ``or`` group. A query over that
budget (``ClientConfig.in_chunk_size``) has its longest top-level lists split into chunks, so
that every request stays within it; conditions inside and/or groups cannot be split and are
refused before any request, as is a second UDF condition (one per query). A value written twice
(the same JSON) is sent once; values the server may find equal (``"Acme"`` and ``"ACME"``, ``1``
and ``"1"``) are all kept: which rows match is decided by the server alone, never by comparing
values here.

* A split ``in`` becomes one query ("part") per chunk (per combination of chunks, when several
  lists are split). Parts may overlap: a row matches two chunks when they hold values the server
  finds equal.
* A split ``notIn`` keeps its first chunk in every part; the rows matching each other chunk are
  found with an ``in`` query (an "exclusion", the part's other conditions plus ``in chunk``) and
  removed by id. Keeping a real ``notIn`` in the part leaves empty fields to the server's rule.

**One answer, as if unsplit.** Rows come in ascending id, each once (FACTS §5: pages are an id
cursor): the parts' pages are merged by id, a row of an exclusion is dropped, and an id equal to
the one before is the same row found twice. ``query()``/``get_next_page()``/``iter_pages()`` give
merged pages of the asked size, as the server pages an unsplit query; ``iter_rows(limit=n)``
(``head``, ``limit``) asks every part for a first page of ``n`` rows (any of them may hold the
lowest ids), merges and cuts: one request per part, more only when duplicates or exclusions
thin a part out. Every part must be asked once before the first merged row is known; a page past
the first costs a request only for the parts whose rows were used up.

**Counting.** ``/query/count`` of each request cannot be added up when parts overlap, so:

* parts are *proven disjoint* when every list split into several chunks is on an integer field
  of the entity (the catalog's ``integer``/``long``, and ``id``) and holds only integers: a
  number equals at most one of several distinct numbers. Then the count is the parts' counts
  summed, minus the exclusions' counts for a ``notIn`` proven the same way (each excluded row is
  in exactly one part and one exclusion): one count request per part and per exclusion;
* otherwise the rows are counted by id (``IncludeFields: ["id"]``, 500 a page). Overlapping
  parts: the union of their ids, less the excluded ids. Disjoint parts with a ``notIn`` that is
  not proven: the parts' counts, less the excluded ids that are in a part. An excluded row
  matched some chunk, so its field is not empty, and then ``notIn first`` is exactly "not ``in
  first``": the excluded ids in no part are those of ``in first`` queries (``first_matches``),
  fetched by id too. No value is compared here.

**Pages.** ``nextPageUrl`` is followed verbatim with the method and body of the first request: our
queries are POSTed, so their next pages are POSTed with the same body (a GET there is a 405).

**What paging is promised, and checked** (``read_page``). An answer that breaks one of these is
an ``AutotaskResponseError`` naming method and path (never read as the last page, never paged
forever), and the request it would lead to is not sent:

* every page has ``pageDetails`` (FACTS §5, ``PagingModel``): without it, whether more pages
  follow is unknown, so a page without it is not taken for the last;
* ids ascend within a page and across the pages of one query, each once (FACTS §4 "Ordering",
  unconfirmed for REST but what its id cursor implies; §5: pages are an id cursor, ``nextIds``; the merging above and ``partitioned.py`` rely on it): a page whose ids
  go backwards, or repeat an id already received, would lose or double rows;
* a ``nextPageUrl`` stays on the API root the client was given: same scheme, host and port,
  its path under ``{root}V1.0/``, no ``.``/``..`` segments, no user info; else
  ``AutotaskUntrustedURLError`` (also an ``AutotaskZoneError``) when it would be followed, and it
  is not. (The transport checks the origin of every request too; this also pins the path.) A
  ``prevPageUrl`` off the root (never followed by the client, but shown to the user) makes the
  page untrusted at once;
* a ``nextPageUrl`` already followed by this query is not followed again: the pages would
  repeat forever.

**Interrupted pulls** (``iter_pages``, ``iter_rows``, ``all_rows``). A request after the first
page that fails for good (after the transport's retries) raises ``AutotaskPullInterruptedError``
from it; its ``resume()`` continues from the last page received, so no page that came in is
asked for again. (A split query resumes from its last merged page: the parts' pages fetched for
the merged page that failed are asked again.) An error before the first page is raised as it is;
``get_next_page(page)`` fails without changing ``page``, so calling it again is its resume.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any
from urllib.parse import unquote, urlsplit

from pydantic import ValidationError

from autotask_pandas.client.errors import untrusted_answer
from autotask_pandas.client.hosts import origin
from autotask_pandas.exceptions import (
    AutotaskException,
    AutotaskPullInterruptedError,
    AutotaskResponseError,
    AutotaskUntrustedURLError,
    AutotaskValidationError,
)
from autotask_pandas.types import (
    FilterOperation,
    GroupOperation,
    QueryFilter,
    QueryResponse,
)

__all__ = [
    "ALL_ROWS_FILTER",
    "MAX_OR_CONDITIONS",
    "MAX_PAGE_SIZE",
    "MergeState",
    "Pager",
    "QueryPlan",
    "QueryState",
    "interrupted",
    "normalise_filters",
    "on_root",
    "plan_query",
    "read_page",
    "row_id",
]

MAX_PAGE_SIZE = 500
MAX_OR_CONDITIONS = 500
ALL_ROWS_FILTER = QueryFilter(field="id", op=FilterOperation.GTE, value=0)
_LIST_OPS = (FilterOperation.IN, FilterOperation.NOT_IN)

FilterInput = QueryFilter | Mapping[str, Any]


def normalise_filters(filters: FilterInput | Iterable[FilterInput] | None) -> list[QueryFilter]:
    """QueryFilter objects from objects or API-shaped dicts; a clear error for a bad one."""
    if filters is None:
        return []
    if isinstance(filters, str):
        # Iterated, a text would be refused a character at a time ("got str: 'i'").
        raise AutotaskValidationError(
            f"a filter is a QueryFilter or a dict, got the text {filters!r}: the filter language "
            "is read by read_autotask(where=...) and Query(where=...); the client takes API "
            "dicts such as {'op': 'lt', 'field': 'id', 'value': 7005}"
        )
    if isinstance(filters, (QueryFilter, Mapping)):
        filters = [filters]
    out: list[QueryFilter] = []
    for item in filters:
        if isinstance(item, QueryFilter):
            out.append(item)
        elif isinstance(item, Mapping):
            try:
                out.append(QueryFilter.from_api(item))
            except ValidationError as exc:
                raise AutotaskValidationError(
                    f"bad filter {dict(item)!r}: {_first_error(exc)}"
                ) from None
        else:
            raise AutotaskValidationError(
                f"a filter is a QueryFilter or a dict, got {type(item).__name__}: {item!r}"
            )
    return out


def _first_error(exc: ValidationError) -> str:
    errors = exc.errors()
    return str(errors[0].get("msg", exc)) if errors else str(exc)


def _flatten_and(filters: Sequence[QueryFilter]) -> list[QueryFilter]:
    """Top-level ``and`` groups merged into the top level (the top level is ANDed anyway)."""
    out: list[QueryFilter] = []
    for f in filters:
        if f.op is GroupOperation.AND:
            out.extend(_flatten_and(f.items or ()))
        else:
            out.append(f)
    return out


def _or_conditions(f: QueryFilter) -> int:
    """The OR conditions the API counts in ``f`` (FACTS §4): one per value of an ``in``/``notIn``
    list as sent, one per item of an ``or`` group, nested groups included."""
    if f.op in _LIST_OPS:
        return len(f.value)
    own = len(f.items or ()) if f.op is GroupOperation.OR else 0
    return own + sum(_or_conditions(i) for i in f.items or ())


def _values_once(f: QueryFilter) -> list[Any]:
    """A list's values as sent (JSON scalars), each JSON value once, in the order given. Only the
    same value of the same JSON type is dropped: ``True`` and ``1``, ``1`` and ``1.0``, ``"a"``
    and ``"A"`` all stay, for the server to compare."""
    seen: set[tuple[type, Any]] = set()
    out: list[Any] = []
    for value in f.to_api()["value"]:
        key = (type(value), value)
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out


@dataclass(frozen=True)
class QueryPlan:
    """One logical query as the requests it takes (see the module docstring).

    ``parts``: queries whose union is the answer. ``exclusions``: queries whose rows are removed
    from it. ``first_matches``: for a split ``notIn``, each part's base with ``in first chunk``
    (used by ``count`` only). ``parts_disjoint``/``exclusions_disjoint``: whether that was proven,
    so the server's counts can be added up.
    """

    entity: str
    parts: tuple[tuple[QueryFilter, ...], ...]
    exclusions: tuple[tuple[QueryFilter, ...], ...] = ()
    include_fields: tuple[str, ...] | None = None
    page_size: int = MAX_PAGE_SIZE
    first_matches: tuple[tuple[QueryFilter, ...], ...] = ()
    parts_disjoint: bool = True
    exclusions_disjoint: bool = True

    def body(self, filters: Sequence[QueryFilter], page_size: int | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "filter": [f.to_api() for f in (filters or (ALL_ROWS_FILTER,))],
            "MaxRecords": page_size or self.page_size,
        }
        if self.include_fields is not None:
            body["IncludeFields"] = list(self.include_fields)
        return body

    @property
    def is_simple(self) -> bool:
        return len(self.parts) == 1 and not self.exclusions


def plan_query(
    entity: str,
    filters: FilterInput | Iterable[FilterInput] | None,
    *,
    include_fields: Iterable[str] | None = None,
    page_size: int = MAX_PAGE_SIZE,
    chunk_size: int = MAX_OR_CONDITIONS,
    integer_fields: Collection[str] = ("id",),
) -> QueryPlan:
    """Validate a query and split it into the requests the API can answer.

    ``chunk_size``: OR conditions allowed per request (1-500). ``integer_fields``: lower-case
    names of the entity's integer fields, for the disjointness proof of ``count``.
    Raises ``AutotaskValidationError`` (before any request) for a bad page size, a second UDF
    condition, too many OR conditions inside groups, or a query that cannot be split.
    """
    if (
        not isinstance(page_size, int)
        or isinstance(page_size, bool)
        or not 1 <= page_size <= MAX_PAGE_SIZE
    ):
        raise AutotaskValidationError(
            f"max_records is the page size, 1 to {MAX_PAGE_SIZE} (got {page_size!r}); "
            "use iter_query()/query_all() for more rows"
        )
    top = _flatten_and(normalise_filters(filters))
    udfs = [f for t in top for f in t.walk() if f.udf]
    if len(udfs) > 1:
        names = ", ".join(repr(f.field) for f in udfs)
        raise AutotaskValidationError(
            f"the Autotask API allows one user-defined-field condition per query, got {len(udfs)} "
            f"({names}); no request was sent"
        )
    fields = _include_fields(include_fields)
    lists = [i for i, f in enumerate(top) if f.op in _LIST_OPS]
    fixed = sum(_or_conditions(f) for i, f in enumerate(top) if i not in lists)
    if fixed > chunk_size:
        raise AutotaskValidationError(
            f"{entity}: the and/or groups hold {fixed} OR conditions; Autotask allows "
            f"{chunk_size} per query and only top-level lists can be split. No request was sent"
        )
    if fixed + sum(len(top[i].value) for i in lists) <= chunk_size:
        return QueryPlan(entity, (tuple(top),), include_fields=fields, page_size=page_size)

    split, allot = _choose_splits(entity, top, lists, fixed, chunk_size)
    chunks: dict[int, list[QueryFilter]] = {}
    for i in split:
        f = top[i]
        values = _values_once(f)
        chunks[i] = [
            QueryFilter(field=f.field, op=f.op, value=values[k : k + allot], udf=f.udf)
            for k in range(0, len(values), allot)
        ]
    integers = {n.lower() for n in integer_fields} | {"id"}
    not_in = [i for i in split if top[i].op is FilterOperation.NOT_IN]
    split_in = [i for i in split if top[i].op is FilterOperation.IN]
    rest = tuple(f for i, f in enumerate(top) if i not in split)
    bases = [rest + combo for combo in itertools.product(*(chunks[i] for i in split_in))]
    parts: list[tuple[QueryFilter, ...]] = list(bases)
    exclusions: list[tuple[QueryFilter, ...]] = []
    first_matches: list[tuple[QueryFilter, ...]] = []
    if not_in:
        first, *others = chunks[not_in[0]]
        parts = [base + (first,) for base in bases]
        if others:
            for base in bases:
                # ``in chunk`` with the base only: a second condition on the same field would be
                # a second UDF condition for a UDF list, and past the OR budget for any list.
                exclusions.extend(base + (_as_in(chunk),) for chunk in others)
                first_matches.append(base + (_as_in(first),))
    return QueryPlan(
        entity,
        tuple(parts),
        tuple(exclusions),
        fields,
        page_size,
        tuple(first_matches),
        parts_disjoint=all(
            len(chunks[i]) == 1 or _distinct_on_server(top[i], integers) for i in split_in
        ),
        exclusions_disjoint=all(
            len(chunks[i]) == 1 or _distinct_on_server(top[i], integers) for i in not_in
        ),
    )


def _choose_splits(
    entity: str, top: Sequence[QueryFilter], lists: Sequence[int], fixed: int, budget: int
) -> tuple[list[int], int]:
    """Which lists to split (the longest first, until the others fit) and the values per chunk."""
    longest = sorted(lists, key=lambda i: -len(_values_once(top[i])))
    for n in range(1, len(longest) + 1):
        split = longest[:n]
        kept = fixed + sum(len(top[i].value) for i in longest[n:])
        room = budget - kept
        if room >= n:
            not_ins = [i for i in split if top[i].op is FilterOperation.NOT_IN]
            if len(not_ins) > 1:
                raise AutotaskValidationError(
                    f"{entity}: at most one notIn list can be split per query, and "
                    f"{len(not_ins)} must be to fit the limit of {budget} OR conditions; "
                    "no request was sent"
                )
            return sorted(split), room // n
    total = fixed + sum(len(top[i].value) for i in lists)
    raise AutotaskValidationError(
        f"{entity}: {total} OR conditions in {len(lists)} lists cannot be split into queries of "
        f"{budget}; no request was sent"
    )


def _as_in(f: QueryFilter) -> QueryFilter:
    return QueryFilter(field=f.field, op=FilterOperation.IN, value=f.value, udf=f.udf)


def _distinct_on_server(f: QueryFilter, integer_fields: Collection[str]) -> bool:
    """Whether no row can match two different values of ``f``: integers (each once, see
    ``_values_once``) on an integer field. Anything else may be equal on the server."""
    return (
        not f.udf
        and str(f.field).lower() in integer_fields
        and all(type(v) is int for v in f.value)
    )


def _include_fields(include_fields: Iterable[str] | None) -> tuple[str, ...] | None:
    if include_fields is None:
        return None
    given = [include_fields] if isinstance(include_fields, str) else include_fields
    names = [str(n) for n in given]
    if not any(n.lower() == "id" for n in names):
        names.insert(0, "id")
    return tuple(dict.fromkeys(names))


# -- page states (kept, privately, on each QueryResponse) ------------------------------------------


@dataclass(frozen=True)
class QueryState:
    """How a page of an unsplit query was asked for: its next page is POSTed with ``body`` to
    ``next_url`` (as checked when the page came in). ``last_id``: the highest id received so far;
    ``followed``: the URLs this query has asked (neither is asked again)."""

    plan: QueryPlan
    body: dict[str, Any]
    impersonation_resource_id: int | None = None
    next_url: str | None = None
    last_id: int | None = None
    followed: frozenset[str] = frozenset()
    page_url: str = ""  # the URL this page came from (errors name it)

    @property
    def has_more_parts(self) -> bool:
        return False


@dataclass(frozen=True)
class _PartCursor:
    """Where one part of a split query stands: rows fetched and not yet merged, and the URL of
    its next page. ``rows`` is never changed once fetched; ``start`` moves instead."""

    body: dict[str, Any]
    rows: Sequence[dict[str, Any]]
    start: int
    next_url: str | None
    after: int | None = None  # the part's highest id received (exclusions included)
    followed: frozenset[str] = field(default_factory=frozenset)
    page_url: str = ""  # the URL its rows came from

    @property
    def head_id(self) -> int | None:
        return _row_id(self.rows[self.start]) if self.start < len(self.rows) else None


@dataclass(frozen=True)
class MergeState:
    """Where a split query's merged pages stand. Immutable, so asking twice for the page after
    one page gives the same page."""

    plan: QueryPlan
    page_size: int
    cursors: tuple[_PartCursor, ...]
    excluded_ids: frozenset[int]
    last_id: int | None
    impersonation_resource_id: int | None = None

    @property
    def has_more_parts(self) -> bool:
        """Whether another merged page may follow (``QueryResponse.has_next_page`` reads it)."""
        return any(c.start < len(c.rows) or c.next_url for c in self.cursors)


PostJSON = Callable[[str, dict[str, Any], int | None], Any]


class _RequestFailed(Exception):
    """A page request of a pull failed for good (``error``); ``iter_pages`` turns it into an
    ``AutotaskPullInterruptedError``. Never leaves this module."""

    def __init__(self, error: AutotaskException) -> None:
        super().__init__(str(error))
        self.error = error


class Pager:
    """Runs query plans: pages, rows, counts. ``post(url, body, impersonation)`` sends a POST and
    returns the parsed body; ``url(path)`` makes an absolute API URL from ``Tickets/query``."""

    def __init__(self, post: PostJSON, url: Callable[[str], str]) -> None:
        self._post = post
        self._url = url

    def _root(self) -> str:
        """Where every page URL must stay: ``{api root}V1.0/``."""
        return self._url("")

    def _send(
        self, url: str, body: dict[str, Any], impersonation: int | None, interruptible: bool
    ) -> Any:
        if not interruptible:
            return self._post(url, body, impersonation)
        try:
            return self._post(url, body, impersonation)
        except AutotaskException as exc:
            raise _RequestFailed(exc) from exc

    def _follow(
        self,
        url: str,
        body: dict[str, Any],
        impersonation: int | None,
        *,
        source: str,
        after: int | None,
        followed: frozenset[str],
        interruptible: bool = False,
    ) -> tuple[list[dict[str, Any]], str | None, Any, frozenset[str]]:
        """POST ``url`` (the ``nextPageUrl`` of the answer to ``source``) with ``body``, once it
        is known to stay on the root and not to have been followed: (rows, the next URL, the
        answer, the URLs followed so far)."""
        root = self._root()
        if not on_root(url, root):
            raise _off_root("POST", source, "nextPageUrl", url, root)
        if url in followed:
            raise _broken(
                "POST",
                source,
                f"a nextPageUrl already followed by this query ({_where(url)}): the pages would "
                "repeat forever; it was not followed again",
            )
        data = self._send(url, body, impersonation, interruptible)
        items, next_url = read_page(data, url=url, root=root, after=after, check_next=False)
        return items, next_url, data, followed | {url}

    # -- pages --------------------------------------------------------------------------------

    def first_page(
        self, plan: QueryPlan, *, impersonation: int | None = None, page_size: int | None = None
    ) -> QueryResponse:
        """The first page: at most ``page_size`` rows, the lowest ids of the whole answer."""
        size = page_size or plan.page_size
        url = self._url(f"{plan.entity}/query")
        if plan.is_simple:
            body = plan.body(plan.parts[0], size)
            data = self._post(url, body, impersonation)
            items, next_url = read_page(data, url=url, root=self._root(), check_next=False)
            page = _response(items, size, next_url, data)
            page._request = QueryState(
                plan, body, impersonation, next_url, _last_id(items, None), frozenset({url}), url
            )
            return page
        excluded = self._ids_of(plan, plan.exclusions, impersonation)
        cursors = []
        for filters in plan.parts:
            body = plan.body(filters, size)
            data = self._post(url, body, impersonation)
            items, next_url = read_page(data, url=url, root=self._root(), check_next=False)
            cursors.append(
                _PartCursor(
                    body,
                    _without(items, excluded),
                    0,
                    next_url,
                    _last_id(items, None),
                    frozenset({url}),
                    url,
                )
            )
        state = MergeState(plan, size, tuple(cursors), excluded, None, impersonation)
        return self._merged_page(state)

    def next_page(self, page: QueryResponse) -> QueryResponse | None:
        """The page after ``page``; None after the last. ``page`` is not changed, so after an
        error the same call can simply be made again."""
        return self._next(page, interruptible=False)

    def _next(self, page: QueryResponse, *, interruptible: bool) -> QueryResponse | None:
        state = page._request
        if isinstance(state, MergeState):
            if not state.has_more_parts:
                return None
            following = self._merged_page(state, interruptible)
            return following if following.items else None
        if not isinstance(state, QueryState):
            raise AutotaskValidationError(
                "this QueryResponse was not made by the client's query(); it has no request to follow"
            )
        next_url = state.next_url
        if not next_url:
            return None
        # Verbatim, POSTed with the body of the first request.
        items, following_url, data, followed = self._follow(
            next_url,
            state.body,
            state.impersonation_resource_id,
            source=state.page_url,
            after=state.last_id,
            followed=state.followed,
            interruptible=interruptible,
        )
        following = _response(items, int(state.body["MaxRecords"]), following_url, data)
        following._request = replace(
            state,
            next_url=following_url,
            last_id=_last_id(items, state.last_id),
            followed=followed,
            page_url=next_url,
        )
        return following

    def iter_pages(self, first: QueryResponse) -> Iterator[QueryResponse]:
        """``first`` and every page after it. A page request after ``first`` that fails for good
        raises ``AutotaskPullInterruptedError`` (its ``resume()``: an iterator of the pages not
        yielded yet, from the page after the last one yielded)."""
        yield first
        yield from self._pages_after(first, len(first.items))

    def _pages_after(self, page: QueryResponse, received: int) -> Iterator[QueryResponse]:
        while True:
            try:
                following = self._next(page, interruptible=True)
            except _RequestFailed as failed:
                entity = _entity_of(page)
                raise interrupted(
                    entity, failed.error, received, partial(self._pages_after, page, received)
                ) from failed.error
            if following is None:
                return
            received += len(following.items)
            yield following
            page = following

    # -- rows ---------------------------------------------------------------------------------

    def iter_rows(
        self, plan: QueryPlan, *, impersonation: int | None = None, limit: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every row once, in ascending id; the first ``limit`` rows of them with a limit.
        Interrupted after the first page: ``AutotaskPullInterruptedError`` whose ``resume()`` is
        an iterator of the rows not yielded yet (up to the limit)."""
        if limit is not None and limit <= 0:
            return
        page_size = plan.page_size if limit is None else max(1, min(plan.page_size, limit))
        first = self.first_page(plan, impersonation=impersonation, page_size=page_size)
        yield from _rows_of(self.iter_pages(first), limit)

    def iter_row_batches(
        self,
        plan: QueryPlan,
        *,
        impersonation: int | None = None,
        limit: int | None = None,
        size: int = MAX_PAGE_SIZE,
    ) -> Iterator[list[dict[str, Any]]]:
        """``iter_rows`` in lists of ``size`` rows (the last may be shorter). Interrupted:
        ``resume()`` is an iterator of the lists not yielded yet (a list begun is kept)."""
        yield from _batches(self.iter_rows(plan, impersonation=impersonation, limit=limit), size)

    def all_rows(
        self, plan: QueryPlan, *, impersonation: int | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """``list(iter_rows(...))``; interrupted, its ``resume()`` returns the complete list (the
        rows received, then the rest)."""
        rows: list[dict[str, Any]] = []
        try:
            rows.extend(self.iter_rows(plan, impersonation=impersonation, limit=limit))
        except AutotaskPullInterruptedError as stop:
            raise _collecting(stop, rows) from stop.error
        return rows

    def count(self, plan: QueryPlan, *, impersonation: int | None = None) -> int:
        """How many rows the query answers (see "Counting" in the module docstring)."""
        if plan.is_simple:
            return self._count(plan, plan.parts[0], impersonation)
        if plan.parts_disjoint and plan.exclusions_disjoint:
            total = sum(self._count(plan, f, impersonation) for f in plan.parts)
            return total - sum(self._count(plan, f, impersonation) for f in plan.exclusions)
        excluded = self._ids_of(plan, plan.exclusions, impersonation)
        if not plan.parts_disjoint:
            return len(self._ids_of(plan, plan.parts, impersonation) - excluded)
        in_no_part = self._ids_of(plan, plan.first_matches, impersonation)
        total = sum(self._count(plan, f, impersonation) for f in plan.parts)
        return total - len(excluded - in_no_part)

    # -- internals ----------------------------------------------------------------------------

    def _count(
        self, plan: QueryPlan, filters: Sequence[QueryFilter], impersonation: int | None
    ) -> int:
        body = {"filter": plan.body(filters)["filter"]}
        data = self._post(self._url(f"{plan.entity}/query/count"), body, impersonation)
        value = (data or {}).get("queryCount") if isinstance(data, Mapping) else None
        if not isinstance(value, int):
            raise AutotaskValidationError(f"unexpected count answer from the API: {data!r}")
        return value

    def _ids_of(
        self,
        plan: QueryPlan,
        queries: Sequence[Sequence[QueryFilter]],
        impersonation: int | None,
    ) -> frozenset[int]:
        """The ids of every row of these queries (``IncludeFields: ["id"]``, every page)."""
        ids: set[int] = set()
        only_ids = replace(plan, include_fields=("id",))
        url = self._url(f"{plan.entity}/query")
        for filters in queries:
            body = only_ids.body(filters, MAX_PAGE_SIZE)
            data = self._post(url, body, impersonation)
            items, next_url = read_page(data, url=url, root=self._root(), check_next=False)
            followed = frozenset({url})
            ids.update(_row_id(r) for r in items)
            after = _last_id(items, None)
            source = url
            while next_url:
                asked = next_url
                items, next_url, _, followed = self._follow(
                    asked, body, impersonation, source=source, after=after, followed=followed
                )
                ids.update(_row_id(r) for r in items)
                after = _last_id(items, after)
                source = asked
        return frozenset(ids)

    def _fill(self, cursor: _PartCursor, state: MergeState, interruptible: bool) -> _PartCursor:
        """The cursor with rows to merge: its next pages fetched while it has none left."""
        while cursor.start >= len(cursor.rows) and cursor.next_url:
            asked = cursor.next_url
            items, next_url, _, followed = self._follow(
                asked,
                cursor.body,
                state.impersonation_resource_id,
                source=cursor.page_url,
                after=cursor.after,
                followed=cursor.followed,
                interruptible=interruptible,
            )
            cursor = _PartCursor(
                cursor.body,
                _without(items, state.excluded_ids),
                0,
                next_url,
                _last_id(items, cursor.after),
                followed,
                asked,
            )
        return cursor

    def _merged_page(self, state: MergeState, interruptible: bool = False) -> QueryResponse:
        """The next ``page_size`` rows of the union, lowest ids first, each id once. A part's next
        page is fetched only when its rows are used up and more rows are still wanted."""
        cursors = list(state.cursors)
        heap: list[tuple[int, int]] = []
        for i, cursor in enumerate(cursors):
            cursors[i] = cursor = self._fill(cursor, state, interruptible)
            if cursor.head_id is not None:
                heap.append((cursor.head_id, i))
        heapq.heapify(heap)
        rows: list[dict[str, Any]] = []
        last = state.last_id
        while heap and len(rows) < state.page_size:
            row_id, i = heapq.heappop(heap)
            cursor = cursors[i]
            row = cursor.rows[cursor.start]
            cursor = replace(cursor, start=cursor.start + 1)
            if last is None or row_id > last:  # an id equal to the last is the same row again
                rows.append(row)
                last = row_id
            if len(rows) < state.page_size:
                cursor = self._fill(cursor, state, interruptible)
                if cursor.head_id is not None:
                    heapq.heappush(heap, (cursor.head_id, i))
            cursors[i] = cursor
        # Rows already given out may still head other parts: step over them (no request).
        for i, cursor in enumerate(cursors):
            start = cursor.start
            while start < len(cursor.rows) and last is not None and _row_id(cursor.rows[start]) <= last:
                start += 1
            cursors[i] = replace(cursor, start=start)
        page = _response(rows, state.page_size, None)
        page._request = replace(state, cursors=tuple(cursors), last_id=last)
        return page


def _entity_of(page: QueryResponse) -> str:
    state = page._request
    plan = getattr(state, "plan", None)
    return plan.entity if isinstance(plan, QueryPlan) else "the query"


def _rows_of(pages: Iterator[QueryResponse], limit: int | None) -> Iterator[dict[str, Any]]:
    """The rows of ``pages``, at most ``limit``; an interruption resumes with the rows not given."""
    given = 0
    try:
        for page in pages:
            items = page.items if limit is None else page.items[: limit - given]
            for row in items:
                given += 1
                yield row
            if limit is not None and given >= limit:
                return
    except AutotaskPullInterruptedError as stop:
        rest = None if limit is None else limit - given
        raise AutotaskPullInterruptedError(
            stop.message,
            error=stop.error,
            received=stop.received,
            resume=partial(_resumed_rows, stop, rest),
        ) from stop.error


def _resumed_rows(
    stop: AutotaskPullInterruptedError[Iterator[QueryResponse]], limit: int | None
) -> Iterator[dict[str, Any]]:
    return _rows_of(stop.resume(), limit)


def _batches(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    try:
        for row in rows:
            batch.append(row)
            if len(batch) >= size:
                yield batch
                batch = []
    except AutotaskPullInterruptedError as stop:
        raise AutotaskPullInterruptedError(
            stop.message,
            error=stop.error,
            received=stop.received,
            resume=partial(_resumed_batches, stop, batch, size),
        ) from stop.error
    if batch:
        yield batch


def _resumed_batches(
    stop: AutotaskPullInterruptedError[Iterator[dict[str, Any]]],
    held: list[dict[str, Any]],
    size: int,
) -> Iterator[list[dict[str, Any]]]:
    return _batches(itertools.chain(held, stop.resume()), size)


def _collecting(
    stop: AutotaskPullInterruptedError[Iterator[dict[str, Any]]], rows: list[dict[str, Any]]
) -> AutotaskPullInterruptedError[list[dict[str, Any]]]:
    """The error of a call that returns every row at once: ``resume()`` gives them all."""

    def resume() -> list[dict[str, Any]]:
        try:
            rows.extend(stop.resume())
        except AutotaskPullInterruptedError as again:
            raise _collecting(again, rows) from again.error
        return rows

    return AutotaskPullInterruptedError(
        stop.message, error=stop.error, received=stop.received, resume=resume
    )


def interrupted(
    entity: str, error: AutotaskException, received: int, resume: Callable[[], Any]
) -> AutotaskPullInterruptedError[Any]:
    """The error of a pull of ``entity`` stopped by ``error`` after ``received`` rows."""
    return AutotaskPullInterruptedError(
        f"the pull of {entity} stopped after {received:,} rows: {error} - resume() fetches the "
        "rest without asking for the pages received again",
        error=error,
        received=received,
        resume=resume,
    )


# -- what a page is promised ------------------------------------------------------------------


def _broken(method: str, url: str, problem: str) -> AutotaskResponseError:
    # No excerpt of the body: a body may echo the secret, and the problem names what is wrong.
    return untrusted_answer(status=200, method=method, url=url, problem=problem)


def _where(url: str) -> str:
    """A URL to quote in an error: origin and path (a query string may hold anything), cut."""
    parts = urlsplit(url)
    text = f"{parts.scheme}://{parts.netloc}{parts.path}"
    return text if len(text) <= 160 else text[:160] + "…"


def on_root(url: str, root: str) -> bool:
    """Whether ``url`` is under ``root`` (``…/ATServicesRest/V1.0/``): same scheme, host and
    port, no user info, and its path under the root's (case-insensitive, as IIS compares) once
    decoded, with no ``.``/``..`` segment that a client or server would resolve elsewhere."""
    try:
        parts = urlsplit(url)
        same = origin(url) == origin(root)
    except ValueError:  # a port out of range, a malformed netloc
        return False
    if not same or parts.username is not None or parts.password is not None:
        return False
    path = unquote(parts.path)
    if "\\" in path or any(segment in (".", "..") for segment in path.split("/")):
        return False
    return path.lower().startswith(unquote(urlsplit(root).path).lower())


def _off_root(method: str, url: str, key: str, value: str, root: str) -> AutotaskUntrustedURLError:
    return AutotaskUntrustedURLError(
        f"{method} {urlsplit(url).path} answered HTTP 200 with a {key} off the API root "
        f"{_where(root)}: {_where(value)}; it was not followed",
        status_code=200,
        errors=[],
        method=method,
        url=url,
    )


def read_page(
    data: Any,
    *,
    url: str,
    root: str,
    after: int | None = None,
    upto: int | None = None,
    method: str = "POST",
    check_next: bool = True,
) -> tuple[list[dict[str, Any]], str | None]:
    """The rows and the next page's URL of the answer to ``method url``, checked against what a
    query page is promised (module docstring); ``AutotaskResponseError`` naming method and path
    for anything else. ``after``: ids must be above it (the last id received before, or the
    ``id gt`` bound asked); ``upto``: and at most this (an ``id lte`` bound asked). ``root``:
    where page URLs must stay (``on_root``); ``check_next=False`` leaves the ``nextPageUrl`` to be
    checked when it is followed (``Pager``: a page is usable although its next page is not)."""
    if not isinstance(data, Mapping) or "items" not in data:
        raise _broken(method, url, f"a {type(data).__name__} that is no query page (no 'items')")
    items = data.get("items") or []
    if not isinstance(items, list) or not all(isinstance(r, dict) for r in items):
        raise _broken(method, url, "'items' that are not a list of objects")
    details = data.get("pageDetails")
    if not isinstance(details, Mapping):
        shown = "no pageDetails" if details is None else "a pageDetails that is not an object"
        raise _broken(
            method, url, f"{shown}: whether more pages follow is unknown, so it is not taken for the last"
        )
    for key in ("nextPageUrl", "prevPageUrl"):
        value = details.get(key)
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise _broken(method, url, f"a {key} that is a {type(value).__name__}, not a URL")
        if (check_next or key != "nextPageUrl") and not on_root(value, root):
            raise _off_root(method, url, key, value, root)
    previous = after
    for row in items:
        value = row.get("id")
        if type(value) is not int:
            raise _broken(method, url, f"a row whose id is {value!r:.40}, not an integer")
        if previous is not None and value <= previous:
            raise _broken(
                method,
                url,
                f"id {value} after id {previous}: ids ascend and never repeat across the pages "
                "of a query (FACTS §4-5), so rows would be lost or doubled",
            )
        if upto is not None and value > upto:
            raise _broken(method, url, f"id {value} beyond the id {upto} asked for at most")
        previous = value
    next_url = details.get("nextPageUrl")
    return items, next_url if isinstance(next_url, str) and next_url else None


def _last_id(items: Sequence[Mapping[str, Any]], default: int | None) -> int | None:
    return int(items[-1]["id"]) if items else default


def _response(
    items: list[dict[str, Any]], page_size: int, next_url: str | None, data: Any = None
) -> QueryResponse:
    # The rows were just parsed from JSON and checked to be objects: validating 500 dicts again
    # through pydantic cost ~1.4 ms a page, the client's main per-page overhead.
    details = data.get("pageDetails") if isinstance(data, Mapping) else None
    if not isinstance(details, Mapping):
        details = {"count": len(items), "requestCount": page_size, "nextPageUrl": next_url}
    page = QueryResponse.model_validate({"page_details": details})
    page.items = items
    return page


def _without(items: list[dict[str, Any]], excluded: frozenset[int]) -> list[dict[str, Any]]:
    return [r for r in items if _row_id(r) not in excluded] if excluded else items


def _row_id(row: Mapping[str, Any]) -> int:
    value = row.get("id")
    if value is None:
        raise AutotaskValidationError("a row came back without an id; cannot merge query parts")
    return int(value)


# The id-range pull (partitioned.py) reads pages and ids the same way.
row_id = _row_id
