"""Queries: the body the API expects, splitting what it cannot take, and walking the pages.

**Body.** ``{"filter": [...], "MaxRecords": n, "IncludeFields": [...]}``. No filter is sent as
``[{"op": "gte", "field": "id", "value": 0}]`` ("all rows"): the live API fails a query without a
``filter`` and returns nothing for an empty one. ``IncludeFields`` always carries ``id`` (the
API requires it past 500 rows, and merging relies on it).

**Splitting.** Autotask allows at most 500 OR conditions per query, and an ``in`` list counts one
per value. A top-level ``in`` longer than that becomes several queries, one per chunk of values,
whose (disjoint) results are merged in ascending id without duplicates. A top-level ``notIn``
longer than that keeps its first chunk in every query; the rows matching the other chunks are
found by the server with ``in`` queries and removed - the server decides what matches (case,
types, nulls), never a client-side comparison. Long lists inside and/or groups cannot be split
this way and are refused before any request. A second UDF condition is refused too (the API
allows one per query).

**Pages.** ``nextPageUrl`` is followed verbatim with the method and body of the first request: our
queries are POSTed, so their next pages are POSTed with the same body (a GET there is a 405).
``query()``/``get_next_page()`` walk a split query part after part; ``iter_rows`` merges the parts
so rows come once each, in ascending id.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
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
    "Pager",
    "QueryPlan",
    "QueryState",
    "normalise_filters",
    "plan_query",
]

MAX_PAGE_SIZE = 500
MAX_OR_CONDITIONS = 500
ALL_ROWS_FILTER = QueryFilter(field="id", op=FilterOperation.GTE, value=0)

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


@dataclass(frozen=True)
class QueryPlan:
    """One logical query as the requests it takes: ``parts`` (disjoint, their union is the
    answer) and ``exclusions`` (rows to remove, see the module docstring)."""

    entity: str
    parts: tuple[tuple[QueryFilter, ...], ...]
    exclusions: tuple[tuple[QueryFilter, ...], ...] = ()
    include_fields: tuple[str, ...] | None = None
    page_size: int = MAX_PAGE_SIZE

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
) -> QueryPlan:
    """Validate a query and split it into the requests the API can answer."""
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
    for f in top:
        for inner in (f.items and [x for i in f.items for x in i.walk()]) or ():
            if (
                inner.op in (FilterOperation.IN, FilterOperation.NOT_IN)
                and len(inner.value) > chunk_size
            ):
                raise AutotaskValidationError(
                    f"{inner.op.value} on {inner.field!r} has {len(inner.value)} values inside an "
                    f"{f.op.value!r} group; Autotask allows {chunk_size} OR conditions per query "
                    "and only top-level lists can be split. No request was sent"
                )

    big_in = [f for f in top if f.op is FilterOperation.IN and len(set(f.value)) > chunk_size]
    big_not_in = [
        f for f in top if f.op is FilterOperation.NOT_IN and len(set(f.value)) > chunk_size
    ]
    if len(big_not_in) > 1:
        raise AutotaskValidationError(
            "at most one notIn list longer than "
            f"{chunk_size} values can be split per query, got {len(big_not_in)}; no request was sent"
        )
    rest = [f for f in top if f not in big_in and f not in big_not_in]

    def chunked(f: QueryFilter, op: FilterOperation) -> list[QueryFilter]:
        values = list(dict.fromkeys(f.value))  # the same value twice is one condition
        return [
            QueryFilter(field=f.field, op=op, value=values[i : i + chunk_size], udf=f.udf)
            for i in range(0, len(values), chunk_size)
        ]

    in_choices = [chunked(f, FilterOperation.IN) for f in big_in]
    bases = [tuple(rest) + combo for combo in itertools.product(*in_choices)] or [tuple(rest)]
    parts: list[tuple[QueryFilter, ...]] = []
    exclusions: list[tuple[QueryFilter, ...]] = []
    if big_not_in:
        not_in = big_not_in[0]
        first, *others = chunked(not_in, FilterOperation.NOT_IN)
        for base in bases:
            parts.append(base + (first,))
            for chunk in others:
                # ``in chunk`` implies ``notIn first`` (the chunks are disjoint), so the exclusion
                # query needs only the base: that also keeps a UDF notIn to one UDF condition.
                exclusions.append(base + (replace_op(chunk, FilterOperation.IN),))
    else:
        parts = list(bases)

    fields = None
    if include_fields is not None:
        given = [include_fields] if isinstance(include_fields, str) else include_fields
        field_names = [str(n) for n in given]
        if not any(n.lower() == "id" for n in field_names):
            field_names.insert(0, "id")
        fields = tuple(dict.fromkeys(field_names))
    return QueryPlan(entity, tuple(parts), tuple(exclusions), fields, page_size)


def replace_op(f: QueryFilter, op: FilterOperation) -> QueryFilter:
    return QueryFilter(field=f.field, op=op, value=f.value, udf=f.udf)


@dataclass(frozen=True)
class QueryState:
    """How a page was asked for, kept (privately) on the ``QueryResponse``."""

    plan: QueryPlan
    part: int
    body: dict[str, Any]
    excluded_ids: frozenset[int] = frozenset()
    impersonation_resource_id: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def has_more_parts(self) -> bool:
        return self.part + 1 < len(self.plan.parts)


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
        excluded = self._excluded_ids(plan, impersonation)
        return self._part_page(plan, 0, excluded, impersonation, page_size)

    def next_page(self, page: QueryResponse) -> QueryResponse | None:
        state = page._request
        if not isinstance(state, QueryState):
            raise AutotaskValidationError(
                "this QueryResponse was not made by the client's query(); it has no request to follow"
            )
        next_url = page.page_details.next_page_url
        if next_url:
            # Verbatim, POSTed with the body of the first request of this part.
            data = self._post(next_url, state.body, state.impersonation_resource_id)
            return self._page(data, state)
        if state.has_more_parts:
            return self._part_page(
                state.plan,
                state.part + 1,
                state.excluded_ids,
                state.impersonation_resource_id,
                state.body.get("MaxRecords"),
            )
        return None

    def iter_pages(self, first: QueryResponse) -> Iterator[QueryResponse]:
        page: QueryResponse | None = first
        while page is not None:
            yield page
            page = self.next_page(page)

    # -- rows ---------------------------------------------------------------------------------

    def iter_rows(
        self, plan: QueryPlan, *, impersonation: int | None = None, limit: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every row once; ascending id across the parts of a split query."""
        if limit is not None and limit <= 0:
            return
        page_size = plan.page_size if limit is None else max(1, min(plan.page_size, limit))
        if plan.is_simple:
            first = self._part_page(plan, 0, frozenset(), impersonation, page_size)
            rows: Iterator[dict[str, Any]] = (r for p in self._iter_part(first) for r in p.items)
        else:
            excluded = self._excluded_ids(plan, impersonation)
            streams = [
                self._part_rows(plan, i, excluded, impersonation, page_size)
                for i in range(len(plan.parts))
            ]
            rows = _unique_by_id(heapq.merge(*streams, key=_row_id))
        yield from itertools.islice(rows, limit)

    def count(self, plan: QueryPlan, *, impersonation: int | None = None) -> int:
        total = 0
        for filters in plan.parts:
            total += self._count(plan, filters, impersonation)
        for filters in plan.exclusions:
            total -= self._count(plan, filters, impersonation)
        return total

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

    def _part_page(
        self,
        plan: QueryPlan,
        part: int,
        excluded: frozenset[int],
        impersonation: int | None,
        page_size: int | None,
    ) -> QueryResponse:
        body = plan.body(plan.parts[part], page_size)
        state = QueryState(plan, part, body, excluded, impersonation)
        data = self._post(self._url(f"{plan.entity}/query"), body, impersonation)
        return self._page(data, state)

    def _page(self, data: Any, state: QueryState) -> QueryResponse:
        if not isinstance(data, Mapping) or "items" not in data:
            raise AutotaskValidationError(
                f"unexpected query answer from the API: {str(data)[:200]!r}"
            )
        items = data.get("items") or []
        if not isinstance(items, list) or not all(isinstance(r, dict) for r in items):
            raise AutotaskValidationError(
                f"unexpected query answer from the API: {str(data)[:200]!r}"
            )
        # The rows were just parsed from JSON and checked to be objects above: validating 500
        # dicts again through pydantic cost ~1.4 ms a page, the client's main per-page overhead.
        page = QueryResponse.model_validate({"page_details": data.get("pageDetails") or {}})
        page.items = items
        if state.excluded_ids:
            page.items = [r for r in page.items if _row_id(r) not in state.excluded_ids]
        page._request = state
        return page

    def _iter_part(self, first: QueryResponse) -> Iterator[QueryResponse]:
        """The pages of one part only (not moving on to the next part)."""
        page: QueryResponse | None = first
        while page is not None:
            yield page
            state: QueryState = page._request
            next_url = page.page_details.next_page_url
            if not next_url:
                return
            data = self._post(next_url, state.body, state.impersonation_resource_id)
            page = self._page(data, state)

    def _part_rows(
        self,
        plan: QueryPlan,
        part: int,
        excluded: frozenset[int],
        impersonation: int | None,
        page_size: int | None,
    ) -> Iterator[dict[str, Any]]:
        first = self._part_page(plan, part, excluded, impersonation, page_size)
        for page in self._iter_part(first):
            yield from page.items

    def _excluded_ids(self, plan: QueryPlan, impersonation: int | None) -> frozenset[int]:
        if not plan.exclusions:
            return frozenset()
        ids: set[int] = set()
        only_ids = replace(plan, include_fields=("id",))
        for filters in plan.exclusions:
            first = self._part_page(
                replace(only_ids, parts=(filters,)), 0, frozenset(), impersonation, MAX_PAGE_SIZE
            )
            for page in self._iter_part(first):
                ids.update(_row_id(r) for r in page.items)
        return frozenset(ids)


def _row_id(row: Mapping[str, Any]) -> int:
    value = row.get("id")
    if value is None:
        raise AutotaskValidationError("a row came back without an id; cannot merge query parts")
    return int(value)


def _unique_by_id(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    seen: set[int] = set()
    for row in rows:
        rid = _row_id(row)
        if rid not in seen:
            seen.add(rid)
            yield row
