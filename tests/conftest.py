"""Fixtures every test directory may use: the demo sandbox and a client connected to it.

One ``Sandbox(scale=1, seed=0)`` for the whole session, served over loopback HTTP, and a client
speaking to it in process (the sandbox's own transport: the full emulator, no sockets). A
directory or module that needs other settings (faults, limits, a client over HTTP) builds its own
with the shared helpers (``tests/helpers``: ``new_sandbox``, ``connect``), never by copying these.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import connect, new_sandbox

from autotask_pandas.client import AutotaskClient
from autotask_pandas.sandbox import Sandbox


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """The session's demo tenant (scale 1, seed 0), on 127.0.0.1 at a free port."""
    with new_sandbox() as sb:
        yield sb


@pytest.fixture(scope="session")
def inprocess_client(sandbox: Sandbox) -> Iterator[AutotaskClient]:
    """A client of ``sandbox`` through its in-process transport, default configuration."""
    with connect(sandbox) as made:
        yield made


@pytest.fixture(scope="session")
def client(inprocess_client: AutotaskClient) -> AutotaskClient:
    """``inprocess_client`` under the short name (directories needing another client override
    ``client`` and still reach this one as ``inprocess_client``)."""
    return inprocess_client


# -- the coverage floor ------------------------------------------------------------------------


def _whole_suite(config: pytest.Config) -> bool:
    """Whether this run selects every test of ``testpaths`` (no paths narrowed, nothing deselected)."""
    option = config.option
    narrowed = (option.keyword, option.markexpr, option.deselect, option.ignore, option.ignore_glob)
    if any(narrowed) or config.getoption("lf", False):
        return False
    here = config.invocation_params.dir
    given = [(here / arg.split("::")[0]).resolve() for arg in config.args]
    if any("::" in arg for arg in config.args):
        return False
    wanted = [(config.rootpath / path).resolve() for path in config.getini("testpaths")]
    return all(any(g == w or g in w.parents for g in given) for w in wanted)


def pytest_sessionstart(session: pytest.Session) -> None:
    """pyproject's ``--cov`` and ``--cov-fail-under`` are about the whole suite (README's command,
    CI). A run of some of the tests measures less of the package by design, so it is not held to
    the floor; and unless its command line asks for coverage itself (``--cov...``), it measures
    nothing, and touches no data file.

    Why the data file needs care: several runs may share one checkout (engineers working side by
    side). pytest-cov erases the data file when it starts and combines every ``.coverage.*`` file
    it finds when it ends, so one run could wipe or swallow another's data. pyproject therefore
    says ``--cov-append`` (pytest-cov erases nothing) and a run that measures starts its data
    afresh here instead; a run that measures nothing never deletes anything.
    """
    config = session.config
    cov = config.pluginmanager.getplugin("_cov")
    if cov is None or getattr(cov, "_disabled", False):
        return
    args = [str(arg) for arg in config.invocation_params.args]
    whole = _whole_suite(config)
    if not whole:
        cov.options.cov_fail_under = None
    controller = getattr(cov, "cov_controller", None)
    measuring = getattr(controller, "cov", None)
    if measuring is None:
        return
    if not whole and not any(arg.startswith("--cov") for arg in args):
        measuring.stop()
        cov._disabled = True  # pytest-cov's own off switch: no data saved, combined or reported
        return
    if "--cov-append" not in args:
        Path(measuring.config.data_file).unlink(missing_ok=True)
