"""Who the client is: the API user's credentials, where they come from, and how they are hidden.

The secret is held in a ``pydantic.SecretStr``: ``repr``/``str`` of the credentials (and of anything
that embeds them) shows ``**********``. It is unwrapped in exactly one place, ``auth_headers()``,
which builds the request headers. ``SecretRedactingFilter`` is a logging safety net that blanks the
secret in any record of our loggers, should it ever be formatted into one.

Credential sources: keyword arguments, environment variables (``from_env``), the system keyring
(``from_keyring``, only when the optional ``keyring`` package is installed) and an interactive
prompt (``from_prompt``).
"""

from __future__ import annotations

import html
import json
import logging
import os
import threading
import urllib.parse
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import SecretStr

from autotask_pandas.exceptions import AutotaskValidationError

__all__ = [
    "AuthCredentials",
    "SecretRedactingFilter",
    "normalise_api_url",
]

ENV_USERNAME = "AUTOTASK_USERNAME"
ENV_INTEGRATION_CODE = "AUTOTASK_INTEGRATION_CODE"
ENV_SECRET = "AUTOTASK_SECRET"
ENV_API_URL = "AUTOTASK_API_URL"

KEYRING_SERVICE = "autotask-pandas"

REDACTED = "**********"


def normalise_api_url(url: str) -> str:
    """The API root as the zone lookup gives it: ``https://host/ATServicesRest/``.

    Accepts the root with or without a trailing slash, and with ``V1.0`` appended.
    """
    url = url.strip()
    if not url:
        raise AutotaskValidationError("api_url is empty")
    base = url.rstrip("/")
    if base.lower().endswith("/v1.0"):
        base = base[: -len("/v1.0")]
    return base + "/"


class AuthCredentials:
    """The three values Autotask asks of every API call, plus an optional fixed API root.

    ``api_url`` skips the zone lookup (give the root, e.g.
    ``https://webservices15.autotask.net/ATServicesRest/``, or the sandbox's ``sb.url``).
    """

    __slots__ = ("_api_url", "_integration_code", "_secret", "_username")

    def __init__(
        self,
        username: str,
        integration_code: str,
        secret: str | SecretStr,
        api_url: str | None = None,
    ) -> None:
        for name, value in (("username", username), ("integration_code", integration_code)):
            if not isinstance(value, str) or not value.strip():
                raise AutotaskValidationError(f"{name} must be a non-empty string")
        if isinstance(secret, str):
            secret = SecretStr(secret)
        if not isinstance(secret, SecretStr) or not secret.get_secret_value():
            raise AutotaskValidationError("secret must be a non-empty string")
        self._username = username
        self._integration_code = integration_code
        self._secret = secret
        self._api_url = normalise_api_url(api_url) if api_url is not None else None

    @classmethod
    def coerce(cls, credentials: object) -> AuthCredentials:
        """``credentials`` as ``AuthCredentials``: itself, or built from an object carrying
        ``username``, ``integration_code``, ``secret`` and ``api_url`` (``Sandbox.credentials``).

        Raises ``AutotaskValidationError`` for anything else (naming its type, never its values).
        """
        if isinstance(credentials, cls):
            return credentials
        try:
            # getattr: any object with these attributes will do (duck typing, typed as Any)
            username = getattr(credentials, "username")  # noqa: B009
            integration_code = getattr(credentials, "integration_code")  # noqa: B009
            secret = getattr(credentials, "secret")  # noqa: B009
        except AttributeError:
            raise AutotaskValidationError(
                "credentials must be an AuthCredentials (or carry username, integration_code and "
                f"secret, as Sandbox.credentials does), not {type(credentials).__name__}"
            ) from None
        return cls(username, integration_code, secret, getattr(credentials, "api_url", None))

    # Read-only: a client keeps the credentials it was given.
    @property
    def username(self) -> str:
        return self._username

    @property
    def integration_code(self) -> str:
        return self._integration_code

    @property
    def secret(self) -> SecretStr:
        return self._secret

    @property
    def api_url(self) -> str | None:
        return self._api_url

    def _key(self) -> tuple[str, str, str, str | None]:
        return (
            self._username,
            self._integration_code,
            self._secret.get_secret_value(),
            self._api_url,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AuthCredentials) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"AuthCredentials(username={self.username!r}, integration_code="
            f"{self.integration_code!r}, secret='{REDACTED}', api_url={self.api_url!r})"
        )

    __str__ = __repr__

    def __reduce__(self) -> Any:
        # No pickle holds the secret (docs/security.md): a pickle travels to files, caches and
        # other machines. It keeps who and where; the unpickled credentials cannot authenticate
        # and say so (``auth_headers``, ``AutotaskClient``) instead of sending a wrong secret.
        return (_without_secret, (self.username, self.integration_code, self.api_url))

    @property
    def has_secret(self) -> bool:
        """False for credentials unpickled (a pickle never carries the secret)."""
        return bool(self._secret.get_secret_value())

    def auth_headers(self) -> dict[str, str]:
        """The authentication headers of every call but the zone lookup.

        Raises ``AutotaskValidationError`` for credentials that were pickled and loaded again:
        the secret is never in a pickle."""
        if not self.has_secret:
            raise AutotaskValidationError(_NO_SECRET.format(username=self.username))
        return {
            "ApiIntegrationCode": self.integration_code,
            "UserName": self.username,
            "Secret": self.secret.get_secret_value(),
        }

    def with_api_url(self, api_url: str | None) -> AuthCredentials:
        return AuthCredentials(
            self.username, self.integration_code, self.secret.get_secret_value(), api_url
        )

    # -- sources -------------------------------------------------------------------------------

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AuthCredentials:
        """Read ``AUTOTASK_USERNAME``, ``AUTOTASK_INTEGRATION_CODE``, ``AUTOTASK_SECRET`` and the
        optional ``AUTOTASK_API_URL``."""
        env = os.environ if environ is None else environ
        missing = [
            name for name in (ENV_USERNAME, ENV_INTEGRATION_CODE, ENV_SECRET) if not env.get(name)
        ]
        if missing:
            raise AutotaskValidationError(
                "missing Autotask credentials in the environment: " + ", ".join(missing)
            )
        return cls(
            env[ENV_USERNAME],
            env[ENV_INTEGRATION_CODE],
            env[ENV_SECRET],
            env.get(ENV_API_URL) or None,
        )

    @classmethod
    def from_keyring(
        cls, username: str, *, service: str = KEYRING_SERVICE, api_url: str | None = None
    ) -> AuthCredentials:
        """Read the integration code and secret stored for ``username`` in the system keyring.

        They are stored under ``service`` with the keys ``{username}:integration_code`` and
        ``{username}:secret`` (see ``store_in_keyring``). Needs the optional ``keyring`` package.
        """
        keyring = _import_keyring()
        code = keyring.get_password(service, f"{username}:integration_code")
        secret = keyring.get_password(service, f"{username}:secret")
        if not code or not secret:
            raise AutotaskValidationError(
                f"no Autotask credentials for {username!r} in the keyring service {service!r}"
            )
        return cls(username, code, secret, api_url)

    def store_in_keyring(self, *, service: str = KEYRING_SERVICE) -> None:
        """Save the integration code and secret in the system keyring (see ``from_keyring``)."""
        keyring = _import_keyring()
        keyring.set_password(service, f"{self.username}:integration_code", self.integration_code)
        keyring.set_password(service, f"{self.username}:secret", self.secret.get_secret_value())

    @classmethod
    def from_prompt(cls, api_url: str | None = None) -> AuthCredentials:
        """Ask on the terminal; the secret is read without echo."""
        import getpass

        username = input("Autotask API username: ").strip()
        code = input("Autotask integration code: ").strip()
        secret = getpass.getpass("Autotask secret: ")
        return cls(username, code, secret, api_url)


