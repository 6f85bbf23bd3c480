"""Notebook front end: the ``%autotask`` magics and their tab completion.

``%load_ext autotask_pandas`` (or ``%load_ext autotask_pandas.jupyter``) registers
``AutotaskMagic`` (``magic.py``), makes it configurable with ``%config AutotaskMagic...``, and
adds the completer (``completion.py``) to the shell. ``%unload_ext`` takes all of it away again
and closes what ``%autotask connect`` opened. docs/magics.md is the user's guide.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autotask_pandas.jupyter.completion import MATCHER_ID, make_matcher
from autotask_pandas.jupyter.magic import AutotaskMagic
from autotask_pandas.types import FieldMetadata

__all__ = ["AutotaskMagic", "load_ipython_extension", "unload_ipython_extension"]


def _ours(ipython: Any) -> list[Any]:
    return [
        m for m in ipython.Completer.custom_matchers
        if getattr(m, "matcher_identifier", None) == MATCHER_ID
    ]


def load_ipython_extension(ipython: Any) -> None:
    """Register the magics, their display limits and the completer in ``ipython``."""
    if isinstance(ipython.magics_manager.registry.get("AutotaskMagic"), AutotaskMagic):
        return  # loaded already (IPython's extension manager also guards this)
    magic = AutotaskMagic(shell=ipython)
    ipython.register_magics(magic)
    magic.install_display()

    def metadata() -> Any:
        client = magic.connection.current(quiet=True)

        def of(entity: str) -> tuple[Sequence[FieldMetadata], Sequence[FieldMetadata]]:
            return client.get_field_metadata(entity), client.get_udf_metadata(entity)

        return of

    ipython.Completer.custom_matchers.append(make_matcher(metadata))


def unload_ipython_extension(ipython: Any) -> None:
    """Remove what ``load_ipython_extension`` added; close the connection's client."""
    for matcher in _ours(ipython):
        ipython.Completer.custom_matchers.remove(matcher)
    magic = ipython.magics_manager.registry.pop("AutotaskMagic", None)
    if not isinstance(magic, AutotaskMagic):
        return
    magic.uninstall_display()
    magic.connection.close()
    for kind in ("line", "cell"):
        ipython.magics_manager.magics[kind].pop("autotask", None)
    if magic in ipython.configurables:
        ipython.configurables.remove(magic)
