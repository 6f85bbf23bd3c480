"""``CompaniesEntity``: the reference's company helpers against the sandbox."""

from __future__ import annotations

import pytest

from autotask_pandas import AutotaskClient, AutotaskValidationError


def test_create_company_with_the_references_parameters(
    client: AutotaskClient, owner_id: int
) -> None:
    companies = client.entities.companies
    made = companies.create_company(
        "Snake Oil Ltd",
        phone="555-0100",
        address1="1 Main St",
        city="Springfield",
        state="IL",
        postal_code="62701",
        country="US",
        owner_resource_id=owner_id,  # required on the live API (not a reference parameter)
    )
    row = companies.get(made.item_id)
    assert row["companyName"] == "Snake Oil Ltd"
    assert row["companyType"] == 1  # the reference's default, Customer
    assert (row["address1"], row["city"], row["state"], row["postalCode"]) == (
        "1 Main St",
        "Springfield",
        "IL",
        "62701",
    )
    us = client.query("Countries", [{"op": "eq", "field": "countryCode", "value": "US"}]).items[0]
    assert row["countryID"] == us["id"]


def test_create_company_with_the_apis_names(client: AutotaskClient, owner_id: int) -> None:
    made = client.entities.companies.create_company(
        companyName="Api Names", companyType=3, phone="1", ownerResourceID=owner_id
    )
    row = client.entities.companies.get(made.item_id)
    assert (row["companyName"], row["companyType"]) == ("Api Names", 3)


def test_create_company_type_by_label(client: AutotaskClient, owner_id: int) -> None:
    made = client.entities.companies.create_company(
        "Labelled", company_type="Prospect", phone="1", ownerResourceID=owner_id
    )
    assert client.entities.companies.get(made.item_id)["companyType"] == 3


def test_create_company_refusals_send_nothing(
    client: AutotaskClient, owner_id: int, request_log
) -> None:
    companies = client.entities.companies
    companies.country_id("US")  # cached lookup, so the log below holds only what is refused
    log = request_log()
    with pytest.raises(AutotaskValidationError, match="company_name"):
        companies.create_company(phone="1")
    with pytest.raises(AutotaskValidationError, match="given twice"):
        companies.create_company("A", company_type=1, companyType=3)
    with pytest.raises(AutotaskValidationError, match="has no field 'colour'"):
        companies.create_company("A", colour="red")
    assert [r for r in log.requests if r.method != "GET"] == []


def test_search_companies_by_name(client: AutotaskClient) -> None:
    companies = client.entities.companies
    some = companies.query(max_records=3).items[-1]["companyName"]
    exact = companies.search_companies_by_name(some, exact_match=True)
    assert [c["companyName"] for c in exact.items] == [some]
    word = some.split()[0].lower()
    loose = companies.search_companies_by_name(word)
    assert some in [c["companyName"] for c in loose.items]
    assert all(word in c["companyName"].lower() for c in loose.items)


def test_companies_by_type(client: AutotaskClient) -> None:
    companies = client.entities.companies
    customers = companies.get_customer_companies()
    assert customers.items
    assert all(c["companyType"] == 1 and c["isActive"] for c in customers.items)
    every_customer = companies.get_customer_companies(active_only=False)
    assert len(every_customer.items) >= len(customers.items)
    assert all(c["companyType"] == 1 for c in every_customer.items)
    prospects = companies.get_prospect_companies()
    assert prospects.items and all(c["companyType"] == 3 for c in prospects.items)
    vendors = companies.get_companies_by_type("Vendor", active_only=False)
    assert vendors.items and all(c["companyType"] == 7 for c in vendors.items)
    assert len(customers.items) == companies.count(
        [
            {"op": "eq", "field": "companyType", "value": 1},
            {"op": "eq", "field": "isActive", "value": True},
        ]
    )


def test_update_company_address_changes_only_what_is_given(
    client: AutotaskClient, owner_id: int, request_log
) -> None:
    companies = client.entities.companies
    company = companies.create_company(
        "Moving Co", phone="1", address1="Old 1", city="Oldtown", ownerResourceID=owner_id
    ).item_id
    companies.update_company_address(
        company, address1="New 2", postal_code="99999", country="Canada"
    )
    row = companies.get(company)
    assert (row["address1"], row["postalCode"], row["city"]) == ("New 2", "99999", "Oldtown")
    canada = client.query("Countries", [{"op": "eq", "field": "name", "value": "Canada"}]).items[0]
    assert row["countryID"] == canada["id"]
    log = request_log()
    with pytest.raises(AutotaskValidationError, match="no address field"):
        companies.update_company_address(company)
    with pytest.raises(AutotaskValidationError, match="Atlantis"):
        companies.update_company_address(company, country="Atlantis")
    assert [r for r in log.requests if r.method == "PATCH"] == []
