"""Configuration items: the devices, licences and domains the MSP manages for its customers."""

from __future__ import annotations

from .common import DAY, END, ID_BASES, Pick, Row, dt, iso, labels, midnight, udfs
from .products import HARDWARE, HOST_CODE, PRODUCTS
from .state import DemoState

_CI_TYPE = labels("ConfigurationItems", "configurationItemType")


def build_configuration_items(demo: DemoState) -> list[Row]:
    rng = demo.rng
    customers = [c for c in demo.companies[1:] if c.kind == "Customer"]
    company_pick = Pick((c, c.weight) for c in customers)
    product_pick = Pick(((pid, name, ci_type), p[5])
                        for (pid, name, ci_type), p in zip(demo.products, PRODUCTS))
    hostnames: dict[tuple[int, str], int] = {}
    rows = []
    for n in range(demo.count(1000)):
        company = company_pick(rng)
        product_id, product, ci_type = product_pick(rng)
        ci_id = ID_BASES["ConfigurationItems"] + n
        installed = rng.uniform(max(company.created, -4 * 365 * DAY), END - DAY)
        code = HOST_CODE.get(ci_type)
        if code:
            hostnames[(company.id, code)] = seq = hostnames.get((company.id, code), 0) + 1
            title = f"{company.slug[:4].upper()}-{code}-{seq:03d}"
            if ci_type in ("Workstation", "Server", "Network Device"):
                company.devices.append((ci_id, title))
        else:
            title = f"{product} - {company.name}"
        hardware = ci_type in HARDWARE
        warranty = installed + 3 * 365 * DAY if hardware else None
        extended = warranty + rng.choice((365, 730)) * DAY if warranty and rng.random() < 0.3 \
            else warranty
        rows.append({
            "id": ci_id, "companyID": company.id, "companyLocationID": company.location_id,
            "productID": product_id, "configurationItemType": _CI_TYPE[ci_type],
            "referenceTitle": title,
            "serialNumber": "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", k=10))
            if hardware else None,
            "contactID": rng.choice(company.contacts)
            if ci_type in ("Workstation", "Mobile Device") and company.contacts else None,
            "installDate": midnight(installed),
            "warrantyExpirationDate": midnight(warranty) if warranty else None,
            "isActive": rng.random() < 0.92, "createDate": dt(installed),
            "numberOfUsers": float(rng.randint(5, 60)) if ci_type == "Software License"
            else None,
            "userDefinedFields": udfs(
                ("Warranty Expiry", iso(midnight(extended)) if extended else None)),
        })
    return rows
