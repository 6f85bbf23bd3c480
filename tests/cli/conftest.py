"""Fixtures of the CLI tests (their code is in ``tests/helpers/cli.py``).

Each module gets one sandbox of its own, served over loopback HTTP (the commands write: a
module's writes must not show in another's counts), and ``api``, a client of it in process, to
check on the server what a command did. ``client`` is overridden to be ``api``: the session's
client belongs to the session's sandbox, which these modules do not use.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers import connect, new_sandbox
from helpers.cli import InProcess

from autotask_pandas.client import AutotaskClient
from autotask_pandas.sandbox import Sandbox


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """The module's demo tenant (scale 1, seed 0, a copy), on 127.0.0.1 at a free port."""
    with new_sandbox() as sb:
        yield sb


@pytest.fixture(scope="module")
def api(sandbox: Sandbox) -> Iterator[AutotaskClient]:
    """A client of ``sandbox`` in process, to check what the commands did."""
    with connect(sandbox, threshold_check_every=0) as made:
        yield made


@pytest.fixture(scope="module")
def client(api: AutotaskClient) -> AutotaskClient:
    return api


@pytest.fixture
def run(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> InProcess:
    """``run(*argv) -> (code, out, err)``: ``main(argv)`` in process with ``sandbox``'s
    credentials in the environment; no output holds a secret or a traceback."""
    return InProcess(sandbox, monkeypatch, capsys)
