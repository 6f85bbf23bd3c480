"""Finding a user's zone: ``GET …/V1.0/ZoneInformation?user=`` (no credentials), cached.

The answer names the API root every other call goes to, so it is checked like any host the
secret would travel to (``_hosts.py``): an https lookup must not name an http root, and the root
must be under autotask.net or explicitly allowed. Zones rarely move, so answers are cached for
the process, per lookup URL and user.
"""

from __future__ import annotations

import threading

from autotask_pandas.auth import normalise_api_url
from autotask_pandas.client.hosts import trust_problem
from autotask_pandas.client.transport import RequestKind, Transport
from autotask_pandas.exceptions import (
    AutotaskAPIError,
    AutotaskAuthenticationError,
    AutotaskZoneError,
)
from autotask_pandas.types import ZoneInfo

__all__ = ["clear_zone_cache", "lookup_zone"]

_ZONES: dict[tuple[str, str], ZoneInfo] = {}
_ZONES_LOCK = threading.Lock()


def clear_zone_cache() -> None:
    """Forget every zone looked up in this process."""
    with _ZONES_LOCK:
        _ZONES.clear()


def lookup_zone(
    transport: Transport,
    lookup_url: str,
    username: str,
    *,
    allowed_hosts: tuple[str, ...],
    check_trust: bool,
) -> ZoneInfo:
    """The zone of ``username`` as ``lookup_url`` (an API root) answers it.

    ``check_trust`` is False when the caller will not send credentials to the answer (an explicit
    ``api_url`` is in use); otherwise an untrusted answer raises ``AutotaskZoneError``.
    """
    key = (lookup_url.lower(), username.lower())
    with _ZONES_LOCK:
        zone = _ZONES.get(key)
    if zone is None:
        zone = _ask(transport, lookup_url, username)
        with _ZONES_LOCK:
            _ZONES[key] = zone
    # Checked on every use, cached or not: the same answer may be fine for one caller (who
    # does not send credentials there) and not for another.
    if check_trust:
        if lookup_url.lower().startswith("https://") and not zone.url.lower().startswith(
            "https://"
        ):
            raise AutotaskZoneError(
                f"the zone lookup over https named {zone.url!r}: refusing to downgrade to http"
            )
        problem = trust_problem(zone.url, allowed=allowed_hosts, explicit=False)
        if problem:
            raise AutotaskZoneError(f"refusing the zone URL {zone.url!r}: {problem}")
    return zone


def _ask(transport: Transport, lookup_url: str, username: str) -> ZoneInfo:
    try:
        data = transport.request(
            "GET",
            lookup_url + "V1.0/ZoneInformation",
            params={"user": username},
            kind=RequestKind.READ,
            authenticated=False,  # the zone call takes no credentials: none are sent
        )
    except AutotaskAuthenticationError:
        raise  # "Zone information could not be determined": an unknown user
    except AutotaskAPIError as exc:
        raise AutotaskZoneError(f"zone lookup failed: {exc}") from None
    try:
        zone = ZoneInfo.model_validate(data)
    except ValueError:
        raise AutotaskZoneError(
            f"zone lookup gave an unexpected answer: {str(data)[:200]!r}"
        ) from None
    return zone.model_copy(update={"url": normalise_api_url(zone.url)})
