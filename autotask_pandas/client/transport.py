"""Sending one request the way Autotask wants it: limited, retried when safe, errors mapped.

* **Limiter** - Autotask allows 3 concurrent requests per integration per endpoint (more are
  refused with a "thread threshold" error). One ``EndpointLimiter`` per client holds a semaphore
  per endpoint, shared by every thread using the client. The endpoint of
  ``/V1.0/Companies/5/Contacts`` counts for both ``companies`` and ``contacts``: which of the two
  the live API charges is not documented, so we respect both (taking slots in sorted order, so two
  threads can never deadlock).
* **Retries** - exponential backoff with full jitter, honouring ``Retry-After`` up to a cap, on
  429, 503, thread-limit errors (any status) and network failures - for requests that are safe to
  repeat. Reads and PATCH/PUT/DELETE are; a create (POST to a collection) is not: once it may have
  reached the server (read error, timeout, dropped connection after sending) it is never resent,
  and ``AutotaskUncertainWriteError`` says so. A create that failed to *connect* (nothing sent) or
  that the server explicitly refused (429, 503, thread limit) is retried like any request.
  A DELETE is repeated too, but its outcome is not identical: when an earlier attempt went
  unanswered and the retry hears "No matching records found" (or 404), the first one did the
  work, and the delete is reported as done.
* **Threshold awareness** - every ``threshold_check_every`` requests, and after a 429, read
  ``/ThresholdInformation``; past 50% / 75% of the hour's budget, wait a little before each
  request so the integration does not run into the wall (and into other integrations' way).
* **Secrets** - headers are never logged; our log lines carry method, path, status and timing.
"""

from __future__ import annotations

import enum
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx

from autotask_pandas.auth import AuthCredentials, SecretRedactingFilter
from autotask_pandas.client.errors import error_from_response, parse_body, parse_retry_after
from autotask_pandas.exceptions import (
    AutotaskAPIError,
    AutotaskConnectionError,
    AutotaskException,
    AutotaskRateLimitError,
    AutotaskThreadLimitError,
    AutotaskTimeoutError,
    AutotaskUncertainWriteError,
)
from autotask_pandas.types import ThresholdInfo

__all__ = [
    "EndpointLimiter",
    "RequestKind",
    "RetryPolicy",
    "ThresholdMonitor",
    "Transport",
    "endpoint_keys",
]

logger = logging.getLogger("autotask_pandas.transport")

# Calls Autotask exempts from thread limiting (and that carry no credentials).
_UNLIMITED_ENDPOINTS = frozenset({"zoneinformation", "versioninformation"})


class RequestKind(enum.Enum):
    """How safe a request is to send twice."""

    READ = "read"  # GET, query, count: no effect on the data
    WRITE = "write"  # PATCH, PUT, DELETE by id: the same outcome however often it lands
    CREATE = "create"  # POST to a collection: each landing makes a record


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_retries: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    retry_after_cap: float = 60.0

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Full jitter: uniform over [0, min(max, base * 2**attempt)], at least Retry-After."""
        ceiling = min(self.backoff_max, self.backoff_base * (2**attempt))
        delay = rng.uniform(0.0, ceiling)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.retry_after_cap))
        return delay


def endpoint_keys(url: str) -> tuple[str, ...]:
    """The endpoints a request counts against: the path segment after ``V1.0`` and, for a child
    collection ``/{Parent}/{id}/{Child}``, the child as well."""
    segments = [unquote(s) for s in urlsplit(url).path.split("/") if s]
    lowered = [s.lower() for s in segments]
    if "v1.0" in lowered:
        segments = segments[lowered.index("v1.0") + 1 :]
    elif "atservicesrest" in lowered:
        segments = segments[lowered.index("atservicesrest") + 1 :]
    if not segments:
        return ()
    keys = [segments[0].lower()]
    if len(segments) >= 3 and segments[1].isdigit():
        keys.append(segments[2].lower())
    if keys[0] in _UNLIMITED_ENDPOINTS:
        return ()
    return tuple(sorted(set(keys)))


class EndpointLimiter:
    """At most ``limit`` requests in flight per endpoint, across all threads of one client."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("thread limit must be at least 1")
        self.limit = limit
        self._lock = threading.Lock()
        self._semaphores: dict[str, threading.BoundedSemaphore] = {}
        self._in_flight: dict[str, int] = {}
        self.peak_in_flight: dict[str, int] = {}

    def _semaphore(self, key: str) -> threading.BoundedSemaphore:
        with self._lock:
            sem = self._semaphores.get(key)
            if sem is None:
                sem = self._semaphores[key] = threading.BoundedSemaphore(self.limit)
            return sem

    @contextmanager
    def slot(self, keys: Sequence[str]) -> Iterator[None]:
        ordered = sorted(set(keys))  # one global order: no two threads wait on each other
        taken: list[tuple[str, threading.BoundedSemaphore]] = []
        try:
            for key in ordered:
                sem = self._semaphore(key)
                sem.acquire()
                taken.append((key, sem))
                with self._lock:
                    now = self._in_flight[key] = self._in_flight.get(key, 0) + 1
                    if now > self.peak_in_flight.get(key, 0):
                        self.peak_in_flight[key] = now
            yield
        finally:
            for key, sem in reversed(taken):
                with self._lock:
                    self._in_flight[key] -= 1
                sem.release()


