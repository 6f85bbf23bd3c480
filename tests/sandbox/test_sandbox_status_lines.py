"""Status lines as IIS/ASP.NET writes them: ``401 Unauthorized``, not ``401 UNAUTHORIZED``.

At least one client written against the live API (atrest 1.0.2) recognises errors by the reason
phrase (FACTS §9, "HTTP reason phrases are IIS/ASP.NET's standard ones"). The phrase never
reaches an httpx client's eyes (httpx fills in its own), so these tests read the raw status line
over real loopback HTTP with ``http.client``, for every status the sandbox answers with.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from helpers import auth_headers, new_sandbox

from autotask_pandas.sandbox import Sandbox

# The standard reason phrases (RFC 9110), which IIS sends; spelled out, not computed.
PHRASES = {
    200: "OK",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
FAULTS = (
    "403:1@GET /V1.0/Roles/query;"
    "429:1@GET /V1.0/Resources/query;"
    "thread-limit:1@GET /V1.0/Departments/query;"
    "503:1@GET /V1.0/Contacts/query;"
    "500:1@GET /V1.0/Companies/query;"
    "500-html:1@GET /V1.0/Projects/query"
)
SEARCH = "?search=" + json.dumps({"filter": [{"op": "exist", "field": "id"}]}).replace(" ", "")


@pytest.fixture(scope="module")
def faulty() -> Iterator[Sandbox]:
    with new_sandbox(faults=FAULTS) as sb:
        yield sb


def status_line(
    sb: Sandbox,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> tuple[str, str]:
    """(``"HTTP/1.1 401 Unauthorized"``, content type) of one request, as it came off the wire."""
    url = urlsplit(sb.url)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
    try:
        sent = dict(auth_headers(sb) if headers is None else headers)
        conn.request(method, url.path + path, body=body, headers=sent)
        response = conn.getresponse()
        response.read()
        version = {10: "HTTP/1.0", 11: "HTTP/1.1"}[response.version]
        return f"{version} {response.status} {response.reason}", response.getheader(
            "Content-Type", ""
        )
    finally:
        conn.close()


def expected(status: int) -> str:
    return f"HTTP/1.1 {status} {PHRASES[status]}"


def test_the_sandboxs_own_answers_carry_the_standard_phrases(sandbox: Sandbox) -> None:
    wrong_secret = {**auth_headers(sandbox), "Secret": "not-the-secret"}
    unknown_user = {**auth_headers(sandbox), "UserName": "nobody@example.invalid"}
    multipart = {**auth_headers(sandbox), "Content-Type": "multipart/form-data; boundary=x"}
    zone = "V1.0/ZoneInformation?user=" + sandbox.username
    upload = "V1.0/Tickets/7000/Attachments"
    cases = [
        (200, status_line(sandbox, "GET", "V1.0/Version")),
        (200, status_line(sandbox, "GET", zone, headers={})),
        (401, status_line(sandbox, "GET", "V1.0/Version", headers=wrong_secret)),
        (401, status_line(sandbox, "GET", "V1.0/Version", headers={})),
        (404, status_line(sandbox, "POST", "V1.0/Tickets/batch", body=b"[]")),
        (404, status_line(sandbox, "GET", "V1.0/Tickets/1")),  # no such ticket: {"item": null}
        (405, status_line(sandbox, "PATCH", "V1.0/Tickets/1", body=b"{}")),
        (405, status_line(sandbox, "GET", "V1.0/Contacts")),
        (415, status_line(sandbox, "POST", upload, headers=multipart, body=b"--x--")),
        (500, status_line(sandbox, "GET", "V1.0/Version", headers=unknown_user)),
        (500, status_line(sandbox, "GET", "V1.0/Tickets/query?search=%7Bnot%20json")),
    ]
    assert [line for _, (line, _) in cases] == [expected(status) for status, _ in cases]


def test_refusals_and_injected_faults_carry_the_standard_phrases(faulty: Sandbox) -> None:
    lines = {
        path: status_line(faulty, "GET", f"V1.0/{path}/query{SEARCH}")
        for path in ("Roles", "Resources", "Departments", "Contacts", "Companies", "Projects")
    }
    assert lines["Roles"][0] == expected(403)
    assert lines["Resources"][0] == expected(429)
    assert lines["Departments"][0] == expected(faulty.settings.thread_limit_status)
    assert lines["Contacts"][0] == expected(503)
    assert lines["Companies"][0] == expected(500)
    # IIS's own error page: the same status line, an HTML body.
    assert lines["Projects"] == (expected(500), "text/html; charset=utf-8")


def test_no_status_outside_the_table(sandbox: Sandbox, faulty: Sandbox) -> None:
    # Whatever the sandboxes answered so far (here or in any earlier test) is a status the table
    # knows, so a new status the sandbox starts to use cannot slip by unchecked.
    seen = {r.status for sb in (sandbox, faulty) for r in sb.requests if r.status}
    assert seen <= set(PHRASES), seen - set(PHRASES)
