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
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from pydantic import ValidationError

from autotask_pandas.exceptions import AutotaskValidationError
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
    "normalise_filters",
    "parse_page",
    "plan_query",
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
    """How a page of an unsplit query was asked for: its next page is POSTed with ``body``."""

    plan: QueryPlan
    body: dict[str, Any]
    impersonation_resource_id: int | None = None

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


class Pager:
    """Runs query plans: pages, rows, counts. ``post(url, body, impersonation)`` sends a POST and
    returns the parsed body; ``url(path)`` makes an absolute API URL from ``Tickets/query``."""

    def __init__(self, post: PostJSON, url: Callable[[str], str]) -> None:
        self._post = post
        self._url = url

    # -- pages --------------------------------------------------------------------------------

    def first_page(
        self, plan: QueryPlan, *, impersonation: int | None = None, page_size: int | None = None
    ) -> QueryResponse:
        """The first page: at most ``page_size`` rows, the lowest ids of the whole answer."""
        size = page_size or plan.page_size
        if plan.is_simple:
            body = plan.body(plan.parts[0], size)
            data = self._post(self._url(f"{plan.entity}/query"), body, impersonation)
            items, next_url = _parse_page(data)
            page = _response(items, size, next_url, data)
            page._request = QueryState(plan, body, impersonation)
            return page
        excluded = self._ids_of(plan, plan.exclusions, impersonation)
        cursors = []
        for filters in plan.parts:
            body = plan.body(filters, size)
            data = self._post(self._url(f"{plan.entity}/query"), body, impersonation)
            items, next_url = _parse_page(data)
            cursors.append(_PartCursor(body, _without(items, excluded), 0, next_url))
        state = MergeState(plan, size, tuple(cursors), excluded, None, impersonation)
        return self._merged_page(state)

    def next_page(self, page: QueryResponse) -> QueryResponse | None:
        """The page after ``page``; None after the last."""
        state = page._request
        if isinstance(state, MergeState):
            if not state.has_more_parts:
                return None
            following = self._merged_page(state)
            return following if following.items else None
        if not isinstance(state, QueryState):
            raise AutotaskValidationError(
                "this QueryResponse was not made by the client's query(); it has no request to follow"
            )
        next_url = page.page_details.next_page_url
        if not next_url:
            return None
        # Verbatim, POSTed with the body of the first request.
        data = self._post(next_url, state.body, state.impersonation_resource_id)
        items, following_url = _parse_page(data)
        following = _response(items, int(state.body["MaxRecords"]), following_url, data)
        following._request = state
        return following

    def iter_pages(self, first: QueryResponse) -> Iterator[QueryResponse]:
        page: QueryResponse | None = first
        while page is not None:
            yield page
            page = self.next_page(page)

    # -- rows ---------------------------------------------------------------------------------

    def iter_rows(
        self, plan: QueryPlan, *, impersonation: int | None = None, limit: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every row once, in ascending id; the first ``limit`` rows of them with a limit."""
        if limit is not None and limit <= 0:
            return
        page_size = plan.page_size if limit is None else max(1, min(plan.page_size, limit))
        first = self.first_page(plan, impersonation=impersonation, page_size=page_size)
        rows = (row for page in self.iter_pages(first) for row in page.items)
        yield from itertools.islice(rows, limit)

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
            next_url: str | None = url
            while next_url:
                items, next_url = _parse_page(self._post(next_url, body, impersonation))
                ids.update(_row_id(r) for r in items)
        return frozenset(ids)

    def _fill(self, cursor: _PartCursor, state: MergeState) -> _PartCursor:
        """The cursor with rows to merge: its next pages fetched while it has none left."""
        while cursor.start >= len(cursor.rows) and cursor.next_url:
            data = self._post(cursor.next_url, cursor.body, state.impersonation_resource_id)
            items, next_url = _parse_page(data)
            cursor = _PartCursor(cursor.body, _without(items, state.excluded_ids), 0, next_url)
        return cursor

    def _merged_page(self, state: MergeState) -> QueryResponse:
        """The next ``page_size`` rows of the union, lowest ids first, each id once. A part's next
        page is fetched only when its rows are used up and more rows are still wanted."""
        cursors = list(state.cursors)
        heap: list[tuple[int, int]] = []
        for i, cursor in enumerate(cursors):
            cursors[i] = cursor = self._fill(cursor, state)
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
                cursor = self._fill(cursor, state)
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


def _parse_page(data: Any) -> tuple[list[dict[str, Any]], str | None]:
    """The rows and the next page's URL of a query answer; an error for anything else."""
    if not isinstance(data, Mapping) or "items" not in data:
        raise AutotaskValidationError(f"unexpected query answer from the API: {str(data)[:200]!r}")
    items = data.get("items") or []
    if not isinstance(items, list) or not all(isinstance(r, dict) for r in items):
        raise AutotaskValidationError(f"unexpected query answer from the API: {str(data)[:200]!r}")
    details = data.get("pageDetails")
    next_url = details.get("nextPageUrl") if isinstance(details, Mapping) else None
    return items, next_url if isinstance(next_url, str) and next_url else None


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
parse_page = _parse_page
row_id = _row_id
