"""mypy (strict, configured in pyproject.toml) and ruff run as part of the test suite, so CI,
which runs exactly README's test command, holds every change to them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=600
    )


def test_mypy_strict_over_the_package() -> None:
    done = _run("mypy")  # the [tool.mypy] table names the package and strict mode
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_is_clean() -> None:
    done = _run("ruff", "check", "autotask_pandas", "tests", "benchmarks", "tools")
    assert done.returncode == 0, done.stdout + done.stderr
