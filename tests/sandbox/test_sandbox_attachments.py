"""Attachments (FACTS.md section 9): base64 JSON under a parent, list, get with ``data``, delete,
``AttachmentInfo``, and the per-file and 10,000,000-bytes-per-5-minutes limits.

The limits are exercised with ``SandboxSettings`` holding small numbers, over real HTTP, and on a
hand-driven clock in process where time has to pass (five minutes are never waited for).
"""

from __future__ import annotations

import base64
import re
import struct
import zlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from helpers import FakeClock, auth_headers, new_sandbox
from sandbox_http import ALL, errors, not_allowed, ok

from autotask_pandas.sandbox import Sandbox, SandboxApp, SandboxSettings, SandboxTransport

SMALL = SandboxSettings(
    max_attachment_bytes=2_000, attachment_window_bytes=5_000, attachment_window_seconds=300.0
)


def attachment(
    content: bytes, name: str = "notes.txt", title: str = "Test text to a ticket"
) -> dict[str, Any]:
    """The create body of Datto's own collection (FACTS §9)."""
    return {
        "id": 0,
        "attachDate": "2020-10-05T10:59:57.537",
        "attachedByContactID": None,
        "attachedByResourceID": None,
        "attachmentType": "FILE_ATTACHMENT",
        "fullPath": name,
        "publish": 1,
        "title": title,
        "data": base64.b64encode(content).decode(),
    }


def a_ticket(api: httpx.Client) -> int:
    return ok(
        api.post(
            "V1.0/Tickets/query", json={"filter": [ALL], "MaxRecords": 1, "IncludeFields": ["id"]}
        )
    )["items"][0]["id"]


def ticket_attachment_ids(api: httpx.Client, ticket: int) -> list[int]:
    return [a["id"] for a in ok(api.get(f"V1.0/Tickets/{ticket}/Attachments"))["items"]]


def got(api: httpx.Client, path: str) -> dict[str, Any]:
    """``GET …/{Parent}/{parentId}/Attachments/{id}``: the one attachment, in the live API's
    envelope ``{"items": [ {...} ]}`` (FACTS §5 "Get by id", §9 "Attachments")."""
    body = ok(api.get(path))
    assert set(body) == {"items"} and isinstance(body["items"], list), body
    assert len(body["items"]) == 1, body
    return body["items"][0]


# --------------------------------------------------------------------------- round trip


def test_attachment_round_trip_under_a_ticket(api: httpx.Client) -> None:
    ticket = a_ticket(api)
    content = bytes(range(256)) * 3 + b"end of file\n"
    body = attachment(content, "dump.bin", "Binary dump")
    created = ok(api.post(f"V1.0/Tickets/{ticket}/Attachments", json=body))
    assert set(created) == {"itemId"}
    new_id = created["itemId"]

    assert new_id in ticket_attachment_ids(api, ticket)
    row = got(api, f"V1.0/Tickets/{ticket}/Attachments/{new_id}")
    assert row["id"] == new_id and row["data"] == body["data"]
    assert base64.b64decode(row["data"]) == content
    assert row["fullPath"] == "dump.bin" and row["title"] == "Binary dump"
    assert row["fileSize"] == len(content)
    assert row["ticketID"] == ticket

    info = ok(
        api.post(
            "V1.0/AttachmentInfo/query",
            json={"filter": [{"op": "eq", "field": "id", "value": new_id}]},
        )
    )
    assert [i["id"] for i in info["items"]] == [new_id]
    assert info["items"][0]["ticketID"] == ticket and info["items"][0]["fullPath"] == "dump.bin"
    by_ticket = ok(
        api.post(
            "V1.0/AttachmentInfo/query",
            json={"filter": [{"op": "eq", "field": "ticketID", "value": ticket}]},
        )
    )
    assert new_id in [i["id"] for i in by_ticket["items"]]

    assert ok(api.delete(f"V1.0/Tickets/{ticket}/Attachments/{new_id}")) == {"itemId": new_id}
    assert api.get(f"V1.0/Tickets/{ticket}/Attachments/{new_id}").status_code == 404
    assert new_id not in ticket_attachment_ids(api, ticket)
    assert (
        ok(
            api.post(
                "V1.0/AttachmentInfo/query",
                json={"filter": [{"op": "eq", "field": "id", "value": new_id}]},
            )
        )["items"]
        == []
    )


