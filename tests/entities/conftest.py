"""Fixtures for the entities tests: clients of the session sandbox (``tests/conftest.py``).

Nothing of ours is mocked: every test talks to the sandbox, over loopback HTTP (``client``: the
reference's way of connecting, ``AutotaskClient(AuthCredentials(..., api_url=sandbox.url))``) or
through its in-process transport where many requests make speed matter (the root's
``inprocess_client``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from helpers import connect

from autotask_pandas import AutotaskClient
from autotask_pandas.sandbox import RequestRecord, Sandbox


@pytest.fixture(scope="session")
def client(sandbox: Sandbox) -> Iterator[AutotaskClient]:
    """The reference's way: credentials with the sandbox's api_url, over loopback HTTP, default
    configuration."""
    with connect(sandbox, inprocess=False) as made:
        yield made


@pytest.fixture
def make_client(sandbox: Sandbox) -> Iterator[Callable[..., AutotaskClient]]:
    """A fresh client (its own entity instances, upload budget...) for tests that change one."""
    made: list[AutotaskClient] = []

    def make(**config: Any) -> AutotaskClient:
        new = connect(sandbox, inprocess=False, **config)
        made.append(new)
        return new

    yield make
    for each in made:
        each.close()


class RequestLog:
    """The requests the sandbox served since this object was made."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        self._start = len(sandbox.requests)

    @property
    def requests(self) -> list[RequestRecord]:
        return self._sandbox.requests[self._start :]

    def paths(self, method: str | None = None) -> list[str]:
        return [r.path for r in self.requests if method is None or r.method == method]


@pytest.fixture
def request_log(sandbox: Sandbox) -> Callable[[], RequestLog]:
    """``log = request_log()`` then ``log.requests``: what was sent after that point."""
    return lambda: RequestLog(sandbox)


@pytest.fixture(scope="session")
def company_id(client: AutotaskClient) -> int:
    """An active customer company of the demo data."""
    rows = client.query(
        "Companies",
        [
            {"op": "eq", "field": "companyType", "value": 1},
            {"op": "eq", "field": "isActive", "value": True},
        ],
        max_records=5,
    ).items
    return int(rows[-1]["id"])


@pytest.fixture(scope="session")
def resource_id(client: AutotaskClient) -> int:
    """A resource with a default service desk role."""
    rows = client.query(
        "Resources", [{"op": "exist", "field": "defaultServiceDeskRoleID"}], max_records=1
    ).items
    return int(rows[0]["id"])


@pytest.fixture(scope="session")
def owner_id(resource_id: int) -> int:
    """A resource to own new companies (the live API requires ownerResourceID)."""
    return resource_id
