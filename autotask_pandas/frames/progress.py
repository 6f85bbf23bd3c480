"""Progress bars of paging (``Query.to_pandas``, ``read_autotask``) and pushes.

The choice ``tqdm.auto`` makes, made again for every bar rather than once at import: a widget bar
(``tqdm.notebook``) in a Jupyter kernel when ipywidgets can be imported, a text bar on stderr
anywhere else - a terminal, IPython in a terminal, and a kernel without ipywidgets (where
``tqdm.notebook`` would fail with "IProgress not found"). A kernel whose front end draws no widgets
(nbconvert, jupyter console) still works: tqdm's widget box shows its text form there.

Off with ``progress=False`` (``%config AutotaskMagic.progress = False`` in notebooks) or the
environment variable ``TQDM_DISABLE`` (``1``/``true``/``yes``), read when each bar is made: tqdm
itself reads ``TQDM_*`` only when it is first imported.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["ProgressFactory", "bar_class", "make_bar", "progress_disabled"]

ProgressFactory = Callable[..., Any]
_FALSE_WORDS = ("", "0", "false", "no", "off")


def progress_disabled() -> bool:
    """Whether ``TQDM_DISABLE`` is set to a true value now."""
    return os.environ.get("TQDM_DISABLE", "").strip().lower() not in _FALSE_WORDS


def _in_kernel() -> bool:
    """Running in a Jupyter kernel whose front end may draw widgets (not Qt console, Spyder)."""
    ipython = sys.modules.get("IPython")
    if ipython is None or "ipykernel" not in sys.modules:
        return False
    shell = ipython.get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return False
    return not any(name == "QT_API" or name.startswith("SPYDER") for name in os.environ)


def bar_class() -> Any:
    """``tqdm.notebook.tqdm`` in a kernel with ipywidgets, else a text bar (``tqdm.auto.tqdm``
    outside kernels, where it is the text bar; ``tqdm.std.tqdm`` in a kernel without widgets)."""
    from tqdm import std

    if _in_kernel():
        try:
            from tqdm import notebook
        except ImportError:
            return std.tqdm
        return notebook.tqdm if getattr(notebook, "IProgress", None) is not None else std.tqdm
    from tqdm import auto  # the text bar here; looked up now, so it can be replaced (tests)

    chosen = auto.tqdm
    return std.tqdm if getattr(chosen, "__module__", "") == "tqdm.notebook" else chosen


def make_bar(
    progress: bool | ProgressFactory | None, *, total: int | None, desc: str, unit: str = "rows"
) -> Any:
    """A bar (``update(n)``, ``close()``), or None when progress is off.

    ``progress``: True for the bar of this environment (None when ``TQDM_DISABLE`` is set),
    False/None for none, or a callable made like ``tqdm(total=, unit=, desc=)``.
    """
    if progress is None or progress is False:
        return None
    if progress is True:
        if progress_disabled():
            return None
        return bar_class()(total=total, unit=unit, desc=desc)
    return progress(total=total, unit=unit, desc=desc)
