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
  work, and the delete is reported as done. Any other refusal of an update or delete after an
  unanswered attempt is ``AutotaskUncertainWriteError`` (``last_error`` the refusal), never a
  plain failure: the first attempt may have landed (the write methods then read the record back).
* **Threshold awareness** - once ``threshold_check_every`` requests have been sent since the last
  reading *and* ``threshold_check_interval`` seconds have passed since it (the first interval
  runs from the client's first request), and after a 429, read ``/ThresholdInformation``; past
  50% / 75% of the hour's budget, wait a little before each request so the integration does not
  run into the wall (and into other integrations' way). Each reading is a request of the hour's
  budget itself (FACTS §10: ThresholdInformation is not exempt), so it is taken at most once an
  interval: a burst shorter than the interval (a 1,000-edit push) spends nothing on readings,
  while the server's own latency tiers (FACTS §10) and 429s still guard the budget.
  A reading is one attempt: never retried (a 429 to it would otherwise buy its own Retry-After
  waits), never the cause of another reading, and a reading that fails - refused, dropped, or an
  answer that is not a reading - is logged and the last good one kept: it never fails the
  caller's request, which keeps its own retries. A reading that falls due on a request of a
  pull (``threshold_in_background``: its pages and metadata) is taken in a thread of its own,
  in flight with that request (another endpoint, another thread limit), so a pull never starts
  with a round trip of its own; the request goes on with the last reading's delay.
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
from pydantic import ValidationError

from autotask_pandas.auth import AuthCredentials, SecretRedactingFilter
from autotask_pandas.client.errors import (
    NOT_JSON,
    error_from_response,
    is_user_error,
    parse_body,
    parse_json,
    parse_retry_after,
    untrusted_answer,
)
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
    """``max_retries`` counts retries of 429, 503, network failures and a read's transient 500;
    thread-limit refusals have their own budget: retried while their waits add up to less than
    ``thread_limit_patience`` seconds (at least ``max_retries`` times). ``retry_after_cap`` is
    the client's patience: a longer ``Retry-After`` is not waited for but raised at once."""

    max_retries: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    retry_after_cap: float = 60.0
    thread_limit_patience: float = 30.0

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Full jitter: uniform over [0, min(max, base * 2**attempt)], at least Retry-After."""
        ceiling = min(self.backoff_max, self.backoff_base * (2**attempt))
        delay = rng.uniform(0.0, ceiling)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.retry_after_cap))
        return delay

    def thread_limit_delay(self, attempt: int, rng: random.Random) -> float:
        """A slot frees in well under a second: full jitter under a ceiling that stops growing
        at 8 x base, so the budget buys many short tries rather than a few long sleeps."""
        ceiling = min(self.backoff_max, self.backoff_base * (2 ** min(attempt, 3)))
        return rng.uniform(0.0, ceiling)


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
        interval: float,
        delays: Sequence[tuple[float, float]],
        fetch: Callable[[], ThresholdInfo],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``fetch`` makes one reading, or raises ``AutotaskException`` (logged, then ignored).

        ``every``: requests between readings (0: never read); ``interval``: seconds of ``clock``
        at least between readings, the first interval counted from the first request (0: the
        first request reads, then every ``every``-th).
        """
        self.every = every
        self.interval = interval
        self.delays = tuple(sorted(delays))
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        self._checking = threading.Lock()
        # Requests since the last reading: a new client counts as ``every`` behind, so its first
        # request reads unless the interval holds the reading back.
        self._count = max(every - 1, 0)
        self._since: float | None = None  # clock time of the last reading (or first request)
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

    def before_request(self, *, in_background: bool = False) -> float:
        """Count the request; refresh the reading when due (``in_background``: in a thread of
        its own, not waited for). Returns the delay to apply."""
        if self.every <= 0:
            return 0.0
        with self._lock:
            now = self._clock()
            if self._since is None:
                self._since = now
            self._count += 1
            due = self._refresh or (
                self._count >= self.every and now - self._since >= self.interval
            )
            if due:
                self._refresh = False
                self._count = 0
                self._since = now
        # One thread reads the threshold at a time; the others go on with the last reading.
        if due and self._checking.acquire(blocking=False):
            if in_background:
                reader = threading.Thread(
                    target=self._read, args=(True,), name="autotask-threshold", daemon=True
                )
                reader.start()
            else:
                self._read()
        return self.current_delay()

    def _read(self, background: bool = False) -> None:
        """One reading; the caller holds ``_checking``, released here."""
        try:
            self.last = self._fetch()
            logger.debug(
                "threshold: %d of %d requests used in the last %d minutes",
                self.last.current_timeframe_request_count,
                self.last.external_request_threshold,
                self.last.request_threshold_timeframe,
            )
        except AutotaskException as exc:  # a failed reading must not fail the real request
            logger.info("could not read ThresholdInformation (the last reading stays): %s", exc)
        except Exception as exc:
            if not background:
                raise
            # In the background, e.g. the client closed under a reading: nobody to tell but
            # the log, and the last reading stays.
            logger.info("ThresholdInformation reading abandoned (the last reading stays): %r", exc)
        finally:
            self._checking.release()


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
        threshold_interval: float,
        threshold_delays: Sequence[tuple[float, float]],
        threshold_url: Callable[[], str],
        impersonation_resource_id: int | None,
        redactor: SecretRedactingFilter,
        check_url: Callable[[str], None],
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.http = http
        self._credentials = credentials
        self.retry = retry
        self.limiter = EndpointLimiter(thread_limit)
        self.impersonation_resource_id = impersonation_resource_id
        self._redactor = redactor
        self._check_url = check_url
        # Every wait goes through this (retries, Retry-After, the budget's slowdown); tests put a
        # fake clock's sleep here to count waits without waiting.
        self.sleep = sleep
        self._rng = rng or random.Random()
        self.clock = clock  # the time the Retry-After window is kept in (tests: a fake clock)
        # Until when (``clock`` time) the server told us, by a Retry-After beyond our patience,
        # to send nothing: requests before then are refused here, adding no load.
        self._closed_until = 0.0
        self._closed_for = 0.0
        self._threshold_url = threshold_url
        self.threshold = ThresholdMonitor(
            every=threshold_every,
            interval=threshold_interval,
            delays=threshold_delays,
            fetch=self.read_threshold,
            clock=lambda: self.clock(),  # late-bound: tests swap in a fake clock after creation
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
        threshold_in_background: bool = False,
    ) -> Any:
        """Send, retrying when safe; the parsed JSON body of a 2xx answer, else an exception.
        ``threshold_in_background``: a threshold reading due now does not delay this request
        (a pull's requests; see the module docstring)."""
        method = method.upper()
        if authenticated:
            self._check_url(url)  # every URL, including a server-given nextPageUrl
        keys = endpoint_keys(url)
        attempt = 0  # retries counted against max_retries
        thread_tries = 0  # thread-limit retries, and the time they waited
        thread_waited = 0.0
        sent_unanswered = False  # an earlier attempt may have been carried out
        while True:
            if authenticated:
                self._refuse_while_closed(method, url)
            if monitor and authenticated:
                pause = self.threshold.before_request(in_background=threshold_in_background)
                # the reading may just have learned the database is over its limit
                self._refuse_while_closed(method, url)
                if pause > 0:
                    usage = self.threshold.last.usage if self.threshold.last else 0.0
                    logger.debug("hourly budget %.0f%% used: waiting %.3fs", usage * 100, pause)
                    self.sleep(pause)
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
            retryable = self._retryable(error, kind)
            if isinstance(error, AutotaskRateLimitError):
                if retry_after is not None and retry_after > self.retry.retry_after_cap:
                    raise error  # beyond our patience: the caller decides, nothing more is sent
                self.threshold.request_refresh()
            if isinstance(error, AutotaskThreadLimitError) and (
                thread_tries < self.retry.max_retries
                or thread_waited < self.retry.thread_limit_patience
            ):
                delay = self.retry.thread_limit_delay(thread_tries, self._rng)
                delay = min(delay, max(0.0, self.retry.thread_limit_patience - thread_waited))
                logger.info(
                    "%s %s: thread limit; retry %d in %.3fs (%.1fs of %.1fs waited)",
                    method,
                    urlsplit(url).path,
                    thread_tries + 1,
                    delay,
                    thread_waited,
                    self.retry.thread_limit_patience,
                )
                self.sleep(delay)
                thread_tries += 1
                thread_waited += delay
                continue
            if isinstance(error, AutotaskThreadLimitError):
                retryable = False  # its budget is spent
            if not retryable or attempt >= self.retry.max_retries:
                if sent_unanswered and kind is RequestKind.WRITE:
                    # An unanswered attempt may have landed: the last answer (a 500, say) does
                    # not say the write failed, only that this attempt did.
                    raise AutotaskUncertainWriteError(
                        f"{method} {urlsplit(url).path}: an earlier attempt went unanswered and "
                        f"may have been carried out; the last attempt got: {error}",
                        method=method,
                        url=url,
                        last_error=error,
                    ) from error
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
            self.sleep(delay)
            attempt += 1

    # -- internals --------------------------------------------------------------------------

    def _refuse_while_closed(self, method: str, url: str) -> None:
        left = self._closed_until - self.clock()
        if left > 0:
            raise AutotaskRateLimitError(
                f"{method} {urlsplit(url).path} was not sent: the API refused requests "
                f"(HTTP 429, Retry-After {self._closed_for:.0f}s), beyond this client's "
                f"patience (retry_after_cap={self.retry.retry_after_cap:g}s); "
                f"{left:.0f}s to go",
                status_code=429,
                retry_after=left,
                method=method,
                url=url,
            )

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
        if 200 <= status < 300:
            parsed = parse_json(content)
            if parsed is NOT_JSON:
                # An HTML page or a cut-off body under a 200 (a proxy, a gateway, a truncated
                # answer) is no answer at all: never read as "no rows" or "not found". Not
                # retried: whoever answered 200 will likely answer the same again.
                return untrusted_answer(
                    status=status,
                    method=method,
                    url=url,
                    problem="a body that is not JSON",
                    content=content,
                    redact=self._redactor.redact,
                ), None
            return parsed, None
        parsed = parse_body(content)
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status == 429 and retry_after is not None and retry_after > self.retry.retry_after_cap:
            # Over the hourly threshold for longer than we wait: every request until then,
            # a threshold reading included, would only add load to a database over its limit.
            self._closed_until = max(self._closed_until, self.clock() + retry_after)
            self._closed_for = retry_after
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
    def _retryable(error: Exception, kind: RequestKind) -> bool:
        if isinstance(error, (AutotaskRateLimitError, AutotaskThreadLimitError)):
            return True
        if isinstance(error, AutotaskConnectionError):
            return True
        if not isinstance(error, AutotaskAPIError):
            return False
        # 503 "service unavailable" means the request was not handled: safe even for a create.
        if error.status_code == 503:
            return True
        # A read's 500 is retried unless its words name a mistake of ours (docs/client.md,
        # "Retries"): the live API answers both user errors and its own hiccups with 500.
        return (
            kind is RequestKind.READ
            and type(error) is AutotaskAPIError
            and error.status_code == 500
            and not is_user_error(error)
        )

    def read_threshold(self) -> ThresholdInfo:
        """One GET of ``/ThresholdInformation``, outside ``request``: no retry, no wait, and its
        failures (``AutotaskException``) ask for no reading of their own."""
        url = self._threshold_url()
        self._check_url(url)
        outcome, _ = self._attempt(
            "GET", url, RequestKind.READ, None, None, None, True, endpoint_keys(url)
        )
        if isinstance(outcome, Exception):  # refused or dropped: the monitor logs it
            raise outcome
        problem = f"a JSON object was expected, not {type(outcome).__name__}"
        if isinstance(outcome, Mapping) and not _has_count(outcome):
            problem = "no currentTimeframeRequestCount"  # {} would read as "nothing used"
        elif isinstance(outcome, Mapping):
            try:
                return ThresholdInfo.model_validate(outcome)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(part) for part in first["loc"]) or "the body"
                problem = f"{where}: {first['msg']}"
        raise AutotaskAPIError(
            f"GET {urlsplit(url).path} answered 200 without a threshold reading ({problem}): "
            f"{outcome!r:.200}",
            status_code=200,
            response=outcome,
            method="GET",
            url=url,
        )


def _has_count(body: Mapping[Any, Any]) -> bool:
    """Whether a ThresholdInformation body carries the count (its key in any case, as the
    models read keys)."""
    return any(str(key).replace("_", "").lower() == "currenttimeframerequestcount" for key in body)


def is_gone(error: BaseException | None) -> bool:
    """The API's ways of saying a record to delete does not exist (404, or a 500 with words)."""
    if not isinstance(error, AutotaskAPIError):
        return False
    if error.status_code == 404:
        return True
    return any("no matching records found" in e.lower() for e in error.errors)
