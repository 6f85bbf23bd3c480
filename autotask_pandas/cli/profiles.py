"""Named credential profiles of the ``autotask`` command: ``autotask --profile NAME <command>``.

The profiles live in one TOML file, ``profiles.toml`` in the user's config directory
(``$AUTOTASK_CONFIG_DIR`` when set, else ``platformdirs.user_config_dir("autotask-pandas")`` when
platformdirs is installed, else ``~/.config/autotask-pandas``)::

    [profiles.prod]
    username = "api@example.com"
    integration_code = "ABC123"
    secret = "..."
    api_url = "https://webservices5.autotask.net/ATServicesRest/"   # optional

The file holds secrets, so one that others can read or write (``mode & 0o077``) is refused before
anything in it is used, with the fix (``chmod 600 FILE``); ``profile add`` writes it with mode
0600. Errors are ``ProfileError`` (a usage error: exit code 2) and never hold the secret.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import stat
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from autotask_pandas.auth import AuthCredentials

__all__ = [
    "ENV_CONFIG_DIR",
    "ENV_PROFILE",
    "PROFILES_FILE_NAME",
    "Profile",
    "ProfileError",
    "cmd_profile",
    "config_dir",
    "load_profile",
    "profiles_file",
]

ENV_PROFILE = "AUTOTASK_PROFILE"
ENV_CONFIG_DIR = "AUTOTASK_CONFIG_DIR"
PROFILES_FILE_NAME = "profiles.toml"
# A bare TOML key, so the writer never has to quote a profile's name.
_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


class ProfileError(Exception):
    """A profile cannot be used as asked (unknown name, unsafe or unreadable file): exit 2."""


@dataclass(frozen=True, repr=False)
class Profile:
    """One named set of credentials; ``repr`` leaves the secret out. ``path`` is the file it was
    read from (None for one made in code)."""

    name: str
    username: str
    integration_code: str
    secret: str
    api_url: str | None = None
    path: Path | None = None

    def __repr__(self) -> str:
        return f"Profile(name={self.name!r}, username={self.username!r}, secret='**********')"

    def credentials(self) -> AuthCredentials:
        return AuthCredentials(self.username, self.integration_code, self.secret, self.api_url)


def config_dir() -> Path:
    """The directory of ``profiles.toml`` (see the module docstring for the order)."""
    override = os.environ.get(ENV_CONFIG_DIR)
    if override:
        return Path(override).expanduser()
    try:
        import platformdirs
    except ImportError:  # an optional dependency (it comes with jupyter)
        return Path.home() / ".config" / "autotask-pandas"
    return Path(platformdirs.user_config_dir("autotask-pandas"))


def profiles_file() -> Path:
    return config_dir() / PROFILES_FILE_NAME


def _check_private(path: Path) -> None:
    """Refuse a file that others can read or write: it holds secrets."""
    if os.name == "nt":  # no POSIX modes; the user's profile directory is private already
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ProfileError(
            f"{path} can be read or written by other users (mode {mode:04o}) and holds secrets; "
            f"it was not used. Fix: chmod 600 {path}"
        )


def _read_all(path: Path) -> dict[str, dict[str, Any]]:
    """The file's ``[profiles.*]`` tables (empty when there is no file); checked private first."""
    if not path.exists():
        return {}
    _check_private(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ProfileError(f"cannot read {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:  # its text quotes no value, only the position
        raise ProfileError(f"{path} is not valid TOML: {exc}") from None
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict) or not all(isinstance(v, dict) for v in profiles.values()):
        raise ProfileError(f"{path}: expected [profiles.NAME] tables")
    return profiles


def _profile(name: str, table: dict[str, Any], path: Path) -> Profile:
    values: dict[str, str] = {}
    for key in ("username", "integration_code", "secret", "api_url"):
        value = table.get(key)
        if value is None and key == "api_url":
            continue
        if not isinstance(value, str) or not value:
            raise ProfileError(f"{path}: profile {name!r} has no {key} (a non-empty string)")
        values[key] = value
    return Profile(name, **values, path=path)


def load_profile(name: str, path: Path | None = None) -> Profile:
    """The profile ``name`` of ``path`` (default: ``profiles_file()``).

    Raises ``ProfileError`` when the file is readable by others, has no such profile (the
    message lists the known names), or the profile lacks a value.
    """
    path = path or profiles_file()
    profiles = _read_all(path)
    if name not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise ProfileError(
            f"no profile called {name!r} in {path} (known profiles: {known}); "
            f"add one with: autotask profile add {name} --username U --integration-code C"
        )
    return _profile(name, profiles[name], path)


def _toml_string(value: str) -> str:
    # A JSON string with ASCII escapes is a valid TOML basic string.
    return json.dumps(value, ensure_ascii=True)


def _write_all(path: Path, profiles: dict[str, dict[str, Any]]) -> None:
    """Write every profile to ``path`` with mode 0600, atomically (a temporary file, renamed)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    lines = ["# autotask-pandas profiles: holds secrets, keep it mode 0600", ""]
    for name in sorted(profiles):
        lines.append(f"[profiles.{name}]")
        for key, value in profiles[name].items():
            lines.append(f"{key} = {_toml_string(str(value))}")
        lines.append("")
    fd, tmp = tempfile.mkstemp(prefix=".profiles-", dir=path.parent)  # created with mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            if os.name != "nt":
                os.fchmod(handle.fileno(), 0o600)
            handle.write("\n".join(lines))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _ask_secret(stdin: TextIO, err: TextIO) -> str:
    if stdin.isatty():
        return getpass.getpass("Secret: ", stream=err)
    return stdin.readline().rstrip("\r\n")  # piped: the first line


def _add(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    name = args.name
    if not _NAME.match(name):
        raise ProfileError(f"profile name {name!r}: use letters, digits, '-' and '_' only")
    path = profiles_file()
    profiles = _read_all(path)
    secret = _ask_secret(sys.stdin, err)
    if not secret:
        raise ProfileError("the secret is empty; nothing was written")
    table = {
        "username": args.username,
        "integration_code": args.integration_code,
        "secret": secret,
    }
    if args.api_url:
        table["api_url"] = args.api_url
    replaced = name in profiles
    profiles[name] = table
    _write_all(path, profiles)
    print(f"{'replaced' if replaced else 'added'} profile {name!r} in {path}", file=err)
    return 0


def _list(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    path = profiles_file()
    profiles = _read_all(path)
    if not profiles:
        print(f"no profiles in {path}; add one with: autotask profile add NAME ...", file=err)
        return 0
    width = max(len(name) for name in profiles)
    for name in sorted(profiles):
        username = profiles[name].get("username", "")
        print(f"{name:<{width}}  {username}", file=out)
    return 0


def cmd_profile(args: argparse.Namespace, client: Any, out: TextIO, err: TextIO) -> int:
    """``autotask profile add|list``: exit 0, or 2 (one ``error:`` line) on a ``ProfileError``."""
    try:
        return _add(args, out, err) if args.action == "add" else _list(args, out, err)
    except ProfileError as exc:
        print(f"autotask profile: error: {exc}", file=err)
        return 2
