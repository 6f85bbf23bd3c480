"""Metadata is fetched once per entity and kept: in memory, and on disk with an expiry."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from autotask_pandas import AutotaskClient, EntityMetadata
from autotask_pandas.sandbox import Sandbox

MakeClient = Callable[..., AutotaskClient]


def _metadata_calls(sb: Sandbox, mark: int) -> list[str]:
    return [
        r.path.split("/V1.0/", 1)[1]
        for r in sb.requests[mark:]
        if "entityinformation" in r.path.lower()
    ]


def test_fields_picklists_and_udfs(make_client: MakeClient) -> None:
    client = make_client(inprocess=True)
    meta = client.get_entity_metadata("tickets")
    assert isinstance(meta, EntityMetadata)
    assert meta.can_query and meta.can_create and not meta.can_delete
    assert meta.has_user_defined_fields
    status = meta.field("Status")
    assert status is not None and status.is_picklist and status.picklist_values
    assert status.data_type == "integer" and status.is_required
    company = meta.field("companyID")
    assert company is not None and company.is_reference and company.reference_entity_type
    sub = meta.field("subIssueType")
    assert sub is not None and sub.picklist_parent_value_field
    assert {u.name for u in meta.user_defined_fields} >= {"Customer Impact", "Root Cause"}
    assert all(u.is_udf for u in meta.user_defined_fields)


def test_each_kind_is_fetched_once(sandbox: Sandbox, make_client: MakeClient) -> None:
    client = make_client()
    mark = len(sandbox.requests)
    for _ in range(3):
        client.get_entity_metadata("Companies")
        client.get_field_metadata("companies")
        client.get_udf_metadata("COMPANIES")
    assert sorted(_metadata_calls(sandbox, mark)) == [
        "Companies/entityInformation",
        "Companies/entityInformation/fields",
        "Companies/entityInformation/userDefinedFields",
    ]


def test_entities_without_udfs_ask_for_none(sandbox: Sandbox, make_client: MakeClient) -> None:
    client = make_client()
    mark = len(sandbox.requests)
    assert client.get_udf_metadata("TicketNotes") == []
    assert _metadata_calls(sandbox, mark) == []


def test_concurrent_askers_share_one_fetch(sandbox: Sandbox, make_client: MakeClient) -> None:
    client = make_client()
    mark = len(sandbox.requests)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: len(client.get_field_metadata("Contacts")), range(16)))
    assert len(set(results)) == 1 and results[0] > 0
    assert _metadata_calls(sandbox, mark) == ["Contacts/entityInformation/fields"]


def test_disk_cache_survives_the_client_and_expires(
    sandbox: Sandbox, make_client: MakeClient, tmp_path: Path
) -> None:
    first = make_client(metadata_cache_dir=tmp_path)
    fields = first.get_field_metadata("Tickets")
    mark = len(sandbox.requests)
    second = make_client(metadata_cache_dir=tmp_path)
    assert second.get_field_metadata("Tickets") == fields
    assert _metadata_calls(sandbox, mark) == []  # read from disk
    assert list(tmp_path.rglob("*.json"))
    expired = make_client(metadata_cache_dir=tmp_path, metadata_ttl=0)
    expired.get_field_metadata("Tickets")
    assert _metadata_calls(sandbox, mark) == ["Tickets/entityInformation/fields"]
    first.clear_metadata_cache(disk=True)
    assert not list(tmp_path.rglob("*.json"))
