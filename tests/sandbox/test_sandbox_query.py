"""Query semantics of the sandbox over loopback HTTP, checked against FACTS.md section 4.

The sandbox's answers are compared with an evaluation of the same filter in Python over rows
fetched beforehand: hypothesis draws random filter trees over a few fields of Companies and of
Tickets, and the ids the sandbox returns must be exactly the ids the Python evaluation selects.
The query rules and refusals (MaxRecords, IncludeFields, limits) are in ``test_sandbox_query_rules.py``.

Where FACTS leaves a rule UNCONFIRMED the Python evaluator follows the sandbox's documented choice
(``sandbox/filters.py``): ``noteq``/``notIn`` match empty fields, the other comparisons never do,
and text compares without regard to (ASCII) case, as SQL Server's default collation does.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sandbox_http import ALL, fetch_all, ok, query

# Fields the random filters use, with how Python compares them.
COMPANY_FIELDS = {
    "companyName": "string",
    "city": "string",
    "companyType": "integer",
    "territoryID": "integer",
    "classification": "integer",
    "marketSegmentID": "integer",
    "address2": "string",
    "isActive": "boolean",
    "createDate": "datetime",
}
TICKET_FIELDS = {
    "title": "string",
    "status": "integer",
    "priority": "integer",
    "queueID": "integer",
    "assignedResourceID": "integer",
    "contactID": "integer",
    "contractID": "integer",
    "estimatedHours": "double",
    "createDate": "datetime",
    "completedDate": "datetime",
    "resolution": "string",
}


# --------------------------------------------------------------------------- helpers


def ids(items: list[dict[str, Any]]) -> list[int]:
    return [item["id"] for item in items]


_ASCII_FOLD = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def fold(text: str) -> str:
    return text.translate(_ASCII_FOLD)


def as_datetime(text: str) -> datetime:
    value = datetime.fromisoformat(text)  # Python 3.11 reads a trailing Z
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def normalise(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "string":
        return fold(value)
    if kind == "datetime":
        return as_datetime(value)
    if kind == "double":
        return float(value)
    return value


def evaluate(node: dict[str, Any], row: dict[str, Any], kinds: dict[str, str]) -> bool:
    """The filter's meaning (FACTS §4) evaluated on one row, in plain Python."""
    op = node["op"]
    if op in ("and", "or"):
        results = [evaluate(item, row, kinds) for item in node["items"]]
        return all(results) if op == "and" else any(results)
    kind = kinds[node["field"]]
    have = normalise(kind, row[node["field"]])
    if op == "exist":
        return have is not None
    if op == "notExist":
        return have is None
    if op in ("in", "notIn"):
        wanted = [normalise(kind, v) for v in node["value"]]
        if op == "in":
            return have is not None and have in wanted
        return have is None or have not in wanted
    want = normalise(kind, node["value"])
    if op == "noteq":
        return have is None or have != want
    if have is None:
        return False
    if op == "beginsWith":
        return have.startswith(want)
    if op == "endsWith":
        return have.endswith(want)
    if op == "contains":
        return want in have
    compare: dict[str, Callable[[Any, Any], bool]] = {
        "eq": lambda a, b: a == b,
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
    }
    return compare[op](have, want)


def python_ids(
    rows: list[dict[str, Any]], filters: list[dict[str, Any]], kinds: dict[str, str]
) -> list[int]:
    return sorted(r["id"] for r in rows if all(evaluate(f, r, kinds) for f in filters))


# --------------------------------------------------------------------------- random filter trees


def value_strategy(kind: str, seen: list[Any]) -> st.SearchStrategy[Any]:
    present = [v for v in seen if v is not None]
    if kind == "string":
        pieces = st.sampled_from(present).flatmap(
            lambda s: st.tuples(st.integers(0, len(s)), st.integers(0, len(s))).map(
                lambda ij: s[min(ij) : max(ij)]
            )
        )
        cased = st.sampled_from(present).flatmap(
            lambda s: st.sampled_from([s, s.upper(), s.lower()])
        )
        # Wildcard characters must be taken literally by beginsWith/contains/endsWith.
        odd = st.text(alphabet="ab%_ -'", min_size=1, max_size=4)
        return st.one_of(st.sampled_from(present), cased, pieces.filter(bool), odd)
    if kind == "integer":
        return st.one_of(st.sampled_from(present), st.integers(-5, 30_000_000))
    if kind == "double":
        return st.one_of(st.sampled_from(present), st.floats(0, 20).map(lambda x: round(x, 2)))
    if kind == "boolean":
        return st.booleans()
    # datetime: a present value, or a random instant, sent without zone or fraction (FACTS §4)
    random_instant = st.datetimes(datetime(2024, 1, 1), datetime(2027, 12, 31)).map(
        lambda d: d.strftime("%Y-%m-%dT%H:%M:%S")
    )
    sent_as_is = st.sampled_from(present).map(
        lambda s: as_datetime(s).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
    )
    return st.one_of(sent_as_is, random_instant)


