"""The sandbox's usage limits: the hourly request threshold, the thread limit, attachment volume.

Pure bookkeeping, no HTTP: the sandbox's WSGI app asks these objects whether a request may run and
turns their answers (an :class:`Admission` or one of the exceptions below) into responses. Every
time-dependent class takes a ``clock`` (seconds, monotonic) so tests drive time by hand.

What the real API does (``shared/autotask-api/FACTS.md`` sections 9 and 10) and what we chose where
it is UNCONFIRMED:

``RequestBudget``
    10,000 requests per rolling 60 minutes per Autotask database, shared by every integration.
    Past 50 % of the budget Autotask adds latency: we add ``delays[0]`` (0.5 s) once the count in
    the trailing window, this request included, is *at or above* half the limit, and ``delays[1]``
    (1 s) at or above three quarters (FACTS: "at >= 50 %", "50-75 %: +0.5 s; >= 75 %: +1 s").
    Beyond the limit the request is refused; clients treat that as HTTP 429. Whether Autotask sends
    ``Retry-After`` is unconfirmed; we compute when the oldest counted request leaves the window so
    the HTTP layer can send it. A refused request is not counted: a client that waits is admitted.

``ThreadLimiter``
    At most 3 requests in flight per (API tracking identifier/integration code, object endpoint);
    the 4th fails at once with "Thread Threshold Exceeded ...", code token ``Itgenatr005``. The real
    HTTP status is UNCONFIRMED ("may arrive with a non-429 HTTP status"): we default to 429, the
    status clients already back off on, and make it the ``status`` option of ``ThreadLimiter``.
    ZoneInformation is exempt in the real API; the HTTP layer simply does not take a slot for it.

``ZoneLatency``
    The time a remote zone takes to answer, played by the sandbox (``SandboxSettings.latency``).
    In ``"response-time"`` mode (the default) ``latency`` is the zone's response time: an answer
    leaves no earlier than ``latency`` after its request arrived, and the sandbox's own work
    (SQLite, row building, JSON encoding) is done *inside* that time: only what is left is slept.
    A live zone does its work on its own servers, so what its client sees is the response time;
    sleeping the whole latency and then working (``"added"`` mode, the sandbox's old behaviour,
    kept for tests that count sleeps) made a benchmark's ratio mix the client's cost with the
    emulator's. Added latency of the hourly budget and of ``slow`` faults comes on top in both
    modes.

``AttachmentVolume``
    About 6 MB per file (we use 6 MiB = 6,291,456 bytes) and at most 10,000,000 bytes per trailing
    5 minutes; breaching the volume blocks attachment creation for 5 minutes from the breach.
    The status and body of both errors are UNCONFIRMED: like other Autotask business-rule errors we
    default to HTTP 500 with ``{"errors": [message]}`` (the ``status`` option of
    ``AttachmentVolume``); the volume error also carries ``retry_after``.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal, get_args

__all__ = [
    "THREAD_LIMIT_CODE",
    "Admission",
    "AttachmentTooLarge",
    "AttachmentVolume",
    "AttachmentVolumeExceeded",
    "LatencyMode",
    "LimitError",
    "RequestBudget",
    "ThreadLimitExceeded",
    "ThreadLimiter",
    "ZoneLatency",
]

Clock = Callable[[], float]

#: The error-code token observed alongside the thread-limit message (FACTS section 10).
THREAD_LIMIT_CODE = "Itgenatr005"


def _whole_seconds(seconds: float) -> int:
    """Seconds to wait, as a client-facing whole number: never 0 while something must be waited.

    Rounding to 6 places first keeps float noise (183.00000000001) from adding a second.
    """
    return max(1, math.ceil(round(seconds, 6)))


def _plural(count: float, unit: str) -> str:
    return f"{count:g} {unit}" if count == 1 else f"{count:g} {unit}s"


def _duration_text(seconds: float) -> str:
    if seconds % 60 == 0:
        return _plural(seconds // 60, "minute")
    return _plural(seconds, "second")


class LimitError(Exception):
    """A request refused by a sandbox limit; ``message`` is the text the API returns.

    ``errors``, ``status`` and ``headers`` mirror ``sandbox.errors.ApiError`` so the WSGI layer can
    render both alike: ``{"errors": exc.errors}`` with ``exc.status`` and ``exc.headers``.
    """

    def __init__(self, message: str, status: int, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.errors = [message]
        self.headers = headers or {}


# --------------------------------------------------------------------------- hourly threshold


@dataclass(frozen=True, slots=True)
class Admission:
    """The budget's answer for one request.

    ``delay`` is latency to add before answering (0 below half the budget). When ``allowed`` is
    false, ``retry_after`` is the seconds until a request would be admitted and ``message`` the
    refusal text (our wording: the real body is UNCONFIRMED).
    """

    allowed: bool
    delay: float
    retry_after: float | None
    message: str | None = None


class RequestBudget:
    """The rolling request threshold of one Autotask database (default 10,000 an hour)."""

    def __init__(
        self,
        limit: int = 10_000,
        timeframe_seconds: float = 3600,
        delays: tuple[float, float] = (0.5, 1.0),
        clock: Clock = time.monotonic,
    ) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        if not timeframe_seconds > 0:
            raise ValueError(f"timeframe_seconds must be positive, got {timeframe_seconds}")
        if len(delays) != 2 or min(delays) < 0:
            raise ValueError(f"delays must be two non-negative seconds, got {delays!r}")
        self.limit = limit
        self.timeframe_seconds = float(timeframe_seconds)
        self.delays = (float(delays[0]), float(delays[1]))
        self._clock = clock
        self._lock = threading.Lock()
        # Timestamps of counted requests, oldest first (a monotonic clock keeps appends in order).
        self._stamps: deque[float] = deque()

    def _evict(self, now: float) -> None:
        horizon = now - self.timeframe_seconds
        stamps = self._stamps
        while stamps and stamps[0] <= horizon:
            stamps.popleft()

    def admit(self) -> Admission:
        """Count one request now, or refuse it (uncounted) when the window is full."""
        with self._lock:
            now = self._clock()
            self._evict(now)
            if len(self._stamps) >= self.limit:
                retry_after = max(0.0, self._stamps[0] + self.timeframe_seconds - now)
                return Admission(False, 0.0, retry_after, self._refusal(retry_after))
            self._stamps.append(now)
            return Admission(True, self._delay_for(len(self._stamps)), None)

    def _delay_for(self, count: int) -> float:
        # Integer comparisons: no float rounding at the tier boundaries.
        if 4 * count >= 3 * self.limit:
            return self.delays[1]
        if 2 * count >= self.limit:
            return self.delays[0]
        return 0.0

    def _refusal(self, retry_after: float) -> str:
        return (
            f"Request Threshold Exceeded — the Autotask API threshold of {self.limit} requests "
            f"per {_duration_text(self.timeframe_seconds)} has been exceeded; "
            f"try again in {_plural(_whole_seconds(retry_after), 'second')}."
        )

    def count(self) -> int:
        """Requests counted in the trailing window now."""
        with self._lock:
            self._evict(self._clock())
            return len(self._stamps)

    def prefill(self, count: int) -> None:
        """Count ``count`` requests at the current time without admission checks.

        For demos and client tests that start the sandbox near (or past) the threshold.
        """
        if count < 0:
            raise ValueError(f"count must be non-negative, got {count}")
        with self._lock:
            now = self._clock()
            self._evict(now)
            self._stamps.extend([now] * count)

    def reset(self) -> None:
        with self._lock:
            self._stamps.clear()

    def snapshot(self) -> dict[str, int]:
        """The body of ``GET /V1.0/ThresholdInformation`` (the timeframe is in minutes)."""
        with self._lock:
            self._evict(self._clock())
            current = len(self._stamps)
        return {
            "externalRequestThreshold": self.limit,
            "requestThresholdTimeframe": round(self.timeframe_seconds / 60),
            "currentTimeframeRequestCount": current,
        }


# --------------------------------------------------------------------------- thread limit


class ThreadLimitExceeded(LimitError):
    """Too many concurrent requests for one (integration, endpoint); the live API's words."""

    code = THREAD_LIMIT_CODE

    def __init__(self, limit: int = 3, key: Hashable | None = None, status: int = 429) -> None:
        super().__init__(
            "Thread Threshold Exceeded — The Autotask API thread threshold of "
            f"{limit} threads has been exceeded.",
            status,
        )
        self.limit = limit
        self.key = key


