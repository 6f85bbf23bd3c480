"""A hand-driven clock: time passes only when the code under test sleeps or the test says so,
so tests check waits and windows without ever waiting."""

from __future__ import annotations


class FakeClock:
    """Call it for the time (seconds); ``sleep`` records the wait and moves the clock on."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds
