"""A real IPython shell with ``%load_ext autotask_pandas``, connected to a small sandbox.

IPython's test shell (``IPython.testing.globalipapp``, a ``TerminalInteractiveShell``) runs the
magics exactly as a user's cells do: ``ip.run_cell(...)`` goes through IPython's input
transformers, the magic, the display hook and its error display. The extension is connected with
``%autotask connect --sandbox`` (in-process transport), and unloaded after each module.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from autotask_pandas.client.default import set_default_client
from autotask_pandas.jupyter import AutotaskMagic
from autotask_pandas.sandbox import Sandbox

SCALE, SEED = 0.3, 1


@pytest.fixture(scope="session")
def shell() -> Any:
    from IPython.testing.globalipapp import get_ipython

    return get_ipython()


@pytest.fixture(scope="module")
def ip(shell: Any) -> Iterator[Any]:
    """The shell with the extension loaded and connected to ``Sandbox(scale=0.3, seed=1)``."""
    shell.run_line_magic("load_ext", "autotask_pandas")
    shell.run_line_magic("autotask", f"connect --sandbox --scale {SCALE} --seed {SEED}")
    yield shell
    shell.run_line_magic("unload_ext", "autotask_pandas")
    set_default_client(None)


@pytest.fixture
def magic(ip: Any) -> Iterator[AutotaskMagic]:
    """The loaded magic; its settings are put back after each test, and so is the shell's
    ``AutotaskMagic`` config section, which ``%config`` writes and the next ``load_ext`` reads
    (a refused value left there breaks every later module, whatever order the tests run in)."""
    found = ip.magics_manager.registry["AutotaskMagic"]
    saved = {name: getattr(found, name) for name in found.trait_names(config=True)}
    section = copy.deepcopy(ip.config["AutotaskMagic"]) if "AutotaskMagic" in ip.config else None
    yield found
    for name, value in saved.items():
        setattr(found, name, value)
    if section is None:
        ip.config.pop("AutotaskMagic", None)
    else:
        ip.config["AutotaskMagic"] = section


@pytest.fixture
def tenant(magic: AutotaskMagic) -> Sandbox:
    """The sandbox the magic is connected to (its ``requests`` show what reached it)."""
    assert magic.connection.sandbox is not None
    return magic.connection.sandbox
