"""Extract the requests of Datto's official Postman collection into a committed test fixture.

Run from the repository root (once, or when the collection changes):

    python tools/extract_postman.py [--shared ../shared]

Reads ``autotask-api/fixtures/datto-official-postman-collection-2020-10-29.json`` and writes
``tests/fixtures/postman_requests.json``: for every request, in collection order, its name, method,
path (the part after the ``{{webservices[n]}}.autotask.net`` base, as Postman stores it), query
parameters (key and value, unencoded, as Postman stores them; Postman encodes them when sending),
the headers other than the three auth headers (``{{...}}`` variables, filled in by the test), and
the raw body text exactly as the collection has it (some bodies are not strict JSON: the live API's
Json.NET reader accepts them). The collection holds no secrets, only variable placeholders.

Tests read only the generated file, never ``../shared``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
COLLECTION_REL = "autotask-api/fixtures/datto-official-postman-collection-2020-10-29.json"
OUTPUT = ROOT / "tests" / "fixtures" / "postman_requests.json"
AUTH_HEADERS = {"apiintegrationcode", "username", "secret"}


def _requests(items: list[dict[str, Any]], folder: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items:
        if "item" in item:  # a folder
            out.extend(_requests(item["item"], (*folder, item["name"])))
            continue
        request = item["request"]
        url = request["url"]
        headers = {}
        for header in request.get("header", []):
            if header.get("disabled"):
                continue
            if header["key"].lower() in AUTH_HEADERS:
                continue
            headers[header["key"]] = header["value"]
        body = request.get("body") or {}
        out.append(
            {
                "name": item["name"].strip(),
                "folder": list(folder),
                "method": request["method"].upper(),
                "path": "/".join(url["path"]),
                "query": [[q["key"], q.get("value") or ""] for q in url.get("query", [])],
                "headers": headers,
                "body": body.get("raw") if body.get("mode") == "raw" else None,
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args()
    source = args.shared / COLLECTION_REL
    collection = json.loads(source.read_text(encoding="utf-8"))
    requests = _requests(collection["item"])
    data = {
        "source": {
            "collection": collection["info"]["name"],
            "postmanId": collection["info"]["_postman_id"],
            "repository": "AutotaskDevelopment/REST-Postman",
            "commit": "207716df379ccba6bc8dd7e3e3fd390bcc9b904e",
            "generatedBy": "tools/extract_postman.py",
        },
        "variables": sorted(v["key"] for v in collection.get("variable", [])),
        "requests": requests,
    }
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(requests)} requests to {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
