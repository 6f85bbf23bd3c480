"""A faithful emulator of the Autotask PSA REST API v1.0, with realistic demo data.

It is the default backend when no credentials are given, and a test double for our users, as
httpx's ``MockTransport`` is for its users::

    from autotask_pandas.sandbox import Sandbox

    with Sandbox(scale=1, seed=0) as sb:
        ...  # sb.url, sb.username, sb.integration_code, sb.secret, sb.transport()

It shares no query, filter or dtype code with the client: it reads only the entity catalog.
"""

from .app import RequestRecord, SandboxApp, SandboxSettings
from .faults import FaultPlan, FaultRule
from .server import Sandbox, SandboxTransport, build_store

__all__ = [
    "FaultPlan",
    "FaultRule",
    "RequestRecord",
    "Sandbox",
    "SandboxApp",
    "SandboxSettings",
    "SandboxTransport",
    "build_store",
]
