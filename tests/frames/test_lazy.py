"""``Query``: lazy, immutable, fetching only the pages it needs; pages, progress, display, Parquet.

Requests are counted in the sandbox's log; request bodies are read by a transport that records
what goes to the sandbox's in-process transport (the server side, not our client).
"""

from __future__ import annotations

import gc
import json
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pandas as pd
import pyarrow.parquet as pq
import pytest
from helpers import connect

from autotask_pandas import AutotaskClient
from autotask_pandas.exceptions import AutotaskValidationError
from autotask_pandas.frames.lazy import Query
from autotask_pandas.frames.snapshot import pull_of
from autotask_pandas.sandbox import Sandbox
from autotask_pandas.types import QueryFilter


class Recording(httpx.BaseTransport):
    """Passes requests to the sandbox and keeps (method, path, JSON body) of each."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.sent: list[tuple[str, str, Any]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        self.sent.append((request.method, request.url.path, body))
        return self.inner.handle_request(request)

    def queries(self, entity: str = "Tickets") -> list[Any]:
        """Bodies of the query page requests (first pages and next pages), in order."""
        return [
            b
            for m, p, b in self.sent
            if m == "POST" and p.endswith((f"/{entity}/query", f"/{entity}/query/next"))
        ]

    def counts(self, entity: str = "Tickets") -> list[Any]:
        return [b for m, p, b in self.sent if p.endswith(f"/{entity}/query/count")]


@pytest.fixture
def recording(sandbox: Sandbox) -> Recording:
    return Recording(sandbox.transport())


@pytest.fixture
def client(sandbox: Sandbox, recording: Recording) -> Iterator[AutotaskClient]:
    # The session sandbox (tests/conftest.py), reached through the recording transport.
    with connect(sandbox, transport=recording) as c:
        c.get_field_metadata("Tickets")  # metadata is fetched once per client; not counted below
        c.get_udf_metadata("Tickets")
        recording.sent.clear()
        yield c


def test_building_a_query_fetches_nothing(client: AutotaskClient, recording: Recording) -> None:
    q = Query(client, "tickets", where="status != Complete", fields=["title"], limit=10)
    q2 = q.where("priority = High").select("title", "status").limit(3)
    q3 = Query(None, "Tickets", where='udf:"Customer Impact" > 2')  # not even the default client
    assert q.entity == "Tickets" and q3.client_ is None
    assert bool(q2) is True
    assert recording.sent == []


def test_builders_return_new_queries(client: AutotaskClient) -> None:
    q = Query(client, "Tickets", where="status != Complete")
    narrower = q.where("priority = High", queueID=8)
    assert q.where_text == "status != Complete"
    assert narrower.where_text == "status != Complete and priority = High and queueID = 8"
    assert q.select("title").fields == ("title",) and q.fields is None
    assert q.limit(5).limit_ == 5 and q.limit_ is None
    with pytest.raises(AttributeError, match="immutable"):
        q.entity = "Companies"  # type: ignore[misc]


def test_len_and_count_ask_query_count(client: AutotaskClient, recording: Recording) -> None:
    q = Query(client, "Tickets", where="status = Complete")
    n = q.count()
    assert recording.counts() == [{"filter": [{"op": "eq", "field": "status", "value": 5}]}]
    assert recording.queries() == []
    assert len(q) == n > 0
    assert len(q.limit(7)) == 7
    assert n == client.count("Tickets", [QueryFilter(field="status", op="eq", value=5)])


@pytest.mark.parametrize(
    ("n", "pages", "max_records"),
    [(1, 1, 1), (5, 1, 5), (500, 1, 500), (501, 2, 500), (1200, 3, 500)],
)
def test_head_fetches_only_the_pages_it_needs(
    client: AutotaskClient, recording: Recording, n: int, pages: int, max_records: int
) -> None:
    df = Query(client, "Tickets").head(n)
    assert len(df) == n
    sent = recording.queries()
    assert len(sent) == pages
    assert all(body["MaxRecords"] == max_records for body in sent)
    assert recording.counts() == []
    assert df["id"].is_monotonic_increasing and str(df["id"].dtype) == "Int64"


def test_head_respects_the_limit(client: AutotaskClient, recording: Recording) -> None:
    assert len(Query(client, "Tickets", limit=3).head(10)) == 3
    assert [b["MaxRecords"] for b in recording.queries()] == [3]
    assert len(Query(client, "Tickets").head(0)) == 0


def test_fields_send_include_fields_and_order_the_columns(
    client: AutotaskClient, recording: Recording
) -> None:
    q = Query(client, "Tickets", fields=["title", "udf:Customer Impact", "status", "createDate"])
    df = q.head(20)
    assert list(df.columns) == ["id", "title", "udf:Customer Impact", "status", "createDate"]
    (body,) = recording.queries()
    assert body["IncludeFields"] == ["id", "title", "status", "createDate"]
    placed = Query(client, "Tickets", fields=["title", "id"]).head(2)
    assert list(placed.columns) == ["title", "id"]
    assert recording.queries()[-1]["IncludeFields"] == ["title", "id"]
    # The server sent less: only the fields asked for (and the UDFs, which always come).
    page = client.query("Tickets", include_fields=["title"], max_records=1)
    assert set(page.items[0]) <= {"id", "title", "userDefinedFields"}


def test_unknown_fields_are_refused_before_any_query(
    client: AutotaskClient, recording: Recording
) -> None:
    with pytest.raises(
        AutotaskValidationError, match="Tickets has no field 'titel'; did you mean 'title'"
    ):
        Query(client, "Tickets", fields=["titel"]).head()
    with pytest.raises(AutotaskValidationError, match="Tickets has no field 'staus'"):
        Query(client, "Tickets", where="staus = 1").head()
    with pytest.raises(AutotaskValidationError, match="did you mean 'Tickets'"):
        Query(client, "Tickts")
    assert recording.queries() == [] and recording.counts() == []


def test_labels_in_filters_and_in_columns(client: AutotaskClient, recording: Recording) -> None:
    q = Query(
        client, "Tickets", where='status in (New, "In Progress") and priority = high', labels=True
    )
    df = q.to_pandas(progress=False)
    assert recording.queries()[0]["filter"] == [
        {"op": "in", "field": "status", "value": [1, 8]},
        {"op": "eq", "field": "priority", "value": 1},
    ]
    assert len(df) > 0
    assert set(df["status"].unique()) <= {"New", "In Progress"}
    assert (df["priority"] == "High").all()
    assert isinstance(df["status"].dtype, pd.CategoricalDtype) and df["status"].dtype.ordered


def test_udf_filter_and_columns(client: AutotaskClient, recording: Recording) -> None:
    q = Query(client, "Tickets", where='udf:"Customer Impact" >= 4', limit=800)
    df = q.to_pandas(progress=False)
    assert recording.queries()[0]["filter"] == [
        {"op": "gte", "field": "Customer Impact", "udf": True, "value": 4}
    ]
    assert len(df) == 800
    assert (df["udf:Customer Impact"] >= 4).all()


def test_pages_are_lazy_bounded_and_share_one_pull(
    client: AutotaskClient, recording: Recording
) -> None:
    q = Query(client, "Tickets", where="status = Complete", limit=1700)
    chunks = q.pages()
    first = next(chunks)
    assert len(recording.queries()) == 1  # nothing fetched ahead
    assert len(first) == 500
    rest = list(chunks)
    every = [first, *rest]
    assert [len(c) for c in every] == [500, 500, 500, 200]
    assert len(recording.queries()) == 4
    pulls = {c.attrs["autotask"]["pull"] for c in every}
    assert len(pulls) == 1
    whole = pd.concat(every)
    assert list(whole.index) == list(range(1700))
    pull = pull_of(whole)
    assert pull is not None and pull.entity == "Tickets"
    assert sorted(pull.base.index) == sorted(whole["id"])
    expected = q.to_pandas(progress=False)
    pd.testing.assert_frame_equal(whole.reset_index(drop=True), expected, check_flags=False)


def test_pages_hold_no_earlier_page(client: AutotaskClient) -> None:
    chunks = Query(client, "Tickets").pages(pushable=False)
    first = next(chunks)
    assert "autotask" not in first.attrs  # nothing registered: pure streaming
    ref = weakref.ref(first)
    del first
    second = next(chunks)
    gc.collect()
    assert ref() is None  # the generator kept no list of the pages it yielded
    assert len(second) == 500
    chunks.close()


def test_pages_of_a_chosen_size(client: AutotaskClient, recording: Recording) -> None:
    small = list(Query(client, "Tickets", limit=450).pages(200))
    assert [len(c) for c in small] == [200, 200, 50]
    assert [b["MaxRecords"] for b in recording.queries()] == [200, 200, 200]
    recording.sent.clear()
    big = list(Query(client, "Tickets", limit=2600).pages(1200))
    assert [len(c) for c in big] == [1200, 1200, 200]
    assert len(recording.queries()) == 6  # pages of 500, put together


class Bar:
    """A progress bar made like tqdm(total=, unit=, desc=), remembering what it was told."""

    made: ClassVar[list[Bar]] = []

    def __init__(self, total: int | None = None, unit: str = "", desc: str = "") -> None:
        self.total, self.unit, self.desc, self.n, self.closed = total, unit, desc, 0, False
        Bar.made.append(self)

    def update(self, n: int) -> None:
        self.n += n

    def close(self) -> None:
        self.closed = True


def test_to_pandas_progress_total_is_the_count(
    client: AutotaskClient, recording: Recording
) -> None:
    Bar.made.clear()
    q = Query(client, "Tickets", where="priority in (1, 2)")
    df = q.to_pandas(progress=Bar)
    (bar,) = Bar.made
    assert bar.total == q.count() == len(df) == bar.n
    assert bar.desc == "Tickets" and bar.unit == "rows" and bar.closed
    recording.sent.clear()
    Query(client, "Tickets", limit=10).to_pandas(progress=False)
    assert recording.counts() == []  # no bar, no count


def test_to_pandas_with_the_tqdm_auto_bar(
    client: AutotaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tqdm.auto

    seen: list[Any] = []

    class Captured(tqdm.auto.tqdm):  # type: ignore[misc, name-defined]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)
            seen.append(kwargs["total"])

    monkeypatch.setattr(tqdm.auto, "tqdm", Captured)
    q = Query(client, "Tickets", limit=1234)
    assert len(q.to_pandas()) == 1234
    assert seen == [1234]


def test_to_pandas_registers_a_pull(client: AutotaskClient) -> None:
    df = Query(client, "Companies", labels=True, tz="Europe/Paris").to_pandas(progress=False)
    pull = pull_of(df)
    assert pull is not None and pull.entity == "Companies"
    assert pull.labels is True and pull.tz == "Europe/Paris"
    assert len(pull.base) == len(df)


def test_display_shows_the_first_page_and_an_honest_footer(
    client: AutotaskClient, recording: Recording
) -> None:
    q = Query(client, "Tickets", where="status = Complete")
    total = q.count()
    assert total > 500
    recording.sent.clear()
    page_html = q._repr_html_()
    assert "Query: Tickets where status = Complete" in page_html
    assert f"500 of {total:,} rows on the server" in page_html and "<table" in page_html
    assert "the first page, fetched once for this display" in page_html
    assert q._repr_html_() == page_html
    assert len(recording.queries()) == 1 and len(recording.counts()) == 1  # cached
    small = Query(client, "Tickets", limit=20)
    assert f"20 of {client.count('Tickets'):,} rows on the server (limit 20)" in (
        small._repr_html_()
    )


def test_the_text_repr_sends_nothing_and_is_short(
    client: AutotaskClient, recording: Recording
) -> None:
    """issue 8: a lazy Query's repr() in a plain REPL sends no request and prints no columns."""
    recording.sent.clear()
    q = Query(client, "Tickets", where="status != Complete", fields=["id", "udf:Root Cause"],
              limit=100, labels=True)
    text = repr(q)
    assert recording.sent == []
    assert text.splitlines()[0] == (
        'Query: Tickets where status != Complete select id, udf:"Root Cause" limit 100 (labels)'
    )
    assert "not fetched yet" in text and len(text.splitlines()) == 2
    everything = Query(client, "Tickets")
    assert "ticketNumber" not in repr(everything) and len(repr(everything).splitlines()) == 2
    total = everything.count()
    recording.sent.clear()
    assert f"{total:,} rows on the server when last counted" in repr(everything)
    assert recording.sent == []


