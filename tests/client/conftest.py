"""Fixtures for the client tests: clients of the session sandbox (``tests/conftest.py``), over
loopback HTTP or in process.

The client is never mocked: every test talks to the sandbox (the emulator of the live API) or,
where the sandbox cannot produce a situation (TLS, a hostile zone answer), to an httpx
``MockTransport`` standing in for the *server*, never for our own classes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from helpers import FAST

from autotask_pandas import AuthCredentials, AutotaskClient, ClientConfig
from autotask_pandas.client import clear_zone_cache
from autotask_pandas.sandbox import Sandbox


@pytest.fixture(autouse=True)
def _fresh_zone_cache() -> Iterator[None]:
    clear_zone_cache()
    yield
    clear_zone_cache()


def _credentials_for(sb: Sandbox, **overrides: Any) -> AuthCredentials:
    values = {
        "username": sb.username,
        "integration_code": sb.integration_code,
        "secret": sb.secret,
        "api_url": sb.url,
    }
    values.update(overrides)
    return AuthCredentials(**values)


@pytest.fixture
def make_client(sandbox: Sandbox) -> Iterator[Callable[..., AutotaskClient]]:
    """``make_client(sb=None, inprocess=False, **config)``: a client on the (given) sandbox."""
    made: list[AutotaskClient] = []

    def make(
        sb: Sandbox | None = None, *, inprocess: bool = False, **config: Any
    ) -> AutotaskClient:
        sb = sb or sandbox
        settings = {**FAST, **config}
        if inprocess:
            settings["transport"] = sb.transport()
        client = AutotaskClient(_credentials_for(sb), ClientConfig(**settings))
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture(params=["http", "inprocess"])
def client(
    request: pytest.FixtureRequest, make_client: Callable[..., AutotaskClient]
) -> AutotaskClient:
    """A client on the session sandbox, over loopback HTTP and over the in-process transport."""
    return make_client(inprocess=request.param == "inprocess")


@pytest.fixture
def make_credentials() -> Callable[..., AuthCredentials]:
    """``make_credentials(sb, **overrides)``: the sandbox user's credentials, some replaced."""
    return _credentials_for


@pytest.fixture
def fast() -> dict[str, Any]:
    """ClientConfig settings for quick retries and no threshold reads."""
    return dict(FAST)
