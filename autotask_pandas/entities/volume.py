"""The attachment upload budget: at most 10,000,000 bytes per rolling 5 minutes, kept client-side.

Autotask refuses an upload that would take a database past 10,000,000 bytes of attachments in
5 minutes, and then blocks attachment creation for five minutes (FACTS §9). Breaching it is costly,
so uploads wait for room instead: ``acquire(size)`` returns at once when the trailing window has
room and otherwise sleeps until enough of it has aged out.

An upload is counted from when it is acquired and, once its request has finished, from when it
finished (``settle``): the server counted it somewhere in between, so the later time never lets
the client believe room has freed up before the server does. A failed upload is not counted
(``release``): the server stored nothing.

A single call that would have to wait longer than ``max_wait`` seconds is refused before anything
is sent (``check``), with how long it would have taken. ``clock`` and ``sleep`` are injectable so
tests drive time by hand.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from autotask_pandas.exceptions import AutotaskValidationError

__all__ = ["ATTACHMENT_WINDOW_BYTES", "ATTACHMENT_WINDOW_SECONDS", "Upload", "UploadBudget"]

ATTACHMENT_WINDOW_BYTES = 10_000_000
ATTACHMENT_WINDOW_SECONDS = 300.0


@dataclass(slots=True)
class Upload:
    """One counted upload: when it counts from, and how many bytes."""

    at: float
    size: int


class UploadBudget:
    """A rolling window of uploaded bytes, shared by every upload of one client (thread-safe)."""

    def __init__(
        self,
        window_bytes: int = ATTACHMENT_WINDOW_BYTES,
        window_seconds: float = ATTACHMENT_WINDOW_SECONDS,
        max_wait: float = ATTACHMENT_WINDOW_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if window_bytes < 1 or window_seconds <= 0 or max_wait < 0:
            raise AutotaskValidationError(
                "UploadBudget needs window_bytes >= 1, window_seconds > 0 and max_wait >= 0"
            )
        self.window_bytes = int(window_bytes)
        self.window_seconds = float(window_seconds)
        self.max_wait = float(max_wait)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._uploads: list[Upload] = []

    def __repr__(self) -> str:
        return (
            f"UploadBudget({self.window_bytes:,} bytes per {self.window_seconds:g} s, "
            f"{self.used():,} used, max_wait={self.max_wait:g} s)"
        )

    # -- reading ----------------------------------------------------------------------------------

    def _live(self, now: float) -> list[Upload]:
        horizon = now - self.window_seconds
        self._uploads = [u for u in self._uploads if u.at > horizon]
        return self._uploads

    def used(self) -> int:
        """Bytes counted in the trailing window now."""
        with self._lock:
            return sum(u.size for u in self._live(self._clock()))

    def _waits(self, sizes: Iterable[int], now: float) -> list[float]:
        """Per size, in order, the seconds from ``now`` until it could be sent, if each were sent
        the moment it could be (uploads taken as instantaneous)."""
        window = sorted((u.at, u.size) for u in self._live(now))
        waits: list[float] = []
        t = now
        for size in sizes:
            if size > self.window_bytes:
                raise AutotaskValidationError(
                    f"an upload of {size:,} bytes can never fit the attachment budget of "
                    f"{self.window_bytes:,} bytes per {self.window_seconds:g} seconds"
                )
            while True:
                window = [(at, s) for at, s in window if at > t - self.window_seconds]
                if sum(s for _, s in window) + size <= self.window_bytes:
                    break
                t = window[0][0] + self.window_seconds  # when the oldest counted upload ages out
            window.append((t, size))
            waits.append(t - now)
        return waits

    def wait_time(self, size: int) -> float:
        """Seconds until ``size`` more bytes fit in the window (0.0: now)."""
        with self._lock:
            return self._waits([size], self._clock())[0]

    def check(self, sizes: Iterable[int], what: str = "this upload") -> float:
        """The seconds ``sizes`` (sent in order) would wait; refuses, before anything is sent, when
        that is more than ``max_wait``."""
        sizes = list(sizes)
        with self._lock:
            waits = self._waits(sizes, self._clock())
        needed = waits[-1] if waits else 0.0
        if needed > self.max_wait:
            error = AutotaskValidationError(
                f"{what} ({len(sizes)} file(s), {sum(sizes):,} bytes) would have to wait "
                f"{needed:.0f} s for Autotask's attachment budget of {self.window_bytes:,} bytes "
                f"per {self.window_seconds:g} seconds ({self.used():,} bytes used now), more than "
                f"max_wait={self.max_wait:g} s; nothing was sent. Upload fewer files at a time or "
                "raise max_wait"
            )
            error.retry_after = needed  # type: ignore[attr-defined]
            raise error
        return needed

    # -- counting ---------------------------------------------------------------------------------

    def acquire(self, size: int) -> Upload:
        """Count ``size`` bytes, first sleeping until they fit the window."""
        while True:
            with self._lock:
                now = self._clock()
                wait = self._waits([size], now)[0]
                if wait <= 0:
                    upload = Upload(now, int(size))
                    self._uploads.append(upload)
                    return upload
            self._sleep(wait)

    def settle(self, upload: Upload) -> None:
        """The upload's request has finished: count it from now."""
        with self._lock:
            upload.at = max(upload.at, self._clock())

    def release(self, upload: Upload) -> None:
        """The upload failed: the server stored nothing, so it does not count."""
        with self._lock:
            self._uploads = [u for u in self._uploads if u is not upload]

    def reset(self) -> None:
        with self._lock:
            self._uploads.clear()
