"""Fixtures every test directory may use: the demo sandbox and a client connected to it.

One ``Sandbox(scale=1, seed=0)`` for the whole session, and a client speaking to it in process
(the sandbox's own transport: the full emulator, no sockets). Modules that write a lot, or need
real HTTP or other settings, define their own ``sandbox``/``client`` fixtures, which take
precedence over these.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from autotask_pandas.auth import AuthCredentials
from autotask_pandas.client import AutotaskClient, ClientConfig
from autotask_pandas.sandbox import Sandbox


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(scale=1, seed=0) as sb:
        yield sb


@pytest.fixture(scope="session")
def client(sandbox: Sandbox) -> Iterator[AutotaskClient]:
    creds = AuthCredentials(
        sandbox.username, sandbox.integration_code, sandbox.secret, api_url=sandbox.url
    )
    with AutotaskClient(creds, ClientConfig(transport=sandbox.transport())) as c:
        yield c
