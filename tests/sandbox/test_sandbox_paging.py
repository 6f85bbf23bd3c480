"""Paging over loopback HTTP, as FACTS.md section 5 describes the live API's.

Every row exactly once, in ascending id, at most 500 a page; ``pageDetails`` with
``count, requestCount, prevPageUrl, nextPageUrl``; next-page URLs that carry the token
``paging={"pageSize":..,"previousIds":[..],"nextIds":[..]}`` URL-encoded with lower-case hex; a
POSTed query's next page must be POSTed with the same body (a GET is a 405), a GET query's next
page carries its ``search`` and works with GET.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sandbox_http import ALL, ok

from autotask_pandas.sandbox import Sandbox

GET_NOT_ALLOWED = {"Message": "The requested resource does not support http method 'GET'."}


def first_page(
    api: httpx.Client, entity: str, model: dict[str, Any], method: str
) -> dict[str, Any]:
    if method == "POST":
        return ok(api.post(f"V1.0/{entity}/query", json=model))
    return ok(api.get(f"V1.0/{entity}/query", params={"search": json.dumps(model)}))


def walk(
    api: httpx.Client, entity: str, model: dict[str, Any], method: str
) -> list[dict[str, Any]]:
    """Every page of a query, each fetched with the first request's method (and body)."""
    pages = [first_page(api, entity, model, method)]
    while (url := pages[-1]["pageDetails"]["nextPageUrl"]) is not None:
        response = api.post(url, json=model) if method == "POST" else api.get(url)
        pages.append(ok(response))
        assert len(pages) <= 1000, "paging does not end"
    return pages


def token(url: str) -> dict[str, Any]:
    """The decoded paging token of a page URL."""
    return json.loads(parse_qs(urlsplit(url).query)["paging"][0])


def raw_param(url: str, name: str) -> str:
    """A query parameter exactly as it appears in the URL (still percent-encoded)."""
    for part in urlsplit(url).query.split("&"):
        key, _, value = part.partition("=")
        if key == name:
            return value
    raise AssertionError(f"{name} not in {url}")


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_every_ticket_exactly_once_in_ascending_id(api: httpx.Client, method: str) -> None:
    model = {"filter": [ALL], "IncludeFields": ["id"]}
    pages = walk(api, "Tickets", model, method)
    total = ok(api.post("V1.0/Tickets/query/count", json={"filter": [ALL]}))["queryCount"]
    assert total > 1000  # several pages
    seen = [item["id"] for page in pages for item in page["items"]]
    assert len(seen) == total
    assert seen == sorted(set(seen))  # strictly ascending: nothing repeated, nothing out of order
    for page in pages:
        details = page["pageDetails"]
        assert set(details) == {"count", "requestCount", "prevPageUrl", "nextPageUrl"}
        assert details["count"] == len(page["items"]) <= 500
        assert details["requestCount"] == 500
    assert all(page["pageDetails"]["count"] == 500 for page in pages[:-1])


@pytest.mark.parametrize("size", [1, 7, 64, 151])
def test_max_records_pages_cover_a_filtered_query(api: httpx.Client, size: int) -> None:
    model = {"filter": [{"op": "in", "field": "companyType", "value": [1, 3]}], "MaxRecords": size}
    expected = [
        i["id"]
        for p in walk(api, "Companies", {"filter": model["filter"]}, "POST")
        for i in p["items"]
    ]
    assert len(expected) > 64
    for method in ("POST", "GET"):
        pages = walk(api, "Companies", model, method)
        assert [i["id"] for p in pages for i in p["items"]] == expected
        assert all(p["pageDetails"]["requestCount"] == size for p in pages)
        assert all(p["pageDetails"]["count"] <= size for p in pages)
        assert all(i["companyType"] in (1, 3) for p in pages for i in p["items"])


def test_token_format(api: httpx.Client, sandbox: Sandbox) -> None:
    pages = walk(
        api, "Tickets", {"filter": [ALL], "IncludeFields": ["id"], "MaxRecords": 200}, "POST"
    )[:3]
    first, second = pages[0]["pageDetails"]["nextPageUrl"], pages[1]["pageDetails"]["nextPageUrl"]
    for url in (first, second):
        # Absolute, on this zone, at the entity's query/next.
        assert url.startswith(sandbox.url + "V1.0/Tickets/query/next?paging=")
        raw = raw_param(url, "paging")
        escapes = re.findall(r"%[0-9A-Fa-f]{2}", raw)
        assert escapes and all(e == e.lower() for e in escapes), raw
        assert "{" not in raw and '"' not in raw
    last_of = [page["items"][-1]["id"] for page in pages]
    assert raw_param(first, "paging") == (
        "%7b%22pageSize%22%3a200%2c%22previousIds%22%3a%5b-1%5d%2c%22nextIds%22%3a%5b"
        f"{last_of[0]}%5d%7d"
    )
    assert token(first) == {"pageSize": 200, "previousIds": [-1], "nextIds": [last_of[0]]}
    assert token(second) == {
        "pageSize": 200,
        "previousIds": [-1, last_of[0]],
        "nextIds": [last_of[1]],
    }


