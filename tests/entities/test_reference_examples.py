"""The py-autotask reference's usage examples, run against the sandbox.

Each test is the reference's example ("Usage Examples" and "Performance Considerations"), changed
only in the import path (``py_autotask`` -> ``autotask_pandas``), the credentials (the sandbox's,
with its ``api_url``), and where the live API needs a field or an existing id the example leaves
out; every such change is marked ``# CHANGED:`` with the reason. Each test then checks what the
example promises.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import closed_port

from autotask_pandas import AutotaskClient
from autotask_pandas.auth import AuthCredentials
from autotask_pandas.sandbox import Sandbox


@pytest.fixture
def credentials(sandbox: Sandbox) -> AuthCredentials:
    return AuthCredentials(
        username=sandbox.username,  # CHANGED: the sandbox's credentials
        integration_code=sandbox.integration_code,
        secret=sandbox.secret,
        api_url=sandbox.url,  # CHANGED: the sandbox instead of the zone lookup
    )


@pytest.fixture
def example_client(credentials: AuthCredentials) -> Iterator[AutotaskClient]:
    client = AutotaskClient(credentials)
    yield client
    client.close()


def _printed(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().out.splitlines()


def _new_ticket(company_id: int, title: str, description: str = "") -> dict[str, Any]:
    # The live API requires a ticket's company, status and priority.
    return {
        "title": title,
        "companyID": company_id,
        "description": description,
        "status": 1,
        "priority": 2,
    }


# -- Basic Usage --------------------------------------------------------------------------------


def test_basic_usage(sandbox: Sandbox, owner_id: int, capsys: pytest.CaptureFixture[str]) -> None:
    from autotask_pandas import AutotaskClient
    from autotask_pandas.auth import AuthCredentials

    # Initialize client
    credentials = AuthCredentials(
        username=sandbox.username,  # CHANGED: the sandbox's credentials
        integration_code=sandbox.integration_code,
        secret=sandbox.secret,
        api_url=sandbox.url,  # CHANGED: the sandbox instead of the zone lookup
    )
    client = AutotaskClient(credentials)

    # Query tickets
    tickets = client.entities.tickets.query(max_records=10)
    for ticket in tickets.items:
        print(f"Ticket {ticket['id']}: {ticket['title']}")

    # Create a company
    company_data = {
        "companyName": "Acme Corp",
        "companyType": 1,
        "phone": "555-1234",
        "ownerResourceID": owner_id,  # CHANGED: the live API requires the company's owner
    }
    new_company = client.entities.companies.create_company(**company_data)
    print(f"Created company with ID: {new_company.item_id}")

    lines = _printed(capsys)
    assert len(lines) == 11
    for line, ticket in zip(lines, tickets.items):
        assert line == f"Ticket {ticket['id']}: {ticket['title']}"
        assert client.get("Tickets", ticket["id"])["title"] == ticket["title"]
    assert lines[-1] == f"Created company with ID: {new_company.item_id}"
    company = client.get("Companies", new_company.item_id)
    assert (company["companyName"], company["companyType"], company["phone"]) == (
        "Acme Corp",
        1,
        "555-1234",
    )
    client.close()


# -- Advanced Filtering -------------------------------------------------------------------------


def test_advanced_filtering(example_client: AutotaskClient, owner_id: int) -> None:
    client = example_client

    # Not part of the example: the demo tenant has no company in New York, so make some, and
    # some that the filters must leave out.
    def company(name: str, city: str, company_type: int = 1, active: bool = True) -> int:
        return client.create_entity(
            "Companies",
            companyName=name,
            companyType=company_type,
            phone="212-555-0100",
            city=city,
            isActive=active,
            ownerResourceID=owner_id,
        ).item_id

    wanted = {company("Big Apple Dental", "New York"), company("Hudson Law", "West New York")}
    unwanted = {
        company("Closed NY", "New York", active=False),
        company("Prospect NY", "New York", company_type=3),
        company("Elsewhere", "Albany"),
    }

    from autotask_pandas.types import FilterOperation, QueryFilter

    # Complex filtering
    filters = [
        QueryFilter(field="isActive", op=FilterOperation.EQ, value=True),
        QueryFilter(field="companyType", op=FilterOperation.EQ, value=1),
        QueryFilter(field="city", op=FilterOperation.CONTAINS, value="New York"),
    ]

    companies = client.entities.companies.query(
        filters=filters,
        include_fields=["id", "companyName", "phone"],
        max_records=50,
    )

    ids = {c["id"] for c in companies.items}
    assert wanted <= ids and not unwanted & ids
    assert len(companies.items) == client.entities.companies.count(filters) <= 50
    for row in companies.items:
        assert set(row) <= {"id", "companyName", "phone", "userDefinedFields"}
        full = client.get("Companies", row["id"])
        assert full["isActive"] and full["companyType"] == 1 and "new york" in full["city"].lower()
        assert (full["companyName"], full["phone"]) == (row["companyName"], row["phone"])


# -- Batch Operations ---------------------------------------------------------------------------


def test_batch_operations(
    example_client: AutotaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    client = example_client
    # CHANGED: accountIDs 123-125 do not exist: three real companies of the sandbox instead.
    real = [c["id"] for c in client.query("Companies", max_records=4).items[1:]]

    # Batch create tickets
    ticket_data = [
        # CHANGED: status and priority added, the live API requires them.
        {
            "title": "Issue 1",
            "accountID": real[0],
            "description": "First issue",
            "status": 1,
            "priority": 2,
        },
        {
            "title": "Issue 2",
            "accountID": real[1],
            "description": "Second issue",
            "status": 1,
            "priority": 2,
        },
        {
            "title": "Issue 3",
            "accountID": real[2],
            "description": "Third issue",
            "status": 1,
            "priority": 2,
        },
    ]

    results = client.batch_create("Tickets", ticket_data)
    print(f"Created {len(results)} tickets")

    # Batch update
    # CHANGED: the ids 123-125 are the tickets just created, and status 2 is no status of the
    # tenant (Autotask's shipped statuses: 1 New, 5 Complete, 7, 8 In Progress, ...): 8 instead.
    updates = [
        {"id": results[0].item_id, "status": 8},
        {"id": results[1].item_id, "status": 8},
        {"id": results[2].item_id, "status": 8},
    ]

    updated = client.batch_update("Tickets", updates)
    print(f"Updated {len(updated)} tickets")

    assert _printed(capsys) == ["Created 3 tickets", "Updated 3 tickets"]
    for data, result, company in zip(ticket_data, results, real):
        row = client.get("Tickets", result.item_id)
        assert (row["title"], row["description"]) == (data["title"], data["description"])
        assert row["companyID"] == company  # the SOAP name accountID is the REST companyID
        assert row["status"] == 8
    assert updated == [{"itemId": r.item_id} for r in results]


# -- File Attachments ---------------------------------------------------------------------------


def test_file_attachments(
    example_client: AutotaskClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = example_client
    # CHANGED: ticket 12345 does not exist: a real ticket of the sandbox instead.
    ticket_id = client.query("Tickets", max_records=1).items[0]["id"]
    # CHANGED: real files in a temporary directory instead of /path/to/...
    document = tmp_path / "document.pdf"
    document.write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\n" + bytes(range(256)) * 20 + b"%%EOF\n")
    downloaded = tmp_path / "downloaded.pdf"

    # Upload file
    attachment = client.attachments.upload_file(
        parent_type="Ticket",
        parent_id=ticket_id,
        file_path=str(document),
        title="Important Document",
        description="Ticket documentation",
    )
    print(f"Uploaded attachment: {attachment.id}")

    # Download file
    file_content = client.attachments.download_file(
        attachment_id=attachment.id,
        output_path=str(downloaded),
    )

    # List attachments
    attachments = client.attachments.get_attachments_for_entity(
        parent_type="Ticket",
        parent_id=ticket_id,
    )
    for att in attachments:
        print(f"Attachment: {att.file_name} ({att.file_size} bytes)")

    lines = _printed(capsys)
    assert lines[0] == f"Uploaded attachment: {attachment.id}"
    assert file_content == document.read_bytes() == downloaded.read_bytes()
    assert f"Attachment: document.pdf ({document.stat().st_size} bytes)" in lines[1:]
    assert len(lines) == 1 + len(attachments)
    assert attachment.title == "Important Document"
    info = client.get("AttachmentInfo", attachment.id)
    assert (info["ticketID"], info["fullPath"]) == (ticket_id, "document.pdf")


# -- Error Handling -----------------------------------------------------------------------------


def _run_error_handling_example(client: AutotaskClient, operation: Any) -> None:
    from autotask_pandas.exceptions import (
        AutotaskAPIError,
        AutotaskAuthenticationError,
        AutotaskConnectionError,
        AutotaskValidationError,
    )

    try:
        # Your Autotask operations here
        tickets = operation(client)  # CHANGED: the operation is the test's parameter

    except AutotaskAuthenticationError:
        print("Authentication failed - check credentials")
    except AutotaskConnectionError:
        print("Network error - check connection")
    except AutotaskValidationError as e:
        print(f"Data validation error: {e}")
    except AutotaskAPIError as e:
        print(f"API error {e.status_code}: {e}")
    except Exception as e:  # noqa: BLE001 - the reference example's own catch-all
        print(f"Unexpected error: {e}")
    else:
        print(f"{len(tickets.items)} tickets")  # not in the example: shows the query ran


def test_error_handling_when_all_goes_well(
    example_client: AutotaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    _run_error_handling_example(example_client, lambda c: c.entities.tickets.query())
    assert _printed(capsys) == ["500 tickets"]


def test_error_handling_wrong_secret(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    creds = AuthCredentials(
        sandbox.username, sandbox.integration_code, "wrong secret", api_url=sandbox.url
    )
    with AutotaskClient(creds) as client:
        _run_error_handling_example(client, lambda c: c.entities.tickets.query())
    assert _printed(capsys) == ["Authentication failed - check credentials"]


def test_error_handling_no_server(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    from autotask_pandas.client import ClientConfig

    url = f"http://127.0.0.1:{closed_port()}/ATServicesRest/"
    with AutotaskClient(
        AuthCredentials(sandbox.username, sandbox.integration_code, sandbox.secret, api_url=url),
        ClientConfig(backoff_base=0.001, backoff_max=0.01),  # retries, quickly
    ) as client:
        _run_error_handling_example(client, lambda c: c.entities.tickets.query())
    assert _printed(capsys) == ["Network error - check connection"]


def test_error_handling_validation_and_api_errors(
    example_client: AutotaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    _run_error_handling_example(example_client, lambda c: c.entities.tickets.query(max_records=501))
    _run_error_handling_example(
        example_client,
        lambda c: c.entities.tickets.query(filters=[{"op": "eq", "field": "nonsense", "value": 1}]),
    )
    validation, api = _printed(capsys)
    assert validation.startswith("Data validation error: max_records is the page size")
    assert api.startswith("API error 500: ") and "nonsense" in api  # the server's own words


# -- Performance Considerations: Connection Pooling --------------------------------------------


def test_connection_pooling(credentials: AuthCredentials) -> None:
    # Connection pooling is enabled by default
    client = AutotaskClient(credentials)

    # Configure pool size if needed
    from autotask_pandas.client import ClientConfig

    config = ClientConfig(
        timeout=30,
        max_retries=3,
        pool_connections=10,
        pool_maxsize=20,
    )
    client2 = AutotaskClient(credentials, config=config)

    assert (config.timeout, config.max_retries, config.pool_connections, config.pool_maxsize) == (
        30,
        3,
        10,
        20,
    )
    # Both clients work, and one pooled client serves several threads at once.
    assert client.entities.tickets.query(max_records=1).items
    pages: list[int] = []

    def fetch(offset: int) -> None:
        page = client2.entities.ticket_notes.query(
            filters=[{"op": "gt", "field": "id", "value": offset}], max_records=5
        )
        pages.append(len(page.items))

    threads = [threading.Thread(target=fetch, args=(i * 10,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert pages == [5] * 8
    assert max(client2.limiter_peaks.values()) <= config.thread_limit
    client.close()
    client2.close()


# -- Performance Considerations: Batch Operations -----------------------------------------------


def test_performance_batch_operations(example_client: AutotaskClient, company_id: int) -> None:
    client = example_client
    # CHANGED: the example's large_dataset is not given: 12 tickets of a real company (with the
    # status and priority the live API requires).
    large_dataset = [_new_ticket(company_id, f"perf {i}") for i in range(12)]
    before = client.count("Tickets", [{"op": "beginsWith", "field": "title", "value": "perf "}])

    # Instead of individual creates
    for data in large_dataset:
        client.create_entity("Tickets", **data)  # Slow

    # Use batch create
    client.batch_create("Tickets", large_dataset)  # Fast

    after = client.count("Tickets", [{"op": "beginsWith", "field": "title", "value": "perf "}])
    assert after - before == 24


# -- Performance Considerations: Pagination -----------------------------------------------------


def test_pagination(example_client: AutotaskClient) -> None:
    client = example_client
    seen: list[int] = []

    def process_ticket(ticket: dict[str, Any]) -> None:  # not given by the example
        seen.append(ticket["id"])

    # Get first page
    page = client.entities.tickets.query(max_records=100)

    # Process all pages
    while page:
        for ticket in page.items:
            process_ticket(ticket)

        # Get next page
        page = client.entities.tickets.get_next_page(page)

    assert len(seen) == len(set(seen)) == client.entities.tickets.count()
    assert seen == sorted(seen)


# -- Performance Considerations: Memory Management ----------------------------------------------


def test_memory_management(example_client: AutotaskClient, company_id: int) -> None:
    client = example_client
    # CHANGED: the example's large_dataset is not given: 230 tickets of a real company.
    large_dataset = [_new_ticket(company_id, f"memory {i:03d}") for i in range(230)]
    processed: list[tuple[str, int]] = []
    offset = [0]

    def process_results(results: list[Any]) -> None:  # not given by the example
        for data, result in zip(large_dataset[offset[0] :], results):
            processed.append((data["title"], result.item_id))
        offset[0] += len(results)

    # Process in smaller batches
    batch_size = 100
    for i in range(0, len(large_dataset), batch_size):
        batch = large_dataset[i : i + batch_size]
        results = client.batch_create("Tickets", batch)
        # Process results immediately
        process_results(results)
        # Clear references to help garbage collection
        del batch, results

    assert len(processed) == 230 and len({i for _, i in processed}) == 230
    rows = {
        r["id"]: r["title"]
        for r in client.query_all(
            "Tickets",
            [{"op": "in", "field": "id", "value": [i for _, i in processed]}],
            ["id", "title"],
        )
    }
    assert [rows[i] for _, i in processed] == [t for t, _ in processed]  # results in input order
