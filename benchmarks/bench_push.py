"""B3 (issue 10): pushing 1,000 edits against the API's floor, and the requests it spends.

    python benchmarks/bench_push.py [--latency-ms 150] [--edits 1000] [--scale 10] [--repeat 1]

The sandbox runs in a process of its own (``autotask sandbox serve``, see ``served.py``), its
``latency`` the zone's response time (docs/sandbox.md), thread limit 3. The client pulls the
tickets ``id < first + N`` (the demo's ids are consecutive), changes every row's ``title``, and
pushes: the push is timed, and its requests counted by method and endpoint.

The floor is ceil(N / 3) x latency: one PATCH per row (no batch endpoint, FACTS §7), three in
flight, nothing else. The goal: at most 1.05 times the floor, with N PATCH and at most 2 reads.
With ``--repeat`` the push (each time on a fresh pull, new titles) and the bare client take
turns; their medians are compared (the lower middle run of an even count). Results go to
``benchmarks/results/bench_push.json``. Prints figures only; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from served import Recording, served_sandbox  # noqa: E402

from autotask_pandas import AutotaskClient, ClientConfig, read_autotask  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


def bare_patches(served: Any, ids: range) -> float:
    """Seconds for one PATCH of each id's title from three threads of a bare httpx client."""
    queue = list(ids)
    lock = threading.Lock()

    def worker() -> None:
        with httpx.Client(headers=served.headers(), timeout=60) as http:
            while True:
                with lock:
                    if not queue:
                        return
                    ticket = queue.pop()
                answer = http.patch(
                    f"{served.url}V1.0/Tickets", json={"id": ticket, "title": f"bare {ticket}"}
                )
                answer.raise_for_status()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=150)
    parser.add_argument("--edits", type=int, default=1000)
    parser.add_argument("--scale", type=float, default=10)
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of the push and the bare client"
    )
    args = parser.parse_args()
    n = args.edits
    latency = args.latency_ms / 1000
    floor = math.ceil(n / 3) * latency
    db = Path(tempfile.gettempdir()) / f"autotask-bench-push-scale{args.scale:g}.sqlite"
    # A copy of its own: the push writes, and the pull benchmark's data must stay the demo's.
    db.unlink(missing_ok=True)
    with served_sandbox(scale=args.scale, latency_ms=args.latency_ms, db=str(db)) as served:
        print(served.describe())
        print(f"latency {args.latency_ms:g} ms = the zone's response time; thread limit 3\n")
        lo = served.first_ticket_id()
        runs: list[tuple[float, float]] = []
        for run in range(args.repeat):
            transport = Recording()
            with AutotaskClient(served.credentials, ClientConfig(transport=transport)) as client:
                tickets = read_autotask(
                    "Tickets", where=f"id < {lo + n}", client=client, progress=False
                )
                assert len(tickets) == n, len(tickets)
                tickets["title"] = tickets["title"].astype("string") + f" (checked {run})"
                mark = len(transport.sent)
                started = time.perf_counter()
                result = tickets.autotask.push(progress=False)
                pushed = time.perf_counter() - started
                requests = transport.since(mark)
            statuses = Counter(str(s) for s in result["status"])
            # The same 1,000 PATCHes from a bare httpx client, three threads, nothing else (no
            # checks, no conflict reads): what this machine's round trips allow, beside the
            # floor. The two take turns: this machine's round trips drift over minutes.
            runs.append((pushed, bare_patches(served, range(lo, lo + n))))
        seconds = statistics.median_low(r[0] for r in runs)
        bare = statistics.median_low(r[1] for r in runs)
    patches = sum(c for k, c in requests.items() if k.startswith("PATCH "))
    others = {k: c for k, c in requests.items() if not k.startswith("PATCH ")}
    out: dict[str, Any] = {
        "latency_ms": args.latency_ms,
        "thread_limit": 3,
        "edits": n,
        "floor_seconds": floor,
        "seconds": seconds,
        "runs": [{"push_seconds": push, "bare_httpx_seconds": plain} for push, plain in runs],
        "over_floor": seconds / floor,
        "bare_httpx_seconds": bare,
        "over_bare_httpx": seconds / bare,
        "requests": dict(requests),
        "requests_total": sum(requests.values()),
        "patch_requests": patches,
        "other_requests": others,
        "statuses": dict(statuses),
        "sandbox": served.describe(),
    }
    print(f"{n:,} edits: {seconds:.2f} s, floor {floor:.2f} s, ratio {seconds / floor:.3f}")
    if args.repeat > 1:
        each = ", ".join(f"{push:.2f}/{plain:.2f}" for push, plain in runs)
        print(f"  medians of {args.repeat} runs (push/bare httpx: {each} s)")
    print(
        f"bare httpx, 3 threads, the same PATCHes: {bare:.2f} s (ratio to the floor "
        f"{bare / floor:.3f}); the push / bare httpx {seconds / bare:.3f}"
    )
    print(f"requests: {sum(requests.values())} ({patches} PATCH; others {others})")
    print(f"row statuses: {dict(statuses)}")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "bench_push.json"
    path.write_text(json.dumps(out, indent=2))
    print(f"\ngoals (B3): ratio <= 1.05; {n} PATCH + at most 2 reads. Written {path}")


if __name__ == "__main__":
    main()