def test_an_attachment_belongs_to_its_parent_only(api: httpx.Client) -> None:
    tickets = ok(
        api.post(
            "V1.0/Tickets/query", json={"filter": [ALL], "MaxRecords": 2, "IncludeFields": ["id"]}
        )
    )["items"]
    mine, other = tickets[0]["id"], tickets[1]["id"]
    new_id = ok(api.post(f"V1.0/Tickets/{mine}/Attachments", json=attachment(b"hello")))["itemId"]
    assert api.get(f"V1.0/Tickets/{other}/Attachments/{new_id}").status_code == 404
    errors(api.delete(f"V1.0/Tickets/{other}/Attachments/{new_id}"))
    assert (
        got(api, f"V1.0/Tickets/{mine}/Attachments/{new_id}")["data"]
        == base64.b64encode(b"hello").decode()
    )


def test_attachments_have_no_update_and_attachment_info_is_query_only(api: httpx.Client) -> None:
    ticket = a_ticket(api)
    new_id = ok(api.post(f"V1.0/Tickets/{ticket}/Attachments", json=attachment(b"x")))["itemId"]
    for method in ("PATCH", "PUT"):
        response = api.request(
            method, f"V1.0/Tickets/{ticket}/Attachments", json={"id": new_id, "title": "renamed"}
        )
        assert response.status_code == 405
        assert response.json() == {
            "Message": f"The requested resource does not support http method '{method}'."
        }
    for method, path in (
        ("POST", "V1.0/AttachmentInfo"),
        ("DELETE", f"V1.0/AttachmentInfo/{new_id}"),
    ):
        response = api.request(method, path, json=attachment(b"x") if method == "POST" else None)
        assert response.status_code == 405 and response.json() == not_allowed(method)
    assert (
        got(api, f"V1.0/Tickets/{ticket}/Attachments/{new_id}")["title"]
        == "Test text to a ticket"
    )


def test_attachment_validation(api: httpx.Client) -> None:
    ticket = a_ticket(api)
    before = ticket_attachment_ids(api, ticket)
    not_base64 = {**attachment(b""), "data": "this is not base64!"}
    assert any(
        "base64" in m
        for m in errors(api.post(f"V1.0/Tickets/{ticket}/Attachments", json=not_base64))
    )
    no_name = {k: v for k, v in attachment(b"abc").items() if k != "fullPath"}
    assert any(
        "fullPath" in m
        for m in errors(api.post(f"V1.0/Tickets/{ticket}/Attachments", json=no_name))
    )
    errors(api.post("V1.0/Tickets/987654321/Attachments", json=attachment(b"abc")))
    assert ticket_attachment_ids(api, ticket) == before


def test_multipart_upload_is_not_an_attachment_route(api: httpx.Client) -> None:
    """Attachments travel as base64 JSON; a multipart upload is refused by the framework."""
    ticket = a_ticket(api)
    before = ticket_attachment_ids(api, ticket)
    response = api.post(
        f"V1.0/Tickets/{ticket}/Attachments", files={"file": ("a.txt", b"hello", "text/plain")}
    )
    # ASP.NET refuses the media type before any handler runs: 415 (as the conformance test pins).
    assert response.status_code == 415
    assert response.json() == {
        "Message": "The request entity's media type 'multipart/form-data' is not supported for "
        "this resource."
    }
    assert ticket_attachment_ids(api, ticket) == before