def test_a_repr_that_cannot_fetch_says_why(client: AutotaskClient) -> None:
    text = repr(Query(client, "Tickets", where="nosuchfield = 1"))
    assert "not fetched" in text and "nosuchfield" in text
    page_html = Query(client, "Tickets", where="nosuchfield = 1")._repr_html_()
    assert "not fetched" in page_html and "nosuchfield" in page_html


def test_to_parquet_streams_pages_and_reads_back_equal(
    client: AutotaskClient, tmp_path: Path
) -> None:
    for labels, tz in ((False, None), (True, "Asia/Tokyo")):
        q = Query(client, "Tickets", limit=1300, labels=labels, tz=tz)
        path = q.to_parquet(tmp_path / f"tickets-{labels}.parquet")
        assert pq.ParquetFile(path).metadata.num_row_groups == 3  # one per page
        pd.testing.assert_frame_equal(pd.read_parquet(path), q.to_pandas(progress=False))
    contracts = Query(client, "Contracts")
    path = contracts.to_parquet(tmp_path / "contracts.parquet")
    back = pd.read_parquet(path)
    pd.testing.assert_frame_equal(back, contracts.to_pandas(progress=False))
    assert str(back["startDate"].dtype) == "datetime64[ns]"


def test_to_parquet_of_no_rows_keeps_the_columns(client: AutotaskClient, tmp_path: Path) -> None:
    q = Query(client, "Tickets", where="id < 0", fields=["title", "createDate"])
    back = pd.read_parquet(q.to_parquet(tmp_path / "none.parquet"))
    assert list(back.columns) == ["id", "title", "createDate"] and len(back) == 0
    assert str(back["createDate"].dtype) == "datetime64[ns, UTC]"


def test_where_takes_filters_dicts_text_and_keywords(client: AutotaskClient) -> None:
    by_text = Query(client, "Tickets", where="status = 5 and priority in (1, 2)")
    by_filters = Query(
        client,
        "Tickets",
        where=[
            QueryFilter(field="status", op="eq", value=5),
            {"op": "in", "field": "priority", "value": [1, 2]},
        ],
    )
    by_keywords = Query(client, "Tickets").where(status="Complete", priority=[1, 2])
    assert by_text.filters == by_filters.filters == by_keywords.filters
    none = Query(client, "Tickets").where(dueDateTime=None)
    assert none.filters == [QueryFilter(field="dueDateTime", op="notExist")]


def test_entities_where_is_a_lazy_query(sandbox: Sandbox, client: AutotaskClient) -> None:
    mark = len(sandbox.requests)
    query = client.entities.tickets.where("status != Complete", priority=1)
    assert sandbox.requests[mark:] == []  # nothing fetched yet
    frame = query.with_options(labels=False).to_pandas(progress=False)
    assert len(frame) == query.count() > 0
    assert set(frame["priority"].unique()) == {1} and 5 not in set(frame["status"])
