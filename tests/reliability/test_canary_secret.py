"""The canary secret through everything one run produces (issue 11, section 5 and "Suites").

One run, at DEBUG for every logger, with the sandbox injecting faults: pulls and pushes through the
pandas layer (edits the server refuses, uncertain writes, retries), the CLI (its stdout and stderr,
including its error lines), a server that echoes the Secret header in its error bodies (raw and
JSON-escaped), and a wrong secret - the canary itself - sent and refused. Then the secret's text is
searched for in every log line, the CLI's output, the repr and str of every object handed back,
every exception's str, repr, attributes and formatted traceback (causes and contexts included),
and every pickle that can be made of what came back.

Notebook outputs are searched by ``test_canary_notebook.py`` (a notebook executed in a kernel).
"""

from __future__ import annotations

import json
import logging
import pickle
import traceback
from functools import partial
from typing import Any

import pandas as pd
import pytest
from helpers import Answer, LoopbackServer, new_sandbox
from helpers.errors import collect_error, exception_chain

from autotask_pandas import AuthCredentials, AutotaskClient, ClientConfig, read_autotask
from autotask_pandas.cli import main

CANARY = "CANARY-7f3a9c11-never-print-me"
_ENV = {
    "username": "AUTOTASK_USERNAME",
    "integration_code": "AUTOTASK_INTEGRATION_CODE",
    "secret": "AUTOTASK_SECRET",
}


def _forms(secret: str) -> list[str]:
    """The secret as it could leak: raw, JSON-escaped, and its repr."""
    return sorted({secret, json.dumps(secret)[1:-1], repr(secret)[1:-1]})


def _texts(obj: Any) -> list[str]:
    """repr, str and (where it pickles) the pickle of ``obj``; for an exception also its
    traceback, attributes and the whole chain."""
    out = [repr(obj), str(obj)]
    try:
        out.append(pickle.dumps(obj).decode("latin-1"))
    except Exception as exc:  # refusing to pickle is allowed; leaking is not
        out.append(str(exc))
    if isinstance(obj, BaseException):
        out.append("".join(traceback.format_exception(obj)))
        for e in exception_chain(obj):
            out += [repr(e), str(e), repr(e.args), repr(getattr(e, "__dict__", {}))]
    return out


def _cli(
    args: list[str],
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> tuple[int, str]:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        code = main(args)
    except SystemExit as exc:  # argparse's own exits
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out + err


def test_the_canary_never_shows_anywhere(
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: ours, httpx, httpcore
    produced: list[str] = []
    errors: list[BaseException] = []
    cli_codes: list[int] = []

    expect_error = partial(collect_error, errors)

    faults = "500:0.2@POST /V1.0/Tickets/query*; reset-after:0.3@PATCH; 429:0.2@GET"
    with new_sandbox(0.05, 0, faults=faults) as sb:
        secret = sb.secret
        fast = {"backoff_base": 0.001, "backoff_max": 0.01, "threshold_check_every": 0}
        creds = AuthCredentials(sb.username, sb.integration_code, secret, api_url=sb.url)
        with AutotaskClient(creds, ClientConfig(**fast)) as client:
            df = read_autotask("Tickets", "id < 7020", client=client, progress=False)
            df.loc[df.index[0], "title"] = "edited by the canary suite"
            df.loc[df.index[1], "contactID"] = 1  # no such contact: refused by the server
            df.loc[df.index[2], "title"] = "x" * 400  # longer than the field: invalid
            result = df.autotask.push(client=client, progress=False)
            produced += _texts(result) + _texts(result.problems) + _texts(df)
            produced += _texts(client) + _texts(creds) + _texts(client.config)
            expect_error(lambda: client.update("Tickets", 7000, contactID=1))
            expect_error(lambda: read_autotask("Tickets", "nosuchfield = 1", client=client))
        wrong = AuthCredentials(sb.username, sb.integration_code, CANARY, api_url=sb.url)
        with AutotaskClient(wrong, ClientConfig(**fast)) as bad:
            expect_error(lambda: read_autotask("Tickets", "id = 7000", client=bad))
            produced += _texts(bad) + _texts(wrong)

        good_env = {
            _ENV["username"]: sb.username,
            _ENV["integration_code"]: sb.integration_code,
            _ENV["secret"]: secret,
            "AUTOTASK_API_URL": sb.url,
        }
        for args in (
            ["query", "Tickets", "--filter", "id < 7005"],
            ["get", "Tickets", "7000"],
            ["fields", "Tickets"],
            ["update", "Tickets", "7000", "contactID=1"],
            ["query", "Tickets", "--filter", "estimatedHours > 1e999"],
            ["get", "Tickets", "99999999"],
        ):
            code, text = _cli(args, good_env, monkeypatch, capsys)
            cli_codes.append(code)
            produced.append(text)
        code, text = _cli(
            ["count", "Tickets"], {**good_env, _ENV["secret"]: CANARY}, monkeypatch, capsys
        )
        cli_codes.append(code)
        produced.append(text)
        assert code != 0 and text.strip()  # the wrong secret is refused, in words

    # a hostile server echoing the Secret header, raw and JSON-escaped, in its error bodies
    def echo(method: str, path: str) -> Answer:
        if "entityInformation" in path:
            return Answer(200, f"<html>Secret: {CANARY}</html>")
        return Answer(500, {"errors": [f"bad Secret {CANARY}", json.dumps({"Secret": CANARY})]})

    with LoopbackServer(echo) as server:
        hostile = AuthCredentials("u@example.com", "CODE", CANARY, api_url=server.url)
        with AutotaskClient(hostile, ClientConfig(**{**fast, "max_retries": 1})) as client:
            expect_error(lambda: client.get_field_metadata("Tickets"))
            expect_error(lambda: client.update("Tickets", 1, title="x"))
            expect_error(lambda: client.query("Tickets", {"op": "exist", "field": "id"}))
        hostile_env = {
            _ENV["username"]: "u@example.com",
            _ENV["integration_code"]: "CODE",
            _ENV["secret"]: CANARY,
            "AUTOTASK_API_URL": server.url,
        }
        for args in (["get", "Tickets", "5"], ["fields", "Tickets"]):
            code, text = _cli(args, hostile_env, monkeypatch, capsys)
            cli_codes.append(code)
            produced.append(text)
            assert code != 0 and "Traceback" not in text

    assert len(errors) == 6
    assert any(r.fault for r in sb.requests), "no fault injected"
    assert cli_codes[:3] == [0, 0, 0]  # the CLI really ran, and printed what it fetched
    for exc in errors:
        produced += _texts(exc)
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s %(args)s")
    logs = [formatter.format(r) for r in caplog.records]
    assert any("httpcore" in line for line in logs), "DEBUG logs of httpx/httpcore not captured"
    everything = "\n".join(produced + logs)
    # what was searched is what the run produced: the server's words, the CLI's rows, the wire
    assert "Contact 1 does not exist" in everything
    assert "edited by the canary suite" in everything
    assert any("POST" in line and "Tickets/query" in line for line in logs)
    for form in _forms(secret) + _forms(CANARY):
        assert form not in everything, form
    assert not pd.isna(result.at[df.index[0], "status"])
