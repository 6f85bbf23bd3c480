"""Which Autotask a notebook talks to: ``%autotask connect`` and the client of every other line.

Credentials, in this order (FACTS.md §2: the API wants a user name, an integration code and a
secret on every call):

1. ``AUTOTASK_USERNAME``, ``AUTOTASK_INTEGRATION_CODE``, ``AUTOTASK_SECRET`` (and the optional
   ``AUTOTASK_API_URL``) in the environment;
2. the system keyring, when the ``keyring`` package is installed and a user name is known
   (``--username`` or ``AUTOTASK_USERNAME``): ``AuthCredentials.from_keyring``;
3. a prompt: the user name and integration code are asked with ``input``, the secret with
   ``getpass`` (no echo);
4. nothing at all (no variable set, no keyring entry, an empty answer or no way to ask): the
   built-in sandbox with demo data, and the line says so.

The secret is never printed, never put in the namespace or the notebook, and only held by the
client's ``AuthCredentials`` (a ``SecretStr``). Variables set for some but not all of the three
are an error naming the missing ones, never a silent fallback to demo data.
"""

from __future__ import annotations

import getpass
import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from IPython.core.error import StdinNotImplementedError

from autotask_pandas.auth import (
    ENV_API_URL,
    ENV_INTEGRATION_CODE,
    ENV_SECRET,
    ENV_USERNAME,
    AuthCredentials,
)
from autotask_pandas.client import AutotaskClient, ClientConfig
from autotask_pandas.client.default import default_client, set_default_client
from autotask_pandas.exceptions import AutotaskValidationError
from autotask_pandas.sandbox import Sandbox

__all__ = ["CREDENTIAL_VARS", "Connection", "NO_CREDENTIALS", "has_env_credentials"]

CREDENTIAL_VARS = (ENV_USERNAME, ENV_INTEGRATION_CODE, ENV_SECRET)
NO_CREDENTIALS = (
    "No Autotask credentials ({vars}{keyring}): using the built-in sandbox with demo data. "
    "Nothing is sent to Autotask. Set the variables (or `%autotask connect` to be asked) to "
    "use your own tenant."
)


def has_env_credentials() -> bool:
    """Whether any of the three credential variables is set (the default client then uses them)."""
    return any(os.environ.get(name) for name in CREDENTIAL_VARS)


def _keyring_installed() -> bool:
    return importlib.util.find_spec("keyring") is not None


def no_credentials_message() -> str:
    keyring = ", no keyring entry" if _keyring_installed() else ""
    return NO_CREDENTIALS.format(vars=", ".join(CREDENTIAL_VARS) + " are not set", keyring=keyring)


def is_sandbox_client(client: AutotaskClient) -> bool:
    """Whether ``client`` talks to an embedded sandbox (its transport, or its demo user)."""
    transport = getattr(client.config, "transport", None)
    if type(transport).__module__.startswith("autotask_pandas.sandbox"):
        return True
    return client.credentials.username == Sandbox().username


