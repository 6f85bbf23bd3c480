"""Input that must fail cleanly (issue 11, section 4): never a crash, never a traceback.

* The filter language: any text parses or raises ``FilterSyntaxError`` with a position (fuzzed);
  deep nesting is refused at the ``(`` that goes too deep; numbers a field's type cannot hold
  (``1e999``, ``"INF"``, ``'nan'``, ids beyond 64 bits) are refused while checking, before any
  request.
* The sandbox answers what the client would never send - integers beyond 64 bits, bodies nested
  100,000 deep, bodies beyond its size limit - as the live API would: a JSON (or routing) error,
  recorded in ``sb.requests``, and it authenticates before it reads a body.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from helpers import auth_headers, connect, new_sandbox
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autotask_pandas import read_autotask
from autotask_pandas.cli import main
from autotask_pandas.exceptions import AutotaskAPIError, AutotaskValidationError
from autotask_pandas.query.language import MAX_NESTING, FilterSyntaxError, parse
from autotask_pandas.sandbox import Sandbox
from autotask_pandas.sandbox.app import MAX_BODY_BYTES


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with new_sandbox(0.05, 0) as made:
        yield made


# -- the filter language ------------------------------------------------------------------------


def test_deep_nesting_is_a_syntax_error_with_a_position_not_a_recursion_error() -> None:
    text = "(" * 400 + "id = 1" + ")" * 400
    with pytest.raises(FilterSyntaxError) as caught:
        parse(text)
    assert caught.value.position == MAX_NESTING
    assert "nest" in caught.value.problem
    # as deep as allowed still parses, and/or groups included
    deep = "(" * MAX_NESTING + "id = 1" + ")" * MAX_NESTING
    assert parse(deep)
    nested = "id = 1"
    for level in range(MAX_NESTING - 1):
        nested = f"({nested} {'and' if level % 2 else 'or'} id = {level + 2})"
    assert parse(nested)


@pytest.mark.parametrize(
    "text",
    [
        "estimatedHours > 1e999",
        'estimatedHours in ("INF")',
        "estimatedHours = 'nan'",
        "estimatedHours < -1e400",
        "id > 99999999999999999999999",
        "id in (1, 18446744073709551616)",
        "companyID = 2147483648",  # an integer field: Int32
    ],
)
def test_numbers_the_field_cannot_hold_are_refused_before_any_request(
    sb: Sandbox, text: str
) -> None:
    with connect(sb) as client:
        client.get_field_metadata("Tickets")  # metadata first: then count what the query sends
        client.get_udf_metadata("Tickets")
        mark = len(sb.requests)
        with pytest.raises(AutotaskValidationError, match="not a valid value for Tickets"):
            read_autotask("Tickets", text, client=client)
        assert len(sb.requests) == mark  # nothing was sent


def test_the_cli_prints_one_line_for_an_infinite_literal(
    sb: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in auth_headers(sb).items():
        env = {"ApiIntegrationCode": "AUTOTASK_INTEGRATION_CODE", "UserName": "AUTOTASK_USERNAME"}
        monkeypatch.setenv(env.get(name, "AUTOTASK_SECRET"), value)
    monkeypatch.setenv("AUTOTASK_API_URL", sb.url)
    code = main(["query", "Tickets", "--filter", "estimatedHours > 1e999"])
    _, err = capsys.readouterr()
    assert code in (1, 2)
    assert "Traceback" not in err and "Out of range float" not in err
    assert len(err.strip().splitlines()) <= 3  # one line (and a caret under the text at most)


_WORDS = st.sampled_from(
    [
        "id",
        "title",
        "status",
        "and",
        "or",
        "not",
        "in",
        "is",
        "null",
        "exists",
        "udf:",
        "=",
        "!=",
        ">=",
        "contains",
        "(",
        ")",
        ",",
        '"',
        "'",
        "\\",
        "1e999",
        "nan",
        "-5",
        "2026-01-01",
        "99999999999999999999",
        "Complete",
        "\udcff",
        " ",
    ]
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=80), st.lists(_WORDS, max_size=40).map(" ".join)))
def test_any_text_parses_or_raises_the_documented_error_with_a_position(text: str) -> None:
    try:
        parse(text)
    except FilterSyntaxError as exc:
        assert 0 <= exc.position <= len(text)
        assert f"at position {exc.position}" in str(exc)


# -- the sandbox answers, never crashes -----------------------------------------------------------


@pytest.mark.parametrize("inprocess", [True, False])
def test_integers_beyond_64_bits_get_a_json_error_from_the_sandbox(
    sb: Sandbox, inprocess: bool
) -> None:
    transport = sb.transport() if inprocess else httpx.HTTPTransport()
    with httpx.Client(transport=transport, base_url=sb.url) as http:
        mark = len(sb.requests)
        query = http.post(
            "V1.0/Tickets/query",
            headers=auth_headers(sb),
            json={"filter": [{"op": "gt", "field": "id", "value": 10**23}]},
        )
        patch = http.patch(
            "V1.0/Tickets",
            headers=auth_headers(sb),
            json={"id": 7000, "companyID": 10**20},
        )
    for answer in (query, patch):
        assert answer.status_code == 500
        assert answer.json()["errors"]
    assert "Int32" in patch.json()["errors"][0] or "Int64" in patch.json()["errors"][0]
    assert [r.status for r in sb.requests[mark:]] == [500, 500]


def test_an_unauthenticated_hostile_body_is_refused_401_before_it_is_read(sb: Sandbox) -> None:
    with httpx.Client(base_url=sb.url) as http:
        answer = http.post(
            "V1.0/Tickets/query",
            content=b"[" * 100_000,
            headers={"Content-Type": "application/json"},
        )
    assert answer.status_code == 401
    assert "Message" in answer.json()


def test_an_authenticated_body_nested_100000_deep_is_a_json_error(sb: Sandbox) -> None:
    with httpx.Client(base_url=sb.url) as http:
        answer = http.post(
            "V1.0/Tickets/query",
            content=b"[" * 100_000,
            headers={**auth_headers(sb), "Content-Type": "application/json"},
        )
    assert answer.status_code == 500
    assert answer.json()["errors"]


def test_a_body_beyond_the_size_limit_is_refused_unread(sb: Sandbox) -> None:
    with httpx.Client(transport=sb.transport(), base_url=sb.url) as http:
        answer = http.post(
            "V1.0/Tickets",
            content=b" " * (MAX_BODY_BYTES + 1),
            headers={**auth_headers(sb), "Content-Type": "application/json"},
        )
    assert answer.status_code == 413
    assert json.loads(answer.content)["Message"]


def test_a_client_cannot_push_an_int_beyond_32_bits_into_an_integer_field(sb: Sandbox) -> None:
    with connect(sb) as client, pytest.raises(AutotaskAPIError) as caught:
        client.update("Tickets", 7000, companyID=10**20)
    assert "companyID" in str(caught.value)
