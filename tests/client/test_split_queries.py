"""A split query (lists past the OR limit) answers exactly as the unsplit query would.

The split side is our client on a sandbox with the live API's limit of 500 OR conditions (so every
request it sends must fit). The reference is the same query sent unsplit, as raw requests whose
pages are followed by hand, to a sandbox on the same store whose limit is raised
(``SandboxSettings.max_or_conditions``): nothing of our paging is in the reference.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from autotask_pandas import AuthCredentials, AutotaskClient, ClientConfig
from autotask_pandas.client.transport import RequestKind
from autotask_pandas.frames.lazy import Query
from autotask_pandas.sandbox import Sandbox, SandboxApp, SandboxSettings, SandboxTransport
from autotask_pandas.types import QueryFilter

FILLER_NAMES = [f"No such company {i}" for i in range(499)]
# First part 7100..7599, second part 7000..7099: the lowest ids are in the second part.
LATE_FIRST = [*range(7100, 7600), *range(7000, 7100)]


@dataclass
class Setup:
    wide: Sandbox  # max_or_conditions raised: the reference runs here, unsplit
    strict: SandboxApp  # the same store, the live limit of 500: the split queries run here
    reference: AutotaskClient  # raw requests only

    def client(self, **config: Any) -> AutotaskClient:
        sb = self.wide
        creds = AuthCredentials(sb.username, sb.integration_code, sb.secret, api_url=sb.url)
        return AutotaskClient(
            creds, ClientConfig(transport=SandboxTransport(app=self.strict), **config)
        )

    def query_posts(self, mark: int, entity: str) -> int:
        wanted = f"/v1.0/{entity.lower()}/query"
        return sum(1 for r in self.strict.requests[mark:] if r.path.lower().endswith(wanted))

    def count_posts(self, mark: int) -> int:
        return sum(
            1 for r in self.strict.requests[mark:] if r.path.lower().endswith("/query/count")
        )

    def unsplit_ids(self, entity: str, filters: Sequence[QueryFilter]) -> list[int]:
        body = {"filter": _api(filters), "MaxRecords": 500, "IncludeFields": ["id"]}
        url: str | None = f"{entity}/query"
        ids: list[int] = []
        while url:
            data = self.reference.request("POST", url, json=body, kind=RequestKind.READ)
            ids.extend(int(r["id"]) for r in data["items"])
            url = data["pageDetails"]["nextPageUrl"]
        assert ids == sorted(set(ids))  # the server's own promise, which the split must keep
        return ids

    def unsplit_count(self, entity: str, filters: Sequence[QueryFilter]) -> int:
        body = {"filter": _api(filters)}
        data = self.reference.request(
            "POST", f"{entity}/query/count", json=body, kind=RequestKind.READ
        )
        return int(data["queryCount"])


def _api(filters: Sequence[QueryFilter]) -> list[dict[str, Any]]:
    return [f.to_api() for f in filters] or [{"op": "gte", "field": "id", "value": 0}]


@pytest.fixture(scope="module")
def setup() -> Iterator[Setup]:
    # scale 0.2: tickets 7000..7999, 31 companies; small enough for many examples.
    with Sandbox(scale=0.2, seed=0, settings=SandboxSettings(max_or_conditions=100_000)) as wide:
        assert wide.app is not None
        strict = SandboxApp(wide.app.store)
        creds = AuthCredentials(wide.username, wide.integration_code, wide.secret, api_url=wide.url)
        with AutotaskClient(creds, ClientConfig(transport=wide.transport())) as reference:
            yield Setup(wide, strict, reference)


@pytest.fixture(scope="module")
def client(setup: Setup) -> Iterator[AutotaskClient]:
    with setup.client() as c:
        yield c


def _ids(rows: Sequence[dict[str, Any]]) -> list[int]:
    return [int(r["id"]) for r in rows]


# -- the examples, on the client ---------------------------------------------------------


def test_pages_of_a_split_in_start_at_the_lowest_ids(setup: Setup, client: AutotaskClient) -> None:
    f = QueryFilter(field="id", op="in", value=LATE_FIRST)
    mark = len(setup.strict.requests)
    page = client.query("Tickets", [f], include_fields=["id"], max_records=3)
    assert _ids(page.items) == [7000, 7001, 7002]
    assert setup.query_posts(mark, "Tickets") == 2  # one page of 3 from each part, no more
    pages = [_ids(p.items) for p in client.iter_pages("Tickets", [f], ["id"], page_size=250)]
    assert [len(p) for p in pages] == [250, 250, 100]  # full pages, as the server gives them
    assert [i for p in pages for i in p] == list(range(7000, 7600))


def test_count_of_a_split_in_counts_a_row_found_twice_once(client: AutotaskClient) -> None:
    names = ["Sandbox MSP", *FILLER_NAMES, "SANDBOX MSP"]  # equal names, in two parts
    f = QueryFilter(field="companyName", op="in", value=names)
    assert client.count("Companies", [f]) == 1
    assert _ids(client.query_all("Companies", [f])) == [0]
    assert _ids(client.query("Companies", [f]).items) == [0]


def test_count_of_a_split_not_in_is_the_number_of_rows(client: AutotaskClient) -> None:
    companies = client.query_all("Companies", include_fields=["id", "companyName"])
    others = [c["companyName"] for c in companies[1:-8]]
    names = ["Sandbox MSP", *FILLER_NAMES, "SANDBOX MSP", *others]
    f = QueryFilter(field="companyName", op="notIn", value=names)
    assert _ids(client.query_all("Companies", [f])) == _ids(companies[-8:])
    assert client.count("Companies", [f]) == 8


def test_lists_that_fit_alone_but_not_together_are_split(
    setup: Setup, client: AutotaskClient
) -> None:
    # 400 + 300 OR conditions: each list fits the limit of 500, the query does not.
    ids = QueryFilter(field="id", op="in", value=list(range(7000, 7400)))
    companies = sorted({r["companyID"] for r in client.query_all("Tickets", limit=40)})
    company_ids = QueryFilter(field="companyID", op="in", value=[*companies, *range(1, 301)])
    want = setup.unsplit_ids("Tickets", [ids, company_ids])
    assert want
    assert _ids(client.query_all("Tickets", [ids, company_ids])) == want
    assert client.count("Tickets", [ids, company_ids]) == len(want)


def test_a_split_list_of_distinct_integers_is_counted_by_the_server(
    setup: Setup, client: AutotaskClient
) -> None:
    f = QueryFilter(field="id", op="in", value=LATE_FIRST)
    mark = len(setup.strict.requests)
    assert client.count("Tickets", [f]) == 600
    assert setup.count_posts(mark) == 2 and setup.query_posts(mark, "Tickets") == 0


# -- the property: every split query answers as the unsplit one ------------------------------------


@dataclass(frozen=True)
class ListField:
    """A field a list condition may name; values that match rows, in groups of forms the server
    finds equal (``"Acme"``/``"ACME"``, ``3``/``"3"``); and values that match none."""

    entity: str
    field: str
    matching: tuple[tuple[Any, ...], ...]
    udf: bool = False
    kind: str = "int"  # int | str: how filler values are made

    def filler(self, k: int) -> Any:
        return 10_000_000 + k if self.kind == "int" else f"zz no match {k}"


def _variants(values: Sequence[Any]) -> tuple[tuple[Any, ...], ...]:
    """Each value with forms the server finds equal to it: other cases, numbers as text."""
    out: list[tuple[Any, ...]] = []
    for v in values:
        if isinstance(v, str):
            # dict, not set: the examples must not depend on the hash seed
            out.append(tuple(dict.fromkeys([v, v.upper(), v.lower(), v.swapcase()])))
        else:
            out.append((v, v, str(v)))  # integers twice as likely: lists of them are proven
    return tuple(out)


def _fields(setup: Setup) -> dict[str, list[ListField]]:
    ref = setup.reference
    tickets = ref.query_all("Tickets", include_fields=["id", "companyID", "title"])
    companies = ref.query_all("Companies", include_fields=["id", "companyName"])
    titles = sorted({t["title"] for t in tickets})[:12]
    seats = sorted(
        {u["value"] for c in companies for u in c["userDefinedFields"] if u["name"] == "Seats"}
    )
    return {
        "Tickets": [
            ListField("Tickets", "id", _variants([*range(7000, 7012), *range(7500, 7506), 7999])),
            ListField("Tickets", "companyID", _variants(sorted({t["companyID"] for t in tickets}))),
            ListField("Tickets", "title", _variants(titles), kind="str"),
            ListField("Tickets", "Customer Impact", _variants([1, 2, 3, 4, 5]), udf=True),
            ListField(
                "Tickets",
                "Root Cause",
                _variants(["Configuration change", "Vendor outage"]),
                udf=True,
                kind="str",
            ),
        ],
        "Companies": [
            ListField("Companies", "id", _variants(_ids(companies))),
            ListField(
                "Companies",
                "companyName",
                _variants([c["companyName"] for c in companies[:10]]),
                kind="str",
            ),
            ListField("Companies", "Seats", _variants([int(v) for v in seats[:8]]), udf=True),
        ],
    }


EXTRA = {
    "Tickets": [
        QueryFilter(field="status", op="noteq", value=5),
        QueryFilter(field="id", op="gte", value=7500),
        QueryFilter.or_(
            QueryFilter(field="priority", op="eq", value=1),
            QueryFilter(field="priority", op="eq", value=4),
        ),
    ],
    "Companies": [
        QueryFilter(field="isActive", op="eq", value=True),
        QueryFilter(field="id", op="lte", value=29683415),
    ],
}


@st.composite
def split_queries(
    draw: st.DrawFn, fields: dict[str, list[ListField]]
) -> tuple[int, str, list[QueryFilter]]:
    """(OR budget of the split client, entity, filters): one or two lists, at most one UDF and
    one notIn, values repeated and equal under the server's rules, maybe another condition."""
    budget = draw(st.sampled_from([3, 4, 7, 500]))
    entity = draw(st.sampled_from(sorted(fields)))
    chosen = draw(
        st.lists(
            st.sampled_from(fields[entity]), min_size=1, max_size=2, unique_by=lambda f: f.field
        )
    )
    if sum(f.udf for f in chosen) > 1:
        chosen = chosen[:1]
    rng = draw(st.randoms(use_true_random=False))
    filters: list[QueryFilter] = []
    extra = draw(st.sampled_from([None, *EXTRA[entity]]))
    if extra is not None:
        filters.append(extra)
    fixed = sum(2 for f in filters if f.is_group)
    not_in_used = False
    for n, lf in enumerate(chosen):
        op = draw(st.sampled_from(["in"] if not_in_used else ["in", "notIn"]))
        not_in_used = not_in_used or op == "notIn"
        values = [
            form
            for group in draw(st.lists(st.sampled_from(lf.matching), min_size=1, max_size=4))
            for form in draw(st.lists(st.sampled_from(group), min_size=1, max_size=3))
        ]
        # past the budget (500: 400 to 1,100 values), or a few more values than a small budget
        fillers = draw(st.integers(400, 1100) if budget == 500 else st.integers(0, 2 * budget))
        values += [lf.filler(1000 * n + k) for k in range(fillers)]
        values += rng.sample(values, min(len(values), draw(st.integers(0, 3))))  # repeats
        rng.shuffle(values)
        filters.append(QueryFilter(field=lf.field, op=op, value=values, udf=lf.udf))
    if budget < fixed + 2 * len(chosen):  # two values of each list per request at least: a
        budget = 7  # budget of 3 over two lists would make a part for every pair of values
    return budget, entity, filters


