"""Every error the client raises, in one tree.

::

    AutotaskException
    ├── AutotaskValidationError (ValueError)   a mistake caught before any request was sent
    ├── AutotaskConnectionError                the network failed; no usable answer came back
    │   └── AutotaskTimeoutError (TimeoutError)
    ├── AutotaskZoneError                      zone lookup failed, or it named a host we will not
    │                                          send credentials to
    ├── AutotaskUncertainWriteError            a write was sent and its fate is unknown: a create
    │                                          that got no answer (never resent blindly), or an
    │                                          update/delete whose first attempt went unanswered
    │                                          and whose retry was refused (``last_error``)
    ├── AutotaskBatchError                     some items of a many-write failed; ``.results`` holds
    │                                          every item's outcome in input order
    ├── AutotaskPullInterruptedError           a pull of many pages stopped by an error (``error``)
    │                                          after its first page; ``resume()`` fetches the rest
    └── AutotaskAPIError                       the server answered with an error status
        ├── AutotaskAuthenticationError        401, and the 500s "IntegrationCode is invalid." and
        │                                      "Zone information could not be determined"
        ├── AutotaskPermissionError            403, or a 500 saying the resource lacks permissions
        ├── AutotaskNotFoundError (KeyError)   404
        ├── AutotaskResponseError              a 2xx answer the client cannot trust: not JSON, or
        │                                      not the shape the call promises (never read as
        │                                      "no rows" or "not found"), or a query page that
        │                                      breaks paging's promises (client/paging.py)
        │   └── AutotaskUntrustedURLError      ... naming a page URL off the API root; also an
        │                                      AutotaskZoneError: nothing is sent there
        ├── AutotaskRateLimitError             429: the hourly request threshold (``retry_after``)
        └── AutotaskThreadLimitError           "thread threshold exceeded", whatever the status

``AutotaskAPIError`` keeps the server's words: ``errors`` is the list the API sent (from
``{"errors": [...]}`` or the 405 ``{"Message": ...}``) and the message always includes them.
``response`` is the parsed body (a dict, or the text when it was not JSON), never the HTTP
request or response object: those carry the credentials in their headers, and an exception can
travel far (logs, tracebacks, pickles).

``AutotaskPullInterruptedError`` is raised only once a pull has received a page: an error before
that is raised as it is (there is nothing to resume). Its ``error`` may be any error above.

``AutotaskUncertainWriteError`` deliberately does not inherit ``AutotaskConnectionError``: code that
retries on connection errors must not resend a create that may already have landed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:  # pragma: no cover - import only for type checkers
    from autotask_pandas.types import WriteResult

__all__ = [
    "AutotaskAPIError",
    "AutotaskAuthenticationError",
    "AutotaskBatchError",
    "AutotaskConnectionError",
    "AutotaskException",
    "AutotaskNotFoundError",
    "AutotaskPermissionError",
    "AutotaskPullInterruptedError",
    "AutotaskRateLimitError",
    "AutotaskResponseError",
    "AutotaskThreadLimitError",
    "AutotaskTimeoutError",
    "AutotaskUncertainWriteError",
    "AutotaskUntrustedURLError",
    "AutotaskValidationError",
    "AutotaskZoneError",
]


class AutotaskException(Exception):
    """Base class of every error raised by autotask_pandas."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class AutotaskValidationError(AutotaskException, ValueError):
    """The call was refused on our side, before any request was sent."""