class ThreadLimiter:
    """At most ``limit`` requests in flight per key, refusing (never queueing) the next one.

    The key is ``(integration code, endpoint)``; the caller normalises both (e.g. the entity name
    in lower case) so that ``/V1.0/Tickets/query`` and ``/v1.0/tickets/5`` share a key if wanted.
    """

    def __init__(self, limit: int = 3, status: int = 429) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        self.limit = limit
        self.status = status
        self._lock = threading.Lock()
        self._in_flight: dict[tuple[str, str], int] = {}

    @contextmanager
    def slot(self, key: tuple[str, str]) -> Iterator[None]:
        """Hold one of the key's slots for the ``with`` block; raise at once if none is free."""
        with self._lock:
            held = self._in_flight.get(key, 0)
            if held >= self.limit:
                raise ThreadLimitExceeded(self.limit, key, self.status)
            self._in_flight[key] = held + 1
        try:
            yield
        finally:
            with self._lock:
                remaining = self._in_flight[key] - 1
                if remaining:
                    self._in_flight[key] = remaining
                else:
                    del self._in_flight[key]  # keep the dict as small as the live keys

    def in_flight(self, key: tuple[str, str]) -> int:
        with self._lock:
            return self._in_flight.get(key, 0)


# --------------------------------------------------------------------------- zone latency

