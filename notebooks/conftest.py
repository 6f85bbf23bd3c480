"""The notebooks are tests too: pytest runs each one under nbval (options in pyproject.toml).

nbval runs in lax mode: a cell's outputs are compared with the committed ones only where the cell
asks for it, with the tag ``nbval-check-output`` (invisible when the notebook is read) or a
``# NBVAL_CHECK_OUTPUT`` comment. Tag the cells whose text is deterministic (the demo tenant is
seeded, so tables and figures computed from it are); charts are PNG, which nbval never compares.
Whatever varies from run to run inside a checked cell (addresses, ports, timings) is blanked by
``nbval_sanitize.cfg`` here, which this file hands to nbval unless another is given.

The executed notebooks are committed with their outputs; ``02_analyst_report.ipynb`` is made from
the report shipped in the package by ``autotask demo --notebook notebooks/02_analyst_report.ipynb``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

SANITIZE = Path(__file__).with_name("nbval_sanitize.cfg")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    # With pytest-cov active, nbval starts coverage inside each notebook's kernel, reading the
    # data file pytest-cov is writing; here that setup hangs past nbval's 60 s wait (the kernel
    # never goes idle). The package's coverage is measured by the tests, not the notebooks, so
    # nbval is shown no coverage source while it sets a kernel up.
    source = getattr(item.config.option, "cov_source", None)
    item.config.option.cov_source = None
    try:
        yield
    finally:
        item.config.option.cov_source = source


def pytest_configure(config: pytest.Config) -> None:
    # An absolute path, so that the file is found whatever the working directory.
    if getattr(config.option, "nbval_sanitize_with", "unset") is None:
        config.option.nbval_sanitize_with = str(SANITIZE)