class AutotaskConnectionError(AutotaskException):
    """The request could not be completed on the network (after any retries).

    ``sent`` is False when the connection could not even be made (nothing reached the server)
    and True when the request left and no answer came back.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        url: str | None = None,
        sent: bool = False,
    ) -> None:
        super().__init__(message)
        self.method = method
        self.url = url
        self.sent = sent


class AutotaskTimeoutError(AutotaskConnectionError, TimeoutError):
    """The server did not answer in time (after any retries)."""


class AutotaskZoneError(AutotaskException):
    """The zone lookup failed, or it pointed at a host credentials must not go to."""


class AutotaskUncertainWriteError(AutotaskException):
    """A write was sent and whether it was carried out is unknown.

    A create that got no answer: creates are not idempotent, so the client never resends one
    after the request left; look the record up (by a field you set) before trying again. An
    update, replace or delete whose first attempt went unanswered (it may have landed) and whose
    retry was then refused: ``last_error`` is the refusal; the write methods read the record
    back to settle it where they can (``client/write_methods.py``).
    """

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        url: str | None = None,
        last_error: BaseException | None = None,
    ) -> None:
        super().__init__(message)
        self.method = method
        self.url = url
        self.last_error = last_error


class AutotaskBatchError(AutotaskException):
    """Some items of a many-write did not succeed.

    ``results`` holds one ``WriteResult`` per input item, in input order, successes included, so
    nothing is lost: ``failed`` and ``uncertain`` list the items to look at.
    """

    def __init__(self, message: str, results: Sequence[WriteResult]) -> None:
        super().__init__(message)
        self.results: list[WriteResult] = list(results)

    @property
    def failed(self) -> list[WriteResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def uncertain(self) -> list[WriteResult]:
        return [r for r in self.results if r.status == "uncertain"]

    @property
    def succeeded(self) -> list[WriteResult]:
        return [r for r in self.results if r.status == "ok"]


_T = TypeVar("_T")


class AutotaskPullInterruptedError(AutotaskException, Generic[_T]):
    """A pull of several pages stopped by an error after some of its pages had come in; nothing
    received is lost and nothing needs fetching twice.

    ``error``: the error that stopped it (after the client's own retries; also ``__cause__``).
    ``received``: rows the pull had received before it (handed over, or held for ``resume``).

    ``resume()`` fetches only what the pull had not received - a sequential pull from the page
    after its last good one, a pull over id ranges the ranges not done, each from its last id -
    and returns what the interrupted call still owed: for a call that returns everything at once
    (``Query.to_pandas``, ``read_autotask``) its complete result; for an iterator
    (``iter_pages``, ``iter_query``, ``iter_row_pages``) an iterator of the pages (rows) it had
    not yielded yet. A resume interrupted in turn raises a new ``AutotaskPullInterruptedError``
    to resume from. Each error can be resumed once (``AutotaskValidationError`` the second time,
    as from a copy unpickled: a pickle holds the message, ``error`` and ``received`` only).
    """

    def __init__(
        self,
        message: str,
        *,
        error: BaseException | None = None,
        received: int = 0,
        resume: Callable[[], _T] | None = None,
    ) -> None:
        super().__init__(message)
        self.error = error
        self.received = received
        self._resume = resume
        self._resumed = False

    def resume(self) -> _T:
        """The rest of the pull (see the class docstring). Raises ``AutotaskValidationError``
        when called a second time or on an unpickled copy, before any request."""
        if self._resumed:
            raise AutotaskValidationError(
                "this interrupted pull was already resumed; if the resume was interrupted in "
                "turn, resume the error it raised"
            )
        if self._resume is None:
            raise AutotaskValidationError(
                "this interrupted pull cannot be resumed here (an unpickled copy holds no "
                "connection): run the query again"
            )
        self._resumed = True
        return self._resume()

    def __reduce__(self) -> Any:
        # The resume holds the client (connections, the secret): never part of a pickle.
        state = {"error": self.error, "received": self.received, "_resume": None, "_resumed": False}
        return (type(self), (self.message,), state)


class AutotaskAPIError(AutotaskException):
    """The API answered with an error status; ``errors`` are the server's own words."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        response: Any = None,
        errors: Sequence[str] = (),
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.response = response
        self.errors: list[str] = list(errors)
        self.method = method
        self.url = url


class AutotaskAuthenticationError(AutotaskAPIError):
    """The credentials were refused (wrong secret, unknown user, invalid integration code)."""


class AutotaskPermissionError(AutotaskAPIError):
    """The API user is authenticated but not allowed to do this."""


class AutotaskNotFoundError(AutotaskAPIError, KeyError):
    """The record or route does not exist (HTTP 404)."""

    # KeyError.__str__ would quote the message like a dict key; keep it readable.
    def __str__(self) -> str:
        return self.message


class AutotaskResponseError(AutotaskAPIError):
    """The server answered 2xx with a body the call cannot use: HTML, truncated JSON, or JSON not
    of the promised shape. ``status_code`` is the answer's status; ``response`` is the body with
    any secret blanked, cut to a few hundred characters."""


class AutotaskUntrustedURLError(AutotaskResponseError, AutotaskZoneError):
    """A page's ``nextPageUrl``/``prevPageUrl`` leaves the API root the client was given (another
    scheme, host, port or path prefix): it is not followed, so the credentials never go there.
    Caught as either parent: an answer not to trust, and a place credentials must not go."""


class AutotaskRateLimitError(AutotaskAPIError):
    """The hourly request threshold is exhausted (HTTP 429)."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class AutotaskThreadLimitError(AutotaskAPIError):
    """Too many concurrent requests to one endpoint for this integration."""
