"""The fault suite of issue 11, at any size: what a pull and a push promise under the sandbox's
seeded fault injection (docs/sandbox.md, "Faults").

The CI sizes run from ``test_fault_suite.py``; the issue's full sizes (a 20,000-row pull;
2,000 edits + 200 creates + 50 deletes) are one command: ``python benchmarks/fault_suite.py --full``.

Faults, as the issue lists them: ~10 % 500, 5 % 429 (half with ``Retry-After``), 3 % thread
limit, 1 % connection resets before and 1 % after the work is committed, 1 % answers slower than
the client's timeout, on every method. The client runs over real loopback HTTP (resets and
timeouts are real), its waits on a hand-driven clock (``Retry-After`` costs no wall time).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any

import pandas as pd

from autotask_pandas import AutotaskClient, ClientConfig, read_autotask
from autotask_pandas.exceptions import AutotaskException
from autotask_pandas.sandbox import FaultPlan, Sandbox

__all__ = ["FAULTS", "Size", "CI", "FULL", "check_pull", "check_push", "faulty_sandbox"]

# ``slow`` delays a request before its work, so a write answered past the client's timeout may
# land *after* the client has retried, been refused and read the record back: such a write stays
# uncertain, never failed (client/reconcile.py, "In flight"), and every method gets it.
SLOW = 0.6  # seconds a slow request waits before its work
FAULTS = (
    "500:10%; 429:2.5%; 429-retry-after=1:2.5%; thread-limit:3%; reset-before:1%; "
    f"reset-after:1%; slow={SLOW}:1%"
)
TIMEOUT = 0.3  # the client's: a slow request is given up on while the server still works on it
ALL = {"op": "exist", "field": "id"}


@dataclass(frozen=True)
class Size:
    scale: float  # of the demo tenant: 5,000 tickets and 600 contacts at 1
    edits: int
    creates: int
    deletes: int


CI = Size(scale=0.4, edits=120, creates=12, deletes=5)  # 2,000 tickets, 240 contacts
FULL = Size(scale=4, edits=2_000, creates=200, deletes=50)  # 20,000 tickets, 2,400 contacts


class _Clock:
    """Waits cost no wall time: the client's sleeps move this clock on."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def faulty_sandbox(size: Size, seed: int = 0) -> Sandbox:
    """A demo sandbox of ``size`` with the issue's faults, seeded (not started yet)."""
    return Sandbox(size.scale, 0, faults=FaultPlan.parse(FAULTS, seed))


def client_of(sb: Sandbox) -> AutotaskClient:
    config = ClientConfig(
        timeout=TIMEOUT,
        retry_after_cap=5,
        threshold_check_every=0,
        backoff_base=0.001,
        backoff_max=0.01,
    )
    client = AutotaskClient(sb.credentials, config)
    clock = _Clock()
    client._transport.sleep = clock.sleep
    client._transport.clock = clock
    client._transport._rng = random.Random(0)
    return client


def _faults_off(sb: Sandbox) -> None:
    assert sb.app is not None
    sb.app.faults = None


def _faults_on(sb: Sandbox, seed: int) -> None:
    assert sb.app is not None
    sb.app.faults = FaultPlan.parse(FAULTS, seed)


def check_pull(sb: Sandbox, entity: str = "Tickets") -> tuple[int, bool]:
    """A pull under faults gives exactly the fault-free frame, or raises one of our errors (never
    a partial frame). Returns (rows, completed)."""
    _faults_off(sb)
    with client_of(sb) as client:
        expected = read_autotask(entity, client=client, progress=False, labels=False)
    _faults_on(sb, 1)
    mark = len(sb.requests)
    with client_of(sb) as client:
        try:
            got = read_autotask(entity, client=client, progress=False, labels=False)
        except AutotaskException:
            got = None
    assert any(r.fault for r in sb.requests[mark:]), "no fault injected: the check proves nothing"
    if got is not None:
        pd.testing.assert_frame_equal(
            got.reset_index(drop=True), expected.reset_index(drop=True), check_like=False
        )
    return len(expected), got is not None


def _contacts(client: AutotaskClient) -> dict[int, dict[str, Any]]:
    rows = client.query_all("Contacts", ALL, page_size=500)
    return {int(r["id"]): r for r in rows}


