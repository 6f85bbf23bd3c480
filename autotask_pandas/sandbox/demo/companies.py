"""Customers, prospects, vendors and the rest: companies, their locations and their contacts,
with the names, places and job titles they are made of."""

from __future__ import annotations

from ..tenant import UDF_DEFINITIONS
from .common import DAY, END, ID_BASES, Pick, Row, dt, iso, labels, midnight, udfs
from .state import Company, DemoState

_COMPANY_TYPE = labels("Companies", "companyType")

_FIRST_NAMES = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Carlos", "Karen", "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Betty", "Mark", "Sandra", "Steven", "Ashley", "Paul", "Kimberly", "Andrew", "Emily", "Joshua", "Donna", "Kenneth", "Michelle", "Wei", "Carol", "Brian", "Amanda", "George", "Melissa", "Timothy", "Deborah", "Ronald", "Stephanie", "Jason", "Rebecca", "Edward", "Sharon", "Jeffrey", "Laura", "Ryan", "Cynthia", "Jacob", "Amy", "Gary", "Kathleen", "Nicholas", "Angela", "Eric", "Shirley", "Jonathan", "Anna", "Stephen", "Ruth", "Larry", "Brenda", "Justin", "Pamela", "Scott", "Nicole", "Brandon", "Fatima"]
_LAST_NAMES = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes", "Stewart", "Morris", "Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson", "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward"]
_JOB_TITLES = (
    "Office Manager", "Practice Administrator", "Controller", "CFO", "Operations Director",
    "Receptionist", "Paralegal", "Accountant", "Sales Manager", "Owner", "HR Generalist",
    "Project Coordinator", "Marketing Specialist", "Bookkeeper", "Executive Assistant",
    "Plant Manager", "Nurse Manager", "Associate", "Partner", "Program Director",
)
_COMPANY_PREFIXES = (
    "Northwind", "Blue Ridge", "Summit", "Lakeside", "Riverbend", "Harbor", "Granite", "Maple",
    "Cedar", "Pioneer", "Keystone", "Redwood", "Silver Creek", "Oakmont", "Evergreen", "Highland",
    "Bayview", "Stonebridge", "Westfield", "Brightwater", "Copper Hill", "Ironwood",
    "Meadowbrook", "Pinecrest", "Sterling", "Hudson Valley", "Clearwater", "Fairview", "Liberty",
    "Crescent", "Willow", "Aspen", "Sunrise", "Beacon", "Cornerstone", "Foxhall", "Greystone",
    "Juniper", "Kingsley", "Lighthouse", "Millbrook", "Orchard", "Parkside", "Rosewood",
    "Tidewater", "Vantage", "Whitmore", "Ashford", "Bramble", "Coventry",
)
# Industry words by market segment, so a "Dental" company sits in Healthcare.
_INDUSTRIES: dict[str, tuple[str, ...]] = {
    "Healthcare": ("Family Dental", "Pediatrics", "Physical Therapy", "Medical Group",
                   "Veterinary Clinic", "Eye Care"),
    "Legal": ("Law Group", "Legal Partners", "Title & Escrow"),
    "Manufacturing": ("Precision Machining", "Plastics", "Fabrication", "Tool & Die",
                      "Packaging"),
    "Financial Services": ("Wealth Advisors", "Credit Union", "Insurance Agency", "CPAs"),
    "Non-Profit": ("Community Foundation", "Family Services", "Arts Council"),
    "Retail": ("Outfitters", "Home & Garden", "Furniture", "Bicycle Co."),
    "Professional Services": ("Architects", "Engineering", "Consulting", "Realty",
                              "Surveying"),
}
_COMPANY_SUFFIXES = ("", " LLC", " Inc.", " Group", " & Co.")
_VENDORS = (
    "Dell Technologies", "HP Inc.", "Microsoft Corporation", "Ingram Micro", "TD SYNNEX",
    "Datto", "Cisco Systems", "Lenovo", "Ubiquiti", "Fortinet", "Pax8", "Comcast Business",
)
# (city, state, postal code, area code, territory, country id)
_PLACES = (
    ("Albany", "NY", "12207", "518", "Northeast", 237),
    ("Boston", "MA", "02110", "617", "Northeast", 237),
    ("Hartford", "CT", "06103", "860", "Northeast", 237),
    ("Providence", "RI", "02903", "401", "Northeast", 237),
    ("Philadelphia", "PA", "19103", "215", "Northeast", 237),
    ("Atlanta", "GA", "30303", "404", "Southeast", 237),
    ("Charlotte", "NC", "28202", "704", "Southeast", 237),
    ("Tampa", "FL", "33602", "813", "Southeast", 237),
    ("Nashville", "TN", "37203", "615", "Southeast", 237),
    ("Chicago", "IL", "60601", "312", "Midwest", 237),
    ("Columbus", "OH", "43215", "614", "Midwest", 237),
    ("Minneapolis", "MN", "55401", "612", "Midwest", 237),
    ("Madison", "WI", "53703", "608", "Midwest", 237),
    ("Denver", "CO", "80202", "303", "West", 237),
    ("Portland", "OR", "97204", "503", "West", 237),
    ("Sacramento", "CA", "95814", "916", "West", 237),
    ("Phoenix", "AZ", "85004", "602", "West", 237),
    ("Toronto", "ON", "M5H 2N2", "416", "International", 39),
    ("London", "", "EC1A 1BB", "20", "International", 236),
    ("Sydney", "NSW", "2000", "2", "International", 14),
)
_STREETS = ("Main Street", "Tech Valley Drive", "Commerce Way", "Market Street", "Park Avenue",
            "Industrial Parkway", "State Street", "Elm Street", "Corporate Drive", "Harbor Road")


