"""Concurrent pulls: one query's rows fetched as disjoint id ranges, several requests in flight.

Autotask allows 3 requests in flight per integration and endpoint (FACTS §10), and a page holds
500 rows; following ``nextPageUrl`` keeps one request in flight, so a long pull takes three times
the API's floor. Autotask itself recommends the other way to page: "looping queries ... where
each query filters for an id value that is greater than the maximum value received in the
previous query" (FACTS §5). Such a query can also be bounded above, and then several run at once.

**How.** The first request is the query as asked (a small query stays one request). If it has a
next page, the rest of the id line above its last id is cut into *ranges*: ``workers - 1``
bounded ones, ``(after, upto]``, and an open *tail*, ``(after, ∞)``. Each range keeps one request
in flight: the query's own filters plus ``id gt after`` (and ``id lte upto``), where ``after`` is
the last id it received. When a range runs out while the tail still has rows, the tail is cut in
two at an estimated point (the new upper part becomes the tail): so ``workers`` requests stay in
flight until the end. A tail request sent before its range was cut is clipped to the new bound
(its rows above it belong to the new tail, which asks for them itself).

**Exactly once, ascending.** The ranges partition the ids above the first page, and within a range
each request asks only for ids above the last one received: no row can come twice, and a row
that exists for the whole pull is found by the one range that holds its id, whatever the ids'
distribution. A row created or deleted during the pull is found or not, as with sequential paging.
``pages(ordered=True)`` gives the pages in ascending id (a page waits until the ranges below it
are done; at most ``max_buffered`` pages wait: 12 keeps nearly 3 in flight with ranges of 8
pages, and as no request goes out while the consumer holds a page, a slow consumer is never more
than ``max_buffered`` + ``workers`` pages behind); ``ordered=False`` gives them as they arrive, each
a run of ascending ids disjoint from the others (``FrameBuilder`` puts them in order by their
first id), so nothing waits; with a ``limit`` pages always come in order (the limit keeps the
lowest ids).

**Cost.** The range widths are estimated from the ids' density in the last full page: a page of
ids per range at first, doubling with each cut of the tail up to ``pages_per_range`` pages (with
a count, each range its share of the pages left). Each range ends on a page that is usually not
full, and ranges beyond the last id answer empty, so a pull of P pages takes about P + ranges/2
requests; wider ranges waste fewer requests, narrower ones bound the ordered buffer. Requests
come from a pool of ``workers`` threads; the client's limiter still holds every endpoint to
``ClientConfig.thread_limit``. JSON decoding runs in those threads, so the consumer's page
building overlaps the network.

**Checked.** Every page is read by ``paging.read_page``: ``pageDetails`` present, URLs on the
API root, and ids ascending, above the range's last id and within the bound it was asked with;
else ``AutotaskResponseError`` (a server that ignores the ``id`` bounds cannot make a range
repeat its rows, nor run forever).

**Interrupted.** When a request after the first page fails for good (after the transport's
retries), the requests still in flight are waited for and their pages kept, then
``AutotaskPullInterruptedError`` is raised from the error. Its ``resume()`` is an iterator of
the pages not yielded yet: the pages kept first, then every range not done, each from its last
id (the failed request's range asks its page again; no page that came in is asked for twice).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from autotask_pandas.client.paging import QueryPlan, interrupted, read_page, row_id
from autotask_pandas.exceptions import AutotaskException
from autotask_pandas.types import FilterOperation, QueryFilter

__all__ = ["RangePull"]

Rows = list[dict[str, Any]]
PostJSON = Callable[[str, dict[str, Any], int | None], Any]


@dataclass(eq=False)
class _Range:
    after: int  # ids above this one ...
    upto: int | None  # ... up to and including this one (None: the tail, no upper bound)
    pages: deque[Rows] = field(default_factory=deque)
    pending: Future[Any] | None = None
    sent_upto: int | None = None  # the bound the pending request was sent with
    done: bool = False
    full: bool = False  # its last answer was a full page: rows go on above it


@dataclass(eq=False)
class _Pull:
    """Where a pull past its first page stands: kept across an interruption, for ``resume``."""

    ordered: bool
    size: int  # rows a request asks for
    limit: int | None
    ranges: list[_Range]
    span: int  # ids a full page covers (estimated)
    pages: int  # pages of ids of a new range (grows with each cut of the tail)
    delivered: int  # rows yielded
    received: int  # rows received (yielded or waiting in ``pages``)
    head: int = 0  # ranges[:head] are done and emptied (ordered mode)
    buffered: int = 0  # pages waiting in ranges' ``pages`` (ordered mode)
    buffered_rows: int = 0  # their rows, until counted as delivered (what a limit weighs)
    total: int | None = None  # the server's count at the start, when known (a hint only)
    # Pages counted as delivered, to be yielded once the ranges have their next requests out
    # (ordered mode: still counted in ``buffered`` until yielded).
    ready: deque[Rows] = field(default_factory=deque)

    @property
    def width(self) -> int:
        """Ids of a new bounded range."""
        return self.span * self.pages


class RangePull:
    """One simple query (``plan.is_simple``) pulled over id ranges; see the module docstring.

    ``post(url, body, impersonation)`` sends one POST (thread-safe) and returns the parsed JSON;
    ``url`` is the query URL (``…/V1.0/Tickets/query``). ``limit``: stop after this many rows
    (no request is sent for rows beyond it that could not be needed). Iterate ``pages()``.
    """

    def __init__(
        self,
        post: PostJSON,
        url: str,
        plan: QueryPlan,
        *,
        workers: int = 3,
        impersonation: int | None = None,
        limit: int | None = None,
        pages_per_range: int = 8,
        max_buffered: int = 12,
        total: Future[int] | None = None,
    ) -> None:
        if not plan.is_simple:
            raise ValueError("a RangePull runs one unsplit query; split queries page by merging")
        self._post = post
        self._url = url
        # Page URLs must stay where the query was sent: ``…/V1.0/`` of ``…/V1.0/Tickets/query``.
        suffix = f"{plan.entity}/query"
        self._root = url[: -len(suffix)] if url.endswith(suffix) else url.rsplit("/", 1)[0] + "/"
        self._plan = plan
        self._filters: tuple[QueryFilter, ...] = plan.parts[0]
        self._workers = max(1, workers)
        self._impersonation = impersonation
        self._limit = limit
        self._pages_per_range = max(1, pages_per_range)
        self._max_buffered = max(1, max_buffered)
        self._total = total
        self.requests = 0  # requests sent (for benchmarks and tests)

    # -- requests -------------------------------------------------------------------------------

    def _fetch(self, after: int | None, upto: int | None, size: int) -> Any:
        """One request (in a worker thread): the parsed JSON, read and checked by the consumer."""
        filters = list(self._filters)
        if after is not None:
            filters.append(QueryFilter(field="id", op=FilterOperation.GT, value=after))
        if upto is not None:
            filters.append(QueryFilter(field="id", op=FilterOperation.LTE, value=upto))
        body = self._plan.body(filters, size)
        return self._post(self._url, body, self._impersonation)

    def _read(self, data: Any, after: int | None, upto: int | None) -> tuple[Rows, str | None]:
        return read_page(data, url=self._url, root=self._root, after=after, upto=upto)

    def _submit(self, pool: ThreadPoolExecutor, r: _Range, size: int) -> None:
        r.sent_upto = r.upto
        r.pending = pool.submit(self._fetch, r.after, r.upto, size)
        self.requests += 1

    # -- pages ----------------------------------------------------------------------------------

    def pages(self, *, ordered: bool = True) -> Iterator[Rows]:
        """Pages of rows (lists of API dicts), each once; see the module docstring. A request
        after the first page that fails for good raises ``AutotaskPullInterruptedError``, whose
        ``resume()`` is an iterator of the pages not yielded yet."""
        limit = self._limit
        if limit is not None and limit <= 0:
            return
        # A limit wants the lowest ids: rows of a later range may only go once those below are in.
        ordered = ordered or limit is not None
        size = self._plan.page_size if limit is None else max(1, min(self._plan.page_size, limit))
        items, next_url = self._read(self._fetch(None, None, size), None, None)
        self.requests += 1
        items = items[:limit] if limit is not None else items
        delivered = len(items)
        if items:
            yield items
        if not next_url or not items or (limit is not None and delivered >= limit):
            return
        span = _span(items, size)
        last = row_id(items[-1])
        # Without a count, the first ranges are a page of ids each, and each cut of the tail
        # doubles the width of new ranges up to ``pages_per_range``: a small pull is not one
        # long chain of pages (5,000 rows took 9 round trips with ranges of 8 pages from the
        # start), and a large one still spends few requests on ranges' short last pages.
        pages = 1
        workers = self._workers
        total = self._known_total()
        if total is not None:
            # As many ranges as the rows left fill pages (one page left: the tail alone), each
            # about its share of them: no range is sent past the last id to come back empty.
            pages_left = max(1, -(-(total - delivered) // size))
            workers = min(workers, pages_left)
            pages = -(-pages_left // workers)
        width = span * pages  # as ``_Pull.width``
        ranges: list[_Range] = [
            _Range(last + k * width, last + (k + 1) * width) for k in range(workers - 1)
        ]
        ranges.append(_Range(last + (workers - 1) * width, None))
        state = _Pull(ordered, size, limit, ranges, span, pages, delivered, delivered, total=total)
        yield from self._run(state)

    def _known_total(self) -> int | None:
        """The server's count of the rows, when the caller asked for it (a progress bar's total,
        in flight with the first page): waited for here, or None if it failed."""
        if self._total is None:
            return None
        try:
            return int(self._total.result())
        except Exception:  # a count that failed only costs the planning its hint
            return None

    def _run(self, state: _Pull) -> Iterator[Rows]:
        """The pull past its first page, from where ``state`` stands."""
        ranges, limit, size, ordered = state.ranges, state.limit, state.size, state.ordered
        if not ordered:  # pages kept at an interruption go first
            for r in ranges:
                while r.pages:
                    rows = r.pages.popleft()
                    state.delivered += len(rows)
                    yield rows
        pool = ThreadPoolExecutor(self._workers, thread_name_prefix="autotask-pull")
        try:
            while True:
                head = state.head
                open_ranges = [r for r in ranges[head:] if not r.done or r.pages]
                if _limit_reached(state):  # nothing more to ask for: hand out what is in
                    yield from _drain(state)
                    return
                span, width = state.span, state.width
                in_flight = sum(1 for r in open_ranges if r.pending is not None)
                potential = state.delivered + state.buffered_rows + size * in_flight
                expected = 0.0  # rows the open ranges below ``r`` should still give
                for r in open_ranges:
                    if in_flight >= self._workers:
                        break
                    if limit is not None and r is not ranges[head]:
                        # No request for a range whose rows the limit will not reach.
                        if state.delivered + state.buffered_rows + expected >= limit:
                            break
                    expected += _expected_rows(r, span, size)
                    if r.done or r.pending is not None:
                        continue
                    # The lowest open range is always asked: every other page waits on it.
                    if r is not ranges[head]:
                        if limit is not None and potential >= limit:
                            break
                        if ordered and state.buffered >= self._max_buffered:
                            break
                    self._submit(pool, r, size)
                    in_flight += 1
                    potential += size
                while (
                    in_flight < self._workers
                    and (
                        limit is None
                        or state.delivered
                        + state.buffered_rows
                        + _bounded(ranges[head:], span, size)
                        < limit
                    )
                    and not (ordered and state.buffered >= self._max_buffered)
                    # With the count known: no new range once the requests in flight can bring
                    # every row left (a range past the last id would only come back empty).
                    and not (
                        state.total is not None and state.received + size * in_flight >= state.total
                    )
                ):
                    # An idle worker: cut the range with the most ids left (the tail first).
                    cut = _cut(ranges[head:], span, width)
                    if cut is None:
                        break
                    victim, at = cut
                    if limit is not None and victim.upto is None:
                        # A cut bounds the tail: if the rows it may still give reach the limit,
                        # the new tail would be asked in vain.
                        bounded = _bounded(ranges[head:], span, size)
                        tail = _expected_rows(_Range(victim.after, at), span, size)
                        if state.delivered + state.buffered_rows + bounded + tail >= limit:
                            break
                    piece = _Range(at, victim.upto)
                    victim.upto = at
                    ranges.insert(ranges.index(victim) + 1, piece)
                    self._submit(pool, piece, size)
                    in_flight += 1
                    potential += size
                    if piece.upto is None and state.pages < self._pages_per_range:
                        state.pages = min(2 * state.pages, self._pages_per_range)
                        width = state.width
                # The pages that came in go to the consumer only now, with every range's next
                # request already on the wire: the consumer's work on a page (a frame being
                # built) overlaps the network instead of holding the next requests back.
                yield from _drain(state)
                if _limit_reached(state) or not open_ranges:
                    return
                pending = [r.pending for r in ranges[head:] if r.pending is not None]
                if pending:
                    finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for r in ranges[head:]:
                        if r.pending is not None and r.pending in finished:
                            rows = self._take(state, r)
                            if rows and not ordered:
                                rows = _deliver(state, rows)
                                if rows:
                                    state.ready.append(rows)
                if ordered:
                    while state.head < len(ranges) and not _limit_reached(state):
                        r = ranges[state.head]
                        while r.pages and not _limit_reached(state):
                            page = r.pages.popleft()
                            state.buffered_rows -= len(page)
                            rows = _deliver(state, page)
                            if rows:
                                state.ready.append(rows)  # still counted in ``buffered``
                            else:
                                state.buffered -= 1
                        if r.pages or not (r.done and r.pending is None):
                            break
                        state.head += 1
                else:
                    while (
                        state.head < len(ranges)
                        and ranges[state.head].done
                        and not ranges[state.head].pending
                    ):
                        state.head += 1
        finally:
            # An early stop (limit, a closed generator, an error) leaves nothing running for long:
            # queued requests are cancelled; those on the wire finish in their threads.
            pool.shutdown(wait=False, cancel_futures=True)

    def _take(self, state: _Pull, r: _Range) -> Rows:
        """The finished request of ``r``: its rows, buffered in ``r.pages`` (ordered mode) or
        returned to be yielded. A request that failed for good interrupts the pull (see the
        module docstring); an answer that breaks paging's promises raises as it is."""
        future = r.pending
        assert future is not None
        try:
            future.result()
        except AutotaskException as exc:
            r.pending = None
            self._keep_in_flight(state)
            raise interrupted(
                self._plan.entity, exc, state.received, partial(self._run, state)
            ) from exc
        return self._accept(state, r)

    def _keep_in_flight(self, state: _Pull) -> None:
        """Wait for the requests still on the wire and keep their pages for ``resume``."""
        for r in state.ranges:
            if r.pending is None:
                continue
            wait([r.pending])
            if r.pending.exception() is not None:
                r.pending = None  # this range asks again on resume
                continue
            rows = self._accept(state, r)
            if rows and not state.ordered:
                r.pages.append(rows)

    def _accept(self, state: _Pull, r: _Range) -> Rows:
        got = self._receive(r)
        if got is None:
            return []
        sent, rows = got
        state.received += len(rows)
        r.full = sent == state.size
        if sent == len(rows) == state.size:
            state.span = _span(rows, state.size)
        if rows and state.ordered:
            r.pages.append(rows)
            state.buffered += 1
            state.buffered_rows += len(rows)
            return []
        return rows

    def _receive(self, r: _Range) -> tuple[int, Rows] | None:
        """Take the finished request of ``r``: (rows the server sent, rows kept). Raises its
        error. Rows above a bound set after the request was sent belong to a later range."""
        assert r.pending is not None
        future, r.pending = r.pending, None
        items, next_url = self._read(future.result(), r.after, r.sent_upto)
        sent = len(items)
        if r.upto is not None and (r.sent_upto is None or r.sent_upto > r.upto):
            kept = [row for row in items if row_id(row) <= r.upto]
            if len(kept) < len(items):
                next_url = None  # the page went past the bound: the range is covered
            items = kept
        if items:
            r.after = row_id(items[-1])
        if not next_url or not items:
            r.done = True
        return sent, items


