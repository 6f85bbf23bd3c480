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

import orjson

from autotask_pandas.exceptions import (
    AutotaskAPIError,
    AutotaskAuthenticationError,
    AutotaskNotFoundError,
    AutotaskPermissionError,
    AutotaskRateLimitError,
    AutotaskResponseError,
    AutotaskThreadLimitError,
)

__all__ = [
    "NOT_JSON",
    "error_from_response",
    "is_user_error",
    "parse_body",
    "parse_json",
    "parse_retry_after",
    "redact_deep",
    "server_messages",
    "untrusted_answer",
]

# How much of an untrusted body an exception quotes: enough to recognise an HTML error page or a
# proxy's banner, not enough to carry a page of someone's data into a log.
_EXCERPT = 160


class _NotJSON:
    """The marker ``parse_json`` returns for a body that is not JSON."""

    def __repr__(self) -> str:
        return "NOT_JSON"


NOT_JSON: Any = _NotJSON()

# Phrases that decide the class of a 500 (the live API uses 500 for nearly everything).
_AUTH_PHRASES = ("integrationcode is invalid", "zone information could not be determined")
_PERMISSION_PHRASES = ("does not have the adequate permissions",)
# "Thread Threshold Exceeded — The Autotask API thread threshold of 3 threads has been
# exceeded." (code Itgenatr005), which may arrive with any status.
_THREAD_PHRASES = ("thread threshold", "itgenatr005")


# Words of a 500 that name a mistake in the request (FACTS §4, §5): asking again gets the same
# answer, so such a 500 is never retried, even for a read.
_USER_ERROR_PHRASES = (
    "unable to find",
    "conversion failed",
    "queries are limited",
    "maxcountofrecordstoreturn",
    "must be",
    "you must",
    "is required",
    "invalid",
    "not allowed",
    "does not exist",
    "no matching records",
    "cannot",
    "only query by one",
    "not supported",
)


def is_user_error(error: AutotaskAPIError) -> bool:
    """Whether an error answer's words say the request itself was wrong (not a hiccup)."""
    lowered = " ".join(error.errors).lower()
    return any(phrase in lowered for phrase in _USER_ERROR_PHRASES)


def _loads(content: bytes) -> Any:
    """Decode a JSON body: orjson first, the standard library where orjson refuses.

    Decoding is most of a pull's CPU (a 500-ticket page is about 1 MB: some 50 ms with ``json``,
    30 with orjson, both under the interpreter lock that the frame building needs too), so the
    faster well-kept decoder is used. Both give the same values for standard JSON, with one
    exception: an integer past 64 bits reads as the nearest float (``json``: an exact int).
    Autotask's integers are int32/int64 (the spec's formats), and a typed frame refuses either
    form of such a value in an integer column. What orjson refuses and ``json`` reads (``NaN``,
    lone surrogate escapes, UTF-16 bodies) still reads as before. Raises ``ValueError`` for a
    body that neither reads.
    """
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        return json.loads(content)


def parse_body(content: bytes) -> Any:
    """The JSON body, or its text when it is not JSON (None when empty)."""
    if not content:
        return None
    try:
        return _loads(content)
    except ValueError:
        return content.decode("utf-8", errors="replace")


def parse_json(content: bytes) -> Any:
    """The JSON body (None when empty), or ``NOT_JSON`` when it is not JSON (HTML, truncated, or
    not UTF-8): unlike ``parse_body``, a JSON string and a page of text are told apart."""
    if not content:
        return None
    try:
        return _loads(content)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError both
        return NOT_JSON


def redact_deep(value: Any, redact: Callable[[str], str]) -> Any:
    """``value`` with ``redact`` applied to every string in it (keys included), for bodies kept
    on exceptions: a server that echoes the Secret header must not put it into ``response``."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {redact_deep(k, redact): redact_deep(v, redact) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_deep(v, redact) for v in value]
    return value


def untrusted_answer(
    *,
    status: int,
    method: str,
    url: str,
    problem: str,
    content: bytes | str | None = None,
    redact: Callable[[str], str] = lambda s: s,
) -> AutotaskResponseError:
    """The error for a 2xx answer the call cannot use: names method, path and what is wrong, and
    quotes at most a short excerpt of the body, redacted before it is cut (a cut first could
    leave part of a secret behind)."""
    path = urlsplit(url).path
    if isinstance(content, bytes):
        content = content.decode("utf-8", errors="replace")
    excerpt = " ".join(redact(content or "").split())
    if len(excerpt) > _EXCERPT:
        excerpt = excerpt[:_EXCERPT] + "…"
    message = f"{method} {path} answered HTTP {status} with {problem}"
    if excerpt:
        message += f": {excerpt!r}"
    return AutotaskResponseError(
        message,
        status_code=status,
        response=excerpt or None,
        errors=[],
        method=method,
        url=url,
    )


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
    body = redact_deep(body, redact)
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
