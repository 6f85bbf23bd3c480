"""A real Ctrl-C for tests: a SIGINT sent to the main thread while it runs the code under test,
once a watched transport has seen the first write go out."""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx


class Watched(httpx.BaseTransport):
    """The sandbox's transport; ``first_write`` is set when a write request goes out, and a PATCH
    may wait ``delays[its body's title]`` seconds before it reaches the server (network jitter)."""

    def __init__(self, inner: httpx.BaseTransport, delays: dict[str, float] | None = None) -> None:
        self.inner = inner
        self.delays = delays or {}
        self.first_write = threading.Event()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        is_query = request.url.path.endswith("/query")
        if request.method in ("POST", "PATCH", "PUT", "DELETE") and not is_query:
            self.first_write.set()
        if request.method == "PATCH":
            title = json.loads(request.read() or b"{}").get("title")
            delay = self.delays.get(str(title), 0.0)
            if delay:
                time.sleep(delay)
        return self.inner.handle_request(request)


@contextmanager
def interrupt_when(
    event: threading.Event, *, after: float = 0.05, times: int = 1
) -> Iterator[None]:
    """Send SIGINT to the main thread ``after`` seconds past ``event`` (``times`` times, that far
    apart), but never once the block has been left."""
    assert threading.current_thread() is threading.main_thread()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    main = threading.main_thread().ident
    assert main is not None
    lock = threading.Lock()
    armed = [True]

    def fire() -> None:
        if not event.wait(timeout=30):
            return
        for _ in range(times):
            time.sleep(after)
            with lock:
                if not armed[0]:
                    return
                signal.pthread_kill(main, signal.SIGINT)

    timer = threading.Thread(target=fire, name="test-interrupt", daemon=True)
    timer.start()
    try:
        yield
    finally:
        with lock:
            armed[0] = False
        event.set()
        timer.join(timeout=30)
