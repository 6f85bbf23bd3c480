"""B4 (issue 10): the API budget of a typical notebook session, against its minimum.

    python benchmarks/bench_session.py [--latency-ms 150] [--scale 10] [--edits 50]

The sandbox runs in a process of its own (``autotask sandbox serve``, see ``served.py``), its
``latency`` the zone's response time (docs/sandbox.md), thread limit 3. One client, as an analyst
would use it in a notebook (labels and progress bars on, the defaults):

1. ``read_autotask("Tickets", where="status != Complete")``: the open tickets, with labels;
2. ``read_autotask("Companies")`` and ``read_autotask("Contacts")``;
3. a colleague (another client, not counted) edits 20 of the open tickets;
4. ``tickets.autotask.refresh()``;
5. 50 titles edited, ``tickets.autotask.push()``.

Every request the session's client sends is recorded (method and endpoint) and set against the
session's minimum: for each pull, one query per 500 rows plus the entity's two metadata reads
(``entityInformation/fields`` for types and picklist labels, ``userDefinedFields``); for the
refresh, the two queries a refresh with changes needs (the ids changed since, then the changed
rows of the pull's query: rows that stopped matching are found only so); for the push, one
conflict read per 500 edited rows and one PATCH per edit (no batch endpoint, FACTS §11). Goal:
at most 1.05 times the minimum. Time is set against the sum of the steps' floors, each step's
requests ``ceil(requests / 3)`` round trips of ``latency`` (three in flight; a refresh's two
queries and a push's conflict read come one after another). Results go to
``benchmarks/results/bench_session.json``. Prints figures only; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from served import Recording, served_sandbox  # noqa: E402

from autotask_pandas import AutotaskClient, ClientConfig, read_autotask  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
METADATA_READS = 2  # entityInformation/fields and entityInformation/userDefinedFields


class QuietBar:
    """A progress factory that draws nothing: the session's bars are on, as in a notebook (so
    whatever they cost in requests is counted), but their drawing is not what this measures."""

    def __init__(self, *, total: int | None = None, unit: str = "", desc: str = "") -> None:
        self.total = total

    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


class Session:
    """Runs the steps on one recorded client, noting each step's requests, time and minimum."""

    def __init__(self, transport: Recording, latency: float) -> None:
        self.transport = transport
        self.latency = latency
        self.steps: list[dict[str, Any]] = []

    def run(
        self, name: str, action: Callable[[], Any], minimum: Callable[[Any], tuple[int, int]]
    ) -> Any:
        """Run ``action``; ``minimum(result)`` gives (minimum requests, floor round trips)."""
        mark = len(self.transport.sent)
        started = time.perf_counter()
        value = action()
        seconds = time.perf_counter() - started
        sent = self.transport.since(mark)
        least, trips = minimum(value)
        if isinstance(value, pd.DataFrame) and name.startswith("pull"):
            name = f"{name}: {len(value):,} rows"
        self.steps.append(
            {
                "step": name,
                "seconds": seconds,
                "floor_seconds": trips * self.latency,
                "requests": sum(sent.values()),
                "minimum": least,
                "sent": dict(sent),
            }
        )
        return value


def pulled(frame: pd.DataFrame) -> tuple[int, int]:
    """A pull's minimum: a query per 500 rows and the two metadata reads; its floor: the pages
    three at a time (the metadata reads go beside the first page: another endpoint)."""
    pages = max(1, math.ceil(len(frame) / 500))
    return pages + METADATA_READS, math.ceil(pages / 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=150)
    parser.add_argument("--scale", type=float, default=10)
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--colleague-edits", type=int, default=20)
    args = parser.parse_args()
    latency = args.latency_ms / 1000
    db = Path(tempfile.gettempdir()) / f"autotask-bench-session-scale{args.scale:g}.sqlite"
    db.unlink(missing_ok=True)  # the session writes: a copy of its own
    with served_sandbox(scale=args.scale, latency_ms=args.latency_ms, db=str(db)) as served:
        print(served.describe())
        print(f"latency {args.latency_ms:g} ms = the zone's response time; thread limit 3\n")
        transport = Recording()
        session = Session(transport, latency)
        with AutotaskClient(served.credentials, ClientConfig(transport=transport)) as client:

            def pull(entity: str, where: str | None = None) -> Callable[[], pd.DataFrame]:
                return lambda: read_autotask(entity, where=where, client=client, progress=QuietBar)

            tickets = session.run(
                "pull open Tickets (labels)", pull("Tickets", "status != Complete"), pulled
            )
            session.run("pull Companies", pull("Companies"), pulled)
            session.run("pull Contacts", pull("Contacts"), pulled)

            # A colleague edits some of the open tickets meanwhile (a client of their own).
            with AutotaskClient(served.credentials) as colleague:
                for ticket_id in tickets["id"].iloc[:: 7][: args.colleague_edits]:
                    colleague.update("Tickets", int(ticket_id), title="seen")
            # A refresh with changes: the ids changed since, then the changed rows of the pull's
            # query (one after the other).
            tickets = session.run(
                "refresh open Tickets", lambda: tickets.autotask.refresh(), lambda _: (2, 2)
            )

            edited = tickets.index[: args.edits]
            tickets.loc[edited, "title"] = tickets.loc[edited, "title"] + " (checked)"
            reads = math.ceil(args.edits / 500)
            result = session.run(
                f"push {args.edits} edits",
                lambda: tickets.autotask.push(progress=False),
                lambda _: (args.edits + reads, reads + math.ceil(args.edits / 3)),
            )
            statuses = Counter(str(s) for s in result["status"])
        describe = served.describe()
    report(session.steps, statuses, describe, args)


def report(
    steps: list[dict[str, Any]], statuses: Counter[str], sandbox: str, args: argparse.Namespace
) -> None:
    print(f"{'step':42} {'requests':>8} {'minimum':>8} {'seconds':>8} {'floor':>7}")
    for s in steps:
        print(
            f"{s['step']:42} {s['requests']:8d} {s['minimum']:8d} "
            f"{s['seconds']:8.2f} {s['floor_seconds']:7.2f}"
        )
        extra = {k: v for k, v in s["sent"].items()}
        print(f"    sent: {extra}")
    requests = sum(s["requests"] for s in steps)
    minimum = sum(s["minimum"] for s in steps)
    seconds = sum(s["seconds"] for s in steps)
    floor = sum(s["floor_seconds"] for s in steps)
    print(
        f"\nsession: {requests} requests / minimum {minimum} = {requests / minimum:.3f} "
        f"(goal <= 1.05); {seconds:.2f} s / floor {floor:.2f} s = {seconds / floor:.2f}"
    )
    print(f"push row statuses: {dict(statuses)}")
    out = {
        "latency_ms": args.latency_ms,
        "scale": args.scale,
        "thread_limit": 3,
        "steps": steps,
        "requests": requests,
        "minimum_requests": minimum,
        "requests_over_minimum": requests / minimum,
        "seconds": seconds,
        "floor_seconds": floor,
        "seconds_over_floor": seconds / floor,
        "push_statuses": dict(statuses),
        "sandbox": sandbox,
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "bench_session.json"
    path.write_text(json.dumps(out, indent=2))
    print(f"Written {path}")


if __name__ == "__main__":
    main()