def build_companies(demo: DemoState) -> list[Row]:
    rng = demo.rng
    mix = {"Partner": demo.count(1), "Vendor": demo.count(12), "Prospect": demo.count(18),
           "Lead": demo.count(6), "Cancellation": demo.count(4), "Dead": demo.count(3)}
    total = max(round(150 * demo.scale), sum(mix.values()) + 1)
    kinds = [kind for kind, n in mix.items() for _ in range(n)]
    kinds += ["Customer"] * (total - len(kinds))
    rng.shuffle(kinds)
    names = [(p, seg, ind, suf) for suf in _COMPANY_SUFFIXES for p in _COMPANY_PREFIXES
             for seg, inds in _INDUSTRIES.items() for ind in inds]
    # Plain names first, suffixed ones only once those run out (they read as duplicates).
    plain = len(_COMPANY_PREFIXES) * sum(map(len, _INDUSTRIES.values()))
    head, tail = names[:plain], names[plain:]
    rng.shuffle(head)
    rng.shuffle(tail)
    names = head + tail
    vendors = iter(_VENDORS)
    # Companies were added over eight years; ids follow creation order.
    created = sorted(rng.uniform(-8 * 365 * DAY, END - 30 * DAY) for _ in kinds)
    owners = demo.staff_with("Account Manager", "vCIO")
    segments = labels("Companies", "marketSegmentID")
    territories = labels("Companies", "territoryID")
    classes = list(labels("Companies", "classification").values())
    place_pick = Pick((p, 1.0 if p[5] == 237 else 0.15) for p in _PLACES)

    msp = Company(0, "Sandbox MSP", "sandbox-msp", "Customer", 0.6, _PLACES[0],
                  -9 * 365 * DAY)
    demo.companies.append(msp)
    rows = [_company_row(demo, msp, classification=None, segment=None,
                         territory=territories["Northeast"], owner=owners[-1])]
    for n, (kind, when) in enumerate(zip(kinds, created)):
        if kind == "Vendor" and (vendor := next(vendors, None)):
            name, segment = vendor, None
        else:
            prefix, segment, industry, suffix = names[n % len(names)]
            name = f"{prefix} {industry}{suffix}"
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:40]
        weight = min(rng.paretovariate(1.4), 25.0) if kind == "Customer" else 0.0
        company = Company(ID_BASES["Companies"] + n, name, slug, kind, weight,
                          place_pick(rng), when)
        if kind == "Customer":
            company.tier = 1 if weight > 5 else 2 if weight > 2 else 3
        demo.companies.append(company)
        rows.append(_company_row(
            demo,
            company,
            classification=classes[company.tier - 1] if company.tier else None,
            segment=segments[segment] if segment else None,
            territory=territories[company.place[4]],
            owner=owners[n % len(owners)],
        ))
    return rows