def _deliver(state: _Pull, rows: Rows) -> Rows:
    """``rows`` cut to what the limit still wants, counted as delivered."""
    if state.limit is not None:
        rows = rows[: state.limit - state.delivered]
    state.delivered += len(rows)
    return rows


def _drain(state: _Pull) -> Iterator[Rows]:
    """Yield the pages ``state`` holds ready, in order (ordered mode: each leaves ``buffered``)."""
    while state.ready:
        rows = state.ready.popleft()
        if state.ordered:
            state.buffered -= 1
        yield rows


def _limit_reached(state: _Pull) -> bool:
    return state.limit is not None and state.delivered >= state.limit


def _cut(ranges: Sequence[_Range], span: int, width: int) -> tuple[_Range, int] | None:
    """The range to cut for an idle worker and where: the open tail ``width`` ids past what its
    pending request will likely bring; else the bounded range with the most ids left, in half
    (rounded down to whole pages of ids), if each half would hold at least a page of ids. None
    when no range is worth cutting.

    Only a range whose last answer was a full page is cut: rows go on there. A range not answered
    yet, or answered short, may hold nothing more; cutting it anyway sent a new tail past the
    last id on every idle turn (a 1,000-row pull at 150 ms took 31 requests, all but 3 empty)."""
    best: tuple[_Range, int] | None = None
    most = 0
    for r in ranges:
        if r.done or not r.full:
            continue
        start = r.after + (span if r.pending is not None else 0)
        if r.upto is None:
            return r, start + width
        left = r.upto - start
        if left >= 2 * span and left > most:
            # At a whole number of pages from ``start``: with ids as dense as judged, each part
            # ends on a full page instead of a short one (a request spent on a few rows).
            best, most = (r, start + (left // span // 2) * span), left
    return best


def _bounded(ranges: Sequence[_Range], span: int, size: int) -> float:
    """Rows the open bounded ranges should still give."""
    return sum(_expected_rows(r, span, size) for r in ranges if r.upto is not None)


def _expected_rows(r: _Range, span: int, size: int) -> float:
    """Rows a range should still give, judged by the ids' density (a tail: no end in sight)."""
    if r.done:
        return 0.0
    if r.upto is None:
        return float("inf")
    return max(0, r.upto - r.after) * size / span


def _span(items: Sequence[Mapping[str, Any]], size: int) -> int:
    """Ids a full page of ``size`` rows covers, judged from ``items`` (ascending ids).

    Judged from the page's upper half, nearest the ids still to come: a lone low id (the owner
    company, id 0, before ids in the tens of millions) would otherwise make every range so wide
    that one range holds all the rows and the others come back empty."""
    if len(items) < 2:
        return max(size, 1)
    mid = (len(items) - 1) // 2
    first, last = row_id(items[mid]), row_id(items[-1])
    per_row = (last - first) / (len(items) - 1 - mid)
    return max(size, round(per_row * size))
