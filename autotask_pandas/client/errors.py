"""Turning an Autotask error answer into the matching exception, with the server's words kept.

Autotask answers errors as ``{"errors": ["..."]}`` (mostly HTTP 500, whatever the cause), routing
errors as ASP.NET's ``{"Message": "..."}`` (405), and sometimes with an empty or non-JSON body. The
class is chosen from the status and, because so much arrives as a 500, from the words.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from autotask_pandas.exceptions import (
    AutotaskAPIError,
    AutotaskAuthenticationError,
    AutotaskNotFoundError,
    AutotaskPermissionError,
    AutotaskRateLimitError,
    AutotaskThreadLimitError,
)

__all__ = ["error_from_response", "parse_body", "parse_retry_after", "server_messages"]

# Phrases that decide the class of a 500 (the live API uses 500 for nearly everything).
_AUTH_PHRASES = ("integrationcode is invalid", "zone information could not be determined")
_PERMISSION_PHRASES = ("does not have the adequate permissions",)
# "Thread Threshold Exceeded — The Autotask API thread threshold of 3 threads has been
# exceeded." (code Itgenatr005), which may arrive with any status.
_THREAD_PHRASES = ("thread threshold", "itgenatr005")


def parse_body(content: bytes) -> Any:
    """The JSON body, or its text when it is not JSON (None when empty)."""
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return content.decode("utf-8", errors="replace")


def server_messages(body: Any) -> list[str]:
    """The messages of an error body, as the server wrote them."""
    if isinstance(body, Mapping):
        lowered = {str(k).lower(): v for k, v in body.items()}
        errors = lowered.get("errors")
        if isinstance(errors, list) and errors:
            return [e if isinstance(e, str) else json.dumps(e) for e in errors]
        if isinstance(errors, str) and errors:
            return [errors]
        for key in ("message", "error", "error_description", "title", "detail"):
            value = lowered.get(key)
            if isinstance(value, str) and value:
                return [value]
        return []
    if isinstance(body, str) and body.strip():
        return [body.strip()[:500]]
    return []


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or an HTTP date), None when absent or garbled."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def error_from_response(
    *,
    status: int,
    body: Any,
    method: str,
    url: str,
    retry_after: float | None = None,
    redact: Callable[[str], str] = lambda s: s,
) -> AutotaskAPIError:
    """The exception for an error answer; its message always carries the server's words."""
    errors = [redact(m) for m in server_messages(body)]
    path = urlsplit(url).path
    words = "; ".join(errors) if errors else "(no error message in the response)"
    message = f"{method} {path} failed with HTTP {status}: {words}"
    if isinstance(body, str):
        body = redact(body)
    kwargs: dict[str, Any] = {
        "status_code": status,
        "response": body,
        "errors": errors,
        "method": method,
        "url": url,
    }
    lowered = " ".join(errors).lower()
    if any(p in lowered for p in _THREAD_PHRASES):
        return AutotaskThreadLimitError(message, **kwargs)
    if status == 429:
        return AutotaskRateLimitError(message, retry_after=retry_after, **kwargs)
    if status == 401 or any(p in lowered for p in _AUTH_PHRASES):
        return AutotaskAuthenticationError(message, **kwargs)
    if status == 403 or any(p in lowered for p in _PERMISSION_PHRASES):
        return AutotaskPermissionError(message, **kwargs)
    if status == 404:
        return AutotaskNotFoundError(message, **kwargs)
    return AutotaskAPIError(message, **kwargs)
