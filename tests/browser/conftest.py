"""Fixtures for the real-browser tests: Debian's Chromium driven by Playwright, a Voila server
rendering a notebook, and a demo sandbox over loopback HTTP for the notebook's kernel.

Why Voila and not JupyterLab: Voila runs the notebook's cells on the server before (and while)
the page renders, so no test step waits on a kernel connecting and idling, which was the one
source of flakiness with Lab (a run-all sent before the kernel was ready); it also needs no
``--allow-root``, no Lab settings and no autosave guard. The widgets then talk to the same live
kernel through the same ipywidgets comms as in Lab.

Chromium is the system's (``/usr/bin/chromium``, or ``AUTOTASK_CHROMIUM``); Playwright never
downloads a browser. Where it is missing the tests skip, saying how to install it
(``bash tools/ensure_chromium.sh``), except under ``CI=true``, where they fail: a CI run must not
go green by skipping them. Screenshots and the server's log go to ``$AUTOTASK_TEST_ARTIFACTS``
(default ``tests/artifacts/``, not tracked by git), under ``browser/``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import CHROMIUM_ARGS, REPO, chromium_path, unavailable

from autotask_pandas.auth import AuthCredentials
from autotask_pandas.client import AutotaskClient
from autotask_pandas.sandbox import Sandbox


@pytest.fixture(scope="session")
def artifacts() -> Path:
    base = os.environ.get("AUTOTASK_TEST_ARTIFACTS") or str(REPO / "tests" / "artifacts")
    folder = Path(base) / "browser"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """A headless Playwright ``Browser`` on the system's Chromium."""
    executable = chromium_path()
    if executable is None:
        unavailable("Debian's chromium is not installed",
                    "bash tools/ensure_chromium.sh (as root)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # the test extra is missing: not a reason to skip
        pytest.fail("playwright is not installed: pip install -e '.[test]'", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def http_sandbox() -> Iterator[Sandbox]:
    """The demo tenant over loopback HTTP, for the notebook's kernel (another process)."""
    with Sandbox(scale=1, seed=0) as sb:
        yield sb


@pytest.fixture(scope="session")
def http_client(http_sandbox: Sandbox) -> Iterator[AutotaskClient]:
    sb = http_sandbox
    creds = AuthCredentials(sb.username, sb.integration_code, sb.secret, api_url=sb.url)
    with AutotaskClient(creds) as made:
        yield made
