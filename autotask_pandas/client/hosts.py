"""Where credentials may go.

The API user's secret travels in a header on every call, so the host list is strict:

* ``https`` hosts under ``autotask.net`` (the zones, whatever their number);
* a base the configuration names explicitly in ``allowed_hosts`` (a proxy, a test server);
* a loopback address over plain ``http`` when the caller gave that ``api_url`` explicitly (the
  sandbox) - never one learnt from a zone lookup.

A zone lookup answered over https must name an https root: no downgrade, whatever the host.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

__all__ = ["is_loopback", "matches_allowed", "origin", "same_origin", "trust_problem"]

TRUSTED_DOMAIN = "autotask.net"


def origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"https": 443, "http": 80}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def same_origin(a: str, b: str) -> bool:
    return origin(a) == origin(b)


def is_loopback(host: str) -> bool:
    host = host.lower().strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _under_autotask(host: str) -> bool:
    return host == TRUSTED_DOMAIN or host.endswith("." + TRUSTED_DOMAIN)


def matches_allowed(url: str, allowed: Iterable[str]) -> bool:
    """True when ``url`` lies under one of the explicitly allowed bases (origin and path prefix)."""
    parts = urlsplit(url)
    for base in allowed:
        if "://" not in base:  # a bare host name: https on its default port
            base = f"https://{base}/"
        if origin(url) != origin(base):
            continue
        prefix = urlsplit(base).path.rstrip("/").lower()
        if parts.path.lower().startswith(prefix):
            return True
    return False


def trust_problem(url: str, *, allowed: Iterable[str] = (), explicit: bool) -> str | None:
    """Why credentials must not be sent to ``url`` (None when they may).

    ``explicit`` says the caller named this root themselves (``api_url``), rather than the zone
    lookup returning it.
    """
    scheme, host, _ = origin(url)
    if scheme not in ("https", "http") or not host:
        return f"{url!r} is not an http(s) URL"
    if matches_allowed(url, allowed):
        return None
    if scheme == "https" and _under_autotask(host):
        return None
    if scheme == "http" and explicit and is_loopback(host):
        return None
    if scheme == "http" and _under_autotask(host):
        return f"{url!r} is plain http; credentials only travel over https to autotask.net"
    return (
        f"{host!r} is not an autotask.net host; name it in ClientConfig.allowed_hosts "
        "to send credentials there"
    )
