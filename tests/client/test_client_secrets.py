"""The secret never shows: not in a repr, str, log line (DEBUG, every library), exception or
traceback. Proven by searching everything a run produced for the secret's text."""

from __future__ import annotations

import logging
import pickle
import re
import traceback
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import closed_port, new_sandbox
from helpers.errors import collect_error, exception_chain

import autotask_pandas
from autotask_pandas import (
    AuthCredentials,
    AutotaskClient,
    ClientConfig,
    QueryFilter,
    WriteOperation,
)
from autotask_pandas.auth import REDACTED
from autotask_pandas.sandbox import Sandbox

CANARY = "CANARY-0b5e7d2a-do-not-print-me"


def _texts_of(exc: BaseException) -> list[str]:
    texts = ["".join(traceback.format_exception(exc))]
    for e in exception_chain(exc):
        texts += [repr(e), str(e), repr(e.args), repr(vars(e))]
        for value in vars(e).values():
            # exceptions carry words and parsed bodies, never HTTP objects holding the headers
            assert not isinstance(value, (httpx.Request, httpx.Response)), (type(e), value)
    return texts


def _capture(caplog: pytest.LogCaptureFixture) -> list[str]:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return [formatter.format(r) for r in caplog.records]


@pytest.mark.parametrize("inprocess", [False, True])
def test_the_secret_never_shows(caplog: pytest.LogCaptureFixture, inprocess: bool) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: ours, httpx, httpcore
    produced: list[str] = []
    errors: list[BaseException] = []

    expect_error = partial(collect_error, errors)

    with new_sandbox(
        faults="reset-after:1@POST /V1.0/Appointments; 429:0.3@POST /V1.0/Companies/query*"
    ) as sb:
        secret = sb.secret
        transport = sb.transport() if inprocess else None

        def config(**kw: Any) -> ClientConfig:
            return ClientConfig(
                transport=transport,
                backoff_base=0.001,
                max_retries=6,
                threshold_check_every=2,
                threshold_check_interval=0,  # readings go through the log filter too
                **kw,
            )

        creds = AuthCredentials(sb.username, sb.integration_code, secret, api_url=sb.url)
        with AutotaskClient(creds, config()) as client:
            page = client.query("Companies", max_records=20)
            produced += [
                repr(client),
                str(client),
                repr(vars(client)),  # what a notebook's vars(client) or a debugger shows
                repr(vars(client._transport)),
                repr(creds),
                str(creds),
                repr(client.config),
                repr(page),
            ]
            produced.append(repr(client.get_next_page(page)))
            produced.append(repr(client.get_entity_metadata("Companies")))
            produced.append(
                repr(client.query_all("Companies", [QueryFilter(field="id", op="gt", value=0)]))
            )
            expect_error(
                lambda: client.create_entity("Appointments", title="lost answer")
            )  # uncertain
            expect_error(
                lambda: client.create_entity("Tickets", title="no company")
            )  # server refusal
            expect_error(lambda: client.batch_create("Tickets", [{"title": "x"}]))  # batch error
            expect_error(lambda: client.count("Ticket"))  # validation
            results = client.write_many([WriteOperation.create("Appointments", {"title": "y"})])
            produced.append(repr(results))
            produced.append(repr(client.get_threshold_info()))
            produced.append(repr(pickle.loads(pickle.dumps(creds))))

        # a wrong secret: the canary itself travels, is refused, and must not come back
        wrong = AuthCredentials(sb.username, sb.integration_code, CANARY, api_url=sb.url)
        with AutotaskClient(wrong, config()) as bad:
            expect_error(lambda: bad.count("Tickets"))
            produced += [repr(bad), repr(wrong)]

    unreachable = AuthCredentials(
        "u", "c", CANARY, api_url=f"http://127.0.0.1:{closed_port()}/ATServicesRest/"
    )
    with AutotaskClient(
        unreachable, ClientConfig(max_retries=1, backoff_base=0.001, threshold_check_every=0)
    ) as gone:
        expect_error(lambda: gone.count("Tickets"))

    assert len(errors) == 6
    for exc in errors:
        produced += _texts_of(exc)
    logs = _capture(caplog)
    assert any("httpcore" in line for line in logs), (
        "DEBUG logs of httpx/httpcore were not captured"
    )
    everything = "\n".join(produced + logs)
    assert secret not in everything
    assert CANARY not in everything


def test_credentials_repr_and_str_hide_the_secret() -> None:
    creds = AuthCredentials("user@example.com", "CODE", CANARY)
    for text in (repr(creds), str(creds), f"{creds}", repr([creds]), repr(creds.secret)):
        assert CANARY not in text
    assert creds.secret.get_secret_value() == CANARY
    assert creds.auth_headers()["Secret"] == CANARY  # the one place it is unwrapped


def _our_loggers() -> list[str]:
    """Every logger the package's source names (``logging.getLogger("autotask_pandas...")``), and
    the package's own: a filter on a logger sees only the records made on that very logger, so
    each needs it."""
    package = Path(autotask_pandas.__file__).parent
    names = {"autotask_pandas"}
    for source in package.rglob("*.py"):
        names.update(re.findall(r'getLogger\("(autotask_pandas[\w.]*)"\)', source.read_text()))
    return sorted(names)


OUR_LOGGERS = _our_loggers()


@pytest.mark.parametrize("name", OUR_LOGGERS)
def test_the_log_filter_blanks_the_secret_of_an_open_client(
    caplog: pytest.LogCaptureFixture, sandbox: Sandbox, name: str
) -> None:
    """The safety net under "never logged": a line that carries the secret anyway (in its
    message, its arguments or its exception) reaches no handler with it while a client using
    that secret is open."""
    caplog.set_level(logging.DEBUG, logger=name)
    logger = logging.getLogger(name)
    creds = AuthCredentials(sb_user := sandbox.username, sandbox.integration_code, CANARY)
    with AutotaskClient(creds, ClientConfig(transport=sandbox.transport())):
        logger.warning("header Secret: " + CANARY)
        logger.warning("answer %s from %s", {"Secret": CANARY}, sb_user)
        try:
            raise RuntimeError(f"request failed with Secret={CANARY}")
        except RuntimeError:
            logger.exception("while sending")
        with AutotaskClient(creds, ClientConfig(transport=sandbox.transport())):
            pass  # a second client with the same secret closes: the first still needs it blanked
        logger.warning("still open: %s", CANARY)
    records = [r for r in caplog.records if r.name == name]
    assert len(records) == 4
    lines = [logging.Formatter("%(message)s").format(r) for r in records]
    assert CANARY not in "\n".join(lines)
    assert all(REDACTED in line for line in lines)
    assert sb_user in lines[1]  # only the secret is blanked, not the rest of the line