class ThresholdMonitor:
    """Keeps an eye on the hourly request budget and says how long to wait before a request."""

    def __init__(
        self,
        *,
        every: int,
        delays: Sequence[tuple[float, float]],
        fetch: Callable[[], ThresholdInfo],
    ) -> None:
        self.every = every
        self.delays = tuple(sorted(delays))
        self._fetch = fetch
        self._lock = threading.Lock()
        self._checking = threading.Lock()
        self._count = 0
        self._refresh = False
        self.last: ThresholdInfo | None = None

    def request_refresh(self) -> None:
        with self._lock:
            self._refresh = True

    def current_delay(self) -> float:
        info = self.last
        if info is None:
            return 0.0
        delay = 0.0
        for fraction, seconds in self.delays:
            if info.usage >= fraction:
                delay = seconds
        return delay

    def before_request(self) -> float:
        """Count the request; refresh the reading when due. Returns the delay to apply."""
        if self.every <= 0:
            return 0.0
        with self._lock:
            self._count += 1
            due = self._refresh or self._count % self.every == 1 % self.every
            if due:
                self._refresh = False
        # One thread reads the threshold at a time; the others go on with the last reading.
        if due and self._checking.acquire(blocking=False):
            try:
                self.last = self._fetch()
                logger.debug(
                    "threshold: %d of %d requests used in the last %d minutes",
                    self.last.current_timeframe_request_count,
                    self.last.external_request_threshold,
                    self.last.request_threshold_timeframe,
                )
            except AutotaskException as exc:  # a failed reading must not fail the real request
                logger.debug("could not read ThresholdInformation: %s", exc)
            finally:
                self._checking.release()
        return self.current_delay()