#: ``"response-time"``: latency is the time from a request's arrival to its answer, work included;
#: ``"added"``: latency is slept before the work, which then adds its own time (the old meaning).
LatencyMode = Literal["response-time", "added"]


@dataclass(frozen=True, slots=True)
class ZoneLatency:
    """How long the sandbox holds an answer to play a remote zone (see the module docstring).

    ``seconds``: the latency (0 = none). The app asks :meth:`before_work` right before a request's
    work and :meth:`after_work` once its answer is ready (encoded), and sleeps what they say, all
    inside the request's thread slot: a request counts against the thread limit for its whole
    response time, as on the live API.
    """

    seconds: float = 0.0
    mode: LatencyMode = "response-time"

    def __post_init__(self) -> None:
        if not self.seconds >= 0:
            raise ValueError(f"latency must be non-negative seconds, got {self.seconds!r}")
        if self.mode not in get_args(LatencyMode):
            raise ValueError(
                f"latency_mode must be one of {get_args(LatencyMode)}, got {self.mode!r}"
            )

    def before_work(self) -> float | None:
        """Seconds to sleep before the work: the whole latency in ``"added"`` mode, else None."""
        return self.seconds if self.mode == "added" and self.seconds else None

    def after_work(self, due: float, now: float) -> float | None:
        """Seconds to sleep before the answer leaves, in ``"response-time"`` mode: what is left
        until ``due`` (the arrival time plus any latency added on top), never below 0; None in
        ``"added"`` mode or without latency.

        0 is returned (not None) when the work took the whole latency, so the app still calls its
        ``sleep`` once per request with latency, as it did before (tests gate requests there).
        """
        if self.mode != "response-time" or not self.seconds:
            return None
        return max(0.0, due + self.seconds - now)


# --------------------------------------------------------------------------- attachments


