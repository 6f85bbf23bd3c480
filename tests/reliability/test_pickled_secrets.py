"""Secrets and pickles (issue 11, section 5): no pickle holds the secret.

Credentials pickle without it: the loaded copy keeps who and where, and refuses to authenticate
with a clear message. A client refuses to be pickled at all (it holds connections and the secret).
"""

from __future__ import annotations

import pickle

import pytest
from helpers import connect

from autotask_pandas import AuthCredentials, AutotaskClient, AutotaskValidationError
from autotask_pandas.sandbox import Sandbox

CANARY = "canary-SECRET-7f3a9c1e55d2"


def test_pickled_credentials_hold_no_secret_and_say_so_when_used() -> None:
    creds = AuthCredentials(
        "u@example.com",
        "CODE",
        CANARY,
        api_url="https://webservices15.autotask.net/ATServicesRest/",
    )
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        data = pickle.dumps(creds, protocol=protocol)
        assert CANARY.encode() not in data
        assert CANARY.encode("utf-16-le") not in data
    loaded = pickle.loads(pickle.dumps(creds))
    assert (loaded.username, loaded.integration_code, loaded.api_url) == (
        creds.username,
        creds.integration_code,
        creds.api_url,
    )
    assert not loaded.has_secret and creds.has_secret
    with pytest.raises(AutotaskValidationError, match="unpickled") as caught:
        loaded.auth_headers()
    assert CANARY not in str(caught.value)
    with pytest.raises(AutotaskValidationError, match="unpickled"):
        AutotaskClient(loaded)


def test_a_client_refuses_to_be_pickled_with_a_clear_message(sandbox: Sandbox) -> None:
    with connect(sandbox) as client:
        with pytest.raises(TypeError, match="cannot be pickled") as caught:
            pickle.dumps(client)
        assert sandbox.secret not in str(caught.value)