def check_push(sb: Sandbox, size: Size, seed: int = 2) -> dict[str, int]:
    """Edits + creates + deletes of Contacts pushed under faults; the promises of issue 11 checked
    on the server with the faults off. Returns the statuses counted (first push)."""
    _faults_off(sb)
    with client_of(sb) as client:
        df = read_autotask(
            "Contacts",
            client=client,
            fields=["id", "companyID", "firstName", "lastName", "isActive", "title"],
            labels=False,
            progress=False,
        )
        before = _contacts(client)
    assert len(df) >= size.edits + size.deletes, "the tenant is too small for this size"
    df["title"] = df["title"].astype(object)
    edited = list(df.index[: size.edits])
    for k, row in enumerate(edited):
        df.at[row, "title"] = f"fault suite edit {k}"
    victims = [int(i) for i in df["id"].iloc[size.edits : size.edits + size.deletes]]
    company = int(df["companyID"].iloc[0])
    new = pd.DataFrame(
        {
            "companyID": [company] * size.creates,
            "firstName": ["Fault"] * size.creates,
            "lastName": [f"Create {k}" for k in range(size.creates)],
            "isActive": [1] * size.creates,  # an integer field of Contacts
            "title": [None] * size.creates,
        },
        index=pd.RangeIndex(10**6, 10**6 + size.creates),
    )
    df = df.autotask.drop(victims)
    for row in new.index:  # new rows added as an analyst does: the frame stays the pull's
        df.loc[row] = {"id": pd.NA, **new.loc[row].to_dict()}
    frozen = df.copy()

    _faults_on(sb, seed)
    mark = len(sb.requests)
    with client_of(sb) as client:
        first = df.autotask.push(client=client, delete=True, progress=False, conflicts="overwrite")
    assert any(r.fault for r in sb.requests[mark:]), "no fault injected: the check proves nothing"
    pd.testing.assert_frame_equal(df, frozen)  # the user's frame is never changed
    counted = {
        f"{a} {s}": int(n) for (a, s), n in first.value_counts(["action", "status"]).items()
    }
    deletes = first.deletes if first.deletes is not None else pd.DataFrame({"status": []})
    for state, n in deletes["status"].astype(str).value_counts().items():
        counted[f"delete {state}"] = int(n)
    assert not (first["status"] == "invalid").any(), first[first["status"] == "invalid"]["message"].to_string()
    _faults_off(sb)
    # A write the client gave up on may still be carried out: judge once every one has been, so
    # one that lands after it was reported failed is caught (no time is measured or asserted).
    time.sleep(SLOW + TIMEOUT)

    with client_of(sb) as client:
        now = _contacts(client)
    _judge(first, df, before, now, edited, new, victims, final=False, deletes=first.deletes)

    with client_of(sb) as client:
        second = df.autotask.push(client=client, delete=True, progress=False, conflicts="overwrite")
        after = _contacts(client)
    # All ok, but for creates the first push left uncertain (looked up, and still not provably
    # made or not made: client/reconcile.py): the push never resends those (a duplicate is worse
    # than a question) and says so, as documented.
    unsure = set(first.index[(first["status"] == "uncertain") & (first["action"] == "create")])
    bad = second[~second["status"].isin(["ok", "unchanged"]) & ~second.index.isin(unsure)]
    assert bad.empty, bad[["status", "message"]].to_string()
    assert set(second.loc[list(unsure), "status"]) <= {"uncertain"}
    counted["re-push uncertain creates"] = len(unsure)
    _judge(second, df, before, after, edited, new, victims, final=True)
    pd.testing.assert_frame_equal(df, frozen)
    return counted


def _judge(
    result: pd.DataFrame,
    df: pd.DataFrame,
    before: dict[int, dict[str, Any]],
    now: dict[int, dict[str, Any]],
    edited: list[Any],
    new: pd.DataFrame,
    victims: list[int],
    *,
    final: bool,
    deletes: pd.DataFrame | None = None,
) -> None:
    status = result["status"].astype(str)
    for row in edited:
        ident = int(df.at[row, "id"])
        wanted, old = df.at[row, "title"], before[ident]["title"]
        held = now[ident]["title"]
        if final or status[row] in ("ok", "unchanged"):
            assert held == wanted, (row, status[row], held)
        elif status[row] in ("failed", "invalid", "conflict", "skipped", "pending"):
            assert held == old, (row, status[row], held, result.at[row, "message"])
        else:  # uncertain: the client could not read it back; either, never a third value
            assert held in (old, wanted), (row, status[row], held)
    for row in new.index:
        made = [r for r in now.values() if r["lastName"] == new.at[row, "lastName"]]
        assert len(made) <= 1, f"{new.at[row, 'lastName']!r} created {len(made)} times"
        if status[row] == "ok" or (final and status[row] != "uncertain"):
            assert len(made) == 1, (row, status[row])
        elif status[row] == "failed":
            assert not made, (row, status[row])
    if final:
        assert not [v for v in victims if v in now], "deletes left after a clean re-push"
    elif deletes is not None:
        for ident, state in zip(deletes["id"].tolist(), deletes["status"].astype(str), strict=True):
            if state == "ok":
                assert int(ident) not in now, (ident, state)
            elif state == "failed":
                assert int(ident) in now, (ident, state)
    untouched = set(before) - {int(df.at[r, "id"]) for r in edited} - set(victims)
    for ident in untouched:
        assert now[ident]["title"] == before[ident]["title"], ident
