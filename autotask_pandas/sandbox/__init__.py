"""A faithful emulator of the Autotask PSA REST API v1.0, with realistic demo data.

It is the default backend when no credentials are given, and a test double for our users, as
httpx's ``MockTransport`` is for its users::

    from autotask_pandas.sandbox import Sandbox

    with Sandbox(scale=1, seed=0) as sb:
        ...  # sb.url, sb.credentials, sb.transport(): AutotaskClient(sb.credentials)

It shares no query, filter or dtype code with the client: of this package it imports only the
entity catalog (a test holds it to that).
"""

from .app import RequestRecord, SandboxApp, SandboxSettings
from .faults import FaultPlan, FaultRule
from .server import Sandbox, SandboxCredentials, SandboxTransport, build_store

__all__ = [
    "FaultPlan",
    "FaultRule",
    "RequestRecord",
    "Sandbox",
    "SandboxApp",
    "SandboxCredentials",
    "SandboxSettings",
    "SandboxTransport",
    "build_store",
]