_NO_SECRET = (
    "the credentials of {username!r} were unpickled, and a pickle never carries the secret: "
    "load them again from their source (AuthCredentials.from_env(), from_keyring(), ...)"
)


def _without_secret(username: str, integration_code: str, api_url: str | None) -> AuthCredentials:
    """What ``pickle.loads`` makes of pickled credentials: all but the secret."""
    credentials = AuthCredentials.__new__(AuthCredentials)
    credentials._username = username
    credentials._integration_code = integration_code
    credentials._secret = SecretStr("")
    credentials._api_url = api_url
    return credentials


def _import_keyring() -> Any:
    try:
        import keyring
    except ImportError as exc:  # keyring is optional: no dependency is added for it
        raise AutotaskValidationError(
            "the keyring package is not installed (pip install keyring)"
        ) from exc
    return keyring


def _echoed_forms(secret: str) -> list[str]:
    forms = [
        secret,
        html.escape(secret),
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    ]
    return sorted(set(forms), key=len, reverse=True)


class SecretRedactingFilter(logging.Filter):
    """Blank given secrets in log records (message, args and exception text).

    A safety net: the client never logs headers or credentials, but a message built from a server
    answer or an exception might one day carry one.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._secrets: Counter[str] = Counter(s for s in secrets if s and len(s) >= self.MIN_LENGTH)

    # A secret shorter than this cannot be told apart from ordinary text: blanking every "abc"
    # in every message would garble the logs without protecting anything.
    MIN_LENGTH = 8

    def add(self, secret: str) -> None:
        """Start redacting ``secret`` (counted: each ``add`` needs its ``discard``)."""
        if secret and len(secret) >= self.MIN_LENGTH:
            with self._lock:
                self._secrets[secret] += 1

    def discard(self, secret: str) -> None:
        with self._lock:
            if self._secrets.get(secret, 0) > 1:
                self._secrets[secret] -= 1
            else:
                self._secrets.pop(secret, None)

    def redact(self, text: str) -> str:
        """``text`` with every registered secret blanked, also as a server may echo it back:
        HTML-escaped, URL-encoded or JSON-escaped."""
        for secret in list(self._secrets):
            for form in _echoed_forms(secret):
                if form in text:
                    text = text.replace(form, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string is the logger's problem
            return True
        redacted = self.redact(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        if record.exc_info and record.exc_text is None:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = self.redact(formatted)
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True
