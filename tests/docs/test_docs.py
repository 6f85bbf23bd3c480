"""The documentation: the site builds with warnings as errors, and every code snippet runs.

Snippets run page by page, in order, in one IPython shell per page (so ``%autotask`` lines work
and a later snippet may use an earlier one's names), against the embedded sandbox: no
``AUTOTASK_*`` credentials in the environment. ``bash`` snippets run their ``autotask`` commands
the same way (``autotask sandbox serve`` is left out: it serves until stopped); ``pip install``
lines are the README's set-up, which CI runs as it is.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
PAGES = sorted(p for p in DOCS.glob("*.md")) + [REPO / "README.md"]
FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```", re.M | re.S)
CREDENTIAL_VARS = (
    "AUTOTASK_USERNAME", "AUTOTASK_INTEGRATION_CODE", "AUTOTASK_SECRET", "AUTOTASK_API_URL",
)


def snippets(page: Path, languages: tuple[str, ...]) -> list[tuple[int, str]]:
    """(line, code) of each fenced block of ``page`` in one of ``languages``."""
    text = page.read_text(encoding="utf-8")
    return [
        (text.count("\n", 0, m.start()) + 1, m.group(2))
        for m in FENCE.finditer(text)
        if m.group(1).lower() in languages
    ]


def test_snippets_are_found() -> None:
    """The extraction itself: a page known to hold Python snippets yields them."""
    found = snippets(DOCS / "security.md", ("python",))
    assert found and all("Sandbox" in code or "AuthCredentials" in code for _, code in found)


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    for name in CREDENTIAL_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # snippets that write files write them here
    yield tmp_path


@pytest.mark.parametrize(
    "page", [p for p in PAGES if snippets(p, ("python", "ipython"))], ids=lambda p: p.name
)
def test_python_snippets_run(page: Path, no_credentials: Path) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    from autotask_pandas.client import default

    shell = InteractiveShell()
    try:
        for line, code in snippets(page, ("python", "ipython")):
            result = shell.run_cell(code, store_history=False, silent=True)
            if not result.success:
                error = result.error_in_exec or result.error_before_exec
                pytest.fail(f"{page.name}:{line}: {type(error).__name__}: {error}\n{code}")
    finally:
        shell.cleanup()
        default.set_default_client(None)


def _commands(page: Path) -> list[tuple[int, list[str]]]:
    out = []
    for line, code in snippets(page, ("bash", "sh", "shell", "console")):
        for command in code.replace("\\\n", " ").splitlines():
            command = command.strip().removeprefix("$ ")
            for part in command.split("&&"):
                words = shlex.split(part, comments=True)
                if words[:1] == ["autotask"] and words[1:3] != ["sandbox", "serve"]:
                    out.append((line, words))
    return out


@pytest.mark.parametrize("page", [p for p in PAGES if _commands(p)], ids=lambda p: p.name)
def test_cli_snippets_run(page: Path, no_credentials: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIAL_VARS}
    for line, words in _commands(page):
        done = subprocess.run(
            [sys.executable, "-m", "autotask_pandas.cli", *words[1:]],
            capture_output=True, text=True, env=env, timeout=300, cwd=no_credentials,
        )
        assert done.returncode == 0, f"{page.name}:{line}: {shlex.join(words)}\n{done.stderr}"


def test_the_site_builds_with_warnings_as_errors(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         str(DOCS), str(tmp_path / "site")],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "site" / "generated" / "cli.html").is_file()
    assert (tmp_path / "site" / "api.html").read_text(encoding="utf-8").count("AutotaskClient") > 5
