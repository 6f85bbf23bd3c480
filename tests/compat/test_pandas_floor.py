"""Issue 12, "pandas 2.2 as well as 3": the pandas layer's tests also pass on the lowest pandas
``pyproject.toml`` declares.

The suite itself runs on the newest pandas (the one installed). This test builds, once per run, a
virtualenv that sees the installed packages (``--system-site-packages``) but holds the floor's
pandas (``pandas==2.2.*`` for ``pandas>=2.2``) in front of them, and runs ``tests/frames`` there on
this checkout. On pandas 2.2 without Copy-on-Write a frame and what was derived from it alias, so
this is what proves that pushes mean the same on both (``frames/snapshot.py``). Measured on the
2-core machine: about 20 s to build the virtualenv and 2 to 2.5 minutes for ``tests/frames``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def pandas_floor() -> str:
    """The ``X.Y`` of the ``pandas>=X.Y`` dependency in pyproject.toml."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for requirement in project["dependencies"]:
        found = re.fullmatch(r"pandas\s*>=\s*(\d+\.\d+)(?:\.\d+)?", requirement.strip())
        if found:
            return found.group(1)
    raise AssertionError(f"pyproject.toml declares no pandas>=X.Y floor: {project['dependencies']}")


@pytest.mark.timeout(600)
def test_the_frames_tests_pass_on_the_lowest_supported_pandas(tmp_path: Path) -> None:
    floor = pandas_floor()
    venv = tmp_path / f"pandas-{floor}"
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=120
    )
    python = venv / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         f"pandas=={floor}.*"],
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr[-3000:]
    version = subprocess.run(
        [str(python), "-c", "import pandas; print(pandas.__version__)"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    assert version.startswith(f"{floor}."), version
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout, whatever is installed
    done = subprocess.run(
        [str(python), "-m", "pytest", "tests/frames", "-q", "--no-cov", "-p", "no:cacheprovider",
         "-o", "addopts=-ra --strict-markers"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=480,
    )  # fmt: skip
    assert done.returncode == 0, f"tests/frames on pandas {version}:\n{done.stdout[-6000:]}"
