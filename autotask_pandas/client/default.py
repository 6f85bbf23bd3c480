"""The client used when none is given (``read_autotask(..., client=None)``, ``Query(None, ...)``).

The product rule: with Autotask credentials in the environment (``AUTOTASK_USERNAME``,
``AUTOTASK_INTEGRATION_CODE``, ``AUTOTASK_SECRET``, optionally ``AUTOTASK_API_URL``) the default is
a client for them; with none of those set, everything runs against one embedded demo ``Sandbox``
per process, started on first use (in-process transport, no network) and stopped at exit.
``set_default_client`` replaces the choice (a notebook's ``%autotask`` connection, a test).
"""

from __future__ import annotations

import atexit
import os
import threading
from typing import TYPE_CHECKING

from autotask_pandas.auth import ENV_INTEGRATION_CODE, ENV_SECRET, ENV_USERNAME

if TYPE_CHECKING:
    from autotask_pandas.client import AutotaskClient
    from autotask_pandas.sandbox import Sandbox

__all__ = ["default_client", "default_sandbox", "set_default_client"]

_lock = threading.Lock()
_client: AutotaskClient | None = None
_sandbox: Sandbox | None = None


def _has_env_credentials() -> bool:
    return any(os.environ.get(name) for name in (ENV_USERNAME, ENV_INTEGRATION_CODE, ENV_SECRET))


def default_sandbox() -> Sandbox:
    """The process-wide demo sandbox (``Sandbox(scale=1, seed=0)``), started on first call."""
    global _sandbox
    with _lock:
        if _sandbox is None:
            from autotask_pandas.sandbox import Sandbox

            sandbox = Sandbox(scale=1, seed=0)
            sandbox.start()
            atexit.register(sandbox.stop)
            _sandbox = sandbox
        return _sandbox


def default_client() -> AutotaskClient:
    """The environment's credentials if any are set (all three are then required), else the
    embedded sandbox; made once and reused."""
    global _client
    if _client is not None and not getattr(_client, "_closed", False):
        return _client
    from autotask_pandas.client import AutotaskClient, ClientConfig

    if _has_env_credentials():
        client = AutotaskClient.from_env()
    else:
        sandbox = default_sandbox()
        client = AutotaskClient(sandbox.credentials, ClientConfig(transport=sandbox.transport()))
    with _lock:
        if _client is None or getattr(_client, "_closed", False):
            _client = client
            atexit.register(client.close)
        elif _client is not client:
            client.close()
        return _client


def set_default_client(client: AutotaskClient | None) -> None:
    """Use ``client`` wherever none is given (None: choose again on next use)."""
    global _client
    with _lock:
        _client = client
