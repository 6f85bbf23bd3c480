"""JSON as the live API reads it: Json.NET, which is lenient.

Datto's own Postman collection sends bodies with unquoted property names and trailing commas, and
the API's next-page URLs carry the search JSON in single quotes (FACTS §3, §5), so strict JSON is
not enough. Strict parsing runs first (fast, and what nearly every client sends); the ``json5``
library, which reads all of those forms, is the fallback.
"""

from __future__ import annotations

import json
from typing import Any

import json5

__all__ = ["read_json"]


def read_json(text: str) -> Any:
    """Parse ``text``; raises ValueError when even a lenient reader cannot."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return json5.loads(text)
    except ValueError:
        raise
    except Exception as exc:  # noqa: BLE001 - json5 reports some syntax errors as other types
        raise ValueError(str(exc)) from None