class AttachmentTooLarge(LimitError, ValueError):
    """One attachment file is over the per-file size limit."""

    def __init__(self, size: int, max_bytes: int, status: int = 500) -> None:
        super().__init__(
            f"Attachment size {size} bytes exceeds the {max_bytes}-byte limit per file.", status
        )
        self.size = size
        self.max_bytes = max_bytes


class AttachmentVolumeExceeded(LimitError):
    """Too many attachment bytes in the trailing window; creation is blocked for a while."""

    def __init__(
        self,
        retry_after: float,
        window_bytes: int = 10_000_000,
        window_seconds: float = 300,
        status: int = 500,
    ) -> None:
        super().__init__(
            f"Attachment volume limit exceeded: at most {window_bytes} bytes may be uploaded in "
            f"{_duration_text(window_seconds)}; "
            f"try again in {_plural(_whole_seconds(retry_after), 'second')}.",
            status,
            {"Retry-After": str(_whole_seconds(retry_after))},
        )
        self.retry_after = retry_after
        self.window_bytes = window_bytes
        self.window_seconds = window_seconds


class AttachmentVolume:
    """Per-file size limit plus the rolling upload volume of one Autotask database."""

    def __init__(
        self,
        max_file_bytes: int = 6 * 1024 * 1024,
        window_bytes: int = 10_000_000,
        window_seconds: float = 300,
        clock: Clock = time.monotonic,
        status: int = 500,
    ) -> None:
        if max_file_bytes < 0 or window_bytes < 0:
            raise ValueError("byte limits must be non-negative")
        if not window_seconds > 0:
            raise ValueError(f"window_seconds must be positive, got {window_seconds}")
        self.max_file_bytes = max_file_bytes
        self.window_bytes = window_bytes
        self.window_seconds = float(window_seconds)
        self.status = status
        self._clock = clock
        self._lock = threading.Lock()
        self._uploads: deque[tuple[float, int]] = deque()  # (time, size), oldest first
        self._total = 0  # sum of sizes in _uploads, kept alongside so admit stays O(1) amortised
        self._blocked_until: float | None = None

    def _evict(self, now: float) -> None:
        horizon = now - self.window_seconds
        uploads = self._uploads
        while uploads and uploads[0][0] <= horizon:
            self._total -= uploads.popleft()[1]

    def admit(self, size: int) -> None:
        """Check one file of ``size`` bytes and, if accepted, count it: one atomic step.

        Raises :class:`AttachmentTooLarge` or :class:`AttachmentVolumeExceeded`. Call it after the
        request is otherwise valid, just before the attachment is stored.
        """
        if size < 0:
            raise ValueError(f"size must be non-negative, got {size}")
        # The per-file check comes first: such a file can never be accepted, block or not.
        if size > self.max_file_bytes:
            raise AttachmentTooLarge(size, self.max_file_bytes, self.status)
        with self._lock:
            now = self._clock()
            if self._blocked_until is not None:
                if now < self._blocked_until:
                    raise self._exceeded(self._blocked_until - now)
                self._blocked_until = None
            self._evict(now)
            if self._total + size > self.window_bytes:
                # FACTS: breaching the volume blocks attachment creation for five minutes.
                self._blocked_until = now + self.window_seconds
                raise self._exceeded(self.window_seconds)
            self._uploads.append((now, size))
            self._total += size

    def _exceeded(self, retry_after: float) -> AttachmentVolumeExceeded:
        return AttachmentVolumeExceeded(
            retry_after, self.window_bytes, self.window_seconds, self.status
        )

    def used(self) -> int:
        """Bytes accepted in the trailing window now."""
        with self._lock:
            self._evict(self._clock())
            return self._total

    def blocked_for(self) -> float:
        """Seconds until attachment creation is unblocked (0 when it is not blocked)."""
        with self._lock:
            if self._blocked_until is None:
                return 0.0
            return max(0.0, self._blocked_until - self._clock())

    def reset(self) -> None:
        with self._lock:
            self._uploads.clear()
            self._total = 0
            self._blocked_until = None
