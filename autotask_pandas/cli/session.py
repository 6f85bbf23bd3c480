"""Which API a command talks to: a named profile, the credentials in the environment, or the
built-in sandbox.

In this order: ``--sandbox``; ``--profile NAME`` (an explicit choice wins over the environment);
the ``AUTOTASK_*`` credentials in the environment; ``$AUTOTASK_PROFILE``; with none of these, an
embedded sandbox (the product rule), said on stderr. Partly set credentials are an error, never a
silent fallback to demo data; so are ``--sandbox`` and ``--profile`` together.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from autotask_pandas.auth import (
    ENV_INTEGRATION_CODE,
    ENV_SECRET,
    ENV_USERNAME,
    AuthCredentials,
)
from autotask_pandas.cli.profiles import ENV_PROFILE, Profile, ProfileError, load_profile
from autotask_pandas.client import AutotaskClient

__all__ = ["Redactor", "add_connection_options", "choose_profile", "open_client"]

_CREDENTIAL_VARS = (ENV_USERNAME, ENV_INTEGRATION_CODE, ENV_SECRET)


class Redactor:
    """Blanks the secrets the command knows in anything it prints (errors included)."""

    def __init__(self) -> None:
        self.secrets: set[str] = set()

    def add(self, secret: str | None) -> None:
        if secret:
            self.secrets.add(secret)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "**********")
        return text


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "connection",
        "Credentials come from AUTOTASK_USERNAME, AUTOTASK_INTEGRATION_CODE, AUTOTASK_SECRET "
        "(and the optional AUTOTASK_API_URL), or --profile NAME (wins over them) / "
        "AUTOTASK_PROFILE (does not); without any, the built-in sandbox is used.",
    )
    group.add_argument(  # also before the command; SUPPRESS keeps that one when not given here
        "--profile",
        default=argparse.SUPPRESS,
        metavar="NAME",
        help="use the credentials of this profile (see: autotask profile)",
    )
    group.add_argument(
        "--sandbox", action="store_true", help="run against an embedded sandbox with demo data"
    )
    group.add_argument(
        "--sandbox-scale", type=float, default=1.0, metavar="X", help="sandbox data volume (1)"
    )
    group.add_argument("--sandbox-seed", type=int, default=0, metavar="N", help="sandbox seed (0)")
    group.add_argument(
        "--sandbox-db",
        default=None,
        metavar="FILE",
        help="keep the sandbox's data in this SQLite file, so writes survive between commands",
    )


def choose_profile(args: argparse.Namespace) -> Profile | None:
    """The profile the command uses, or None (the environment's credentials or the sandbox).

    Raises ``ProfileError`` (unknown name, a file others can read, ``--sandbox`` with
    ``--profile``); the message never holds a secret.
    """
    explicit = getattr(args, "profile", None)
    if explicit and getattr(args, "sandbox", False):
        raise ProfileError("--sandbox and --profile choose two different APIs: give one")
    if explicit:
        return load_profile(explicit)
    if getattr(args, "sandbox", False) or any(os.environ.get(n) for n in _CREDENTIAL_VARS):
        return None
    named = os.environ.get(ENV_PROFILE)
    return load_profile(named) if named else None


@contextmanager
def open_client(
    args: argparse.Namespace, redact: Redactor, stderr: TextIO | None = None
) -> Iterator[AutotaskClient]:
    stderr = stderr or sys.stderr
    # prepare() has chosen it already (a ProfileError there is a usage error, exit 2).
    profile = args.chosen_profile if hasattr(args, "chosen_profile") else choose_profile(args)
    if profile is not None:
        redact.add(profile.secret)
        with AutotaskClient(profile.credentials()) as client:
            yield client
        return
    explicit = getattr(args, "sandbox", False)
    if explicit or not any(os.environ.get(name) for name in _CREDENTIAL_VARS):
        from autotask_pandas.sandbox import Sandbox

        if not explicit:
            print(
                "autotask: no Autotask credentials in the environment "
                f"({', '.join(_CREDENTIAL_VARS)}): using the built-in sandbox with demo data",
                file=stderr,
            )
        sandbox = Sandbox(scale=args.sandbox_scale, seed=args.sandbox_seed, db_path=args.sandbox_db)
        with sandbox, AutotaskClient(sandbox.credentials) as client:
            redact.add(sandbox.secret)
            yield client
        return
    redact.add(os.environ.get(ENV_SECRET))
    credentials = AuthCredentials.from_env()
    with AutotaskClient(credentials) as client:
        yield client
