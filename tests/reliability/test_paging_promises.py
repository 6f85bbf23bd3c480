"""Paging's own promises, and resuming an interrupted pull (issue 11, sections 1 and 3).

Every answer here comes from a loopback server of the test's own (``PageProxy``): it forwards each
request to the demo sandbox (in process) and may change the answer before it goes back: drop
``pageDetails``, point ``nextPageUrl`` elsewhere, reorder ids, or answer 503 from the Nth page
request on (an outage). The client runs unchanged against it, over real HTTP.

Promises (``client/paging.py``, ``client/partitioned.py``): a page without ``pageDetails`` is an
``AutotaskResponseError``, never the last page; a ``nextPageUrl`` already followed is refused, not
followed forever; ids ascend and never repeat across pages; every URL followed stays on the API
root (scheme, host, port, path prefix) and one that leaves it is never requested; progress moves
once per page.

Resume: a pull stopped after its first page by a request that keeps failing raises
``AutotaskPullInterruptedError``; ``resume()`` fetches only what is missing and the result equals
the fault-free one, with no page that had come in asked for again.
"""

from __future__ import annotations

import json
import pickle
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import urlsplit, urlunsplit

import httpx
import pandas as pd
import pytest
from helpers import FAST, Answer, LoopbackServer, new_sandbox

from autotask_pandas import AuthCredentials, AutotaskClient, ClientConfig, read_autotask
from autotask_pandas.exceptions import AutotaskException, AutotaskResponseError
from autotask_pandas.sandbox import Sandbox

ROWS_1200 = {"op": "lt", "field": "id", "value": 8200}  # the demo tenant's tickets 7000-8199
ROWS_2000 = {"op": "lt", "field": "id", "value": 9000}
QUERY = "/ATServicesRest/V1.0/Tickets/query"
Tamper = Callable[[int, str, dict[str, Any]], dict[str, Any]]
GIVE_UP = 40  # page requests after which the proxy ends any pull (so an old client stops too)


@dataclass(frozen=True)
class Seen:
    method: str
    host: str
    path: str  # with its query string
    body: bytes
    status: int

    @property
    def is_page(self) -> bool:
        path = urlsplit(self.path).path
        return "/query" in path and not path.endswith("/count")


