"""``Query.pages()`` and ``Query.to_parquet`` (so ``autotask export``) pull as ``to_pandas`` does
(issue 10): id ranges with several requests in flight, pages in ascending id, and never far ahead
of a slow consumer.

The server is the session's demo sandbox (5,000 tickets) behind a WSGI wrapper that counts the
Tickets query requests in flight and the rows it has answered, and can hold chosen requests at a
barrier: a pull with fewer requests in flight than the barrier's parties breaks it and fails.
"""

from __future__ import annotations

import argparse
import io
import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import pytest
from helpers import connect, new_sandbox

from autotask_pandas import AutotaskClient
from autotask_pandas.cli.export import cmd_export
from autotask_pandas.frames.builder import FrameBuilder, build_frame
from autotask_pandas.frames.lazy import Query
from autotask_pandas.frames.picklists import label_categorical
from autotask_pandas.frames.snapshot import pull_of
from autotask_pandas.query.picklists import picklist_maps
from autotask_pandas.sandbox import SandboxTransport
from autotask_pandas.types import FieldMetadata, PicklistValue


class Counted:
    """The sandbox's app, counting Tickets query requests (in flight, at most in flight, rows
    answered) and running ``hooks[n]`` when the n-th arrives."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.hooks: dict[int, Callable[[], None]] = {}
        self.queries = 0
        self.in_flight = 0
        self.peak = 0
        self.rows = 0
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self.hooks, self.queries, self.peak, self.rows = {}, 0, 0, 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        is_query = environ["PATH_INFO"].lower().endswith("/tickets/query")
        if not is_query:
            return list(self.app(environ, start_response))
        with self._lock:
            self.queries += 1
            number = self.queries
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            hook = self.hooks.get(number)
            if hook is not None:
                hook()
            body = list(self.app(environ, start_response))
            answered = len(json.loads(b"".join(body)).get("items") or [])
            with self._lock:
                self.rows += answered
            return body
        finally:
            with self._lock:
                self.in_flight -= 1

    def quiet(self) -> None:
        """Wait until no query has been in flight for a while: a consumer as slow as can be,
        letting the pull run as far ahead as it ever would."""
        calm = 0
        deadline = time.monotonic() + 10
        while calm < 5 and time.monotonic() < deadline:
            time.sleep(0.005)
            calm = calm + 1 if self.in_flight == 0 else 0


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Counted, AutotaskClient]]:
    # A demo tenant of its own: the session's is written to by other tests, and these count rows.
    with new_sandbox() as sandbox:
        assert sandbox.app is not None
        counted = Counted(sandbox.app)
        with connect(sandbox, transport=SandboxTransport(app=counted)) as client:
            client.get_field_metadata("Tickets")  # metadata once, outside what is counted
            client.get_udf_metadata("Tickets")
            yield counted, client


def _three_at_once(server: Counted, first: int = 2) -> list[int]:
    """Hold the ``first``-th to the (``first`` + 2)-th query requests until all three are in."""
    barrier = threading.Barrier(3, timeout=10)
    met: list[int] = []

    def wait() -> None:
        met.append(barrier.wait())

    server.hooks = {first: wait, first + 1: wait, first + 2: wait}
    return met


@pytest.mark.parametrize(
    ("chunksize", "limit", "labels", "tz"),
    [(50, None, False, None), (137, 3_333, True, "Asia/Tokyo"), (1_200, None, True, None)],
)
def test_pages_give_exactly_what_to_pandas_gives(
    server: tuple[Counted, AutotaskClient],
    chunksize: int,
    limit: int | None,
    labels: bool,
    tz: str | None,
) -> None:
    srv, client = server
    q = Query(client, "Tickets", limit=limit, labels=labels, tz=tz)
    expected = q.to_pandas(progress=False)
    srv.reset()
    chunks = list(q.pages(chunksize))
    total = len(expected)
    assert total == (limit or 5_000)
    sizes = [len(c) for c in chunks]
    assert sizes == [chunksize] * (total // chunksize) + (
        [total % chunksize] if total % chunksize else []
    )
    starts = [c.index[0] for c in chunks]
    assert starts == list(range(0, total, chunksize))  # one RangeIndex across the chunks
    whole = pd.concat(chunks)
    pd.testing.assert_frame_equal(whole, expected, check_flags=False)  # rows, order, dtypes
    assert srv.peak > 1  # and it was pulled concurrently
    pull = pull_of(whole)
    assert pull is not None and sorted(pull.base.index) == list(expected["id"])


class Bar:
    """A progress bar made like tqdm(total=, unit=, desc=), remembering each update."""

    made: ClassVar[list[Bar]] = []

    def __init__(self, total: int | None = None, unit: str = "", desc: str = "") -> None:
        self.total = total
        self.updates: list[int] = []
        self.closed = False
        Bar.made.append(self)

    def update(self, n: int) -> None:
        self.updates.append(n)

    def close(self) -> None:
        self.closed = True


def test_pages_progress_counts_each_page_as_it_comes(
    server: tuple[Counted, AutotaskClient],
) -> None:
    srv, client = server
    Bar.made.clear()
    chunks = list(Query(client, "Tickets", limit=3_100).pages(1_200, progress=Bar))
    assert [len(c) for c in chunks] == [1_200, 1_200, 700]
    (bar,) = Bar.made
    assert bar.total == 3_100 and bar.closed
    assert sum(bar.updates) == 3_100
    assert max(bar.updates) <= 500  # a page at a time, not a chunk at a time


def test_pages_keep_three_requests_in_flight(server: tuple[Counted, AutotaskClient]) -> None:
    srv, client = server
    srv.reset()
    met = _three_at_once(srv)
    chunks = list(Query(client, "Tickets").select("id", "title").pages(50, pushable=False))
    assert sorted(met) == [0, 1, 2]  # requests 2-4 were on the wire together
    assert sum(len(c) for c in chunks) == 5_000
    assert srv.peak == client.config.thread_limit


def test_to_parquet_and_export_pull_concurrently_and_equal_to_pandas(
    server: tuple[Counted, AutotaskClient], tmp_path: Path
) -> None:
    srv, client = server
    q = Query(client, "Tickets")
    expected = q.to_pandas(progress=False)
    srv.reset()
    met = _three_at_once(srv)
    path = q.to_parquet(tmp_path / "tickets.parquet")
    assert sorted(met) == [0, 1, 2]
    pd.testing.assert_frame_equal(pd.read_parquet(path), expected)

    srv.reset()
    met = _three_at_once(srv)
    args = argparse.Namespace(
        entity="Tickets",
        filters=[],
        labels=False,
        fields=None,
        out=str(tmp_path / "export.parquet"),
        export_format="parquet",
    )
    assert cmd_export(args, client, io.StringIO(), io.StringIO()) == 0
    assert sorted(met) == [0, 1, 2]
    values = Query(client, "Tickets", labels=False).to_pandas(progress=False)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "export.parquet"), values)


def test_a_slow_consumer_keeps_the_pull_a_few_pages_ahead(
    server: tuple[Counted, AutotaskClient],
) -> None:
    srv, client = server
    srv.reset()
    page = 20  # 250 pages of 20 rows
    consumed = 0
    ahead: list[int] = []  # rows answered by the server but not yet given to the consumer
    for chunk in Query(client, "Tickets").select("id").pages(page, pushable=False):
        consumed += len(chunk)
        srv.quiet()  # a slow consumer: every request the pull has sent is answered by now
        ahead.append(srv.rows - consumed)
    assert consumed == 5_000
    assert srv.peak > 1
    # The pull buffers at most 12 pages waiting for the ranges below them, has at most 3
    # requests on the wire, and holds the page a chunk was cut from: never 20 pages ahead.
    # Without a bound it would run to the buffer's size, whatever the consumer's pace.
    assert max(ahead) <= 18 * page, max(ahead) // page


def test_pages_built_out_of_order_equal_pages_built_in_order() -> None:
    """What ``to_pandas`` does with pages as they arrive: each goes to its place by its first
    id, whatever the kinds (masked numbers with and without nulls, strings, datetimes with one
    page past 2262 turning the column to microseconds)."""
    fields = [
        FieldMetadata(name="id", data_type="long"),
        FieldMetadata(name="hours", data_type="double"),
        FieldMetadata(name="title", data_type="string"),
        FieldMetadata(name="until", data_type="datetime"),
        FieldMetadata(name="done", data_type="boolean"),
    ]
    records = [
        {
            "id": i,
            "hours": None if i % 7 == 0 else i / 4,
            "title": None if i % 5 == 0 else f"t{i}",
            "until": "9999-12-31T00:00:00.000Z"
            if i == 250
            else f"2026-01-{1 + i % 28:02d}T10:00:00Z",
            "done": None if i % 3 == 0 else bool(i % 2),
        }
        for i in range(1, 301)
    ]
    pages = [records[k : k + 40] for k in range(0, 300, 40)]
    in_order = FrameBuilder("Things", fields)
    for page in pages:
        in_order.add(page)
    shuffled = FrameBuilder("Things", fields)
    for page in [pages[3], pages[0], pages[6], pages[7], pages[1], pages[5], pages[2], pages[4]]:
        shuffled.add(page, order=page[0]["id"])
    expected = in_order.finish()
    assert str(expected["until"].dtype) == "datetime64[us, UTC]"
    pd.testing.assert_frame_equal(shuffled.finish(), expected)
    pd.testing.assert_frame_equal(expected, build_frame("Things", records, fields))


@pytest.mark.parametrize("data_type", ["integer", "string"])
def test_label_pages_out_of_order_equal_labels_of_the_whole_column(data_type: str) -> None:
    """``labels=True`` turns each page into label codes as it arrives; values the picklist does
    not list become categories after its labels in row order, as ``label_categorical`` of the
    whole column makes them, whatever order the pages came in."""
    field = FieldMetadata(
        name="status",
        data_type=data_type,
        is_picklist=True,
        picklist_values=[
            PicklistValue(value="5", label="Complete", sort_order=2),
            PicklistValue(value="1", label="New", sort_order=1),
        ],
    )
    fields = [FieldMetadata(name="id", data_type="long"), field]
    unknown = {17: 42, 95: 7, 130: 42, 161: 99, 177: 7}  # met in a different order out of order
    records: list[dict[str, Any]] = [
        {
            "id": i,
            "status": None if i % 9 == 0 else unknown.get(i, 1 if i % 2 else 5),
        }
        for i in range(1, 201)
    ]
    if data_type == "string":
        for record in records:
            record["status"] = None if record["status"] is None else str(record["status"])
    pages = [records[k : k + 25] for k in range(0, 200, 25)]
    shuffled = FrameBuilder("Things", fields, labels=True)
    for page in [pages[6], pages[3], pages[0], pages[7], pages[5], pages[1], pages[4], pages[2]]:
        shuffled.add(page, order=page[0]["id"])
    got = shuffled.finish()
    values = build_frame("Things", records, fields)["status"].array
    expected = label_categorical(values, picklist_maps(field))
    assert list(got["status"].cat.categories) == ["New", "Complete", "42", "7", "99"]
    pd.testing.assert_series_equal(got["status"], pd.Series(expected, name="status"))
    pd.testing.assert_frame_equal(got, build_frame("Things", records, fields, labels=True))
