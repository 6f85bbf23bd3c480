"""``AttachmentsEntity``: upload real bytes, download them back, list, delete; the size limit and
the upload volume budget; every attachment parent."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import FakeClock, new_sandbox

from autotask_pandas import (
    AutotaskAPIError,
    AutotaskAuthenticationError,
    AutotaskBatchError,
    AutotaskClient,
    AutotaskNotFoundError,
    AutotaskValidationError,
)
from autotask_pandas.auth import AuthCredentials
from autotask_pandas.client import ClientConfig
from autotask_pandas.entities import UploadBudget
from autotask_pandas.entities.attachments import MAX_FILE_BYTES, attachment_parents
from autotask_pandas.sandbox import Sandbox
from autotask_pandas.types import AttachmentData


@pytest.fixture(scope="module")
def ticket_id(client: AutotaskClient) -> int:
    return int(client.entities.tickets.query(max_records=1).items[0]["id"])


def _bytes(n: int, seed: int = 0) -> bytes:
    # Every byte value, so base64 round trips are really tested.
    return bytes((i * 7 + seed) % 256 for i in range(n))


def test_upload_download_list_delete(
    client: AutotaskClient, ticket_id: int, tmp_path: Path
) -> None:
    attachments = client.attachments
    source = tmp_path / "report.pdf"
    content = b"%PDF-1.4\n" + _bytes(50_000)
    source.write_bytes(content)

    made = attachments.upload_file("Ticket", ticket_id, str(source), title="Report")
    assert isinstance(made, AttachmentData)
    assert (made.parent_type, made.parent_id) == ("Ticket", ticket_id)
    assert (made.file_name, made.file_size, made.title) == ("report.pdf", len(content), "Report")
    assert made.content_type == "application/pdf"
    assert made.created_by is not None and made.created_date_time

    target = tmp_path / "out" / "copy.pdf"
    target.parent.mkdir()
    assert attachments.download_file(made.id, output_path=str(target)) == content
    assert target.read_bytes() == content

    listed = attachments.get_attachments_for_entity("tickets", ticket_id)
    mine = [a for a in listed if a.id == made.id]
    assert len(mine) == 1 and mine[0].file_name == "report.pdf"
    assert all(a.parent_type == "Ticket" and a.parent_id == ticket_id for a in listed)

    assert attachments.delete_attachment(made.id) is True
    assert made.id not in [
        a.id for a in attachments.get_attachments_for_entity("Ticket", ticket_id)
    ]
    assert attachments.delete_attachment(made.id) is False
    with pytest.raises(AutotaskNotFoundError):
        attachments.download_file(made.id)


def test_upload_from_data_and_the_title_default(client: AutotaskClient, ticket_id: int) -> None:
    made = client.attachments.upload_from_data(
        "Tickets", ticket_id, b"plain text\n", "notes.txt", description="not stored by the API"
    )
    assert (made.title, made.file_name, made.description) == ("notes.txt", "notes.txt", None)
    assert client.attachments.download_file(made.id) == b"plain text\n"
    # AttachmentInfo (the entity's queries) sees it with the other attachments.
    found = client.attachments.query(filters=[{"op": "eq", "field": "id", "value": made.id}])
    assert [r["fullPath"] for r in found.items] == ["notes.txt"]


def test_every_attachment_parent_with_data_round_trips(inprocess_client: AutotaskClient) -> None:
    parents = attachment_parents()
    assert len(parents) == 19
    done = []
    for name, parent in sorted(parents.items()):
        rows = inprocess_client.query(name, max_records=1).items
        if not rows:
            continue
        pid = int(rows[0]["id"])
        content = _bytes(1000, seed=len(done))
        made = inprocess_client.attachments.upload_from_data(
            parent.singular, pid, content, f"{name}.bin"
        )
        assert (made.parent_type, made.parent_id) == (parent.singular, pid)
        assert inprocess_client.attachments.download_file(made.id) == content, name
        listed = inprocess_client.attachments.get_attachments_for_entity(name, pid)
        assert made.id in [a.id for a in listed], name
        assert inprocess_client.attachments.delete_attachment(made.id) is True, name
        done.append(name)
    # The demo tenant has rows for most parents (notes, time entries, tasks included).
    assert {"Companies", "Tickets", "Projects", "TicketNotes", "TimeEntries"} <= set(done)
    assert len(done) >= 8


def test_an_attachment_of_a_note_is_found_under_the_note(
    client: AutotaskClient, ticket_id: int, request_log
) -> None:
    note = client.entities.tickets.add_ticket_note(ticket_id, "with a file").item_id
    made = client.attachments.upload_from_data("ticket_note", note, b"abc", "n.txt")
    log = request_log()
    assert client.attachments.download_file(made.id) == b"abc"
    assert log.paths("GET")[-1] == f"/ATServicesRest/V1.0/TicketNotes/{note}/Attachments/{made.id}"
    assert client.attachments.delete_attachment(made.id)


@pytest.mark.parametrize(
    "name",
    ["Ticket", "Tickets", "ticket", "TICKETS", "TicketAttachments"],
)
def test_parent_type_spellings(client: AutotaskClient, name: str) -> None:
    assert client.attachments.parent(name).parent == "Tickets"


def test_every_parent_by_its_singular_plural_and_snake_case(client: AutotaskClient) -> None:
    import re

    for name, parent in attachment_parents().items():
        snake = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", parent.singular).lower()
        for spelling in (name, parent.singular, snake, name.lower()):
            assert client.attachments.parent(spelling).parent == name
    assert client.attachments.parent("ConfigurationItem").entity == "ConfigurationItemAttachments"
    assert client.attachments.parent("Account").parent == "Companies"  # SOAP-era name
    assert client.attachments.parent("KnowledgeBaseArticle").entity == "ArticleAttachments"


def test_an_unknown_parent_type_is_refused(client: AutotaskClient, request_log) -> None:
    log = request_log()
    with pytest.raises(AutotaskValidationError, match=r"'Tiket' cannot hold attachments.*'Ticket'"):
        client.attachments.upload_from_data("Tiket", 1, b"x", "x.txt")
    assert log.requests == []


# -- sizes ------------------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_before_any_request(
    client: AutotaskClient, ticket_id: int, tmp_path: Path, request_log
) -> None:
    big = tmp_path / "too-big.iso"
    with big.open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)
    log = request_log()
    with pytest.raises(AutotaskValidationError) as caught:
        client.attachments.upload_file("Ticket", ticket_id, big)
    message = str(caught.value)
    assert "too-big.iso" in message
    assert f"{MAX_FILE_BYTES + 1:,}" in message and f"{MAX_FILE_BYTES:,}" in message
    assert "Nothing was sent" in message
    with pytest.raises(AutotaskValidationError, match="blob.bin"):
        client.attachments.upload_from_data(
            "Ticket", ticket_id, bytes(MAX_FILE_BYTES + 1), "blob.bin"
        )
    small = tmp_path / "small.txt"
    small.write_bytes(b"fine")
    with pytest.raises(AutotaskValidationError, match="too-big.iso"):
        client.attachments.batch_upload("Ticket", ticket_id, [small, big])
    with pytest.raises(AutotaskValidationError, match="missing.txt"):
        client.attachments.batch_upload("Ticket", ticket_id, [small, tmp_path / "missing.txt"])
    assert log.requests == []


def test_a_file_of_exactly_the_limit_uploads(tmp_path: Path) -> None:
    # Its own sandbox: 6 MiB is most of a tenant's 10,000,000 bytes per 5 minutes.
    with (
        new_sandbox(0.1, 1) as sb,
        AutotaskClient(sb.credentials, ClientConfig(transport=sb.transport())) as client,
    ):
        ticket = client.query("Tickets", max_records=1).items[0]["id"]
        content = _bytes(MAX_FILE_BYTES, seed=3)
        made = client.attachments.upload_from_data("Ticket", ticket, content, "limit.bin")
        assert made.file_size == MAX_FILE_BYTES
        assert client.attachments.download_file(made.id) == content
        # The sandbox's own limit agrees with ours: one byte more is refused by the server.
        client.attachments.max_file_bytes = MAX_FILE_BYTES + 1
        client.attachments.volume = UploadBudget(window_bytes=10**9)  # only the size is tested
        over = MAX_FILE_BYTES + 1
        with pytest.raises(AutotaskAPIError, match=f"size {over} bytes exceeds the {MAX_FILE_BYTES}"):
            client.attachments.upload_from_data("Ticket", ticket, content + b"x", "over.bin")


# -- many files -------------------------------------------------------------------------------


@pytest.fixture
def files(tmp_path: Path) -> Iterator[list[Path]]:
    paths = []
    for i in range(6):
        p = tmp_path / f"file{i}.dat"
        p.write_bytes(_bytes(1000 + i, seed=i))
        paths.append(p)
    yield paths


def test_batch_upload_returns_results_in_input_order(
    client: AutotaskClient, ticket_id: int, files: list[Path]
) -> None:
    made = client.attachments.batch_upload("Ticket", ticket_id, [str(p) for p in files])
    assert [a.file_name for a in made] == [p.name for p in files]
    assert [a.file_size for a in made] == [p.stat().st_size for p in files]
    for a, p in zip(made, files):
        assert client.attachments.download_file(a.id) == p.read_bytes()
    listed = {a.id for a in client.attachments.get_attachments_for_entity("Ticket", ticket_id)}
    assert {a.id for a in made} <= listed


def test_batch_upload_of_nothing_sends_nothing(
    client: AutotaskClient, ticket_id: int, request_log
) -> None:
    log = request_log()
    assert client.attachments.batch_upload("Ticket", ticket_id, []) == []
    assert log.requests == []


def test_batch_upload_stays_within_the_thread_limit(tmp_path: Path) -> None:
    # A sandbox with latency, so uploads really overlap; the sandbox refuses a 4th in flight.
    with new_sandbox(0.1, 2, latency=0.05) as sb, AutotaskClient(sb.credentials) as client:
        ticket = client.query("Tickets", max_records=1).items[0]["id"]
        paths = []
        for i in range(9):
            p = tmp_path / f"t{i}.bin"
            p.write_bytes(_bytes(500, seed=i))
            paths.append(p)
        made = client.attachments.batch_upload("Ticket", ticket, paths)
        assert len(made) == 9
        posts = [r for r in sb.requests if r.method == "POST" and r.path.endswith("/Attachments")]
        assert len(posts) == 9 and all(r.status == 200 for r in posts)
        peaks = client.limiter_peaks
        assert 2 <= max(peaks.values()) <= 3, peaks


def test_batch_upload_failures_keep_every_result(client: AutotaskClient, files: list[Path]) -> None:
    with pytest.raises(AutotaskBatchError) as caught:
        client.attachments.batch_upload("Ticket", 999_999_999, files[:3])
    assert [r.index for r in caught.value.results] == [0, 1, 2]
    assert all(r.status == "failed" for r in caught.value.results)
    assert "999999999" in str(caught.value.results[0].error)


def test_batch_upload_waits_for_the_volume_budget(
    make_client, ticket_id: int, tmp_path: Path, request_log
) -> None:
    client = make_client()
    clock = FakeClock()
    # A small budget stands in for 10,000,000 bytes: 7 files of 1,000 bytes, 3,000 per window.
    client.attachments.volume = UploadBudget(
        window_bytes=3000, window_seconds=300, max_wait=600, clock=clock, sleep=clock.sleep
    )
    paths = []
    for i in range(7):
        p = tmp_path / f"v{i}.bin"
        p.write_bytes(_bytes(1000, seed=i))
        paths.append(p)
    log = request_log()
    made = client.attachments.batch_upload("Ticket", ticket_id, paths)
    assert [a.file_name for a in made] == [p.name for p in paths]
    assert clock.sleeps == [pytest.approx(300), pytest.approx(300)]
    posts = [r for r in log.requests if r.method == "POST" and r.path.endswith("/Attachments")]
    assert len(posts) == 7 and all(r.status == 200 for r in posts)
    assert client.attachments.volume.used() == 1000  # the last window's one file


def test_batch_upload_refuses_a_wait_past_the_cap_before_any_request(
    make_client, ticket_id: int, files: list[Path], request_log
) -> None:
    client = make_client()
    clock = FakeClock()
    client.attachments.volume = UploadBudget(
        window_bytes=2500, max_wait=299, clock=clock, sleep=clock.sleep
    )
    log = request_log()
    with pytest.raises(AutotaskValidationError, match="max_wait=299") as caught:
        client.attachments.batch_upload("Ticket", ticket_id, files[:3])
    assert caught.value.retry_after == pytest.approx(300)
    assert log.requests == [] and clock.sleeps == []
    client.attachments.volume.acquire(2000)  # room for 500 more bytes for 300 s
    with pytest.raises(AutotaskValidationError, match="max_wait"):
        client.attachments.upload_from_data("Ticket", ticket_id, bytes(1000), "x.bin")
    assert log.requests == []


def test_single_uploads_share_the_clients_budget(make_client, ticket_id: int, request_log) -> None:
    client = make_client()
    clock = FakeClock()
    client.attachments.volume = UploadBudget(
        window_bytes=2000, max_wait=1000, clock=clock, sleep=clock.sleep
    )
    for i in range(3):
        client.attachments.upload_from_data("Ticket", ticket_id, bytes(1000), f"s{i}.bin")
    assert clock.sleeps == [pytest.approx(300)]
    # A refused upload frees its share of the budget.
    with pytest.raises(AutotaskAPIError, match="999999999"):
        client.attachments.upload_from_data("Ticket", 999_999_999, bytes(1000), "nope.bin")
    assert client.attachments.volume.used() == 1000


def test_a_refused_upload_keeps_the_secret_out_of_the_error(sandbox: Sandbox) -> None:
    canary = "canary-" + os.urandom(4).hex()
    creds = AuthCredentials(sandbox.username, sandbox.integration_code, canary, api_url=sandbox.url)
    with (
        AutotaskClient(creds, ClientConfig(transport=sandbox.transport(), max_retries=0)) as client,
        pytest.raises(AutotaskAuthenticationError) as caught,  # the wrong secret: a 401
    ):
        client.attachments.upload_from_data("Ticket", 1, b"x", "x.txt")
    assert caught.value.status_code == 401
    assert canary not in str(caught.value) and canary not in repr(caught.value)


def test_attachment_info_by_ticket_includes_its_notes_and_time_entries(
    inprocess_client: AutotaskClient,
) -> None:
    client = inprocess_client
    entry = client.query("TimeEntries", [{"op": "exist", "field": "ticketID"}], max_records=1)
    ticket = entry.items[0]["ticketID"]
    note = client.entities.tickets.add_ticket_note(ticket, "note with a file").item_id
    on_ticket = client.attachments.upload_from_data("Ticket", ticket, b"t", "ticket.txt").id
    on_note = client.attachments.upload_from_data("TicketNote", note, b"n", "note.txt").id
    on_entry = client.attachments.upload_from_data(
        "TimeEntry", entry.items[0]["id"], b"e", "entry.txt"
    ).id
    found = {
        r["id"]
        for r in client.query_all(
            "AttachmentInfo", [{"op": "eq", "field": "ticketID", "value": ticket}]
        )
    }
    assert {on_ticket, on_note, on_entry} <= found