def test_posted_query_pages_must_be_posted(api: httpx.Client) -> None:
    model = {
        "filter": [{"op": "eq", "field": "status", "value": 5}],
        "IncludeFields": ["id", "status"],
    }
    page = first_page(api, "Tickets", model, "POST")
    url = page["pageDetails"]["nextPageUrl"]
    assert "search" not in parse_qs(urlsplit(url).query)
    response = api.get(url)
    assert response.status_code == 405
    assert response.json() == GET_NOT_ALLOWED
    # POSTed with the same body, it is the next page of the same query.
    following = ok(api.post(url, json=model))
    assert following["items"][0]["id"] > page["items"][-1]["id"]
    assert all(item["status"] == 5 for item in following["items"])


def test_get_query_pages_carry_the_search(api: httpx.Client) -> None:
    model = {
        "filter": [{"op": "eq", "field": "priority", "value": 3}],
        "IncludeFields": ["priority"],
    }
    page = first_page(api, "Tickets", model, "GET")
    url = page["pageDetails"]["nextPageUrl"]
    search = parse_qs(urlsplit(url).query)["search"][0]
    assert json.loads(search) == model
    escapes = re.findall(r"%[0-9A-Fa-f]{2}", raw_param(url, "search"))
    assert escapes and all(e == e.lower() for e in escapes)
    following = ok(api.get(url))
    assert following["items"][0]["id"] > page["items"][-1]["id"]
    assert all(item["priority"] == 3 for item in following["items"])
    assert all(set(item) == {"id", "priority", "userDefinedFields"} for item in following["items"])


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_prev_page_url_goes_back(api: httpx.Client, method: str) -> None:
    model = {"filter": [ALL], "IncludeFields": ["id"], "MaxRecords": 100}
    pages = walk(api, "Companies", model, method)
    assert len(pages) >= 2
    assert pages[0]["pageDetails"]["prevPageUrl"] is None
    for earlier, later in itertools.pairwise(pages):
        url = later["pageDetails"]["prevPageUrl"]
        assert url is not None
        back = ok(api.post(url, json=model) if method == "POST" else api.get(url))
        assert back["items"] == earlier["items"]
        assert back["pageDetails"]["nextPageUrl"] == earlier["pageDetails"]["nextPageUrl"]
    assert pages[-1]["pageDetails"]["nextPageUrl"] is None


def test_single_page_has_no_links(api: httpx.Client) -> None:
    body = first_page(api, "Resources", {"filter": [ALL]}, "POST")
    assert body["items"]
    assert body["pageDetails"] == {
        "count": len(body["items"]),
        "requestCount": 500,
        "prevPageUrl": None,
        "nextPageUrl": None,
    }


def test_next_page_url_path_is_case_insensitive(api: httpx.Client) -> None:
    model = {"filter": [ALL], "IncludeFields": ["id"], "MaxRecords": 10}
    page = first_page(api, "Companies", model, "POST")
    url = page["pageDetails"]["nextPageUrl"].replace(
        "/ATServicesRest/V1.0/Companies/query/next", "/atservicesrest/v1.0/companies/query/next"
    )
    assert ok(api.post(url, json=model))["items"][0]["id"] > page["items"][-1]["id"]


def test_in_process_transport_pages_like_http(api: httpx.Client, inproc_api: httpx.Client) -> None:
    """``sb.transport()`` is the same emulator: same pages, same (absolute) page URLs."""
    for method in ("POST", "GET"):
        model = {"filter": [{"op": "lt", "field": "priority", "value": 3}], "MaxRecords": 300}
        assert walk(inproc_api, "Tickets", model, method) == walk(api, "Tickets", model, method)


def test_deep_paging_keeps_urls_short_and_can_go_back_fifty_pages(inproc_api: httpx.Client) -> None:
    body = {"filter": [ALL], "MaxRecords": 1}
    page = ok(inproc_api.post("V1.0/Tickets/query", json=body))
    ids = [page["items"][0]["id"]]
    for _ in range(80):
        page = ok(inproc_api.post(page["pageDetails"]["nextPageUrl"], json=body))
        ids.append(page["items"][0]["id"])
    url = page["pageDetails"]["nextPageUrl"]
    assert len(token(url)["previousIds"]) == 50 and len(url) < 1500
    assert ids == sorted(ids) and len(set(ids)) == 81
    back = page
    for expected in reversed(ids[-51:-1]):  # fifty pages back, one at a time
        back = ok(inproc_api.post(back["pageDetails"]["prevPageUrl"], json=body))
        assert back["items"][0]["id"] == expected
    assert back["pageDetails"]["prevPageUrl"] is None
