"""Sphinx configuration of the documentation site (``sphinx-build -W -b html docs <out>``).

Sphinx with MyST: the pages stay Markdown that reads well on GitHub, autodoc renders the API
reference from the docstrings, myst-nb renders the committed (already executed, nbval-checked)
notebooks without running them again. Chosen over mkdocs-material, which has announced its end of
life for 2027. Offline: no intersphinx, no remote fonts.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

import generate_pages  # noqa: E402  (docs/generate_pages.py: the pages made from the code)

project = "autotask-pandas"
author = "autotask-pandas developers"
extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.viewcode"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints", "README.md"]
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3
nb_execution_mode = "off"  # CI executes the notebooks with nbval; the site shows those outputs
html_theme = "furo"
html_title = "autotask-pandas"
autodoc_member_order = "bysource"
autodoc_typehints = "description"
suppress_warnings = ["myst.header"]


def _generate(app: object) -> None:
    generate_pages.write_all(HERE / "generated", REPO / "notebooks")


def setup(app: object) -> None:
    app.connect("builder-inited", _generate)  # type: ignore[attr-defined]