def test_attachments_under_a_company(api: httpx.Client) -> None:
    company = ok(
        api.post(
            "V1.0/Companies/query",
            json={"filter": [{"op": "gt", "field": "id", "value": 0}], "MaxRecords": 1},
        )
    )["items"][0]["id"]
    new_id = ok(
        api.post(
            f"V1.0/Companies/{company}/Attachments",
            json=attachment(b"a,b\n1,2\n", "data.csv", "CSV"),
        )
    )["itemId"]
    row = got(api, f"V1.0/Companies/{company}/Attachments/{new_id}")
    assert base64.b64decode(row["data"]) == b"a,b\n1,2\n"
    info = ok(
        api.post(
            "V1.0/AttachmentInfo/query",
            json={"filter": [{"op": "eq", "field": "id", "value": new_id}]},
        )
    )["items"]
    assert info and info[0]["companyID"] == company
    # A company attachment is not a ticket attachment.
    assert (
        ok(
            api.post(
                "V1.0/TicketAttachments/query",
                json={"filter": [{"op": "eq", "field": "id", "value": new_id}]},
            )
        )["items"]
        == []
    )


# The parents the demo tenant holds rows of; the other ten of the 19 attachment parents (notes of
# companies, projects, tasks, ...; documents; expenses; articles; sales orders) have none to attach
# to, and are served by the same route handler (the child route named Attachments).
PARENTS_WITH_ROWS = [
    "Companies",
    "ConfigurationItems",
    "Opportunities",
    "Projects",
    "Resources",
    "Tasks",
    "TicketNotes",
    "Tickets",
    "TimeEntries",
]


@pytest.mark.parametrize("parent", PARENTS_WITH_ROWS)
def test_get_by_id_answers_in_items_under_every_parent(api: httpx.Client, parent: str) -> None:
    """As the live API answers (FACTS §5 "Get by id", §9): ``{"items": [ {...} ]}``, the one
    attachment with its file in ``data``; two live-written clients read it from ``items``."""
    rows = ok(api.post(f"V1.0/{parent}/query", json={"filter": [ALL], "MaxRecords": 1}))["items"]
    parent_id = rows[0]["id"]
    content = f"attached to {parent} {parent_id}\n".encode()
    new_id = ok(
        api.post(f"V1.0/{parent}/{parent_id}/Attachments", json=attachment(content, "p.txt"))
    )["itemId"]
    body = ok(api.get(f"V1.0/{parent}/{parent_id}/Attachments/{new_id}"))
    assert list(body) == ["items"] and len(body["items"]) == 1
    (row,) = body["items"]
    assert row["id"] == new_id and base64.b64decode(row["data"]) == content
    # A get by id elsewhere keeps the usual envelope, the attachment's metadata included.
    assert set(ok(api.get(f"V1.0/AttachmentInfo/{new_id}"))) == {"item"}
    assert set(ok(api.get(f"V1.0/{parent}/{parent_id}"))) == {"item"}


# --------------------------------------------------------------------------- demo files


