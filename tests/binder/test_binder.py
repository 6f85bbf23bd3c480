"""binder/: what a machine without Docker can check of the Binder set-up.

The files parse; repo2docker, asked not to build, writes a Dockerfile that installs binder/'s
requirements and enters through binder/start; and a fresh virtualenv built from binder/'s
requirements runs the quickstart notebook through binder/start, as Binder would. The two
virtualenvs are made fresh in a temporary folder each run (about two minutes, mostly pip).
"""

from __future__ import annotations

import os
import subprocess
import venv
from pathlib import Path

from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[2]
BINDER = REPO / "binder"
NOTEBOOK = REPO / "notebooks" / "01_quickstart.ipynb"


def _venv(path: Path) -> Path:
    venv.EnvBuilder(with_pip=True, clear=True).create(path)
    return path / "bin" / "python"


def _run(args: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, capture_output=True, text=True, timeout=900, **kw)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{args}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def test_files_parse() -> None:
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"
    lines = [
        line.split("#")[0].strip()
        for line in (BINDER / "requirements.txt").read_text().splitlines()
    ]
    lines = [line for line in lines if line]
    assert "." in lines  # binder/ overrides the root files: the package is installed explicitly
    for line in lines:
        if line != ".":
            Requirement(line)  # raises InvalidRequirement on a bad line
    start = BINDER / "start"
    assert os.access(start, os.X_OK)
    _run(["bash", "-n", str(start)])
    assert 'exec "$@"' in start.read_text()


def test_start_clears_credentials() -> None:
    env = {**os.environ, "AUTOTASK_SECRET": "canary-not-for-binder", "AUTOTASK_USERNAME": "u"}
    done = _run([str(BINDER / "start"), "env"], env=env)
    assert "AUTOTASK_SECRET" not in done.stdout and "AUTOTASK_USERNAME" not in done.stdout


def test_repo2docker_writes_the_dockerfile(tmp_path: Path) -> None:
    python = _venv(tmp_path / "r2d")
    _run([str(python), "-m", "pip", "install", "-q", "jupyter-repo2docker"])
    done = _run(
        [str(tmp_path / "r2d" / "bin" / "repo2docker"), "--no-build", "--debug", str(REPO)],
    )
    dockerfile = done.stdout + done.stderr
    assert "binder/requirements.txt" in dockerfile
    assert "R2D_ENTRYPOINT" in dockerfile and "binder/start" in dockerfile
    assert "python=3.11" in dockerfile or "python-3.11" in dockerfile or "3.11" in dockerfile


def test_a_fresh_binder_environment_runs_the_quickstart(tmp_path: Path) -> None:
    python = _venv(tmp_path / "env")
    # Binder's base image has nbclient and ipykernel; binder/requirements.txt adds the rest.
    _run([str(python), "-m", "pip", "install", "-q", "-r", str(BINDER / "requirements.txt"),
          "nbclient", "ipykernel"], cwd=REPO)
    script = (
        "import nbformat, nbclient, sys\n"
        f"nb = nbformat.read({str(NOTEBOOK)!r}, as_version=4)\n"
        "nbclient.NotebookClient(nb, timeout=300, kernel_name='python3',"
        f" resources={{'metadata': {{'path': {str(tmp_path)!r}}}}}).execute()\n"
        "print('executed', len(nb.cells))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}"
    done = _run([str(BINDER / "start"), str(python), "-c", script], env=env, cwd=tmp_path)
    assert "executed" in done.stdout