@dataclass
class Connection:
    """The notebook's client: the one ``connect`` made, else the library's default client.

    ``say`` prints a line to the user (the magic's output). ``ask``/``ask_secret`` read an
    answer (``input`` and ``getpass.getpass`` unless replaced).
    """

    say: Callable[[str], None] = print
    ask: Callable[[str], str] = input
    ask_secret: Callable[[str], str] = getpass.getpass
    client: AutotaskClient | None = None
    sandbox: Sandbox | None = None
    told_sandbox: bool = False
    _owned: list[Any] = field(default_factory=list)

    # -- the client of every line ---------------------------------------------------------------

    def current(self, *, quiet: bool = False) -> AutotaskClient:
        """The connected client; without ``connect``, the default one (and, when that is the
        sandbox because no credentials are set, one plain sentence saying so, unless ``quiet``:
        the completer must not print)."""
        if self.client is not None and not getattr(self.client, "_closed", False):
            return self.client
        client = default_client()
        if not quiet and not self.told_sandbox and is_sandbox_client(client):
            self.say(no_credentials_message())
            self.told_sandbox = True
        return client

    # -- connect --------------------------------------------------------------------------------

    def connect_sandbox(self, scale: float = 1.0, seed: int = 0, *, why: str = "") -> None:
        """A new embedded sandbox (in-process transport: no network) as the default client."""
        if scale <= 0:
            raise AutotaskValidationError(f"--scale must be above 0, got {scale!r}")
        sandbox = Sandbox(scale=scale, seed=seed).start()
        client = AutotaskClient(sandbox.credentials, ClientConfig(transport=sandbox.transport()))
        self._use(client, sandbox)
        self.told_sandbox = True
        self.say(
            why
            or f"Connected to the built-in sandbox (demo data, scale {scale:g}, seed {seed}): "
            "nothing is sent to Autotask."
        )

    def connect(self, username: str | None = None) -> None:
        """Credentials from the environment, the keyring or a prompt (module doc); none: the
        sandbox. Checks them with one request (``/ThresholdInformation``)."""
        credentials = self._find(username)
        if credentials is None:  # the library's default: the process's demo sandbox
            self.close()
            self.client = default_client()
            self.told_sandbox = True
            self.say(no_credentials_message())
            return
        client = AutotaskClient(credentials)
        try:
            client.get_threshold_info()  # wrong credentials are told now, with the server's words
        except BaseException:
            client.close()
            raise
        self._use(client, None)
        self.told_sandbox = False
        self.say(f"Connected to Autotask as {credentials.username} ({client.base_url}).")

    def _find(self, username: str | None) -> AuthCredentials | None:
        env = os.environ
        api_url = env.get(ENV_API_URL) or None
        if all(env.get(name) for name in CREDENTIAL_VARS) and username in (None, env[ENV_USERNAME]):
            return AuthCredentials.from_env()
        username = username or env.get(ENV_USERNAME) or None
        if username and _keyring_installed():
            try:
                return AuthCredentials.from_keyring(username, api_url=api_url)
            except AutotaskValidationError:
                pass  # no entry for this user: ask
            except Exception as exc:  # noqa: BLE001 - a keyring backend's own failure
                self.say(f"The keyring could not be read ({type(exc).__name__}); asking instead.")
        partly = [name for name in CREDENTIAL_VARS if env.get(name)]
        if partly and partly != [ENV_USERNAME]:  # a code or secret without the rest: a mistake
            missing = [name for name in CREDENTIAL_VARS if not env.get(name)]
            raise AutotaskValidationError(
                f"{', '.join(missing)} not set ({', '.join(partly)} set); set all three "
                "AUTOTASK_* variables, or none to be asked"
            )
        return self._prompt(username, api_url)

    def _prompt(self, username: str | None, api_url: str | None) -> AuthCredentials | None:
        try:
            if not username:
                username = self.ask("Autotask API user name (empty for the sandbox): ").strip()
            if not username:
                return None
            code = self.ask(f"Autotask integration code for {username}: ").strip()
            secret = self.ask_secret(f"Autotask secret for {username}: ")
        except (EOFError, OSError, StdinNotImplementedError):
            return None  # no way to ask (a front end without input, a script): the sandbox
        if not code or not secret:
            raise AutotaskValidationError("the integration code and the secret are both needed")
        return AuthCredentials(username, code, secret, api_url)

    def _use(self, client: AutotaskClient, sandbox: Sandbox | None) -> None:
        self.close()
        self.client, self.sandbox = client, sandbox
        self._owned = [client] + ([sandbox] if sandbox is not None else [])
        set_default_client(client)

    def close(self) -> None:
        """Close the client and stop the sandbox this connection made (not the default ones)."""
        for owned in self._owned:
            if isinstance(owned, Sandbox):
                owned.stop()
            else:
                owned.close()
        if self._owned:
            set_default_client(None)
        self._owned = []
        self.client = self.sandbox = None
