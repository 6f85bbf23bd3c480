"""Issue 12, named profiles: ``autotask profile add|list`` and ``autotask --profile NAME <command>``
(or ``$AUTOTASK_PROFILE``), run as a subprocess with ``AUTOTASK_CONFIG_DIR`` in a tmp dir against
a sandbox served over loopback HTTP. A profile file others can read or write is refused with the
fix; an unknown name lists the known ones; no output ever holds the secret."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from helpers.cli import Ran
from helpers.cli import autotask as run_autotask

from autotask_pandas.sandbox import Sandbox

# ``sandbox`` (conftest): the module's served sandbox.


def autotask(sb: Sandbox, config: Path, *argv: str, stdin: str = "", **env: str) -> Ran:
    """``autotask ARGV`` with no credentials in its environment but ``env``; ``sb``'s secret is
    in no output (asserted on every call)."""
    return run_autotask(
        *argv, env={"AUTOTASK_CONFIG_DIR": str(config), **env}, stdin=stdin, secrets=[sb.secret]
    )


def add_profile(sb: Sandbox, config: Path, name: str = "demo") -> Path:
    code, out, err = autotask(
        sb, config, "profile", "add", name, "--username", sb.username,
        "--integration-code", sb.integration_code, "--api-url", sb.url,
        stdin=sb.secret + "\n",
    )
    assert code == 0, err
    return config / "profiles.toml"


def test_add_writes_a_private_file_and_profile_runs_a_command(sandbox, tmp_path):
    path = add_profile(sandbox, tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sandbox.secret in path.read_text()  # kept, for the profile to be used
    before, after = ("--profile", "demo", "count", "Tickets"), ("count", "Tickets", "--profile", "demo")
    for argv in (before, after):
        code, out, err = autotask(sandbox, tmp_path, *argv)
        assert code == 0, err
        assert int(out) == 5000
        assert "sandbox" not in err  # not the built-in sandbox's fallback


def test_explicit_profile_wins_over_env_credentials_and_env_wins_over_autotask_profile(
    sandbox, tmp_path
):
    add_profile(sandbox, tmp_path)
    wrong = {
        "AUTOTASK_USERNAME": sandbox.username,
        "AUTOTASK_INTEGRATION_CODE": sandbox.integration_code,
        "AUTOTASK_SECRET": "not-the-secret",
        "AUTOTASK_API_URL": sandbox.url,
    }
    code, out, err = autotask(sandbox, tmp_path, "--profile", "demo", "count", "Tickets", **wrong)
    assert code == 0 and int(out) == 5000, err
    code, out, err = autotask(sandbox, tmp_path, "count", "Tickets", AUTOTASK_PROFILE="demo")
    assert code == 0 and int(out) == 5000, err
    # AUTOTASK_PROFILE is a default, the environment's credentials are more explicit: the wrong
    # secret is used (and refused), the profile is not read at all.
    code, _, err = autotask(
        sandbox, tmp_path, "count", "Tickets", AUTOTASK_PROFILE="nosuch", **wrong
    )
    assert code == 1 and "nosuch" not in err


@pytest.mark.parametrize("mode", [0o640, 0o602])
def test_a_file_others_can_read_or_write_is_refused_with_the_fix(sandbox, tmp_path, mode):
    path = add_profile(sandbox, tmp_path)
    path.chmod(mode)
    for argv in (("--profile", "demo", "count", "Tickets"), ("profile", "list")):
        code, out, err = autotask(sandbox, tmp_path, *argv)
        assert code == 2, (argv, out, err)
        assert out == ""
        assert str(path) in err and f"chmod 600 {path}" in err
    code, _, err = autotask(sandbox, tmp_path, "count", "Tickets", AUTOTASK_PROFILE="demo")
    assert code == 2 and f"chmod 600 {path}" in err


def test_an_unknown_profile_is_a_usage_error_naming_the_known_ones(sandbox, tmp_path):
    add_profile(sandbox, tmp_path, "demo")
    add_profile(sandbox, tmp_path, "prod")
    code, out, err = autotask(sandbox, tmp_path, "--profile", "staging", "count", "Tickets")
    assert code == 2 and out == ""
    assert "'staging'" in err and "demo, prod" in err
    code, _, err = autotask(sandbox, tmp_path, "--profile", "demo", "count", "Tickets", "--sandbox")
    assert code == 2 and "give one" in err
    # with no file at all: no profiles known
    code, _, err = autotask(sandbox, tmp_path / "empty", "--profile", "x", "count", "Tickets")
    assert code == 2 and "known profiles: none" in err


def test_list_shows_names_and_usernames_only(sandbox, tmp_path):
    add_profile(sandbox, tmp_path, "demo")
    add_profile(sandbox, tmp_path, "prod")
    code, out, err = autotask(sandbox, tmp_path, "profile", "list")
    assert code == 0, err
    assert [line.split() for line in out.splitlines()] == [
        ["demo", sandbox.username],
        ["prod", sandbox.username],
    ]
    assert sandbox.integration_code not in out


def test_profile_add_refuses_an_empty_secret_and_writes_nothing(sandbox, tmp_path):
    code, _, err = autotask(
        sandbox, tmp_path, "profile", "add", "demo", "--username", "u",
        "--integration-code", "c", stdin="\n",
    )
    assert code == 2 and "secret is empty" in err
    assert not (tmp_path / "profiles.toml").exists()