class Transport:
    """Sends requests for one client. Thread-safe; one per ``AutotaskClient``."""

    def __init__(
        self,
        *,
        http: httpx.Client,
        credentials: AuthCredentials,
        retry: RetryPolicy,
        thread_limit: int,
        threshold_every: int,
        threshold_delays: Sequence[tuple[float, float]],
        threshold_url: Callable[[], str],
        impersonation_resource_id: int | None,
        redactor: SecretRedactingFilter,
        check_url: Callable[[str], None],
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.http = http
        self._credentials = credentials
        self.retry = retry
        self.limiter = EndpointLimiter(thread_limit)
        self.impersonation_resource_id = impersonation_resource_id
        self._redactor = redactor
        self._check_url = check_url
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._threshold_url = threshold_url
        self.threshold = ThresholdMonitor(
            every=threshold_every, delays=threshold_delays, fetch=self._read_threshold
        )
        self.request_count = 0
        self._count_lock = threading.Lock()

    # -- public -----------------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        kind: RequestKind,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        impersonation_resource_id: int | None = None,
        authenticated: bool = True,
        monitor: bool = True,
    ) -> Any:
        """Send, retrying when safe; the parsed JSON body of a 2xx answer, else an exception."""
        method = method.upper()
        if authenticated:
            self._check_url(url)  # every URL, including a server-given nextPageUrl
        keys = endpoint_keys(url)
        attempt = 0
        sent_unanswered = False  # an earlier attempt may have been carried out
        while True:
            if monitor and authenticated:
                pause = self.threshold.before_request()
                if pause > 0:
                    usage = self.threshold.last.usage if self.threshold.last else 0.0
                    logger.debug("hourly budget %.0f%% used: waiting %.3fs", usage * 100, pause)
                    self._sleep(pause)
            outcome, retry_after = self._attempt(
                method, url, kind, json, params, impersonation_resource_id, authenticated, keys
            )
            if not isinstance(outcome, Exception):
                return outcome  # the parsed body of a 2xx answer
            error = outcome
            if method == "DELETE" and sent_unanswered and is_gone(error):
                # The earlier, unanswered DELETE did its job: the record is gone, as asked.
                logger.info(
                    "%s %s: gone after an unanswered earlier attempt", method, urlsplit(url).path
                )
                return None
            if isinstance(error, AutotaskConnectionError) and error.sent:
                sent_unanswered = True
            retryable = self._retryable(error)
            if isinstance(error, AutotaskRateLimitError):
                self.threshold.request_refresh()
            if not retryable or attempt >= self.retry.max_retries:
                raise error
            delay = self.retry.delay(attempt, retry_after, self._rng)
            logger.info(
                "%s %s: %s; retry %d of %d in %.2fs",
                method,
                urlsplit(url).path,
                type(error).__name__,
                attempt + 1,
                self.retry.max_retries,
                delay,
            )
            self._sleep(delay)
            attempt += 1

    # -- internals --------------------------------------------------------------------------

    def _headers(self, authenticated: bool, impersonation: int | None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if authenticated:
            headers.update(self._credentials.auth_headers())
            resource = (
                impersonation if impersonation is not None else self.impersonation_resource_id
            )
            if resource is not None:
                headers["ImpersonationResourceId"] = str(int(resource))
        return headers

    def _attempt(
        self,
        method: str,
        url: str,
        kind: RequestKind,
        body: Any,
        params: Mapping[str, Any] | None,
        impersonation: int | None,
        authenticated: bool,
        keys: tuple[str, ...],
    ) -> tuple[Any, float | None]:
        """One try. Returns (parsed body, None) or (exception, retry_after)."""
        with self._count_lock:
            self.request_count += 1
        path = urlsplit(url).path
        request = self.http.build_request(
            method,
            url,
            json=body,
            params=params,
            headers=self._headers(authenticated, impersonation),
        )
        started = time.perf_counter()
        # Exceptions are built after the ``except`` blocks, never inside them: an exception raised
        # while handling an httpx error would keep it as ``__context__``, and that error holds
        # the request - headers, secret and all.
        failure: tuple[type[Exception], str, bool, bool] | None = None  # class, words, retry, sent
        response: httpx.Response | None = None
        try:
            with self.limiter.slot(keys):
                response = self.http.send(request)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # Nothing reached the server: safe to try again, even for a create.
            cls: type[Exception] = (
                AutotaskConnectionError
                if isinstance(exc, httpx.ConnectError)
                else AutotaskTimeoutError
            )
            failure = (cls, self._net_message(method, path, exc), True, False)
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            # The request may have been received and acted upon.
            message = self._net_message(method, path, exc)
            if kind is RequestKind.CREATE:
                failure = (
                    AutotaskUncertainWriteError,
                    message + "; the create may or may not have been made, so it was not resent",
                    False,
                    True,
                )
            else:
                cls = (
                    AutotaskTimeoutError
                    if isinstance(exc, httpx.TimeoutException)
                    else AutotaskConnectionError
                )
                failure = (cls, message, True, True)
        except httpx.HTTPError as exc:  # e.g. an unsupported protocol: retrying will not help
            failure = (AutotaskConnectionError, self._net_message(method, path, exc), False, False)
        if failure is not None:
            cls, message, retry, sent = failure
            if cls is AutotaskUncertainWriteError:
                error: Exception = cls(message, method=method, url=url)
            else:
                error = cls(message, method=method, url=url, sent=sent)  # type: ignore[call-arg]
            if not retry:
                raise error
            return error, None
        assert response is not None
        content = response.content
        elapsed = time.perf_counter() - started
        status = response.status_code
        logger.debug("%s %s -> %d (%.3fs)", method, path, status, elapsed)
        parsed = parse_body(content)
        if 200 <= status < 300:
            return parsed, None
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        error = error_from_response(
            status=status,
            body=parsed,
            method=method,
            url=url,
            retry_after=retry_after,
            redact=self._redactor.redact,
        )
        return error, retry_after

    def _net_message(self, method: str, path: str, exc: Exception) -> str:
        detail = self._redactor.redact(str(exc)) or type(exc).__name__
        return f"{method} {path}: {type(exc).__name__}: {detail}"

    @staticmethod
    def _retryable(error: Exception) -> bool:
        if isinstance(error, (AutotaskRateLimitError, AutotaskThreadLimitError)):
            return True
        if isinstance(error, AutotaskConnectionError):
            return True
        # 503 "service unavailable" means the request was not handled: safe even for a create.
        return isinstance(error, AutotaskAPIError) and error.status_code == 503

    def _read_threshold(self) -> ThresholdInfo:
        body = self.request("GET", self._threshold_url(), kind=RequestKind.READ, monitor=False)
        return ThresholdInfo.model_validate(body or {})


def is_gone(error: BaseException | None) -> bool:
    """The API's ways of saying a record to delete does not exist (404, or a 500 with words)."""
    if not isinstance(error, AutotaskAPIError):
        return False
    if error.status_code == 404:
        return True
    return any("no matching records found" in e.lower() for e in error.errors)
