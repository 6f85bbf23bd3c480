"""Helpers the sandbox's HTTP tests share: asserting the live API's answer shapes, counting rows.

Plain functions over an ``httpx.Client`` (the fixtures ``api``/``inproc_api`` of conftest.py);
they use no code of the client under test, on purpose.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import httpx

ALL = {"op": "exist", "field": "id"}
NO_MATCHING_DELETE = (
    "No message. No matching records found. "
    "The logged in Resource may not have the required permissions to delete the data."
)
_serial = itertools.count(1)


def not_allowed(method: str) -> dict[str, str]:
    return {"Message": f"The requested resource does not support http method '{method}'."}


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()


def errors(response: httpx.Response) -> list[str]:
    assert response.status_code == 500, response.text
    body = response.json()
    assert set(body) == {"errors"} and body["errors"], body
    return body["errors"]


def names_field(messages: list[str], field: str) -> bool:
    return any(field.lower() in message.lower() for message in messages)


def item(api: httpx.Client, path: str) -> dict[str, Any]:
    return ok(api.get(path))["item"]


def count(api: httpx.Client, entity: str, filters: list[dict[str, Any]]) -> int:
    return ok(api.post(f"V1.0/{entity}/query/count", json={"filter": filters}))["queryCount"]


def query(
    api: httpx.Client, entity: str, model: dict[str, Any], method: str = "POST"
) -> httpx.Response:
    if method == "POST":
        return api.post(f"V1.0/{entity}/query", json=model)
    return api.get(f"V1.0/{entity}/query", params={"search": json.dumps(model)})


def fetch_all(
    api: httpx.Client, entity: str, model: dict[str, Any], method: str = "POST"
) -> list[dict[str, Any]]:
    """Every row of a query, following nextPageUrl with the query's own method and body."""
    body = ok(query(api, entity, model, method))
    items = list(body["items"])
    while body["pageDetails"]["nextPageUrl"]:
        url = body["pageDetails"]["nextPageUrl"]
        response = api.post(url, json=model) if method == "POST" else api.get(url)
        body = ok(response)
        items.extend(body["items"])
    return items


def unique(prefix: str) -> str:
    return f"{prefix} {next(_serial)}"


def company_body(owner: int, **extra: Any) -> dict[str, Any]:
    return {
        "companyName": unique("Write Test Co"),
        "companyType": 3,
        "phone": "(555) 555-0100",
        "ownerResourceID": owner,
        **extra,
    }


def ticket_body(company: int, **extra: Any) -> dict[str, Any]:
    return {
        "companyID": company,
        "title": unique("Write test ticket"),
        "status": 1,
        "priority": 2,
        **extra,
    }


class SleepRecorder:
    """Stands in for the sandbox's ``sleep``: records the latency it would add, waits for none."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
