"""The products the MSP sells, and what a configuration item made from each looks like."""

from __future__ import annotations

from .common import ID_BASES, Row
from .state import DemoState

# (name, manufacturer, CI type, unit cost, unit price, weight among a customer's devices)
PRODUCTS = (
    ("Dell OptiPlex 7010", "Dell", "Workstation", 780.0, 1049.0, 30.0),
    ("Lenovo ThinkPad T14 Gen 4", "Lenovo", "Workstation", 1120.0, 1449.0, 25.0),
    ("HP EliteBook 840 G10", "HP", "Workstation", 1190.0, 1529.0, 12.0),
    ("Dell PowerEdge R660", "Dell", "Server", 5400.0, 6899.0, 3.0),
    ("HPE ProLiant DL360 Gen11", "HPE", "Server", 5900.0, 7499.0, 2.0),
    ("Cisco Meraki MX68", "Cisco", "Network Device", 690.0, 899.0, 3.0),
    ("Ubiquiti UniFi Switch Pro 24", "Ubiquiti", "Network Device", 480.0, 649.0, 4.0),
    ("HP LaserJet Pro M404dn", "HP", "Printer", 310.0, 429.0, 6.0),
    ("Apple iPhone 15", "Apple", "Mobile Device", 699.0, 829.0, 8.0),
    ("Microsoft 365 Business Premium", "Microsoft", "Software License", 22.0, 26.4, 5.0),
    ("Domain Registration (.com)", "GoDaddy", "Domain", 12.0, 25.0, 1.0),
    ("SSL Certificate (OV)", "DigiCert", "SSL Certificate", 180.0, 249.0, 1.0),
)
HOST_CODE = {"Workstation": "WS", "Server": "SRV", "Network Device": "NET", "Printer": "PRN",
             "Mobile Device": "MOB"}
HARDWARE = frozenset(HOST_CODE)


def build_products(demo: DemoState) -> list[Row]:
    """The Products rows; ``demo.products`` learns (id, name, CI type) of each, in order."""
    products: list[Row] = []
    for n, (name, maker, ci_type, cost, price, _) in enumerate(PRODUCTS):
        product_id = ID_BASES["Products"] + n
        demo.products.append((product_id, name, ci_type))
        products.append({"id": product_id, "name": name, "description": name,
                         "manufacturerName": maker, "manufacturerProductName": name,
                         "sku": f"{maker[:3].upper()}-{1000 + n}", "unitCost": cost,
                         "unitPrice": price, "msrp": round(price * 1.1, 2),
                         "isActive": True, "isSerialized": ci_type in HARDWARE})
    return products
