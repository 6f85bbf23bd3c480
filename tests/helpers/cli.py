"""The ``autotask`` command for tests, run as a user runs it, against a sandbox served over
loopback HTTP; every run checks that no output holds a secret and that no traceback was printed.

- ``autotask(*argv, sandbox=sb)``: ``python -m autotask_pandas.cli ARGV`` in a subprocess, with
  ``sb``'s credentials in its environment (none with ``sandbox=None``) and nothing else of the
  caller's ``AUTOTASK_*``; ``env=`` adds or overrides variables, ``stdin=`` is piped in (else
  stdin is empty, not a terminal), ``terminal=`` gives stdin as a terminal (a pseudo-terminal)
  that types that text. Returns ``Ran(code, out, err)``, which unpacks as a tuple.
- ``autotask_all(calls)``: several such runs at once (each ``Call`` is the arguments of one
  ``autotask``; ``autotask_call(call)`` runs one), in the given order: the interpreter's
  start-up is most of a run's time.
- ``InProcess``: ``main([...])`` in the test's process with the sandbox's credentials set by
  ``monkeypatch``, its output read with ``capsys``: the same checks, for fast in-process tests.
- ``sandbox_env(sb)``: the variables a user exports to use ``sb``; ``writes(sb, start)``: the
  writes it served since request number ``start``; ``CANARY``: a secret to hand to the command
  that must never come back.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import pytest

from autotask_pandas.cli import main
from autotask_pandas.client import clear_zone_cache
from autotask_pandas.sandbox import Sandbox

REPO = Path(__file__).resolve().parents[2]
CANARY = "canary-SECRET-7f3a9c1e55d2"
CREDENTIAL_VARS = (
    "AUTOTASK_USERNAME",
    "AUTOTASK_INTEGRATION_CODE",
    "AUTOTASK_SECRET",
    "AUTOTASK_API_URL",
    "AUTOTASK_PROFILE",
    "AUTOTASK_CONFIG_DIR",
)
# Runs at once in ``autotask_all``: the machine may have 2 cores, each run is mostly start-up.
PARALLEL = 3


class Ran(NamedTuple):
    """What one run of the command gave back: exit code, stdout, stderr."""

    code: int
    out: str
    err: str


def sandbox_env(sb: Sandbox) -> dict[str, str]:
    """The variables a user exports to point the command at ``sb``."""
    return {
        "AUTOTASK_USERNAME": sb.username,
        "AUTOTASK_INTEGRATION_CODE": sb.integration_code,
        "AUTOTASK_SECRET": sb.secret,
        "AUTOTASK_API_URL": sb.url,
    }


def writes(sb: Sandbox, start: int) -> list[tuple[str, str]]:
    """The writes ``sb`` served since request number ``start`` (method, path after ``/V1.0/``)."""
    out = []
    for request in sb.requests[start:]:
        path = request.path.split("/V1.0/")[-1]
        if request.method in ("PATCH", "PUT", "DELETE") or (
            request.method == "POST" and not path.endswith("/query") and "/query/" not in path
        ):
            out.append((request.method, path))
    return out


def check_output(ran: Ran, secrets: Iterable[str]) -> Ran:
    """``ran`` after checking that no secret and no traceback is in its output."""
    for secret in {CANARY, *secrets}:
        assert secret not in ran.out, f"a secret on stdout: {ran.out[:200]!r}"
        assert secret not in ran.err, f"a secret on stderr: {ran.err[:200]!r}"
    assert "Traceback" not in ran.err, ran.err
    return ran


@dataclass(frozen=True)
class Call:
    """The arguments of one ``autotask`` run (for ``autotask_all``)."""

    argv: tuple[str, ...]
    sandbox: Sandbox | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    stdin: str | None = None
    terminal: str | None = None
    progress: bool = False


def _environment(sb: Sandbox | None, env: Mapping[str, str], progress: bool) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if k not in CREDENTIAL_VARS}
    environ.pop("TQDM_DISABLE", None)
    if not progress:
        environ["TQDM_DISABLE"] = "1"
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environ.get("PYTHONPATH")]))
    if sb is not None:
        environ.update(sandbox_env(sb))
    environ.update(env)
    return environ


def _on_terminal(command: list[str], environ: dict[str, str], typed: str) -> Ran:
    """Run with stdin a pseudo-terminal on which ``typed`` is typed (``\\x04`` is Ctrl-D);
    stdout and stderr stay pipes, so what the command prints is read apart from the echo."""
    controller, terminal = pty.openpty()
    try:
        proc = subprocess.Popen(
            command, stdin=terminal, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=environ, cwd=REPO,
        )  # fmt: skip
        os.close(terminal)
        terminal = -1
        os.write(controller, typed.encode())  # the line discipline holds it until it is read

        def drain() -> None:  # the echo of what was typed, so the terminal never fills up
            try:
                while os.read(controller, 1024):
                    pass
            except OSError:  # the command has ended: its side of the terminal is closed
                pass

        reader = threading.Thread(target=drain, daemon=True)
        reader.start()
        out, err = proc.communicate(timeout=120)
    finally:
        if terminal != -1:
            os.close(terminal)
        os.close(controller)
    return Ran(proc.returncode, out, err)


def autotask(
    *argv: str,
    sandbox: Sandbox | None = None,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    terminal: str | None = None,
    progress: bool = False,
    secrets: Iterable[str] = (),
) -> Ran:
    """``autotask ARGV`` in a subprocess (see the module docstring). No output holds ``sandbox``'s
    secret, ``CANARY``, the ``AUTOTASK_SECRET`` given in ``env`` or any of ``secrets``; no
    traceback: asserted on every run. ``TQDM_DISABLE=1`` unless ``progress``."""
    environ = _environment(sandbox, env or {}, progress)
    command = [sys.executable, "-m", "autotask_pandas.cli", *argv]
    if terminal is not None:
        ran = _on_terminal(command, environ, terminal)
    else:
        done = subprocess.run(
            command, input=stdin or "", capture_output=True, text=True, env=environ, cwd=REPO,
            timeout=120,
        )  # fmt: skip
        ran = Ran(done.returncode, done.stdout, done.stderr)
    known = [*secrets, *([sandbox.secret] if sandbox is not None else [])]
    if environ.get("AUTOTASK_SECRET"):
        known.append(environ["AUTOTASK_SECRET"])
    return check_output(ran, known)


def autotask_call(call: Call) -> Ran:
    """``autotask`` with the arguments ``call`` holds."""
    return autotask(
        *call.argv, sandbox=call.sandbox, env=call.env, stdin=call.stdin,
        terminal=call.terminal, progress=call.progress,
    )  # fmt: skip


def autotask_all(calls: Sequence[Call]) -> list[Ran]:
    """Every call's ``Ran``, in the order of ``calls``; up to ``PARALLEL`` run at once."""
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        return list(pool.map(autotask_call, calls))


class InProcess:
    """``run(*argv) -> Ran``: ``main(argv)`` in this process with ``sb``'s credentials in the
    environment (set through ``monkeypatch``, so a test may change them), the same checks as
    ``autotask``."""

    def __init__(
        self, sb: Sandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        self.sandbox = sb
        self.capsys = capsys
        clear_zone_cache()  # a zone looked up for another sandbox must not be reused
        for name, value in sandbox_env(sb).items():
            monkeypatch.setenv(name, value)

    def __call__(self, *argv: str) -> Ran:
        self.capsys.readouterr()
        code = main(list(argv))
        out, err = self.capsys.readouterr()
        return check_output(Ran(code, out, err), [self.sandbox.secret])
