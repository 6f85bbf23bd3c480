"""The sandbox in a process of its own, for benchmarks (issue 14).

    with served_sandbox(scale=10, latency_ms=150) as sb:
        client = AutotaskClient(sb.credentials)

Runs ``python -m autotask_pandas.cli sandbox serve --port 0 ...`` (the CLI's ``autotask sandbox
serve``) and reads the URL and the demo credentials it prints. In its own process the emulator's
CPU (SQLite, JSON encoding, HTTP) does not share an interpreter lock with the client being
measured, so a benchmark's ratio is the client's. ``describe()`` is the line each benchmark
prints to say so.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class ServedCredentials:
    """The attribute names ``AutotaskClient`` reads (as ``SandboxCredentials`` has them)."""

    username: str
    integration_code: str
    secret: str = field(repr=False)
    api_url: str


@dataclass
class ServedSandbox:
    process: subprocess.Popen[str]
    url: str
    username: str
    integration_code: str
    secret: str = field(repr=False)
    command: list[str] = field(default_factory=list)
    startup_seconds: float = 0.0

    @property
    def credentials(self) -> ServedCredentials:
        return ServedCredentials(self.username, self.integration_code, self.secret, self.url)

    def headers(self) -> dict[str, str]:
        return {
            "ApiIntegrationCode": self.integration_code,
            "UserName": self.username,
            "Secret": self.secret,
        }

    def first_ticket_id(self) -> int:
        """The lowest ticket id (one plain HTTP query): the demo's ids are consecutive from it, so
        ``id < first + N`` selects N tickets."""
        with httpx.Client(headers=self.headers(), timeout=60) as http:
            first = http.post(
                f"{self.url}V1.0/Tickets/query",
                json={"filter": [{"op": "gte", "field": "id", "value": 0}], "MaxRecords": 1},
            ).json()
        return int(first["items"][0]["id"])

    def describe(self) -> str:
        args = " ".join(self.command[self.command.index("sandbox") :])
        return (
            f"sandbox: a process of its own (pid {self.process.pid}: `autotask {args}`), "
            f"served over loopback HTTP at {self.url}; its CPU is not the client's"
        )


@contextmanager
def served_sandbox(
    scale: float = 1,
    seed: int = 0,
    latency_ms: float = 0.0,
    thread_limit: int = 3,
    hourly_limit: int = 10_000_000,
    db: str | None = None,
) -> Iterator[ServedSandbox]:
    """Start ``autotask sandbox serve`` in a child process; stop it on exit."""
    command = [
        sys.executable, "-m", "autotask_pandas.cli", "sandbox", "serve", "--port", "0",
        "--scale", f"{scale:g}", "--seed", str(seed), "--latency-ms", f"{latency_ms:g}",
        "--thread-limit", str(thread_limit), "--hourly-limit", str(hourly_limit),
    ]  # fmt: skip
    if db:
        command += ["--db", db]
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT
    )
    try:
        values: dict[str, str] = {}
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("Autotask sandbox serving at "):
                values["url"] = line.rsplit(" ", 1)[1].strip()
            elif ":" in line and line.startswith("  "):
                key, _, value = line.strip().partition(":")
                values[key.strip()] = value.strip()
            if line.startswith("Press Ctrl-C"):
                break
        else:
            raise RuntimeError(f"the sandbox process ended: {process.wait()}; {values}")
        # Keep reading what it prints (error logs): a full pipe would stall the server.
        threading.Thread(target=process.stdout.read, daemon=True).start()
        served = ServedSandbox(
            process,
            values["url"],
            values["UserName"],
            values["ApiIntegrationCode"],
            values["Secret"],
            command,
            time.perf_counter() - start,
        )
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Recording(httpx.HTTPTransport):
    """An httpx transport that records each request's method and path (thread-safe): what a
    benchmark counts as requests sent."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.sent.append((request.method, request.url.path))
        return super().handle_request(request)

    def since(self, mark: int) -> Counter[str]:
        """Requests after the ``mark``-th, as ``METHOD endpoint`` counts (ids left out)."""
        with self._lock:
            sent = self.sent[mark:]
        out: Counter[str] = Counter()
        for method, path in sent:
            parts = [p for p in path.split("/V1.0/", 1)[-1].split("/") if not p.isdigit()]
            out[f"{method} {'/'.join(parts)}"] += 1
        return out