OPS_BY_KIND = {
    "string": [
        "eq",
        "noteq",
        "gt",
        "gte",
        "lt",
        "lte",
        "beginsWith",
        "endsWith",
        "contains",
        "exist",
        "notExist",
        "in",
        "notIn",
    ],
    "integer": ["eq", "noteq", "gt", "gte", "lt", "lte", "exist", "notExist", "in", "notIn"],
    "double": ["eq", "noteq", "gt", "gte", "lt", "lte", "exist", "notExist"],
    "boolean": ["eq", "noteq", "exist", "notExist"],
    "datetime": ["eq", "noteq", "gt", "gte", "lt", "lte", "exist", "notExist"],
}


@st.composite
def condition(
    draw: st.DrawFn, kinds: dict[str, str], values: dict[str, list[Any]]
) -> dict[str, Any]:
    name = draw(st.sampled_from(sorted(kinds)))
    kind = kinds[name]
    op = draw(st.sampled_from(OPS_BY_KIND[kind]))
    node: dict[str, Any] = {"op": op, "field": name}
    if op in ("in", "notIn"):
        node["value"] = draw(st.lists(value_strategy(kind, values[name]), min_size=1, max_size=6))
    elif op not in ("exist", "notExist"):
        node["value"] = draw(value_strategy(kind, values[name]))
    return node


def filter_trees(
    kinds: dict[str, str], values: dict[str, list[Any]]
) -> st.SearchStrategy[list[dict[str, Any]]]:
    leaf = condition(kinds, values)
    tree = st.recursive(
        leaf,
        lambda inner: st.builds(
            lambda op, items: {"op": op, "items": items},
            st.sampled_from(["and", "or"]),
            st.lists(inner, min_size=1, max_size=4),
        ),
        max_leaves=8,
    )
    return st.lists(tree, min_size=1, max_size=3)


@pytest.fixture(scope="module")
def companies(api: httpx.Client) -> list[dict[str, Any]]:
    rows = fetch_all(api, "Companies", {"filter": [ALL], "IncludeFields": sorted(COMPANY_FIELDS)})
    assert len(rows) > 100
    return rows


@pytest.fixture(scope="module")
def tickets(api: httpx.Client) -> list[dict[str, Any]]:
    """The newest 500 tickets (open and closed ones, so with empty fields): queries below
    restrict themselves to this id range, which one page answers."""
    rows = fetch_all(api, "Tickets", {"filter": [ALL], "IncludeFields": sorted(TICKET_FIELDS)})
    newest = rows[-500:]
    assert len(newest) == 500
    assert any(r["completedDate"] is None for r in newest) and any(
        r["completedDate"] for r in newest
    )
    return newest


def column_values(rows: list[dict[str, Any]], kinds: dict[str, str]) -> dict[str, list[Any]]:
    return {name: sorted({r[name] for r in rows if r[name] is not None}, key=str) for name in kinds}


FILTER_SETTINGS = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
# The strategies embed the fetched column values; hypothesis warns that their repr is long.
QUIET_REPR = pytest.mark.filterwarnings("ignore:Generating overly large repr")


@QUIET_REPR
@FILTER_SETTINGS
@given(data=st.data())
def test_random_company_filters_match_python(
    api: httpx.Client, companies: list[dict[str, Any]], data: st.DataObject
) -> None:
    filters = data.draw(filter_trees(COMPANY_FIELDS, column_values(companies, COMPANY_FIELDS)))
    method = data.draw(st.sampled_from(["POST", "GET"]))
    expected = python_ids(companies, filters, COMPANY_FIELDS)
    got = ids(fetch_all(api, "Companies", {"filter": filters, "IncludeFields": ["id"]}, method))
    assert got == expected, filters
    count = ok(api.post("V1.0/Companies/query/count", json={"filter": filters}))
    assert count == {"queryCount": len(expected)}


@QUIET_REPR
@FILTER_SETTINGS
@given(data=st.data())
def test_random_ticket_filters_match_python(
    api: httpx.Client, tickets: list[dict[str, Any]], data: st.DataObject
) -> None:
    filters = data.draw(filter_trees(TICKET_FIELDS, column_values(tickets, TICKET_FIELDS)))
    method = data.draw(st.sampled_from(["POST", "GET"]))
    # Keep to the fetched id range: one page answers every query.
    bounded = [
        {"op": "gte", "field": "id", "value": tickets[0]["id"]},
        {"op": "lte", "field": "id", "value": tickets[-1]["id"]},
        *filters,
    ]
    expected = python_ids(tickets, filters, TICKET_FIELDS)
    body = ok(query(api, "Tickets", {"filter": bounded, "IncludeFields": ["id"]}, method))
    assert ids(body["items"]) == expected, filters
    assert body["pageDetails"]["nextPageUrl"] is None


# --------------------------------------------------------------------------- each operator


