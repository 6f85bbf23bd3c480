"""issue 8: ``%autotask connect``: the environment, the keyring, a prompt, or the sandbox, and the
secret never echoed, stored or shown.

The prompt is the connection's ``ask``/``ask_secret`` (``input``/``getpass`` in a notebook),
replaced here by functions that answer as a user would.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

from autotask_pandas.client import clear_zone_cache
from autotask_pandas.client.default import default_client, set_default_client
from autotask_pandas.jupyter import AutotaskMagic
from autotask_pandas.jupyter.connection import is_sandbox_client
from autotask_pandas.sandbox import Sandbox

VARS = ("AUTOTASK_USERNAME", "AUTOTASK_INTEGRATION_CODE", "AUTOTASK_SECRET", "AUTOTASK_API_URL")


@pytest.fixture
def fresh(shell: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, AutotaskMagic]]:
    """The shell with the extension freshly loaded, nothing connected, no AUTOTASK_* set."""
    for name in VARS:
        monkeypatch.delenv(name, raising=False)
    clear_zone_cache()
    set_default_client(None)
    shell.run_line_magic("load_ext", "autotask_pandas")
    magic = shell.magics_manager.registry["AutotaskMagic"]
    yield shell, magic
    shell.run_line_magic("unload_ext", "autotask_pandas")
    set_default_client(None)


def run(ip: Any, cell: str) -> tuple[Any, str]:
    with capture_output() as io:
        result = ip.run_cell(cell)
    return result, io.stdout + io.stderr


def _namespace_text(ip: Any) -> str:
    return " ".join(repr(v) for k, v in ip.user_ns.items() if isinstance(v, str))


def test_sandbox_with_scale_and_seed(fresh: tuple[Any, AutotaskMagic]) -> None:
    ip, magic = fresh
    result, out = run(ip, "%autotask connect --sandbox --scale 0.1 --seed 4")
    assert result.success
    assert "Connected to the built-in sandbox (demo data, scale 0.1, seed 4)" in out
    sandbox = magic.connection.sandbox
    assert sandbox is not None and (sandbox.scale, sandbox.seed) == (0.1, 4)
    assert default_client() is magic.connection.client
    count = ip.run_line_magic("autotask", "count Companies")
    assert count == magic.connection.client.count("Companies") > 0


def test_no_credentials_at_all_says_it_uses_the_sandbox(
    fresh: tuple[Any, AutotaskMagic],
) -> None:
    ip, magic = fresh

    def cannot_ask(prompt: str) -> str:
        raise EOFError  # a front end with no input (a script, nbconvert)

    magic.connection.ask = magic.connection.ask_secret = cannot_ask
    result, out = run(ip, "%autotask connect")
    assert result.success
    assert "No Autotask credentials" in out
    assert "using the built-in sandbox with demo data" in out
    assert is_sandbox_client(magic.connection.current()) and magic.connection.current() is (
        default_client()
    )


def test_an_empty_user_name_at_the_prompt_is_the_sandbox(fresh: tuple[Any, AutotaskMagic]) -> None:
    ip, magic = fresh
    asked: list[str] = []
    magic.connection.ask = lambda prompt: asked.append(prompt) or ""
    result, out = run(ip, "%autotask connect")
    assert result.success and asked == ["Autotask API user name (empty for the sandbox): "]
    assert "using the built-in sandbox" in out and is_sandbox_client(magic.connection.current())


def test_without_connect_the_first_line_says_it_uses_the_sandbox(
    fresh: tuple[Any, AutotaskMagic],
) -> None:
    ip, _ = fresh
    result, out = run(ip, "%autotask count Companies")
    assert result.success and result.result > 0
    assert "No Autotask credentials (AUTOTASK_USERNAME, AUTOTASK_INTEGRATION_CODE, " in out
    assert "using the built-in sandbox with demo data" in out
    _, out = run(ip, "%autotask count Companies")
    assert "sandbox" not in out  # said once


def test_environment_credentials(
    fresh: tuple[Any, AutotaskMagic], sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    ip, magic = fresh
    monkeypatch.setenv("AUTOTASK_USERNAME", sandbox.username)
    monkeypatch.setenv("AUTOTASK_INTEGRATION_CODE", sandbox.integration_code)
    monkeypatch.setenv("AUTOTASK_SECRET", sandbox.secret)
    monkeypatch.setenv("AUTOTASK_API_URL", sandbox.url)
    magic.connection.ask = magic.connection.ask_secret = pytest.fail  # never asked
    result, out = run(ip, "%autotask connect")
    assert result.success, out
    assert f"Connected to Autotask as {sandbox.username} ({sandbox.url}" in out
    assert magic.connection.sandbox is None and default_client() is magic.connection.client
    _, shown = run(ip, "%autotask threshold")
    for text in (out, shown, _namespace_text(ip), repr(magic.connection.client)):
        assert sandbox.secret not in text


def test_the_prompt_reads_the_secret_without_echo(
    fresh: tuple[Any, AutotaskMagic], sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    ip, magic = fresh
    monkeypatch.setenv("AUTOTASK_API_URL", sandbox.url)  # where, not who: no credential
    answers = {"user name": sandbox.username, "integration code": sandbox.integration_code}
    asked: list[str] = []
    secret_asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return next(v for k, v in answers.items() if k in prompt)

    def ask_secret(prompt: str) -> str:
        secret_asked.append(prompt)
        return sandbox.secret

    magic.connection.ask, magic.connection.ask_secret = ask, ask_secret
    result, out = run(ip, "%autotask connect")
    assert result.success, out
    assert len(asked) == 2 and secret_asked == [f"Autotask secret for {sandbox.username}: "]
    assert f"Connected to Autotask as {sandbox.username}" in out
    assert sandbox.secret not in out + _namespace_text(ip)
    history = " ".join(str(line) for line in ip.history_manager.input_hist_raw)
    assert sandbox.secret not in history


def test_wrong_credentials_are_the_servers_words(
    fresh: tuple[Any, AutotaskMagic], sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    ip, magic = fresh
    monkeypatch.setenv("AUTOTASK_USERNAME", sandbox.username)
    monkeypatch.setenv("AUTOTASK_INTEGRATION_CODE", sandbox.integration_code)
    monkeypatch.setenv("AUTOTASK_SECRET", "not-the-secret-81c2")
    monkeypatch.setenv("AUTOTASK_API_URL", sandbox.url)
    result, out = run(ip, "%autotask connect")
    assert isinstance(result.error_in_exec, UsageError)
    assert "Traceback" not in out and "not-the-secret-81c2" not in out
    assert magic.connection.client is None


def test_partly_set_variables_name_what_is_missing(
    fresh: tuple[Any, AutotaskMagic], monkeypatch: pytest.MonkeyPatch
) -> None:
    ip, magic = fresh
    monkeypatch.setenv("AUTOTASK_SECRET", "half-a-secret-3d9")
    magic.connection.ask = magic.connection.ask_secret = pytest.fail
    result, out = run(ip, "%autotask connect")
    assert isinstance(result.error_in_exec, UsageError)
    assert "AUTOTASK_USERNAME, AUTOTASK_INTEGRATION_CODE not set (AUTOTASK_SECRET set)" in out
    assert "half-a-secret-3d9" not in out
