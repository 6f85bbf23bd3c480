"""Shared fixtures for the sandbox tests: one demo tenant for the session, two ways to reach it.

- ``sandbox`` (``tests/conftest.py``): ``Sandbox(scale=1, seed=0)`` serving over real loopback HTTP
  for the whole session, with the live API's default limits (10,000 requests an hour, 3 threads per
  endpoint). It is shared, so tests that write create their own rows and must not assume exact row
  counts; a test that needs other settings (faults, a small budget, latency) or sends thousands of
  requests builds its own (``helpers.new_sandbox``) instead, so it cannot push this one past 50% of
  its hourly budget (where the emulator, like the live API, starts adding latency).
- ``api``: an ``httpx.Client`` on ``sandbox.url`` over real HTTP, with the three auth headers.
- ``inproc_api``: the same client over ``sandbox.transport()`` (no sockets; same app, same data).

Paths are relative to the zone URL, as a client appends them: ``api.get("V1.0/Tickets/12")``.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from helpers import auth_headers
from sandbox_http import ok

from autotask_pandas.sandbox import Sandbox


@pytest.fixture(scope="session")
def api(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """An authenticated httpx client talking to ``sandbox`` over real loopback HTTP."""
    with httpx.Client(base_url=sandbox.url, headers=auth_headers(sandbox), timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def inproc_api(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """An authenticated httpx client calling ``sandbox``'s WSGI app in process (fast, no sockets)."""
    with httpx.Client(
        base_url=sandbox.url, headers=auth_headers(sandbox), transport=sandbox.transport()
    ) as client:
        yield client


@pytest.fixture(scope="module")
def owner(api: httpx.Client, sandbox: Sandbox) -> int:
    """An active resource that is not the API user (API users cannot own records, FACTS §2)."""
    filters = [
        {"op": "eq", "field": "isActive", "value": True},
        {"op": "noteq", "field": "id", "value": sandbox.app.user.resource_id},
    ]
    return ok(api.post("V1.0/Resources/query", json={"filter": filters, "MaxRecords": 1}))["items"][
        0
    ]["id"]


@pytest.fixture(scope="module")
def customer(api: httpx.Client) -> int:
    """An existing customer company."""
    body = ok(
        api.post(
            "V1.0/Companies/query",
            json={
                "filter": [
                    {"op": "eq", "field": "companyType", "value": 1},
                    {"op": "gt", "field": "id", "value": 0},
                ],
                "MaxRecords": 1,
            },
        )
    )
    return body["items"][0]["id"]
