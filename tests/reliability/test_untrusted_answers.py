"""Answers the client must not trust (issue 11, section 1), served by a loopback server of the
test's own (``helpers.LoopbackServer``): the client runs unchanged against it.

A 200 whose body is HTML, truncated JSON or JSON of the wrong shape is never read as "no rows",
"not found" or "no fields": it is an ``AutotaskResponseError`` naming the method and path, whose
str, repr and ``response`` never hold the secret, even when the body echoes it. (Paging promises -
``pageDetails``, a repeated ``nextPageUrl``, ids ascending - are client/paging.py's and are
tested with it.)
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import FAST, Answer, LoopbackServer

from autotask_pandas import AuthCredentials, AutotaskClient, ClientConfig
from autotask_pandas.cli import main
from autotask_pandas.client import clear_zone_cache
from autotask_pandas.exceptions import AutotaskAPIError, AutotaskException, AutotaskResponseError

CANARY = "canary-SECRET-7f3a9c1e55d2"
HTML = "<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>"


def client_of(server: LoopbackServer) -> AutotaskClient:
    creds = AuthCredentials("u@example.com", "CODE", CANARY, api_url=server.url)
    return AutotaskClient(creds, ClientConfig(**FAST))


def assert_no_secret(exc: BaseException) -> None:
    for text in (str(exc), repr(exc), repr(getattr(exc, "response", None)), repr(exc.args)):
        assert CANARY not in text
    assert CANARY.encode() not in pickle.dumps(exc)


# -- get by id --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body", [HTML, '{"item": {"id": 5, "title": "x"', "[1, 2]", '"text"', "{}"]
)
def test_get_answered_200_with_a_body_that_is_no_record_is_an_error_not_none(body: str) -> None:
    with (
        LoopbackServer(lambda method, path: Answer(200, body)) as server,
        client_of(server) as client,
        pytest.raises(AutotaskResponseError) as caught,
    ):
        client.get("Tickets", 5)
    message = str(caught.value)
    assert "GET /ATServicesRest/V1.0/Tickets/5" in message
    assert caught.value.status_code == 200
    assert isinstance(caught.value, AutotaskAPIError)
    assert not isinstance(caught.value, KeyError)  # never mistaken for "not found"


@pytest.fixture
def env_for(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    def point(server: LoopbackServer) -> None:
        clear_zone_cache()
        monkeypatch.setenv("AUTOTASK_USERNAME", "u@example.com")
        monkeypatch.setenv("AUTOTASK_INTEGRATION_CODE", "CODE")
        monkeypatch.setenv("AUTOTASK_SECRET", CANARY)
        monkeypatch.setenv("AUTOTASK_API_URL", server.url)

    yield point
    clear_zone_cache()


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert CANARY not in out and CANARY not in err
    return code, out, err


def test_cli_get_of_an_html_answer_says_what_came_back_not_not_found(
    capsys: pytest.CaptureFixture[str], env_for: Any
) -> None:
    with LoopbackServer(lambda method, path: Answer(200, HTML)) as server:
        env_for(server)
        code, out, err = run_cli(capsys, "get", "Tickets", "5")
    assert code == 1
    assert "not found" not in err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "GET /ATServicesRest/V1.0/Tickets/5" in lines[0]


# -- metadata ---------------------------------------------------------------------------------


METADATA_BODIES = [
    HTML,
    '{"fields": [{"name": "id", "dataType": "integer"',  # truncated
    '"fields"',  # JSON, but a string
    '{"fields": "id,title"}',  # JSON, fields not a list
    '{"fields": [1, 2]}',  # JSON, fields not objects
]


@pytest.mark.parametrize("body", METADATA_BODIES)
def test_metadata_answered_200_with_html_or_broken_json_is_a_clear_error(body: str) -> None:
    with (
        LoopbackServer(lambda method, path: Answer(200, body)) as server,
        client_of(server) as client,
    ):
        with pytest.raises(AutotaskResponseError) as caught:
            client.get_field_metadata("Tickets")
        assert "GET /ATServicesRest/V1.0/Tickets/entityInformation/fields" in str(caught.value)
        assert_no_secret(caught.value)
        # Nothing was cached: the next call asks again rather than serving the broken answer.
        with pytest.raises(AutotaskResponseError):
            client.get_field_metadata("Tickets")
        assert len(server.received) == 2


def test_cli_fields_of_a_broken_metadata_answer_prints_one_line(
    capsys: pytest.CaptureFixture[str], env_for: Any
) -> None:
    with LoopbackServer(lambda method, path: Answer(200, METADATA_BODIES[1])) as server:
        env_for(server)
        code, out, err = run_cli(capsys, "fields", "Tickets")
    assert code == 1
    assert "Traceback" not in err and "AttributeError" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "/ATServicesRest/V1.0/Tickets/entityInformation/fields" in lines[0]


# -- a query answered with something that is not JSON ------------------------------------------


def test_a_non_json_query_answer_names_method_and_path_and_never_echoes_the_secret() -> None:
    echo = f"<html><body>Bad gateway. Your headers: Secret: {CANARY}; UserName: u</body></html>"
    with (
        LoopbackServer(lambda method, path: Answer(200, echo)) as server,
        client_of(server) as client,
        pytest.raises(AutotaskException) as caught,
    ):
        client.query("Tickets", {"op": "exist", "field": "id"})
    error = caught.value
    assert isinstance(error, AutotaskResponseError)
    assert "POST /ATServicesRest/V1.0/Tickets/query" in str(error)
    assert_no_secret(error)


def test_a_body_echoing_the_secret_in_an_error_answer_is_redacted_too() -> None:
    echo = {"errors": [f"bad Secret header {CANARY!r}"]}
    with (
        LoopbackServer(lambda method, path: Answer(500, echo)) as server,
        client_of(server) as client,
        pytest.raises(AutotaskAPIError) as caught,
    ):
        client.query("Tickets", {"op": "exist", "field": "id"})
    assert_no_secret(caught.value)
