"""The query rules of the live API (FACTS.md section 4) and its refusals, over loopback HTTP.

Case-insensitive keys and field names, GET ``?search=`` and POST bodies alike, ``MaxRecords``
1..500, ``IncludeFields``, unknown fields, one UDF filter per query, the 500-OR limit, literal
booleans, picklist labels where values belong. The meaning of each operator is checked against
a Python evaluation in ``test_sandbox_query.py``.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sandbox_http import ALL, fetch_all, ok, query

OR_LIMIT = "Queries are limited to 500 or fewer 'OR' conditions."
MAX_RECORDS_ERROR = "maxCountOfRecordsToReturn must be between 1 and 500"


def error(response: httpx.Response, status: int = 500) -> list[str]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"errors"}, body
    assert isinstance(body["errors"], list) and body["errors"], body
    return body["errors"]


# --------------------------------------------------------------------------- UDF filters


def test_one_udf_filter_per_query(api: httpx.Client) -> None:
    filters = [
        {"op": "eq", "field": "Customer Tier", "udf": True, "value": "1"},
        {"op": "gt", "field": "Seats", "udf": True, "value": 10},
    ]
    errors = error(query(api, "Companies", {"filter": filters}))
    assert "one user-defined field" in errors[0].lower()


# --------------------------------------------------------------------------- names and keys


def test_keys_and_field_names_are_case_insensitive(api: httpx.Client) -> None:
    canonical = {
        "filter": [
            {
                "op": "or",
                "items": [
                    {"op": "eq", "field": "companyType", "value": 7},
                    {"op": "beginsWith", "field": "companyName", "value": "S"},
                ],
            }
        ],
        "MaxRecords": 5,
        "IncludeFields": ["companyName", "city"],
    }
    shouted = {
        "FILTER": [
            {
                "OP": "or",
                "ITEMS": [
                    {"Op": "eq", "Field": "COMPANYTYPE", "Value": 7},
                    {"op": "beginsWith", "field": "companyname", "value": "S"},
                ],
            }
        ],
        "maxRecords": 5,
        "includeFields": ["COMPANYNAME", "City"],
    }
    first = ok(query(api, "Companies", canonical))
    second = ok(query(api, "Companies", shouted))
    assert first["items"]
    assert first["items"] == second["items"]
    assert first["pageDetails"]["requestCount"] == second["pageDetails"]["requestCount"] == 5
    # The response names fields in the API's own spelling, whatever the request said.
    assert set(second["items"][0]) == {"id", "companyName", "city", "userDefinedFields"}


def test_get_search_and_post_body_agree(api: httpx.Client) -> None:
    model = {"filter": [{"op": "contains", "field": "companyName", "value": "a"}], "MaxRecords": 50}
    posted = fetch_all(api, "Companies", model, "POST")
    got = fetch_all(api, "Companies", model, "GET")
    assert posted == got and len(posted) > 50
    assert ok(api.get("V1.0/Companies/query/count", params={"search": json.dumps(model)})) == {
        "queryCount": len(posted)
    }


# --------------------------------------------------------------------------- MaxRecords, IncludeFields


@pytest.mark.parametrize("size", [1, 37, 500])
def test_max_records_sets_the_page_size(api: httpx.Client, size: int) -> None:
    body = ok(query(api, "Tickets", {"filter": [ALL], "MaxRecords": size, "IncludeFields": ["id"]}))
    assert body["pageDetails"]["count"] == len(body["items"]) == size
    assert body["pageDetails"]["requestCount"] == size


@pytest.mark.parametrize("size", [0, 501, -1])
def test_max_records_out_of_range(api: httpx.Client, size: int) -> None:
    for method in ("POST", "GET"):
        assert error(query(api, "Companies", {"filter": [ALL], "MaxRecords": size}, method)) == [
            MAX_RECORDS_ERROR
        ]


def test_include_fields_returns_id_and_udfs_always(api: httpx.Client) -> None:
    body = ok(
        query(
            api, "Companies", {"filter": [ALL], "IncludeFields": ["companyName"], "MaxRecords": 20}
        )
    )
    for item in body["items"]:
        assert set(item) == {"id", "companyName", "userDefinedFields"}
    # An entity without UDFs has no userDefinedFields to return.
    body = ok(query(api, "Resources", {"filter": [ALL], "IncludeFields": ["lastName"]}))
    assert body["items"] and all(set(item) == {"id", "lastName"} for item in body["items"])


def test_include_fields_may_list_a_udf(api: httpx.Client) -> None:
    """FACTS §4 (D-ADV): "UDFs may be listed" in IncludeFields."""
    body = ok(
        query(
            api,
            "Tickets",
            {"filter": [ALL], "IncludeFields": ["title", "Root Cause"], "MaxRecords": 5},
        )
    )
    assert body["items"]
    for item in body["items"]:
        assert {"id", "title", "userDefinedFields"} <= set(item)


def test_unknown_field_in_include_fields(api: httpx.Client) -> None:
    response = query(api, "Contacts", {"filter": [ALL], "IncludeFields": ["companyName"]})
    assert error(response) == ["Unable to find companyName in the Contact Entity"]


def test_unknown_field_in_filter(api: httpx.Client) -> None:
    for method in ("POST", "GET"):
        response = query(
            api, "Tickets", {"filter": [{"op": "eq", "field": "nosuchfield", "value": 1}]}, method
        )
        assert error(response) == ["Unable to find nosuchfield in the Ticket Entity"]
    nested = {"filter": [{"op": "or", "items": [ALL, {"op": "exist", "field": "Nope"}]}]}
    assert error(query(api, "Companies", nested)) == ["Unable to find Nope in the Company Entity"]
    udf = {"filter": [{"op": "eq", "field": "No Such UDF", "udf": True, "value": "x"}]}
    assert error(query(api, "Companies", udf)) == [
        "Unable to find No Such UDF in the Company Entity"
    ]


# --------------------------------------------------------------------------- the live API's refusals


def test_or_conditions_limit(api: httpx.Client) -> None:
    five_hundred = {
        "filter": [{"op": "in", "field": "id", "value": list(range(500))}],
        "IncludeFields": ["id"],
    }
    ok(query(api, "Tickets", five_hundred))
    too_many = {"filter": [{"op": "in", "field": "id", "value": list(range(501))}]}
    assert error(query(api, "Tickets", too_many)) == [OR_LIMIT]
    group = {
        "filter": [
            {"op": "or", "items": [{"op": "eq", "field": "id", "value": i} for i in range(501)]}
        ]
    }
    assert error(query(api, "Tickets", group)) == [OR_LIMIT]
    # The limit is per query: in-lists in different places add up.
    split = {
        "filter": [
            {"op": "in", "field": "id", "value": list(range(300))},
            {"op": "in", "field": "status", "value": list(range(201))},
        ]
    }
    assert error(query(api, "Tickets", split)) == [OR_LIMIT]
    assert error(api.post("V1.0/Tickets/query/count", json=too_many)) == [OR_LIMIT]


@pytest.mark.parametrize("value", ["true", "True", 1, 0, None, "yes"])
def test_booleans_must_be_literal(api: httpx.Client, value: Any) -> None:
    error(query(api, "Companies", {"filter": [{"op": "eq", "field": "isActive", "value": value}]}))


def test_picklist_label_instead_of_value(api: httpx.Client) -> None:
    for node in (
        {"op": "eq", "field": "status", "value": "Complete"},
        {"op": "in", "field": "status", "value": [5, "New"]},
    ):
        (message,) = error(query(api, "Tickets", {"filter": [node]}))
        assert message.startswith("Conversion failed when converting")
        assert "varchar" in message


def test_numbers_as_strings_are_converted(api: httpx.Client) -> None:
    """SQL Server converts '5' to 5 where a number is expected: only labels fail."""
    as_number = ok(
        query(
            api,
            "Tickets",
            {"filter": [{"op": "eq", "field": "status", "value": 5}], "IncludeFields": ["id"]},
        )
    )
    as_text = ok(
        query(
            api,
            "Tickets",
            {"filter": [{"op": "eq", "field": "status", "value": "5"}], "IncludeFields": ["id"]},
        )
    )
    assert as_number["items"] and as_number["items"] == as_text["items"]


def test_empty_filter_array_matches_nothing(api: httpx.Client) -> None:
    """UNCONFIRMED live behaviour (FACTS §4, I-SERVO257); the sandbox follows the one report."""
    body = ok(query(api, "Companies", {"filter": []}))
    assert body["items"] == [] and body["pageDetails"]["count"] == 0


def test_get_search_may_be_single_quoted(api: httpx.Client) -> None:
    """The live API's own next-page URLs carry ``search={'filter':...}`` (FACTS §5), so the
    lenient JSON reader behind ``?search=`` must take single quotes."""
    search = "{'filter':[{'op':'eq','field':'companyType','value':7}],'MaxRecords':3}"
    single = ok(api.get("V1.0/Companies/query", params={"search": search}))
    double = ok(
        query(
            api,
            "Companies",
            {"filter": [{"op": "eq", "field": "companyType", "value": 7}], "MaxRecords": 3},
        )
    )
    assert single["items"] and single["items"] == double["items"]


def test_a_json_boolean_filters_an_integer_flag(api: httpx.Client) -> None:
    """Contact.isActive is an integer; Datto's collection filters it with ``true`` (FACTS §4)."""
    as_bool = fetch_all(
        api,
        "Contacts",
        {
            "filter": [{"op": "eq", "field": "IsActive", "value": True}],
            "IncludeFields": ["isActive"],
        },
    )
    as_int = fetch_all(
        api,
        "Contacts",
        {"filter": [{"op": "eq", "field": "isActive", "value": 1}], "IncludeFields": ["isActive"]},
    )
    assert as_bool and as_bool == as_int
    inactive = fetch_all(
        api,
        "Contacts",
        {
            "filter": [{"op": "eq", "field": "isActive", "value": False}],
            "IncludeFields": ["isActive"],
        },
    )
    assert all(c["isActive"] == 0 for c in inactive)
    assert not {c["id"] for c in inactive} & {c["id"] for c in as_bool}
