"""Page tokens and page URLs in the live API's format (FACTS §5).

A live next-page URL looks like
``…/V1.0/Companies/query/next?paging=%7b%22pageSize%22%3a500%2c%22previousIds%22%3a%5b-1%5d%2c%22nextIds%22%3a%5b725%5d%7d&search=…``:
the token is JSON ``{"pageSize", "previousIds", "nextIds"}``, URL-encoded the .NET way (lower-case
hex). Paging is an id cursor: a page holds the rows with ``id`` greater than ``nextIds[0]``, in
ascending id order; ``previousIds`` is the stack of earlier cursors, so a previous-page URL is the
same token popped (for the last 50 pages: the stack is capped so URLs stay short). ``search`` is carried only for GET queries: a POSTed query's next page must be
POSTed again with the same body, and a GET on it has no filter to run (405, as observed live).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import quote

from .errors import ApiError

__all__ = ["PageCursor", "dotnet_quote", "first_page", "page_url", "parse_paging"]

MAX_PREVIOUS = 50
_HEX = re.compile(r"%[0-9A-F]{2}")


def dotnet_quote(text: str) -> str:
    """URL-encode as .NET's HttpUtility.UrlEncode does (lower-case hex escapes)."""
    return _HEX.sub(lambda m: m.group(0).lower(), quote(text, safe="-_.!*()"))


@dataclass(frozen=True, slots=True)
class PageCursor:
    page_size: int
    previous_ids: tuple[int, ...]  # cursors of the pages before this one, oldest first
    after_id: int  # this page holds rows with id > after_id

    def token(self) -> str:
        return json.dumps(
            {
                "pageSize": self.page_size,
                "previousIds": list(self.previous_ids),
                "nextIds": [self.after_id],
            },
            separators=(",", ":"),
        )

    def next(self, last_id: int) -> PageCursor:
        # Keep the URL bounded on deep paging (a MaxRecords of 1 over 100,000 rows): going back is
        # possible for the last MAX_PREVIOUS pages, going forward always.
        previous = (*self.previous_ids, self.after_id)[-MAX_PREVIOUS:]
        return PageCursor(self.page_size, previous, last_id)

    def previous(self) -> PageCursor | None:
        if not self.previous_ids:
            return None
        return PageCursor(self.page_size, self.previous_ids[:-1], self.previous_ids[-1])


def first_page(page_size: int) -> PageCursor:
    # Ids start at 0 (a tenant's own company is id 0), hence the live API's -1.
    return PageCursor(page_size, (), -1)


def parse_paging(text: str) -> PageCursor:
    try:
        raw = json.loads(text)
        size = int(raw["pageSize"])
        previous = tuple(int(i) for i in raw.get("previousIds") or ())
        after = int((raw.get("nextIds") or [-1])[0])
    except (ValueError, KeyError, TypeError, IndexError):
        raise ApiError("The paging parameter is not valid.") from None
    if not 1 <= size <= 500:
        raise ApiError("The paging parameter is not valid.")
    return PageCursor(size, previous, after)


def page_url(base: str, entity_path: str, cursor: PageCursor, search: str | None) -> str:
    """Absolute URL of a page; ``search`` (the original JSON text) only for GET queries."""
    url = f"{base}V1.0/{entity_path}/query/next?paging={dotnet_quote(cursor.token())}"
    if search is not None:
        url += f"&search={dotnet_quote(search)}"
    return url
