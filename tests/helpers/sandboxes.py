"""Sandboxes and clients for tests: the auth headers, a demo tenant copied, not rebuilt.

Building the demo tenant (``build_store``) takes seconds; copying a built one (SQLite's backup
API, in memory) takes milliseconds. ``new_sandbox`` gives a ``Sandbox`` exactly as
``Sandbox(...)`` would, with the same data, but starts from such a copy, so a test that needs its
own settings (faults, limits, latency) does not pay for the demo data again.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from autotask_pandas import AutotaskClient, ClientConfig
from autotask_pandas.catalog import load_catalog
from autotask_pandas.sandbox import Sandbox, SandboxApp, build_store
from autotask_pandas.sandbox.store import Store

# Fast retries: tests check what is retried and how often, never how long it took.
FAST: dict[str, Any] = {
    "backoff_base": 0.001,
    "backoff_max": 0.01,
    "retry_after_cap": 0.05,
    "threshold_check_every": 0,
}


def auth_headers(sb: Sandbox) -> dict[str, str]:
    """The three headers every authenticated call carries (FACTS §2)."""
    return {
        "ApiIntegrationCode": sb.integration_code,
        "UserName": sb.username,
        "Secret": sb.secret,
    }


@cache
def _template(scale: float, seed: int) -> Store:
    return build_store(scale, seed)


def demo_store(scale: float = 1, seed: int = 0) -> Store:
    """A fresh in-memory copy of the demo tenant of ``(scale, seed)`` (built once per session)."""
    template = _template(scale, seed)
    store = Store(load_catalog())
    with template.lock:
        template.conn.backup(store.conn)
    return store


def new_sandbox(scale: float = 1, seed: int = 0, **options: Any) -> Sandbox:
    """``Sandbox(scale, seed, **options)``, its data a copy of the demo tenant; not started yet
    (``with new_sandbox(...) as sb:``). A file-backed one (``db_path=``) is built as usual."""
    sb = Sandbox(scale, seed, **options)
    if sb.db_path is None:
        sb.app = SandboxApp(demo_store(scale, seed), sb.settings, sb.faults)
    return sb


def connect(sb: Sandbox, *, inprocess: bool = True, **config: Any) -> AutotaskClient:
    """A client of ``sb``'s demo API user: in process by default, over loopback HTTP if not.
    ``config`` goes to ``ClientConfig``. Close it (it is a context manager)."""
    if inprocess:
        config.setdefault("transport", sb.transport())
    return AutotaskClient(sb.credentials, ClientConfig(**config))