def _company_row(demo: DemoState, company: Company, *, classification: int | None,
                 segment: int | None, territory: int, owner: int) -> Row:
    rng = demo.rng
    city, state, postal, area, _, country = company.place
    customer = company.kind == "Customer" and company.id != 0
    non_profit = labels("Companies", "marketSegmentID")["Non-Profit"]
    udf_values = udfs(
        ("Customer Tier", str(company.tier) if company.tier else None),
        ("Contract Renewal Date",
         iso(midnight(END + rng.randint(20, 365) * DAY)) if customer else None),
        ("Seats", str(int(5 + company.weight * 12)) if customer else None),
    )
    return {
        "id": company.id, "companyName": company.name,
        "companyNumber": str(100000 + company.id % 100000),
        "companyType": _COMPANY_TYPE[company.kind], "classification": classification,
        "marketSegmentID": segment, "territoryID": territory,
        "phone": f"({area}) 555-{rng.randint(100, 199):04d}",
        "fax": f"({area}) 555-{rng.randint(100, 199):04d}" if rng.random() < 0.3 else None,
        "address1": f"{rng.randint(1, 999)} {rng.choice(_STREETS)}",
        "address2": f"Suite {rng.randint(100, 500)}" if rng.random() < 0.4 else None,
        "city": city, "state": state or None, "postalCode": postal, "countryID": country,
        "webAddress": f"www.{company.slug}.example", "isActive": company.kind != "Dead",
        "isClientPortalActive": customer and rng.random() < 0.6, "isTaskFireActive": False,
        "isTaxExempt": segment == non_profit,
        "ownerResourceID": owner, "currencyID": ID_BASES["Currencies"],
        "createDate": dt(company.created), "createdByResourceID": owner,
        "lastActivityDate": dt(rng.uniform(max(company.created, 0), END)),
        "userDefinedFields": udf_values,
    }


def build_locations(demo: DemoState) -> list[Row]:
    rows = []
    for n, company in enumerate(demo.companies):
        company.location_id = ID_BASES["CompanyLocations"] + n
        city, state, postal, area, _, country = company.place
        rows.append({"id": company.location_id, "companyID": company.id,
                     "name": "Headquarters", "address1": f"{100 + n} {_STREETS[n % 10]}",
                     "city": city, "state": state or None, "postalCode": postal,
                     "countryID": country, "phone": f"({area}) 555-0100",
                     "isPrimary": True, "isActive": True, "isTaxExempt": False,
                     "overrideCompanyTaxSettings": False})
    return rows


def build_contacts(demo: DemoState) -> list[Row]:
    rng = demo.rng
    target = round(600 * demo.scale)
    # Non-customers keep a contact or two; customers share the rest by size (at least one).
    counts = {c.id: 2 if c.kind in ("Prospect", "Partner", "Cancellation") else 1
              for c in demo.companies[1:] if c.kind != "Dead"}
    customers = [c for c in demo.companies[1:] if c.kind == "Customer"]
    spare = max(0, target - sum(counts.values()))
    total_weight = sum(c.weight for c in customers) or 1.0
    for c in customers:
        counts[c.id] += int(spare * c.weight / total_weight)
    # Rounding down left a few over: give them out by size too.
    extra = Pick((c, c.weight) for c in customers)
    for _ in range(target - sum(counts.values())):
        counts[extra(rng).id] += 1
    preferred = UDF_DEFINITIONS["Contacts"][0].picklist_values
    channel = Pick((str(v.value), 1.0) for v in preferred)
    rows, next_id = [], ID_BASES["Contacts"]
    for company in demo.companies[1:]:
        for n in range(counts.get(company.id, 0)):
            first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
            created = rng.uniform(company.created, END - DAY)
            company.contacts.append(next_id)
            company.contact_names.append(first)
            area = company.place[3]
            rows.append({
                "id": next_id, "companyID": company.id,
                "companyLocationID": company.location_id,
                "firstName": first, "lastName": last, "title": rng.choice(_JOB_TITLES),
                "emailAddress": f"{first[0]}{last}@{company.slug}.example".lower(),
                "phone": f"({area}) 555-{rng.randint(100, 199):04d}",
                "extension": str(rng.randint(100, 399)) if rng.random() < 0.5 else None,
                "mobilePhone": f"({area}) 555-{rng.randint(100, 199):04d}"
                if rng.random() < 0.5 else None,
                "isActive": 0 if rng.random() < 0.05 else 1, "primaryContact": n == 0,
                "receivesEmailNotifications": True,
                "createDate": dt(created),
                "lastActivityDate": dt(rng.uniform(created, END)),
                "lastModifiedDate": dt(rng.uniform(created, END)),
                "userDefinedFields": udfs(
                    ("Preferred Channel", channel(rng) if rng.random() < 0.6 else None)),
            })
            next_id += 1
    return rows
