"""What reached the sandbox since a mark: the widget tests' view of ``Sandbox.requests``."""

from __future__ import annotations

from autotask_pandas.sandbox import RequestRecord, Sandbox


class RequestLog:
    """The requests the sandbox served since ``mark()`` (method, path without the API prefix)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.start = len(sandbox.requests)

    def mark(self) -> None:
        self.start = len(self.sandbox.requests)

    @property
    def records(self) -> list[RequestRecord]:
        return list(self.sandbox.requests[self.start :])

    @property
    def calls(self) -> list[tuple[str, str]]:
        return [(r.method, r.path.split("/V1.0/", 1)[-1]) for r in self.records]
