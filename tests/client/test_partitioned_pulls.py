"""Concurrent pulls over id ranges (issue 10): every row exactly once, in ascending id, whatever
the ids' distribution, with rows created and deleted while the pull runs.

The server is the sandbox's WSGI app on a store holding exactly the generated ticket ids, reached
in process; small pages (``page_size``) make a few hundred rows span many ranges. Rows are
created and deleted *by the server* between requests (a WSGI wrapper around the app, on chosen
query requests), so the pull sees the table change under it, as a live pull could.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autotask_pandas import AuthCredentials, AutotaskClient, ClientConfig
from autotask_pandas.catalog import load_catalog
from autotask_pandas.sandbox import SandboxApp, SandboxSettings, SandboxTransport
from autotask_pandas.sandbox.store import Store
from autotask_pandas.sandbox.tenant import DEMO_API_USER

URL = "http://127.0.0.1:9/ATServicesRest/"  # never dialled: the transport is in process


class Server:
    """The sandbox app on one store, with changes to the table made on chosen requests."""

    def __init__(self) -> None:
        self.store = Store(load_catalog())
        # One server serves the whole module, thousands of small pulls: past half of the default
        # hourly budget (10,000) the sandbox would slow every answer by 0.5 s, as Autotask does.
        self.app = SandboxApp(self.store, SandboxSettings(hourly_limit=10_000_000))
        self.changes: dict[int, Callable[[], None]] = {}
        self.queries = 0
        self.peak = 0
        self._in_flight = 0
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)

    def reset(self, ids: Iterable[int]) -> None:
        # A pull stopped early (a limit) leaves its requests on the wire to finish in their
        # threads: they must not count against the next pull.
        with self._idle:
            assert self._idle.wait_for(lambda: self._in_flight == 0, timeout=10)
        with self.store.lock:
            self.store.conn.execute(f'DELETE FROM "{self.store.tables["Tickets"].sql_name}"')
        self.store.load("Tickets", ({"id": i, "title": f"t{i}"} for i in ids))
        self.changes = {}
        self.queries = 0
        self.peak = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        is_query = environ["PATH_INFO"].lower().endswith("/tickets/query")
        if is_query:
            with self._lock:
                self.queries += 1
                number = self.queries
                self._in_flight += 1
                self.peak = max(self.peak, self._in_flight)
            change = self.changes.get(number)
            if change is not None:
                change()
        try:
            return list(self.app(environ, start_response))
        finally:
            if is_query:
                with self._lock:
                    self._in_flight -= 1
                    self._idle.notify_all()

    def client(self) -> AutotaskClient:
        user = DEMO_API_USER
        creds = AuthCredentials(user.username, user.integration_code, user.secret, api_url=URL)
        config = ClientConfig(transport=SandboxTransport(app=self), threshold_check_every=0)
        return AutotaskClient(creds, config)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Server, AutotaskClient]]:
    srv = Server()
    with srv.client() as client:
        yield srv, client


def pull(client: AutotaskClient, page_size: int, **options: Any) -> list[list[int]]:
    pages = client.iter_row_pages("Tickets", include_fields=["id"], page_size=page_size, **options)
    return [[int(row["id"]) for row in page] for page in pages]


# -- id distributions ----------------------------------------------------------------------------

random_ids = st.sets(st.integers(0, 100_000), max_size=300)
sparse_ids = st.sets(st.integers(0, 2**40), max_size=60)


@st.composite
def clustered_ids(draw: st.DrawFn) -> set[int]:
    ids: set[int] = set()
    for _ in range(draw(st.integers(0, 6))):
        start = draw(st.integers(0, 10**7))
        ids.update(range(start, start + draw(st.integers(1, 120))))
    return ids


any_ids = st.one_of(random_ids, sparse_ids, clustered_ids())
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(ids=any_ids, page_size=st.integers(2, 40))
def test_every_row_once_in_ascending_id(
    server: tuple[Server, AutotaskClient], ids: set[int], page_size: int
) -> None:
    srv, client = server
    srv.reset(ids)
    pages = pull(client, page_size)
    got = [i for page in pages for i in page]
    assert got == sorted(ids)
    assert srv.peak <= client.config.thread_limit
    if len(ids) <= page_size:
        assert srv.queries == 1  # a small query stays one request


@SETTINGS
@given(ids=any_ids, page_size=st.integers(2, 40))
def test_pages_as_they_arrive_are_disjoint_ascending_runs(
    server: tuple[Server, AutotaskClient], ids: set[int], page_size: int
) -> None:
    srv, client = server
    srv.reset(ids)
    pages = pull(client, page_size, ordered=False)
    assert all(page == sorted(set(page)) and page for page in pages)
    assert sorted(i for page in pages for i in page) == sorted(ids)
    assert sum(len(page) for page in pages) == len(ids)


@SETTINGS
@given(ids=any_ids, page_size=st.integers(2, 40), limit=st.integers(0, 400))
def test_a_limit_gives_the_lowest_ids(
    server: tuple[Server, AutotaskClient], ids: set[int], page_size: int, limit: int
) -> None:
    srv, client = server
    srv.reset(ids)
    got = [i for page in pull(client, page_size, limit=limit) for i in page]
    assert got == sorted(ids)[:limit]


@SETTINGS
@given(
    ids=st.one_of(random_ids, clustered_ids()),
    page_size=st.integers(2, 25),
    data=st.data(),
)
def test_rows_created_and_deleted_during_the_pull(
    server: tuple[Server, AutotaskClient], ids: set[int], page_size: int, data: st.DataObject
) -> None:
    srv, client = server
    srv.reset(ids)
    ordered_ids = sorted(ids)
    deleted = set(data.draw(st.lists(st.sampled_from(ordered_ids), max_size=20))) if ids else set()
    created = data.draw(st.sets(st.integers(0, 10**7 + 200), max_size=20)) - ids
    moments = data.draw(st.lists(st.integers(2, 12), min_size=1, max_size=4))
    batches: list[tuple[list[int], list[int]]] = [([], []) for _ in moments]
    for k, i in enumerate(sorted(deleted)):
        batches[k % len(moments)][0].append(i)
    for k, i in enumerate(sorted(created)):
        batches[k % len(moments)][1].append(i)

    def change(gone: list[int], new: list[int]) -> Callable[[], None]:
        def run() -> None:
            for i in gone:
                srv.store.delete("Tickets", i)
            srv.store.load("Tickets", ({"id": i, "title": "new"} for i in new))

        return run

    for moment, (gone, new) in zip(moments, batches, strict=True):
        previous = srv.changes.get(moment)
        step = change(gone, new)
        srv.changes[moment] = step if previous is None else _both(previous, step)
    got = [i for page in pull(client, page_size) for i in page]
    assert got == sorted(set(got))  # ascending, each once
    assert set(ids) - deleted <= set(got)  # every row there for the whole pull is found
    assert set(got) <= set(ids) | created  # nothing else


def test_a_long_pull_keeps_the_thread_limit_in_flight(
    server: tuple[Server, AutotaskClient],
) -> None:
    srv, client = server
    srv.reset(range(1_000, 3_000))
    barrier = threading.Barrier(client.config.thread_limit, timeout=20)
    met: list[int] = []

    def three_at_once() -> None:
        # The 2nd to 4th requests (after the first page) are answered only once all three have
        # arrived together: a pull with fewer in flight breaks the barrier and fails.
        met.append(barrier.wait())

    srv.changes = {2: three_at_once, 3: three_at_once, 4: three_at_once}
    pages = pull(client, 20)
    assert [i for page in pages for i in page] == list(range(1_000, 3_000))
    assert sorted(met) == [0, 1, 2]
    assert srv.peak == client.config.thread_limit
    # 100 pages of 20: ranges end on pages that are not full, so a few requests more, not many.
    assert 100 <= srv.queries <= 100 + 100 // 8 + client.config.thread_limit


def _both(first: Callable[[], None], second: Callable[[], None]) -> Callable[[], None]:
    def run() -> None:
        first()
        second()

    return run


# -- planned from the count (a progress bar's total) -----------------------------------------------


def counted(n: int) -> Future[int]:
    done: Future[int] = Future()
    done.set_result(n)
    return done


@SETTINGS
@given(ids=any_ids, page_size=st.integers(2, 40), off=st.integers(-50, 50))
def test_a_count_hint_plans_the_ranges_and_never_loses_a_row_even_when_wrong(
    server: tuple[Server, AutotaskClient], ids: set[int], page_size: int, off: int
) -> None:
    # The count is a snapshot (rows come and go during a pull) or plain wrong: it may only
    # change how many requests are sent, never which rows come back.
    srv, client = server
    srv.reset(ids)
    pages = pull(client, page_size, total=counted(max(0, len(ids) + off)))
    assert [i for page in pages for i in page] == sorted(ids)
    assert srv.peak <= client.config.thread_limit


@pytest.mark.parametrize("rows", [600, 1_000, 1_500, 2_600, 10_000])
def test_with_the_count_a_pull_sends_about_one_request_a_page(
    server: tuple[Server, AutotaskClient], rows: int
) -> None:
    # Consecutive ids (as the demo's): without the count, ranges cut past the last id come back
    # empty (a 600-row pull took 7 requests in B4); with it, one request a page, plus at most
    # one more per range (each range ends on a page that is not full).
    srv, client = server
    srv.reset(range(1, rows + 1))
    pages = pull(client, 500, total=counted(rows))
    assert [i for page in pages for i in page] == list(range(1, rows + 1))
    full_pages = -(-rows // 500)
    ranges = min(client.config.thread_limit, full_pages - 1)
    assert srv.queries <= full_pages + max(0, ranges - 1)
    if rows <= 1_000:
        assert srv.queries == full_pages  # two pages: the first, then the rest in one


def test_a_lone_low_id_does_not_spoil_the_plan(server: tuple[Server, AutotaskClient]) -> None:
    # Companies: the owner company is id 0, the others start in the tens of millions. Judged
    # from the whole first page, a range would be ~60,000 ids wide per row and hold everything.
    srv, client = server
    ids = [0, *range(29_683_400, 29_683_400 + 1_500)]
    srv.reset(ids)
    pages = pull(client, 500, total=counted(len(ids)))
    assert [i for page in pages for i in page] == ids
    assert srv.queries <= 4 + 2  # 4 pages, and at most one short page per range but the last


def test_a_pull_without_a_count_cuts_no_range_past_the_last_row(
    server: tuple[Server, AutotaskClient],
) -> None:
    # 1,000 rows at the bottom of a wide id space: the first page, then the rest. A range is cut
    # only where its last answer was a full page, so idle workers do not send new tails past the
    # last id on every turn (31 requests, all but 3 empty, before).
    srv, client = server
    srv.reset([*range(1, 1_001), 10_000_000])
    pages = pull(client, 500, limit=1_000)
    assert [i for page in pages for i in page] == list(range(1, 1_001))
    srv.reset(range(1, 1_001))
    pages = pull(client, 500)
    assert [i for page in pages for i in page] == list(range(1, 1_001))
    assert srv.queries <= 4  # the first page, and three ranges sent together, nothing more


def test_a_small_pull_without_a_count_sends_its_pages_together(
    server: tuple[Server, AutotaskClient],
) -> None:
    # 2,000 consecutive ids: the first page, then three ranges of a page each, submitted
    # together. Ranges of 8 pages from the start made one range a chain of requests, one after
    # another, while the others came back empty (8 requests; now 4, in 2 round trips).
    srv, client = server
    srv.reset(range(1, 2_001))
    pages = pull(client, 500)
    assert [i for page in pages for i in page] == list(range(1, 2_001))
    assert srv.queries == 4


class LowestRangeLast:
    """Around the ``Server``: the request of the lowest range (``id gt`` ``after``) is answered
    only once another range's has been, and the client had ``grace`` seconds to act on that page
    (to send a request it should not: one arriving ends the wait at once). A higher range's page
    comes in first."""

    def __init__(self, srv: Server, after: int, grace: float = 1.0) -> None:
        self.srv = srv
        self.after = after
        self.grace = grace
        self.other_answered = threading.Event()
        self.one_more = threading.Event()
        self.held: list[bool] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        body = environ["wsgi.input"].read()
        environ["wsgi.input"] = io.BytesIO(body)
        filters = json.loads(body or b"{}").get("filter", [])
        lowest = {"op": "gt", "field": "id", "value": self.after} in filters
        a_range = any(f.get("op") == "gt" for f in filters)  # not the first page
        if lowest:
            self.held.append(self.other_answered.wait(5.0))
            self.one_more.wait(self.grace)
        elif self.other_answered.is_set():
            self.one_more.set()
        try:
            return self.srv(environ, start_response)
        finally:
            if a_range and not lowest:
                self.other_answered.set()


def test_a_limit_weighs_rows_waiting_for_a_lower_range_not_pages() -> None:
    # Pages of 200, limit 450: the first page and two ranges (ids 201-400, 401-600) reach it.
    # When the higher range came in first, its page waited counted as 1 (a page) instead of
    # 200 rows, and the limit sent a third range for nothing.
    srv = Server()
    srv.reset(range(1, 1_001))
    wrapper = LowestRangeLast(srv, after=200)
    user = DEMO_API_USER
    creds = AuthCredentials(user.username, user.integration_code, user.secret, api_url=URL)
    config = ClientConfig(transport=SandboxTransport(app=wrapper), threshold_check_every=0)
    with AutotaskClient(creds, config) as client:
        pages = pull(client, 200, limit=450)
    assert [i for page in pages for i in page] == list(range(1, 451))
    assert wrapper.held == [True]
    assert srv.queries == 3
