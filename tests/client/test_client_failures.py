"""Failures the demo tenant never produces, as the client meets them.

Each comes from the sandbox's fault injection (``sandbox/faults.py``) or, for answer shapes no
fault gives, from a loopback server of the test's own (``helpers.LoopbackServer``); the client
itself runs unchanged. Timeouts, a 403, ``Retry-After`` as an HTTP date, error bodies that are not
``{"errors": [...]}``, a zone lookup answering 500 or 503, a child update whose record is gone,
a create answered without its ``itemId``, a child list past one page, get-by-id answer shapes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from helpers import FAST, Answer, LoopbackServer, auth_headers, new_sandbox, silent_listener

from autotask_pandas import (
    AuthCredentials,
    AutotaskAPIError,
    AutotaskAuthenticationError,
    AutotaskClient,
    AutotaskNotFoundError,
    AutotaskPermissionError,
    AutotaskRateLimitError,
    AutotaskTimeoutError,
    AutotaskUncertainWriteError,
    AutotaskZoneError,
    ClientConfig,
    QueryFilter,
    WriteOperation,
)
from autotask_pandas.sandbox import FaultPlan, Sandbox

MakeClient = Callable[..., AutotaskClient]


def retries(caplog: pytest.LogCaptureFixture) -> list[tuple[str, float]]:
    """(error class, delay) of every retry the transport logged."""
    return [
        (str(r.args[2]), float(r.args[-1]))  # type: ignore[index]
        for r in caplog.records
        if r.name == "autotask_pandas.transport" and "retry" in str(r.msg)
    ]


@pytest.fixture
def log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.INFO, logger="autotask_pandas.transport")
    yield caplog


def seed_where(spec: str, method: str, path: str, wanted: list[str | None]) -> FaultPlan:
    """A plan of ``spec`` whose first decisions for (method, path) are ``wanted`` (kinds or None):
    found by asking fresh plans, so the test does not depend on how the draws fall."""
    for seed in range(1000):
        probe = FaultPlan.parse(spec, seed)
        decided = [probe.decide(method, path) for _ in wanted]
        if [d.kind if d else None for d in decided] == wanted:
            return FaultPlan.parse(spec, seed)
    raise AssertionError(f"no seed below 1000 gives {wanted} for {spec}")


# -- timeouts -------------------------------------------------------------------------------------


def test_a_read_that_times_out_is_retried_then_raised(
    make_client: MakeClient, log: pytest.LogCaptureFixture
) -> None:
    # The sandbox holds every answer 3 s; the client waits 0.2 s for each.
    with new_sandbox(faults="slow=3:1@GET /V1.0/Tickets/*") as sb:
        client = make_client(sb, timeout=0.2, max_retries=2)
        with pytest.raises(AutotaskTimeoutError) as info:
            client.get("Tickets", 7000)
    error = info.value
    assert isinstance(error, TimeoutError) and error.sent  # it left: the server may have seen it
    assert error.method == "GET" and "/V1.0/Tickets/7000" in str(error)
    assert [kind for kind, _ in retries(log)] == ["AutotaskTimeoutError"] * 2


def test_a_read_that_timed_out_once_succeeds_on_the_retry(
    make_client: MakeClient, log: pytest.LogCaptureFixture
) -> None:
    path = "/ATServicesRest/V1.0/Tickets/7000"
    plan = seed_where("slow=10:0.5@GET /V1.0/Tickets/*", "GET", path, ["slow", None])
    with new_sandbox(faults=plan) as sb:
        # 2 s: far longer than a normal answer takes, even on a busy machine.
        client = make_client(sb, timeout=2.0, max_retries=2)
        ticket = client.get("Tickets", 7000)
    assert ticket is not None and ticket["id"] == 7000
    assert [kind for kind, _ in retries(log)] == ["AutotaskTimeoutError"]


def test_a_create_that_times_out_is_uncertain_and_not_resent(
    make_client: MakeClient, log: pytest.LogCaptureFixture
) -> None:
    with new_sandbox(faults="slow=3:1@POST /V1.0/Appointments") as sb:
        client = make_client(sb, timeout=0.2, max_retries=3)
        with pytest.raises(AutotaskUncertainWriteError, match="ReadTimeout.*not resent"):
            client.create_entity("Appointments", title="waited for in vain")
    assert retries(log) == []


def test_a_connect_timeout_sent_nothing_so_even_a_create_is_retried(
    log: pytest.LogCaptureFixture,
) -> None:
    with silent_listener() as url:
        creds = AuthCredentials("u@example.com", "CODE", "not-a-real-secret", api_url=url)
        config = ClientConfig(**{**FAST, "timeout": 0.2, "max_retries": 2})
        with AutotaskClient(creds, config) as client, pytest.raises(AutotaskTimeoutError) as info:
            client.create_entity("Appointments", title="never connected")
    assert info.value.sent is False and info.value.method == "POST"
    assert [kind for kind, _ in retries(log)] == ["AutotaskTimeoutError"] * 2


# -- refusals -------------------------------------------------------------------------------------


def test_a_403_is_a_permission_error_and_is_not_retried(make_client: MakeClient) -> None:
    with new_sandbox(faults="403:1@GET /V1.0/Tickets/*") as sb:
        client = make_client(sb, max_retries=3)
        with pytest.raises(AutotaskPermissionError) as info:
            client.get("Tickets", 7000)
        assert info.value.status_code == 403
        assert info.value.errors == ["Forbidden. (sandbox fault injection)"]
        assert [r.fault for r in sb.requests] == ["403"]


def test_retry_after_given_as_an_http_date_is_honoured(
    make_client: MakeClient, log: pytest.LogCaptureFixture
) -> None:
    with new_sandbox(faults="429-retry-date=30:1@GET /V1.0/Tickets/*") as sb:
        client = make_client(sb, max_retries=2, retry_after_cap=0.05, backoff_max=0.001)
        with pytest.raises(AutotaskRateLimitError) as info:
            client.get("Tickets", 7000)
    # The date names a moment 30 s after the answer (whole seconds, rounded up).
    assert info.value.retry_after is not None and 25 <= info.value.retry_after <= 31
    # 30 s is beyond the client's patience (the cap): raised at once, after one request.
    assert retries(log) == []
    assert len(sb.requests) == 1


def test_an_html_error_page_keeps_its_words(make_client: MakeClient) -> None:
    with new_sandbox(faults="500-html:1@GET /V1.0/Tickets/*") as sb:
        client = make_client(sb, max_retries=3)
        with pytest.raises(AutotaskAPIError) as info:
            client.get("Tickets", 7000)
        assert len(sb.requests) == 1  # a 500 is not retried
    error = info.value
    assert type(error) is AutotaskAPIError and error.status_code == 500
    assert isinstance(error.response, str) and error.response.startswith("<!DOCTYPE html>")
    assert error.errors == [error.response]
    assert "500 - Internal server error." in str(error)


@pytest.mark.parametrize(
    ("status", "body", "errors", "cls"),
    [
        (500, b"", [], AutotaskAPIError),
        (502, "Bad Gateway", ["Bad Gateway"], AutotaskAPIError),
        (400, {"Message": "The request is invalid."}, ["The request is invalid."], AutotaskAPIError),
        (500, {"errors": "one string"}, ["one string"], AutotaskAPIError),
        (500, {"errors": [{"code": 7}]}, ['{"code": 7}'], AutotaskAPIError),
        (401, {"error": "invalid_client"}, ["invalid_client"], AutotaskAuthenticationError),
        (403, {"title": "Forbidden", "status": 403}, ["Forbidden"], AutotaskPermissionError),
    ],
)
def test_error_bodies_in_other_forms(
    status: int, body: Any, errors: list[str], cls: type[Exception]
) -> None:
    with LoopbackServer(lambda method, path: Answer(status, body)) as server:
        creds = AuthCredentials("u@example.com", "CODE", "not-a-real-secret", api_url=server.url)
        with (
            AutotaskClient(creds, ClientConfig(**{**FAST, "max_retries": 0})) as client,
            pytest.raises(AutotaskAPIError) as info,
        ):
            client.count("Tickets")
    error = info.value
    assert isinstance(error, cls) and error.status_code == status
    assert error.errors == errors
    words = "; ".join(errors) if errors else "(no error message in the response)"
    assert str(error).endswith(f"failed with HTTP {status}: {words}")


# -- the zone lookup ------------------------------------------------------------------------------


def _lookup_client(sb: Sandbox, **config: Any) -> AutotaskClient:
    creds = AuthCredentials(sb.username, sb.integration_code, sb.secret)  # no api_url: a lookup
    settings = {**FAST, "zone_lookup_url": sb.url, "allowed_hosts": (sb.url,), **config}
    return AutotaskClient(creds, ClientConfig(**settings))


# A lookup is a read: a 500 without user-error words is retried like a 503 (docs/client.md).
@pytest.mark.parametrize(("status", "tries"), [("500", 3), ("503", 3)])
def test_a_zone_lookup_that_fails_is_a_zone_error_and_is_not_remembered(
    status: str, tries: int
) -> None:
    with new_sandbox(faults=f"{status}:1@GET /V1.0/ZoneInformation") as sb:
        with _lookup_client(sb, max_retries=2) as client:
            with pytest.raises(AutotaskZoneError, match=f"zone lookup failed: .* HTTP {status}"):
                client.count("Companies")
            # Asked again (max_retries), then a zone error. No credential went out.
            assert [r.path for r in sb.requests] == ["/ATServicesRest/V1.0/ZoneInformation"] * tries
            sb.app.faults = None  # the zone answers again: the failure was not cached
            assert client.count("Companies") > 0
            assert client.base_url == sb.url


def test_a_zone_lookup_answering_503_once_succeeds_on_the_retry() -> None:
    plan = seed_where(
        "503:0.5@GET /V1.0/ZoneInformation", "GET", "/ATServicesRest/V1.0/ZoneInformation",
        ["503", None],
    )
    with new_sandbox(faults=plan) as sb, _lookup_client(sb, max_retries=1) as client:
        assert client.get_zone_info().url == sb.url
        assert [r.status for r in sb.requests] == [503, 200]


# -- writes ---------------------------------------------------------------------------------------


def _calls(sb: Sandbox, mark: int) -> list[tuple[str, str]]:
    return [(r.method, r.path.split("/V1.0/")[-1]) for r in sb.requests[mark:]]


def test_updating_a_child_whose_record_is_gone(
    sandbox: Sandbox, make_client: MakeClient
) -> None:
    client = make_client(inprocess=True)
    company = client.query("Companies", [QueryFilter(field="id", op="gt", value=0)], max_records=1)
    company_id = company.items[0]["id"]
    contact = client.create_entity(
        "Contacts", companyID=company_id, firstName="Gone", lastName="Soon", isActive=1
    ).item_id
    assert client.delete("Contacts", contact, parent_id=company_id) is True

    mark = len(sandbox.requests)
    # Its parent is not given, so the client looks the contact up for it, and finds nothing.
    with pytest.raises(AutotaskNotFoundError, match=f"Contacts {contact} not found") as info:
        client.update("Contacts", contact, firstName="Nobody")
    assert info.value.status_code == 404
    assert _calls(sandbox, mark) == [("GET", f"Contacts/{contact}")]  # nothing was written
    # Deleting it again without the parent: the same lookup, and the reference's False.
    assert client.delete("Contacts", contact) is False


def test_a_create_answered_without_its_item_id_is_uncertain(make_client: MakeClient) -> None:
    # A 200 says the record was made; without its itemId nobody knows which it is. Reported as
    # "failed", a later push or a retrying caller would make it again: it is uncertain.
    with new_sandbox(faults="200-empty:1@POST /V1.0/Appointments") as sb:
        client = make_client(sb, inprocess=True, max_retries=3)

        def made(title: str) -> int:
            rows = client.query_all("Appointments", [QueryFilter(field="title", op="eq", value=title)])
            return len(rows)

        with pytest.raises(AutotaskUncertainWriteError, match="without an itemId"):
            client.create_entity("Appointments", title="made, but not told")
        assert made("made, but not told") == 1  # made once, not resent
        results = client.write_many(
            [WriteOperation.create("Appointments", {"title": "made in a batch"})]
        )
        assert [r.status for r in results] == ["uncertain"] and results[0].item_id is None
        assert made("made in a batch") == 1
        posts = [r.method for r in sb.requests if r.path.endswith("/Appointments")]
        assert posts == ["POST", "POST"]


def test_a_child_list_past_one_page_follows_its_next_page(make_client: MakeClient) -> None:
    with new_sandbox() as sb:
        client = make_client(sb, inprocess=True)
        owner = client.query(
            "Resources", [QueryFilter(field="id", op="gt", value=0)], max_records=1
        )
        company = client.create_entity(
            "Companies",
            companyName="Five Hundred And One Contacts Ltd",
            companyType=1,
            phone="(555) 555-0501",
            ownerResourceID=owner.items[0]["id"],
        ).item_id
        # 501 contacts, made as fast as the sandbox takes them (one page holds 500).
        with httpx.Client(
            base_url=sb.url, headers=auth_headers(sb), transport=sb.transport()
        ) as raw:
            made = [
                raw.post(
                    f"V1.0/Companies/{company}/Contacts",
                    json={"firstName": "C", "lastName": f"{i:03d}", "isActive": 1},
                ).json()["itemId"]
                for i in range(501)
            ]
        mark = len(sb.requests)
        listed = client.list_children("Contacts", company)
        assert [c["id"] for c in listed] == made  # every one, once, in ascending id
        assert all(c["companyID"] == company for c in listed)
        paths = [r.path.split("/V1.0/")[-1] for r in sb.requests[mark:]]
        assert [(r.method, r.status) for r in sb.requests[mark:]] == [("GET", 200)] * 2
        assert paths == [f"Companies/{company}/Contacts", "Contacts/query/next"]


# -- get by id: every answer shape seen -----------------------------------------------------------


ROW = {"id": 42, "title": "scan.pdf", "data": "JVBERi0="}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"items": [ROW]}, ROW),  # the live API, as django-autotask reads it (FACTS §5, §9)
        ({"items": ROW}, ROW),  # as the apigrate README documents it
        ({"item": ROW}, ROW),  # the spec's ItemQueryResultModel
        ({"items": [{**ROW, "id": 41}, ROW]}, ROW),  # more than one: the one asked for
        ({"items": []}, None),
        ({"item": None}, None),
    ],
)
def test_an_attachment_is_read_from_every_answer_shape(body: Any, expected: Any) -> None:
    with LoopbackServer(lambda method, path: Answer(200, body)) as server:
        creds = AuthCredentials("u@example.com", "CODE", "not-a-real-secret", api_url=server.url)
        with AutotaskClient(creds, ClientConfig(**FAST)) as client:
            got = client.get("TicketAttachments", 42, parent_id=7)
    assert got == expected
    assert [(r.method, r.path) for r in server.received] == [
        ("GET", "/ATServicesRest/V1.0/Tickets/7/Attachments/42")
    ]


# Bodies are decoded with orjson (the faster decoder), falling back to the standard library for
# what orjson refuses (client/errors.py ``_loads``): (body, the value of "n" expected).
JSON_BODIES = [
    pytest.param(b'{"item": {"id": 7, "n": NaN}}', float("nan"), id="nan"),
    pytest.param(b'{"item": {"id": 7, "n": "bad \\udcff byte"}}', "bad \udcff byte", id="surrogate"),
    pytest.param('{"item": {"id": 7, "n": "Café ✓"}}'.encode("utf-16"), "Café ✓", id="utf-16"),
    pytest.param(b'{"item": {"id": 7, "n": 18446744073709551615}}', 2**64 - 1, id="u64-max"),
    pytest.param(b'{"item": {"id": 7, "n": 2e-3}}', 0.002, id="exponent"),
    # The one documented difference: past 64 bits, the nearest float (json: an exact int).
    pytest.param(b'{"item": {"id": 7, "n": 123456789012345678901234567890}}', 1.2345678901234568e29,
                 id="int-past-64-bits"),  # fmt: skip
]


@pytest.mark.parametrize(("body", "expected"), JSON_BODIES)
def test_every_json_body_reads_whichever_decoder_reads_it(body: bytes, expected: Any) -> None:
    with LoopbackServer(lambda method, path: Answer(200, body)) as server:
        creds = AuthCredentials("u@example.com", "CODE", "not-a-real-secret", api_url=server.url)
        with AutotaskClient(creds, ClientConfig(**FAST)) as client:
            got = client.get("Tickets", 7)
    assert got is not None and got["id"] == 7
    assert type(got["n"]) is type(expected)
    assert repr(got["n"]) == repr(expected)  # repr: NaN is not equal to itself
