"""The two error shapes the live API answers with, as exceptions the sandbox raises internally.

Business and query errors come as ``{"errors": [...]}`` (mostly HTTP 500); routing errors come from
ASP.NET Web API itself as ``{"Message": ...}`` (404, 405). Keeping them apart means every handler can
simply raise, and the WSGI layer renders the shape the live API would have sent.
"""

from __future__ import annotations

__all__ = ["METHOD_NOT_ALLOWED", "NO_RESOURCE", "ApiError", "RouteError"]


class ApiError(Exception):
    """An error answered as ``{"errors": [...]}``."""

    def __init__(self, *errors: str, status: int = 500, headers: dict[str, str] | None = None):
        super().__init__("; ".join(errors))
        self.errors = list(errors)
        self.status = status
        self.headers = headers or {}


class RouteError(Exception):
    """An error answered as ``{"Message": ...}`` (the framework's own routing errors)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def METHOD_NOT_ALLOWED(method: str) -> RouteError:
    return RouteError(405, f"The requested resource does not support http method '{method}'.")


def NO_RESOURCE(url: str) -> RouteError:
    return RouteError(404, f"No HTTP resource was found that matches the request URI '{url}'.")
