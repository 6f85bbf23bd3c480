"""Zone lookup, where credentials may go, and the API's authentication failures."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from autotask_pandas import (
    AuthCredentials,
    AutotaskAPIError,
    AutotaskAuthenticationError,
    AutotaskClient,
    AutotaskValidationError,
    AutotaskZoneError,
    ClientConfig,
)
from autotask_pandas.client.hosts import trust_problem
from autotask_pandas.sandbox import Sandbox


def _zone_calls(sb: Sandbox, mark: int) -> int:
    return sum(1 for r in sb.requests[mark:] if r.path.lower().endswith("/zoneinformation"))


def test_zone_lookup_against_the_sandbox_is_cached_per_user(sandbox: Sandbox, fast: dict) -> None:
    creds = AuthCredentials(sandbox.username, sandbox.integration_code, sandbox.secret)
    config = ClientConfig(
        zone_lookup_url=sandbox.zone_lookup_url, allowed_hosts=(sandbox.url,), **fast
    )
    mark = len(sandbox.requests)
    with AutotaskClient(creds, config) as client:
        zone = client.get_zone_info()
        assert zone.url == sandbox.url
        assert client.base_url == sandbox.url
        assert client.count("Companies") > 0
    with AutotaskClient(creds, config) as again:  # a second client of the same user
        assert again.get_zone_info() == zone
        again.count("Companies")
    assert _zone_calls(sandbox, mark) == 1


def test_zone_lookup_sends_no_credentials(sandbox: Sandbox, fast: dict) -> None:
    seen: list[httpx.Request] = []
    inner = sandbox.transport()

    class Recording(httpx.BaseTransport):  # records what the *server* receives
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return inner.handle_request(request)

    creds = AuthCredentials(sandbox.username, sandbox.integration_code, sandbox.secret)
    config = ClientConfig(
        zone_lookup_url=sandbox.url, allowed_hosts=(sandbox.url,), transport=Recording(), **fast
    )
    with AutotaskClient(creds, config) as client:
        client.get_zone_info()
    assert len(seen) == 1
    assert seen[0].url.params["user"] == sandbox.username
    assert "secret" not in {k.lower() for k in seen[0].headers}
    assert "apiintegrationcode" not in {k.lower() for k in seen[0].headers}


def test_api_url_skips_the_zone_lookup(
    sandbox: Sandbox, make_client: Callable[..., AutotaskClient]
) -> None:
    mark = len(sandbox.requests)
    client = make_client()
    client.count("Companies")
    assert _zone_calls(sandbox, mark) == 0


def test_a_zone_url_learnt_from_the_lookup_must_be_trusted(sandbox: Sandbox, fast: dict) -> None:
    # The sandbox's zone answer names a plain-http loopback root. Given explicitly as api_url that
    # is fine; learnt from a lookup it is not (nothing in the config allows it).
    creds = AuthCredentials(sandbox.username, sandbox.integration_code, sandbox.secret)
    mark = len(sandbox.requests)
    with (
        AutotaskClient(creds, ClientConfig(zone_lookup_url=sandbox.url, **fast)) as client,
        pytest.raises(AutotaskZoneError, match="not an autotask.net host"),
    ):
        client.count("Companies")
    assert [r.path for r in sandbox.requests[mark:]] == ["/ATServicesRest/V1.0/ZoneInformation"]


def _fake_server(zone_url: str, hits: list[str]) -> httpx.MockTransport:
    """Stands in for the live API where the sandbox cannot (it serves no TLS)."""

    def handler(request: httpx.Request) -> httpx.Response:
        hits.append(str(request.url))
        if request.url.path.lower().endswith("/zoneinformation"):
            return httpx.Response(
                200, json={"zoneName": "X", "url": zone_url, "webUrl": "", "ci": 1}
            )
        return httpx.Response(200, json={"queryCount": 1})

    return httpx.MockTransport(handler)


@pytest.mark.parametrize(
    ("zone_url", "ok"),
    [
        ("https://webservices15.autotask.net/ATServicesRest/", True),
        ("http://webservices15.autotask.net/ATServicesRest/", False),  # downgrade
        ("https://webservices15.autotask.net.evil.example/ATServicesRest/", False),
        ("https://evil.example/ATServicesRest/", False),
        ("http://127.0.0.1:8080/ATServicesRest/", False),  # loopback, but not given explicitly
    ],
)
def test_zone_answers_are_checked_before_any_credential_leaves(zone_url: str, ok: bool) -> None:
    hits: list[str] = []
    creds = AuthCredentials("user@example.com", "CODE", "s3cret")
    config = ClientConfig(
        transport=_fake_server(zone_url, hits), threshold_check_every=0, max_retries=0
    )
    with AutotaskClient(creds, config) as client:
        if ok:
            assert client.count("Tickets") == 1
            assert hits[0].startswith(
                "https://webservices.autotask.net/ATServicesRest/V1.0/ZoneInformation"
            )
        else:
            with pytest.raises(AutotaskZoneError):
                client.count("Tickets")
            assert len(hits) == 1  # only the (credential-free) lookup was sent


def test_a_next_page_url_on_another_host_is_not_followed() -> None:
    hits: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hits.append(str(request.url))
        return httpx.Response(
            200,
            json={
                "items": [{"id": 1}],
                "pageDetails": {
                    "count": 1,
                    "requestCount": 1,
                    "prevPageUrl": None,
                    "nextPageUrl": "https://evil.example/ATServicesRest/V1.0/Tickets/query/next?paging=x",
                },
            },
        )

    creds = AuthCredentials(
        "u", "c", "s", api_url="https://webservices5.autotask.net/ATServicesRest/"
    )
    config = ClientConfig(transport=httpx.MockTransport(handler), threshold_check_every=0)
    with AutotaskClient(creds, config) as client:
        page = client.query("Tickets", max_records=1)
        with pytest.raises(AutotaskZoneError, match="evil.example"):
            client.get_next_page(page)
    assert len(hits) == 1


@pytest.mark.parametrize(
    ("api_url", "allowed", "accepted"),
    [
        ("http://127.0.0.1:5000/ATServicesRest/", (), True),  # the sandbox
        ("http://localhost:5000/ATServicesRest", (), True),
        ("https://webservices2.autotask.net/atservicesrest/v1.0/", (), True),
        ("http://webservices2.autotask.net/ATServicesRest/", (), False),
        ("https://api.example.com/ATServicesRest/", (), False),
        (
            "https://api.example.com/ATServicesRest/",
            ("https://api.example.com/ATServicesRest/",),
            True,
        ),
        ("http://10.0.0.5/ATServicesRest/", (), False),
        ("http://10.0.0.5/ATServicesRest/", ("http://10.0.0.5/",), True),
    ],
)
def test_explicit_api_urls(api_url: str, allowed: tuple, accepted: bool) -> None:
    creds = AuthCredentials("u", "c", "s", api_url=api_url)
    config = ClientConfig(allowed_hosts=allowed)
    if accepted:
        AutotaskClient(creds, config).close()
    else:
        with pytest.raises(AutotaskValidationError, match="refusing to send credentials"):
            AutotaskClient(creds, config)


def test_trust_rules() -> None:
    assert (
        trust_problem("https://webservices15.autotask.net/ATServicesRest/", explicit=False) is None
    )
    assert trust_problem("https://autotask.net/x", explicit=False) is None
    assert trust_problem("https://notautotask.net/x", explicit=False)
    assert trust_problem("http://127.0.0.1/x", explicit=False)
    assert trust_problem("http://127.0.0.1/x", explicit=True) is None
    assert trust_problem("ftp://webservices1.autotask.net/x", explicit=True)


def test_api_url_is_normalised() -> None:
    assert AuthCredentials(
        "u", "c", "s", api_url="https://webservices5.autotask.net/ATServicesRest/V1.0"
    ).api_url == ("https://webservices5.autotask.net/ATServicesRest/")


# -- authentication failures, as the sandbox answers them ----------------------------------------


@pytest.mark.parametrize(
    ("override", "status", "words"),
    [
        ({"secret": "wrong-secret"}, 401, None),
        ({"integration_code": "WRONGCODE"}, 500, "IntegrationCode is invalid."),
        ({"username": "nobody@example.invalid"}, 500, "Zone information could not be determined"),
    ],
)
def test_authentication_failures(
    sandbox: Sandbox,
    make_credentials: Callable[..., AuthCredentials],
    fast: dict,
    override: dict,
    status: int,
    words: str | None,
) -> None:
    with (
        AutotaskClient(make_credentials(sandbox, **override), ClientConfig(**fast)) as client,
        pytest.raises(AutotaskAuthenticationError) as info,
    ):
        client.count("Tickets")
    err = info.value
    assert isinstance(err, AutotaskAPIError) and err.status_code == status
    if words:
        assert err.errors == [words]
        assert words in str(err)


def test_unknown_user_in_the_zone_lookup(sandbox: Sandbox, fast: dict) -> None:
    creds = AuthCredentials("nobody@example.invalid", "x", "y")
    config = ClientConfig(zone_lookup_url=sandbox.url, allowed_hosts=(sandbox.url,), **fast)
    with (
        AutotaskClient(creds, config) as client,
        pytest.raises(
            AutotaskAuthenticationError, match="Zone information could not be determined"
        ),
    ):
        client.get_zone_info()


def test_credentials_from_the_environment() -> None:
    env = {
        "AUTOTASK_USERNAME": "u@example.com",
        "AUTOTASK_INTEGRATION_CODE": "CODE",
        "AUTOTASK_SECRET": "env-secret",
        "AUTOTASK_API_URL": "http://127.0.0.1:1/ATServicesRest",
    }
    creds = AuthCredentials.from_env(env)
    assert creds.username == "u@example.com" and creds.secret.get_secret_value() == "env-secret"
    assert creds.api_url == "http://127.0.0.1:1/ATServicesRest/"
    assert "env-secret" not in repr(creds) and "env-secret" not in str(creds)
    with pytest.raises(AutotaskValidationError, match="AUTOTASK_SECRET"):
        AuthCredentials.from_env({"AUTOTASK_USERNAME": "u", "AUTOTASK_INTEGRATION_CODE": "c"})


def test_keyring_is_optional() -> None:
    # keyring is not a dependency; without it the error says how to get it
    try:
        import keyring  # noqa: F401
    except ImportError:
        with pytest.raises(AutotaskValidationError, match="keyring"):
            AuthCredentials.from_keyring("u")
    else:  # pragma: no cover - depends on the environment
        pytest.skip("keyring installed; the optional-path error is not reachable")


def test_server_words_reach_the_message_for_405(make_client: Callable[..., AutotaskClient]) -> None:
    client = make_client()
    with pytest.raises(AutotaskAPIError) as info:
        client.request("PATCH", "Tickets/1", json={"title": "x"})  # PATCH goes to the collection
    assert info.value.status_code == 405
    assert info.value.errors == ["The requested resource does not support http method 'PATCH'."]
    assert info.value.errors[0] in str(info.value)
    json.dumps(info.value.response)  # the parsed body, not an HTTP object


def test_get_on_the_contacts_root_is_a_405(make_client: Callable[..., AutotaskClient]) -> None:
    # FACTS §3 "Wrong-method behaviour" (I-ANT12): GET /V1.0/Contacts -> 405
    # {"Message": "The requested resource does not support http method 'GET'."}; the client keeps
    # the framework's words as its errors, and a 405 is nothing more specific than an API error.
    client = make_client()
    with pytest.raises(AutotaskAPIError) as info:
        client.request("GET", "Contacts")
    assert type(info.value) is AutotaskAPIError and info.value.status_code == 405
    assert info.value.errors == ["The requested resource does not support http method 'GET'."]
    assert info.value.response == {"Message": info.value.errors[0]}
