"""``CompaniesEntity``: the reference's company helpers.

Where the reference and the live API disagree, the live API wins:

* ``company_type`` values are the tenant's ``companyType`` picklist; Autotask ships 1 = Customer
  and 3 = Prospect as system values, which ``get_customer_companies``/``get_prospect_companies``
  use. Labels (``"Customer"``) are accepted wherever a type is.
* The REST Company has no ``country`` text field but ``countryID``, a reference to ``Countries``:
  ``country`` may be that id, or a country's name, display name or ISO code, which is looked up
  (one query, cached per country).
* The live API requires more than the reference's parameters on a new company (``ownerResourceID``
  on our sandbox, as in the Autotask UI): pass them as keyword arguments.
"""

from __future__ import annotations

from typing import Any

from autotask_pandas.entities.base import BaseEntity
from autotask_pandas.exceptions import AutotaskValidationError
from autotask_pandas.types import CreateResponse, FilterOperation, QueryFilter, QueryResponse

__all__ = ["CUSTOMER", "PROSPECT", "CompaniesEntity"]

CUSTOMER = 1
PROSPECT = 3
_UNSET: Any = object()


class CompaniesEntity(BaseEntity):
    """``client.entities.companies``."""

    _country_ids: dict[str, int]

    # -- writing --------------------------------------------------------------------------------

    def create_company(
        self,
        company_name: str | None = None,
        company_type: int | str = _UNSET,
        phone: str | None = None,
        address1: str | None = None,
        city: str | None = None,
        state: str | None = None,
        postal_code: str | None = None,
        country: int | str | None = None,
        **kwargs: Any,
    ) -> CreateResponse:
        """Create a company. Every parameter may also come in kwargs under the API's name
        (``companyName``, ``companyType``, ``postalCode``, ``countryID``...); ``company_type``
        defaults to 1 (Customer)."""
        data = self._with_country(kwargs)
        given: dict[str, Any] = {
            "companyName": company_name,
            "phone": phone,
            "address1": address1,
            "city": city,
            "state": state,
            "postalCode": postal_code,
        }
        if company_type is not _UNSET:
            given["companyType"] = company_type
        if country is not None:
            given["countryID"] = self.country_id(country)
        for key, value in given.items():
            if value is None:
                continue
            if data.get(key) is not None and data[key] != value:
                raise AutotaskValidationError(
                    f"create_company: {key} is given twice ({value!r} and {data[key]!r})"
                )
            data[key] = value
        if not data.get("companyName"):
            raise AutotaskValidationError("create_company needs company_name (companyName)")
        data["companyType"] = self.picklist_value(
            "companyType", data.get("companyType") or CUSTOMER
        )
        return self.create(**data)

    def update_company_address(
        self,
        company_id: int,
        address1: str | None = None,
        address2: str | None = None,
        city: str | None = None,
        state: str | None = None,
        postal_code: str | None = None,
        country: int | str | None = None,
    ) -> dict[str, Any]:
        """PATCH the given address fields (the others stay as they are)."""
        changes: dict[str, Any] = {
            k: v
            for k, v in {
                "address1": address1,
                "address2": address2,
                "city": city,
                "state": state,
                "postalCode": postal_code,
            }.items()
            if v is not None
        }
        if country is not None:
            changes["countryID"] = self.country_id(country)
        if not changes:
            raise AutotaskValidationError("update_company_address: no address field given")
        return self.update(company_id, **changes)

    # -- reading --------------------------------------------------------------------------------

    def search_companies_by_name(self, name: str, exact_match: bool = False) -> QueryResponse:
        """Companies whose name equals (``exact_match``) or contains ``name``; the API compares
        without regard to case."""
        op = FilterOperation.EQ if exact_match else FilterOperation.CONTAINS
        return self.query(filters=[QueryFilter(field="companyName", op=op, value=name)])

    def get_companies_by_type(
        self, company_type: int | str, active_only: bool = True
    ) -> QueryResponse:
        """Companies of one type (a value or a label such as ``"Customer"``)."""
        filters = [
            QueryFilter(
                field="companyType",
                op=FilterOperation.EQ,
                value=self.picklist_value("companyType", company_type),
            )
        ]
        if active_only:
            filters.append(QueryFilter(field="isActive", op=FilterOperation.EQ, value=True))
        return self.query(filters=filters)

    def get_customer_companies(self, active_only: bool = True) -> QueryResponse:
        return self.get_companies_by_type(CUSTOMER, active_only)

    def get_prospect_companies(self, active_only: bool = True) -> QueryResponse:
        return self.get_companies_by_type(PROSPECT, active_only)

    # -- countries ------------------------------------------------------------------------------

    def country_id(self, country: int | str) -> int:
        """The ``Countries`` id of an id, a name, a display name or an ISO code (``"US"``)."""
        if isinstance(country, bool):
            raise AutotaskValidationError(f"not a country: {country!r}")
        if isinstance(country, int):
            return country
        text = str(country).strip()
        if text.isdigit():
            return int(text)
        cache = self.__dict__.setdefault("_country_ids", {})
        key = text.lower()
        if key not in cache:
            rows = self.client.query_all(
                "Countries",
                [
                    QueryFilter.or_(
                        QueryFilter(field="name", op=FilterOperation.EQ, value=text),
                        QueryFilter(field="displayName", op=FilterOperation.EQ, value=text),
                        QueryFilter(field="countryCode", op=FilterOperation.EQ, value=text),
                    )
                ],
                ["id", "name", "countryCode"],
            )
            if len(rows) != 1:
                found = ", ".join(f"{r.get('name')} ({r.get('countryCode')})" for r in rows)
                raise AutotaskValidationError(
                    f"country {text!r} matches {len(rows)} Countries rows"
                    + (f": {found}" if found else "")
                    + "; pass countryID"
                )
            cache[key] = int(rows[0]["id"])
        country_id: int = cache[key]
        return country_id

    def _with_country(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        # ``country`` (the SOAP-era text field) is no REST field: resolve it to countryID.
        rest = dict(kwargs)
        key = next((k for k in rest if k.lower() == "country"), None)
        value = rest.pop(key) if key is not None else None
        data = self.api_fields(rest)
        if value is not None:
            data["countryID"] = self.country_id(value)
        return data