class PageProxy:
    """``with PageProxy(sb, tamper) as proxy:`` a loopback server in front of the sandbox.

    ``tamper(n, path, answer)`` may change the JSON answer of the ``n``-th page request (1-based)
    before it goes back. ``fail_from = n``: from the ``n``-th page request on, every request is
    answered 503 until ``fail_from`` is set back to None. ``seen`` logs every request that came
    in, with the status it got.
    """

    def __init__(self, sb: Sandbox, tamper: Tamper | None = None) -> None:
        self.upstream = httpx.Client(transport=sb.transport())
        self.tamper = tamper
        self.fail_from: int | None = None
        self.seen: list[Seen] = []
        self.pages = 0
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, content = owner.handle(self.command, self.headers, self.path, body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/ATServicesRest/"

    def handle(self, method: str, headers: Any, path: str, body: bytes) -> tuple[int, bytes]:
        host = str(headers.get("Host") or "")
        page = "/query" in urlsplit(path).path and not urlsplit(path).path.endswith("/count")
        with self._lock:
            if page:
                self.pages += 1
            n = self.pages
            down = self.fail_from is not None and n >= self.fail_from
        if down:
            status, content = 503, json.dumps({"errors": ["Service Unavailable"]}).encode()
        else:
            forwarded = {
                k: v
                for k, v in headers.items()
                if k.lower()
                in ("apiintegrationcode", "username", "secret", "content-type", "impersonationresourceid")
            }
            answer = self.upstream.request(
                method, f"http://{host}{path}", content=body, headers=forwarded
            )
            status, content = answer.status_code, answer.content
            if page and status == 200 and (self.tamper is not None or n >= GIVE_UP):
                data = answer.json()
                if self.tamper is not None:
                    data = self.tamper(n, path, data)
                if n >= GIVE_UP:  # an old client would page forever: end it here
                    data["pageDetails"] = {**(data.get("pageDetails") or {}), "nextPageUrl": None}
                content = json.dumps(data).encode()
        with self._lock:
            self.seen.append(Seen(method, host, path, body, status))
        return status, content

    def page_requests(self, status: int = 200) -> list[Seen]:
        return [s for s in self.seen if s.is_page and s.status == status]

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self.upstream.close()


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with new_sandbox(1, 0) as made:
        yield made


def client_of(sb: Sandbox, url: str, **config: Any) -> AutotaskClient:
    creds = AuthCredentials(sb.username, sb.integration_code, sb.secret, api_url=url)
    return AutotaskClient(creds, ClientConfig(**{**FAST, **config}))


def ids_of(rows: list[dict[str, Any]]) -> list[int]:
    return [int(r["id"]) for r in rows]


# Each way a pull goes: the client's sequential pages (nextPageUrl followed), and read_autotask
# (a concurrent pull over id ranges: client/partitioned.py).


def pull_sequential(client: AutotaskClient) -> list[int]:
    return ids_of(list(client.iter_query("Tickets", ROWS_1200)))


def pull_frame(client: AutotaskClient) -> list[int]:
    frame = read_autotask("Tickets", where="id < 8200", client=client, progress=False)
    return [int(i) for i in frame["id"]]


PULLS = {"sequential": pull_sequential, "read_autotask": pull_frame}


def pull_through(sb: Sandbox, pull: str, tamper: Tamper) -> tuple[PageProxy, BaseException]:
    with PageProxy(sb, tamper) as proxy, client_of(sb, proxy.url) as client:
        with pytest.raises(AutotaskException) as caught:
            got = PULLS[pull](client)
            pytest.fail(f"no error: {len(got)} rows of 1,200, {len(set(got))} distinct")
    return proxy, caught.value


# -- pageDetails --------------------------------------------------------------------------------


def test_the_server_pulls_1200_rows_when_nothing_is_changed(sb: Sandbox) -> None:
    with PageProxy(sb) as proxy, client_of(sb, proxy.url) as client:
        for pull in PULLS.values():
            assert pull(client) == list(range(7000, 8200))


@pytest.mark.parametrize("pull", PULLS)
@pytest.mark.parametrize("how", ["missing", "null"])
def test_a_page_without_page_details_is_an_error_not_the_last_page(
    sb: Sandbox, pull: str, how: str
) -> None:
    def tamper(n: int, path: str, data: dict[str, Any]) -> dict[str, Any]:
        if how == "missing":
            data.pop("pageDetails")
        else:
            data["pageDetails"] = None
        return data

    _, error = pull_through(sb, pull, tamper)
    assert isinstance(error, AutotaskResponseError)
    assert f"POST {QUERY}" in str(error)
    assert "pageDetails" in str(error)


# -- a URL followed twice -------------------------------------------------------------------------


@pytest.mark.parametrize("cycle", [1, 2])
def test_a_next_page_url_already_followed_is_refused_not_followed_forever(
    sb: Sandbox, cycle: int
) -> None:
    """``cycle`` 1: every page names the same nextPageUrl (the issue's example: 300 requests,
    150,000 rows for 500 ids); 2: pages point back and forth between two URLs."""
    first_urls: list[str] = []

    def tamper(n: int, path: str, data: dict[str, Any]) -> dict[str, Any]:
        url = data["pageDetails"]["nextPageUrl"]
        if len(first_urls) < cycle:
            first_urls.append(url)
        data["pageDetails"]["nextPageUrl"] = first_urls[(n - 1) % cycle]
        return data

    proxy, error = pull_through(sb, "sequential", tamper)
    assert isinstance(error, AutotaskResponseError)
    assert "already followed" in str(error)
    assert "POST /ATServicesRest/V1.0/Tickets/query/next" in str(error)
    assert len(proxy.page_requests()) == cycle + 1  # nothing asked twice


def test_a_range_pull_refuses_a_server_that_answers_the_same_rows_again(sb: Sandbox) -> None:
    """The concurrent pull asks for ids above the last one received; a server that ignores it
    and sends the first page again must not be read as new rows (nor paged forever)."""
    first: list[dict[str, Any]] = []

    def tamper(n: int, path: str, data: dict[str, Any]) -> dict[str, Any]:
        if n == 1:
            first.append(data)
            return data
        again: dict[str, Any] = json.loads(json.dumps(first[0]))
        return again

    proxy, error = pull_through(sb, "read_autotask", tamper)
    assert isinstance(error, AutotaskResponseError)
    assert f"POST {QUERY}" in str(error)
    assert "7000" in str(error)  # the id at fault
    assert len(proxy.page_requests()) <= 4  # the first page, then one request per range at most


# -- ids ascending and unique ---------------------------------------------------------------------


def _backwards(n: int, path: str, data: dict[str, Any]) -> dict[str, Any]:
    if n > 1:
        data["items"].reverse()
    return data


_last_of_first: list[dict[str, Any]] = []


def _repeats(n: int, path: str, data: dict[str, Any]) -> dict[str, Any]:
    if n == 1:
        _last_of_first[:] = [data["items"][-1]]
    elif data["items"] and data["items"][0] != _last_of_first[0]:
        data["items"][0] = _last_of_first[0]  # a row of the first page, again
    return data


_shifted: list[int] = []


def _swapped_pages(n: int, path: str, data: dict[str, Any]) -> dict[str, Any]:
    if n == 1:
        _shifted.clear()
    elif data["items"] and not _shifted:  # a later page holds ids below those received
        _shifted.append(n)
        data["items"] = [{**row, "id": int(row["id"]) - 600} for row in data["items"]]
    return data


@pytest.mark.parametrize("pull", PULLS)
@pytest.mark.parametrize(
    "tamper", [_backwards, _repeats, _swapped_pages], ids=["backwards", "repeats", "below"]
)
def test_ids_that_go_backwards_or_repeat_across_pages_are_an_error(
    sb: Sandbox, pull: str, tamper: Tamper
) -> None:
    _, error = pull_through(sb, pull, tamper)
    assert isinstance(error, AutotaskResponseError)
    assert "POST /ATServicesRest/V1.0/Tickets/query" in str(error)
    assert "id" in str(error)


# -- URLs stay on the API root --------------------------------------------------------------------


def _moved(url: str, *, scheme: str | None = None, netloc: str | None = None, path: str | None = None) -> str:
    parts = urlsplit(url)
    return urlunsplit(
        (scheme or parts.scheme, netloc or parts.netloc, path or parts.path, parts.query, "")
    )


@pytest.mark.parametrize(
    "where",
    ["other port", "other host", "other path prefix", "dot segments", "other scheme", "prevPageUrl"],
)
def test_a_page_url_off_the_api_root_is_an_error_and_never_requested(
    sb: Sandbox, where: str
) -> None:
    with LoopbackServer(lambda method, path: Answer(200, {"items": []})) as other:
        other_port = int(urlsplit(other.url).port or 0)

        def tamper(n: int, path: str, data: dict[str, Any]) -> dict[str, Any]:
            details = data["pageDetails"]
            url = details["nextPageUrl"]
            if url is None or n > 1:  # the first page's answer names the URL off the root
                return data
            proxy_netloc = urlsplit(url).netloc
            port = proxy_netloc.rsplit(":", 1)[1]
            if where == "other port":
                details["nextPageUrl"] = _moved(url, netloc=f"127.0.0.1:{other_port}")
            elif where == "other host":
                details["nextPageUrl"] = _moved(url, netloc=f"localhost:{port}")
            elif where == "other path prefix":
                details["nextPageUrl"] = _moved(url, path="/Elsewhere/V1.0/Tickets/query/next")
            elif where == "dot segments":
                details["nextPageUrl"] = _moved(
                    url, path="/ATServicesRest/V1.0/../../Elsewhere/V1.0/Tickets/query/next"
                )
            elif where == "other scheme":
                details["nextPageUrl"] = _moved(url, scheme="https")
            else:
                details["prevPageUrl"] = _moved(url, netloc=f"127.0.0.1:{other_port}")
            return data

        for pull in PULLS:
            proxy, error = pull_through(sb, pull, tamper)
            assert isinstance(error, AutotaskResponseError), (pull, error)
            assert f"POST {QUERY}" in str(error)
            assert "API root" in str(error)
            assert other.received == []
            assert [s for s in proxy.seen if not s.path.startswith("/ATServicesRest/")] == []
            assert {s.host for s in proxy.seen} == {f"127.0.0.1:{proxy.port}"}
            assert len(proxy.page_requests()) == 1  # the page whose answer named it


# -- progress -------------------------------------------------------------------------------------


class Bar:
    made: list[Bar] = []

    def __init__(self, total: int | None = None, unit: str = "", desc: str = "") -> None:
        self.total = total
        self.updates: list[int] = []
        Bar.made.append(self)

    def update(self, n: int) -> None:
        self.updates.append(n)

    def close(self) -> None:
        pass


def test_progress_moves_once_for_every_page_of_a_pull(sb: Sandbox) -> None:
    Bar.made.clear()
    with PageProxy(sb) as proxy, client_of(sb, proxy.url) as client:
        frame = read_autotask("Tickets", where="id < 9000", client=client, progress=Bar)
    (bar,) = Bar.made
    pages_with_rows = [s for s in proxy.page_requests()]
    assert len(frame) == bar.total == sum(bar.updates) == 2000
    assert all(n > 0 for n in bar.updates)
    # one update per page that brought rows (a range beyond the last id answers empty)
    assert len(bar.updates) <= len(pages_with_rows)
    assert len(bar.updates) >= -(-2000 // 500)


# -- resuming an interrupted pull -----------------------------------------------------------------


def no_page_fetched_twice(proxy: PageProxy) -> None:
    asked = Counter((s.path, s.body) for s in proxy.page_requests())
    assert [k for k, n in asked.items() if n > 1] == []


def test_an_interrupted_sequential_pull_resumes_from_its_last_good_page(sb: Sandbox) -> None:
    from autotask_pandas import AutotaskPullInterruptedError

    with PageProxy(sb) as proxy, client_of(sb, proxy.url) as client:
        proxy.fail_from = 3  # pages 1 and 2 come in; the third keeps failing past the retries
        got: list[int] = []
        with pytest.raises(AutotaskPullInterruptedError) as caught:
            for page in client.iter_pages("Tickets", ROWS_2000, page_size=300):
                got.extend(ids_of(page.items))
        stop = caught.value
        assert got == list(range(7000, 7600))
        assert stop.received == 600
        assert isinstance(stop.error, AutotaskException) and stop.__cause__ is stop.error
        assert "Tickets" in str(stop) and "resume()" in str(stop)
        proxy.fail_from = None
        for page in stop.resume():
            got.extend(ids_of(page.items))
    assert got == list(range(7000, 9000))
    no_page_fetched_twice(proxy)
    assert len(proxy.page_requests()) == 7  # 2,000 rows in pages of 300, each asked once


def test_an_interrupted_row_iterator_resumes_with_the_rows_not_yet_given(sb: Sandbox) -> None:
    from autotask_pandas import AutotaskPullInterruptedError

    with PageProxy(sb) as proxy, client_of(sb, proxy.url) as client:
        proxy.fail_from = 2
        got: list[int] = []
        with pytest.raises(AutotaskPullInterruptedError) as caught:
            for row in client.iter_query("Tickets", ROWS_2000, limit=1500):
                got.append(int(row["id"]))
        proxy.fail_from = None
        got.extend(int(row["id"]) for row in caught.value.resume())
    assert got == list(range(7000, 8500))
    no_page_fetched_twice(proxy)


@pytest.mark.parametrize("ordered", [True, False])
def test_an_interrupted_range_pull_resumes_only_the_ranges_not_done(
    sb: Sandbox, ordered: bool
) -> None:
    from autotask_pandas import AutotaskPullInterruptedError

    with PageProxy(sb) as proxy, client_of(sb, proxy.url) as client:
        proxy.fail_from = 4
        got: list[int] = []
        with pytest.raises(AutotaskPullInterruptedError) as caught:
            for rows in client.iter_row_pages("Tickets", ROWS_2000, page_size=200, ordered=ordered):
                got.extend(ids_of(rows))
        assert caught.value.received >= 200
        proxy.fail_from = None
        for rows in caught.value.resume():
            got.extend(ids_of(rows))
    assert sorted(got) == list(range(7000, 9000))
    assert len(got) == 2000
    if ordered:
        assert got == sorted(got)
    no_page_fetched_twice(proxy)


def test_an_interrupted_read_autotask_resumes_to_the_fault_free_frame(sb: Sandbox) -> None:
    from autotask_pandas import AutotaskPullInterruptedError

    with PageProxy(sb) as proxy, client_of(sb, proxy.url) as client:
        expected = read_autotask("Tickets", where="id < 9000", client=client, progress=False)
        proxy.seen.clear()
        proxy.pages = 0
        proxy.fail_from = 3
        with pytest.raises(AutotaskPullInterruptedError) as caught:
            read_autotask("Tickets", where="id < 9000", client=client, progress=False)
        stop = caught.value
        assert 0 < stop.received < 2000
        proxy.fail_from = None
        frame = stop.resume()
        pd.testing.assert_frame_equal(frame, expected)
        no_page_fetched_twice(proxy)
        # the resumed frame is a pull like any other: its edits can be pushed
        assert frame.autotask.entity == "Tickets" and frame.autotask.changes().empty
        # one resume per interruption: a second would give the rows twice
        with pytest.raises(AutotaskException, match="already resumed"):
            stop.resume()


def test_a_resume_that_is_interrupted_again_resumes_in_turn(sb: Sandbox) -> None:
    from autotask_pandas import AutotaskPullInterruptedError

    with PageProxy(sb) as proxy, client_of(sb, proxy.url) as client:
        expected = client.query_all("Tickets", ROWS_2000)
        proxy.seen.clear()
        proxy.pages = 0
        proxy.fail_from = 2
        with pytest.raises(AutotaskPullInterruptedError) as first:
            read_autotask("Tickets", where="id < 9000", client=client, progress=False)
        # One of the resume's requests (the first to reach the proxy) comes in, then the rest
        # fail again: the pull moved on by that page.
        proxy.fail_from = proxy.pages + 2
        with pytest.raises(AutotaskPullInterruptedError) as second:
            first.value.resume()
        assert second.value.received > first.value.received
        proxy.fail_from = None
        frame = second.value.resume()
    assert [int(i) for i in frame["id"]] == ids_of(expected)
    no_page_fetched_twice(proxy)


def test_an_interrupted_pull_error_pickles_without_its_resume(sb: Sandbox) -> None:
    from autotask_pandas import AutotaskPullInterruptedError

    with PageProxy(sb) as proxy, client_of(sb, proxy.url) as client:
        proxy.fail_from = 2
        with pytest.raises(AutotaskPullInterruptedError) as caught:
            list(client.iter_query("Tickets", ROWS_2000))
    copy = pickle.loads(pickle.dumps(caught.value))
    assert str(copy) == str(caught.value)
    assert copy.received == 500
    assert sb.secret not in repr(copy) and sb.secret.encode() not in pickle.dumps(caught.value)
    with pytest.raises(AutotaskException, match="cannot be resumed"):
        copy.resume()


def test_an_error_before_the_first_page_is_raised_as_it_is(sb: Sandbox) -> None:
    """Nothing came in, so there is nothing to resume: the caller just runs the call again."""
    from autotask_pandas import AutotaskPullInterruptedError

    with PageProxy(sb) as proxy, client_of(sb, proxy.url) as client:
        proxy.fail_from = 1
        with pytest.raises(AutotaskException) as caught:
            list(client.iter_query("Tickets", ROWS_2000))
    assert not isinstance(caught.value, AutotaskPullInterruptedError)
    assert getattr(caught.value, "status_code", None) == 503


# -- the other paths a pull takes ---------------------------------------------------------------


def test_an_interrupted_split_query_resumes_with_the_pages_not_yet_given(sb: Sandbox) -> None:
    # 600 values: past the API's 500 ORs, so the query is split and its parts' pages merged
    # (iter_row_pages' sequential path, read_autotask's for such a query), not pulled over ranges.
    from autotask_pandas import AutotaskPullInterruptedError

    wanted = list(range(7000, 8200, 2))
    split = {"op": "in", "field": "id", "value": wanted}
    with PageProxy(sb) as proxy, client_of(sb, proxy.url) as client:
        proxy.fail_from = 4  # the parts' first pages come in (two merged pages), then an outage
        got: list[list[int]] = []
        with pytest.raises(AutotaskPullInterruptedError) as caught:
            for rows in client.iter_row_pages("Tickets", split, page_size=100):
                got.append(ids_of(rows))
        assert got, "interrupted before the first page: nothing to resume, the test proves nothing"
        proxy.fail_from = None
        got += [ids_of(rows) for rows in caught.value.resume()]  # pages, as the pull gave them
    assert [i for page in got for i in page] == wanted
    assert all(len(page) == 100 for page in got)


def test_an_interrupted_query_all_resumes_to_the_complete_list(sb: Sandbox) -> None:
    from autotask_pandas import AutotaskPullInterruptedError

    with PageProxy(sb) as proxy, client_of(sb, proxy.url) as client:
        proxy.fail_from = 3
        with pytest.raises(AutotaskPullInterruptedError) as caught:
            client.query_all("Tickets", ROWS_2000)
        assert caught.value.received == 1000
        proxy.fail_from = None
        rows = caught.value.resume()
    assert ids_of(rows) == list(range(7000, 9000))
    no_page_fetched_twice(proxy)


def child_listing(next_url: Callable[[str], str | None]) -> LoopbackServer:
    """A server whose child listing pages hold one row each (ids 1, 2, ...), each page's
    ``nextPageUrl`` given by ``next_url(server_url)``."""
    served: list[int] = []

    def answer(method: str, path: str) -> Answer:
        served.append(len(served) + 1)
        details = {"count": 1, "requestCount": 500, "prevPageUrl": None}
        return Answer(200, {"items": [{"id": served[-1]}], "pageDetails": {
            **details, "nextPageUrl": next_url(server.url)}})  # fmt: skip

    server = LoopbackServer(answer)
    return server


def test_a_child_listing_refuses_a_next_page_already_followed(sb: Sandbox) -> None:
    with child_listing(lambda url: f"{url}V1.0/Companies/5/Contacts?page=2") as server:
        creds = AuthCredentials(sb.username, sb.integration_code, sb.secret, api_url=server.url)
        with AutotaskClient(creds, ClientConfig(**FAST)) as client:
            with pytest.raises(AutotaskResponseError, match="already followed"):
                client.list_children("Contacts", 5)
    assert len(server.received) == 2  # the first page and page 2, once


def test_a_child_listing_never_follows_a_page_off_the_api_root(sb: Sandbox) -> None:
    with LoopbackServer(lambda method, path: Answer(200, {"items": []})) as elsewhere:
        with child_listing(lambda url: f"{elsewhere.url}V1.0/Companies/5/Contacts?p=2") as server:
            creds = AuthCredentials(sb.username, sb.integration_code, sb.secret, api_url=server.url)
            with AutotaskClient(creds, ClientConfig(**FAST)) as client:
                with pytest.raises(AutotaskResponseError):
                    client.list_children("Contacts", 5)
        assert elsewhere.received == []
    assert len(server.received) == 1