@pytest.mark.parametrize(
    ("op", "field", "value"),
    [
        ("eq", "companyType", 1),
        ("noteq", "companyType", 1),
        ("gt", "createDate", "2020-01-01T00:00:00"),
        ("gte", "companyName", "M"),
        ("lt", "territoryID", 29683442),
        ("lte", "createDate", "2019-06-30"),
        ("beginsWith", "companyName", "p"),
        ("endsWith", "companyName", "PARTNERS"),
        ("contains", "companyName", "care"),
        ("exist", "classification", None),
        ("notExist", "classification", None),
        ("in", "companyType", [1, 3, 7]),
        ("notIn", "companyType", [1, 3]),
        # Empty fields: noteq and notIn match them, the comparisons do not (sandbox/filters.py).
        ("noteq", "classification", 29683459),
        ("notIn", "classification", [29683457, 29683459]),
        ("lt", "classification", 29683459),
        ("noteq", "address2", "Suite 124"),
        ("beginsWith", "address2", "suite 1"),
    ],
)
def test_each_operator(
    api: httpx.Client, companies: list[dict[str, Any]], op: str, field: str, value: Any
) -> None:
    node: dict[str, Any] = {"op": op, "field": field}
    if value is not None:
        node["value"] = value
    expected = python_ids(companies, [node], COMPANY_FIELDS)
    assert 0 < len(expected) < len(companies), "the example should select some rows, not all"
    for method in ("POST", "GET"):
        assert ids(fetch_all(api, "Companies", {"filter": [node]}, method)) == expected


def test_nested_groups(api: httpx.Client, companies: list[dict[str, Any]]) -> None:
    filters = [
        {
            "op": "or",
            "items": [
                {
                    "op": "and",
                    "items": [
                        {"op": "eq", "field": "companyType", "value": 1},
                        {"op": "beginsWith", "field": "companyName", "value": "a"},
                    ],
                },
                {
                    "op": "and",
                    "items": [
                        {"op": "in", "field": "companyType", "value": [3, 7]},
                        {
                            "op": "or",
                            "items": [
                                {"op": "contains", "field": "city", "value": "o"},
                                {"op": "notExist", "field": "classification"},
                            ],
                        },
                    ],
                },
            ],
        },
        {"op": "eq", "field": "isActive", "value": True},
    ]
    expected = python_ids(companies, filters, COMPANY_FIELDS)
    assert expected
    assert ids(fetch_all(api, "Companies", {"filter": filters})) == expected


def test_like_operators_take_wildcards_literally(api: httpx.Client) -> None:
    for op in ("beginsWith", "contains", "endsWith"):
        for wildcard in ("%", "_"):
            body = ok(
                query(
                    api,
                    "Companies",
                    {"filter": [{"op": op, "field": "companyName", "value": wildcard}]},
                )
            )
            assert body["items"] == []


def test_udf_filter(api: httpx.Client) -> None:
    rows = fetch_all(api, "Companies", {"filter": [ALL], "IncludeFields": ["id"]})
    tier = {
        r["id"]: {u["name"]: u["value"] for u in r.get("userDefinedFields", [])}.get(
            "Customer Tier"
        )
        for r in rows
    }
    gold = sorted(i for i, v in tier.items() if v == "1")
    assert gold
    # The UDF name is case-insensitive like every field name.
    for name in ("Customer Tier", "customer tier"):
        got = fetch_all(
            api, "Companies", {"filter": [{"op": "eq", "field": name, "udf": True, "value": "1"}]}
        )
        assert ids(got) == gold
        assert all(
            {"name": "Customer Tier", "value": "1"} in item["userDefinedFields"] for item in got
        )


def test_datetime_udf_equals_a_value_read_back(api: httpx.Client) -> None:
    """A datetime UDF value read from one row finds that row again with eq."""
    rows = fetch_all(api, "Companies", {"filter": [ALL], "IncludeFields": ["id"]})
    dated = [
        (r["id"], u["value"])
        for r in rows
        for u in r.get("userDefinedFields", [])
        if u["name"] == "Contract Renewal Date" and u["value"]
    ]
    assert dated
    _, value = dated[0]
    expected = sorted(i for i, v in dated if as_datetime(v) == as_datetime(value))
    got = fetch_all(
        api,
        "Companies",
        {"filter": [{"op": "eq", "field": "Contract Renewal Date", "udf": True, "value": value}]},
    )
    assert ids(got) == expected


def test_invalid_operator_is_silently_dropped(
    api: httpx.Client, companies: list[dict[str, Any]]
) -> None:
    everything = sorted(r["id"] for r in companies)
    dropped = ok(
        query(
            api,
            "Companies",
            {"filter": [{"op": "ne", "field": "id", "value": 0}], "IncludeFields": ["id"]},
        )
    )
    assert ids(dropped["items"]) == everything
    combined = [
        {"op": "ne", "field": "companyType", "value": 1},
        {"op": "eq", "field": "companyType", "value": 1},
    ]
    assert ids(fetch_all(api, "Companies", {"filter": combined})) == python_ids(
        companies, [combined[1]], COMPANY_FIELDS
    )


def test_literal_booleans_filter(api: httpx.Client, companies: list[dict[str, Any]]) -> None:
    for value in (True, False):
        node = {"op": "eq", "field": "isActive", "value": value}
        assert ids(fetch_all(api, "Companies", {"filter": [node]})) == python_ids(
            companies, [node], COMPANY_FIELDS
        )
