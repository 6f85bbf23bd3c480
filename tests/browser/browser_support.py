"""What the browser tests need besides fixtures: finding Chromium, skipping or failing when it
is missing, and serving a notebook with Voila (see conftest.py for the choices)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

from autotask_pandas.sandbox import Sandbox

REPO = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root in CI; Chromium refuses root without it
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_SECONDS = 30


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def unavailable(reason: str, fix: str) -> NoReturn:
    """Skip (a developer's machine) or fail (CI) a browser test whose tools are missing."""
    if in_ci():
        pytest.fail(f"{reason}; CI=true, so this fails instead of skipping. Fix: {fix}",
                    pytrace=False)
    pytest.skip(f"{reason}. Fix: {fix}")


def chromium_path() -> str | None:
    configured = os.environ.get("AUTOTASK_CHROMIUM")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    for candidate in (shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"voila exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"voila did not listen on port {port} within {SERVER_START_SECONDS} s:\n"
                f"{log.read_text()[-3000:]}")


@dataclass(frozen=True)
class VoilaServer:
    url: str
    log: Path


def serve_notebook(
    notebook: Path, sandbox: Sandbox, work: Path, log: Path
) -> Iterator[VoilaServer]:
    """Serve ``notebook`` with Voila on a free loopback port; its kernel reaches ``sandbox``
    through the ``AUTOTASK_*`` variables (the default client's rule)."""
    try:
        import voila  # noqa: F401
    except ImportError:
        pytest.fail("voila is not installed: pip install -e '.[test]'", pytrace=False)
    port = _free_port()
    env = {
        **os.environ,
        "AUTOTASK_USERNAME": sandbox.username,
        "AUTOTASK_INTEGRATION_CODE": sandbox.integration_code,
        "AUTOTASK_SECRET": sandbox.secret,
        "AUTOTASK_API_URL": sandbox.url,
        # no user configuration leaks in, and nothing is written outside the test's folder
        "JUPYTER_CONFIG_DIR": str(work / "jupyter-config"),
        "JUPYTER_RUNTIME_DIR": str(work / "jupyter-runtime"),
        "IPYTHONDIR": str(work / "ipython"),
    }
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}",
             "--Voila.ip=127.0.0.1", "--show_tracebacks=True"],
            cwd=work, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            _wait_for_port(port, process, log)
            yield VoilaServer(f"http://127.0.0.1:{port}/", log)
        finally:
            process.send_signal(signal.SIGTERM)  # voila shuts its kernels down on SIGTERM
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
            try:  # whatever is left of the session started for it: voila, its kernel
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=5)
