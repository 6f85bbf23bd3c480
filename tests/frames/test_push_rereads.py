"""A push re-reads the rows it updates (the conflict check) in queries of 500 ids, sent together
up to the thread limit, not one after another (issue 10: 1,000 edits cost one round trip of
reads before the writes). Checked without clocks: the first re-read is held until a second one
has reached the server, waiting at most a few seconds; sent one after another, the second never
comes while the first is held."""

from __future__ import annotations

import threading

import httpx

import autotask_pandas  # noqa: F401 - registers df.autotask
from autotask_pandas import AutotaskClient, ClientConfig
from autotask_pandas.frames.reader import read_autotask
from autotask_pandas.sandbox import Sandbox, SandboxTransport
from tests.helpers.sandboxes import new_sandbox

PATIENCE = 5.0  # seconds a re-read waits for another (only ever waited when failing)


class HoldRereads(SandboxTransport):
    """Holds the first ``id in`` re-read until another has arrived (``first_saw_another``)."""

    def __init__(self, sb: Sandbox) -> None:
        assert sb.app is not None
        super().__init__(app=sb.app)
        self.arrived = 0
        self.first_saw_another: bool | None = None
        self._changed = threading.Condition()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/Tickets/query") and b'"in"' in request.read():
            with self._changed:
                self.arrived += 1
                self._changed.notify_all()
                if self.arrived == 1:
                    self.first_saw_another = self._changed.wait_for(
                        lambda: self.arrived > 1, PATIENCE
                    )
        return super().handle_request(request)


def test_the_conflict_rereads_of_a_push_go_out_together() -> None:
    with new_sandbox(hourly_limit=1_000_000) as sb:
        transport = HoldRereads(sb)
        with AutotaskClient(sb.credentials, ClientConfig(transport=transport)) as client:
            df = read_autotask("Tickets", limit=1_200, client=client, progress=False)
            df["title"] = df["title"].astype("string") + " (checked)"
            result = df.autotask.push(progress=False)
        assert (result["status"] == "ok").all() and len(result) == 1_200
        assert transport.arrived == 3  # 500, 500 and 200 ids
        assert transport.first_saw_another is True