def _page_lengths(total: int, size: int) -> list[int]:
    if total == 0:
        return [0]  # an empty answer is one empty page, as the server gives it
    return [min(size, total - start) for start in range(0, total, size)]


@pytest.fixture(scope="module")
def list_fields(setup: Setup) -> dict[str, list[ListField]]:
    return _fields(setup)


@pytest.fixture(scope="module")
def clients(setup: Setup) -> Iterator[dict[int, AutotaskClient]]:
    made = {n: setup.client(in_chunk_size=n) for n in (3, 4, 7, 500)}
    yield made
    for c in made.values():
        c.close()


_SETTINGS = settings(
    max_examples=30,  # about 7 s
    deadline=None,
    derandomize=True,  # the same examples every run: CI must not depend on luck
    # No shrinking: an example costs dozens of requests, and shrinking one ran past pytest's
    # timeout (minutes). A failure shows the example as drawn, the same on every run.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def test_split_queries_answer_as_the_unsplit_query(
    setup: Setup, clients: dict[int, AutotaskClient], list_fields: dict[str, list[ListField]]
) -> None:
    @_SETTINGS
    @given(
        case=split_queries(list_fields),
        n=st.integers(0, 12),
        page=st.sampled_from([1, 2, 5, 500]),
    )
    def check(case: tuple[int, str, list[QueryFilter]], n: int, page: int) -> None:
        budget, entity, filters = case
        client = clients[budget]
        want = setup.unsplit_ids(entity, filters)
        assert _ids(client.query_all(entity, filters, include_fields=["id"])) == want
        assert _ids(client.query_all(entity, filters, include_fields=["id"], limit=n)) == want[:n]
        assert client.count(entity, filters) == len(want) == setup.unsplit_count(entity, filters)

        q = Query(client, entity, where=filters, fields=["id"])
        assert [int(i) for i in q.head(n)["id"]] == want[:n]
        assert [int(i) for i in q.limit(n).to_pandas(progress=False)["id"]] == want[:n]
        assert q.count() == len(want)

        size = page if len(want) <= 40 * page else 500  # keep the number of pages small
        pages = [_ids(p.items) for p in client.iter_pages(entity, filters, ["id"], page_size=size)]
        assert [x for p in pages for x in p] == want
        assert [len(p) for p in pages] == _page_lengths(len(want), size)
        chunks = [[int(i) for i in c["id"]] for c in q.pages(size, pushable=False)]
        assert [x for c in chunks for x in c] == want

    check()
