"""The widgets' own demo sandbox (uploads land in it, so it is not the session-wide one) and a
client speaking to it in process. Nothing of ours is mocked: the widgets run against the
emulator, and ``Sandbox.requests`` shows what reached it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from request_log import RequestLog

from autotask_pandas.auth import AuthCredentials
from autotask_pandas.client import AutotaskClient, ClientConfig
from autotask_pandas.sandbox import Sandbox


@pytest.fixture(scope="session")
def widget_sandbox() -> Iterator[Sandbox]:
    with Sandbox(scale=1, seed=0) as sb:
        yield sb


@pytest.fixture(scope="session")
def widget_client(widget_sandbox: Sandbox) -> Iterator[AutotaskClient]:
    sb = widget_sandbox
    creds = AuthCredentials(sb.username, sb.integration_code, sb.secret, api_url=sb.url)
    with AutotaskClient(creds, ClientConfig(transport=sb.transport())) as made:
        yield made


@pytest.fixture
def served(widget_sandbox: Sandbox) -> RequestLog:
    return RequestLog(widget_sandbox)
