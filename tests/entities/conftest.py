"""Fixtures for the entities tests: one demo sandbox for the session, clients connected to it.

Nothing of ours is mocked: every test talks to the sandbox, over loopback HTTP (the reference's
way of connecting: ``AutotaskClient(AuthCredentials(..., api_url=sb.url))``) or through its
in-process transport where many requests make speed matter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from autotask_pandas import AutotaskClient
from autotask_pandas.auth import AuthCredentials
from autotask_pandas.client import ClientConfig
from autotask_pandas.sandbox import RequestRecord, Sandbox


@pytest.fixture(scope="session")
def sb() -> Iterator[Sandbox]:
    with Sandbox(scale=1, seed=0) as sandbox:
        yield sandbox


@pytest.fixture(scope="session")
def client(sb: Sandbox) -> Iterator[AutotaskClient]:
    """The reference's way: credentials with the sandbox's api_url, default configuration."""
    with AutotaskClient(
        AuthCredentials(sb.username, sb.integration_code, sb.secret, api_url=sb.url)
    ) as made:
        yield made


@pytest.fixture(scope="session")
def fast_client(sb: Sandbox) -> Iterator[AutotaskClient]:
    """The same, through the sandbox's in-process transport (no sockets)."""
    with AutotaskClient(
        AuthCredentials(sb.username, sb.integration_code, sb.secret, api_url=sb.url),
        ClientConfig(transport=sb.transport()),
    ) as made:
        yield made


@pytest.fixture
def make_client(sb: Sandbox) -> Iterator[Callable[..., AutotaskClient]]:
    """A fresh client (its own entity instances, upload budget...) for tests that change one."""
    made: list[AutotaskClient] = []

    def make(**config: Any) -> AutotaskClient:
        new = AutotaskClient(
            AuthCredentials(sb.username, sb.integration_code, sb.secret, api_url=sb.url),
            ClientConfig(**config),
        )
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
def request_log(sb: Sandbox) -> Callable[[], RequestLog]:
    """``log = request_log()`` then ``log.requests``: what was sent after that point."""
    return lambda: RequestLog(sb)


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