def png_pixels(data: bytes) -> tuple[int, int, bytes]:
    """Check a PNG's structure (signature, chunk CRCs, IDAT) and return width, height, pixels."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        tag = data[pos + 4 : pos + 8]
        chunk = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(tag + chunk) == crc, tag
        if tag == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif tag == b"IDAT":
            idat += chunk
        pos += 12 + length
        if tag == b"IEND":
            break
    assert pos == len(data) and header is not None
    width, height, depth, colour = header[:4]
    pixels = zlib.decompress(idat)
    assert depth == 8 and colour == 2
    assert len(pixels) == height * (1 + 3 * width)
    return width, height, pixels


def demo_files(api: httpx.Client, content_type: str) -> Iterator[tuple[dict[str, Any], bytes]]:
    found = ok(
        api.post(
            "V1.0/TicketAttachments/query",
            json={
                "filter": [{"op": "eq", "field": "contentType", "value": content_type}],
                "MaxRecords": 5,
            },
        )
    )["items"]
    assert found, content_type
    for info in found:
        item = got(api, f"V1.0/Tickets/{info['ticketID']}/Attachments/{info['id']}")
        data = base64.b64decode(item["data"], validate=True)
        assert item["fileSize"] == len(data)
        yield item, data


def test_demo_attachments_hold_real_png_files(api: httpx.Client) -> None:
    for item, data in demo_files(api, "image/png"):
        assert item["fullPath"].endswith(".png")
        width, height, _ = png_pixels(data)
        assert width > 0 and height > 0


def test_demo_attachments_hold_real_pdf_files(api: httpx.Client) -> None:
    for item, data in demo_files(api, "application/pdf"):
        assert item["fullPath"].endswith(".pdf")
        assert data.startswith(b"%PDF-1.") and data.rstrip().endswith(b"%%EOF")
        # The xref table is where startxref says, and every object offset points at its object.
        offset = int(re.search(rb"startxref\s+(\d+)", data).group(1))
        assert data[offset : offset + 4] == b"xref"
        entries = re.findall(rb"(\d{10}) 00000 n", data[offset:])
        assert entries
        for number, entry in enumerate(entries, start=1):
            at = int(entry)
            assert re.match(rb"%d 0 obj" % number, data[at:]), number


# --------------------------------------------------------------------------- limits over HTTP


@pytest.fixture(scope="module")
def small(sandbox: Sandbox) -> Iterator[Sandbox]:
    """A sandbox whose attachment limits are 2,000 bytes a file and 5,000 bytes per 5 minutes."""
    with new_sandbox(settings=SMALL) as sb:
        yield sb


@pytest.fixture()
def small_api(small: Sandbox) -> Iterator[httpx.Client]:
    small.app.volume.reset()
    with httpx.Client(base_url=small.url, headers=auth_headers(small), timeout=30) as client:
        yield client
    small.app.volume.reset()


def test_per_file_size_limit(small_api: httpx.Client) -> None:
    ticket = a_ticket(small_api)
    before = ticket_attachment_ids(small_api, ticket)
    (message,) = errors(
        small_api.post(f"V1.0/Tickets/{ticket}/Attachments", json=attachment(b"x" * 2_001))
    )
    assert "2001" in message and "2000" in message
    assert ticket_attachment_ids(small_api, ticket) == before
    # At the limit is fine.
    ok(small_api.post(f"V1.0/Tickets/{ticket}/Attachments", json=attachment(b"x" * 2_000)))


def test_volume_limit_blocks_further_uploads(small_api: httpx.Client) -> None:
    ticket = a_ticket(small_api)
    for _ in range(2):
        ok(small_api.post(f"V1.0/Tickets/{ticket}/Attachments", json=attachment(b"v" * 2_000)))
    before = ticket_attachment_ids(small_api, ticket)
    response = small_api.post(f"V1.0/Tickets/{ticket}/Attachments", json=attachment(b"v" * 1_500))
    (message,) = errors(response)
    assert "5000" in message and "5 minutes" in message
    assert int(response.headers["Retry-After"]) == 300
    # Blocked for five minutes after the breach, even for a file that would fit.
    (again,) = errors(
        small_api.post(f"V1.0/Tickets/{ticket}/Attachments", json=attachment(b"tiny"))
    )
    assert "5000" in again
    assert ticket_attachment_ids(small_api, ticket) == before
    # Other writes are unaffected.
    ok(small_api.patch("V1.0/Tickets", json={"id": ticket, "title": "still writable"}))


def test_volume_window_slides_on_the_clock(small: Sandbox) -> None:
    clock = FakeClock(10_000.0)
    app = SandboxApp(small.app.store, SMALL, clock=clock, sleep=lambda seconds: None)
    with httpx.Client(
        base_url=small.url, headers=auth_headers(small), transport=SandboxTransport(app=app)
    ) as client:
        ticket = a_ticket(client)

        def post(size: int) -> httpx.Response:
            return client.post(f"V1.0/Tickets/{ticket}/Attachments", json=attachment(b"w" * size))

        ok(post(2_000))
        clock.now += 200
        ok(post(2_000))
        ok(post(1_000))  # exactly 5,000 bytes within five minutes: allowed
        clock.now += 50
        errors(post(1))  # one byte over: refused, and blocked for 300 s from now
        clock.now += 299
        response = post(1)
        errors(response)
        assert response.headers["Retry-After"] == "1"
        clock.now += 1
        ok(post(1_000))  # the block is over and the first uploads have left the window
