"""``ClientConfig``: every knob of the client, with the live API's limits as defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import httpx

from autotask_pandas.auth import normalise_api_url
from autotask_pandas.exceptions import AutotaskValidationError

__all__ = ["DEFAULT_ZONE_LOOKUP_URL", "ClientConfig"]

DEFAULT_ZONE_LOOKUP_URL = "https://webservices.autotask.net/ATServicesRest/"


@dataclass(frozen=True)
class ClientConfig:
    """How the client behaves. The reference's four settings come first.

    timeout             seconds per request (connect, read, write, pool)
    max_retries         retries of a request that is safe to repeat (0 disables retrying)
    pool_connections    keep-alive connections kept open
    pool_maxsize        connections open at most
    backoff_base        first backoff ceiling in seconds; doubles per retry (full jitter)
    backoff_max         largest backoff ceiling
    retry_after_cap     patience, seconds: a longer Retry-After raises at once (docs/client.md)
    thread_limit        requests in flight per endpoint (Autotask allows 3 per integration)
    thread_limit_patience  seconds of jittered waits spent retrying thread-limit refusals
    impersonation_resource_id   default ``ImpersonationResourceId`` header (per call overrides)
    zone_lookup_url     where ZoneInformation is asked when the credentials have no api_url
    allowed_hosts       bases outside autotask.net credentials may go to (e.g. a proxy)
    metadata_cache_dir  directory for the on-disk metadata cache (None: memory only)
    metadata_ttl        seconds metadata stays valid (None: forever)
    threshold_check_every  read ThresholdInformation after N requests (0: never; also after 429)
    threshold_check_interval  and at most once per this many seconds (0: first request reads)
    threshold_delays    (usage fraction, seconds) pairs: wait this long per request past that usage
    in_chunk_size       values per ``in``/``notIn`` list before a query is split (API: 500 ORs)
    transport           an httpx transport (tests, the sandbox's in-process transport)
    """

    timeout: float = 30.0
    max_retries: int = 3
    pool_connections: int = 10
    pool_maxsize: int = 20
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    retry_after_cap: float = 60.0
    thread_limit: int = 3
    thread_limit_patience: float = 30.0
    impersonation_resource_id: int | None = None
    zone_lookup_url: str = DEFAULT_ZONE_LOOKUP_URL
    allowed_hosts: tuple[str, ...] = ()
    metadata_cache_dir: str | os.PathLike[str] | None = None
    metadata_ttl: float | None = 24 * 3600.0
    threshold_check_every: int = 250
    threshold_check_interval: float = 60.0
    threshold_delays: tuple[tuple[float, float], ...] = ((0.5, 0.1), (0.75, 0.5))
    in_chunk_size: int = 500
    transport: httpx.BaseTransport | None = field(default=None, repr=False, compare=False)
    user_agent: str = "autotask-pandas"

    def __post_init__(self) -> None:
        def need(ok: bool, message: str) -> None:
            if not ok:
                raise AutotaskValidationError(f"ClientConfig: {message}")

        need(self.timeout > 0, "timeout must be > 0")
        need(
            isinstance(self.max_retries, int) and self.max_retries >= 0, "max_retries must be >= 0"
        )
        need(self.pool_connections >= 1 and self.pool_maxsize >= 1, "pool sizes must be >= 1")
        need(self.backoff_base >= 0 and self.backoff_max >= 0, "backoff must be >= 0")
        need(self.retry_after_cap >= 0, "retry_after_cap must be >= 0")
        need(self.thread_limit_patience >= 0, "thread_limit_patience must be >= 0")
        need(
            isinstance(self.thread_limit, int) and self.thread_limit >= 1,
            "thread_limit must be >= 1",
        )
        need(self.threshold_check_every >= 0, "threshold_check_every must be >= 0")
        need(self.threshold_check_interval >= 0, "threshold_check_interval must be >= 0")
        need(1 <= self.in_chunk_size <= 500, "in_chunk_size must be 1..500")
        need(self.metadata_ttl is None or self.metadata_ttl >= 0, "metadata_ttl must be >= 0")
        hosts: Any = self.allowed_hosts
        if isinstance(hosts, str):
            hosts = (hosts,)
        object.__setattr__(self, "allowed_hosts", tuple(str(h) for h in hosts))
        object.__setattr__(self, "zone_lookup_url", normalise_api_url(self.zone_lookup_url))
        object.__setattr__(
            self, "threshold_delays", tuple((float(a), float(b)) for a, b in self.threshold_delays)
        )
        need(
            self.transport is None or isinstance(self.transport, httpx.BaseTransport),
            "transport must be an httpx.BaseTransport",
        )
