"""JSON as the live API reads it: Json.NET, which is lenient.

Datto's own Postman collection sends bodies with unquoted property names and trailing commas, and
the API's next-page URLs carry the search JSON in single quotes (FACTS §3, §5), so strict JSON is
not enough. Strict parsing runs first (fast, and what nearly every client sends); the ``json5``
library, which reads all of those forms, is the fallback.
"""

from __future__ import annotations

import json
import re
from typing import Any

import json5

__all__ = ["MAX_DEPTH", "read_json"]

# How deep arrays and objects may nest. Json.NET refuses past its MaxDepth (64 by default since
# 13.0, unlimited before; which one the live API runs is UNCONFIRMED, FACTS §13): 128 refuses
# hostile bodies (``[`` x 100,000 would exhaust any recursive reader's stack) and admits every
# filter a client builds (a group costs two levels).
MAX_DEPTH = 128
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")


def _depth(text: str) -> int:
    """The deepest nesting of ``text``'s brackets, strings aside (stops counting past MAX_DEPTH)."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    break
        else:
            depth -= 1
    return deepest


def read_json(text: str) -> Any:
    """Parse ``text``; raises ValueError when even a lenient reader cannot, or when it nests
    deeper than ``MAX_DEPTH``."""
    if _depth(text) > MAX_DEPTH:
        raise ValueError(f"The reader's MaxDepth of {MAX_DEPTH} has been exceeded.")
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
