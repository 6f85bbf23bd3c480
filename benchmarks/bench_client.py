"""The client's per-request overhead against a bare httpx loop doing the same requests.

    python benchmarks/bench_client.py [--scale 2] [--rounds 7] [--block 10] [--profile]

One sandbox over real loopback HTTP (latency 0, no hourly limit in the way). Each kind of request
is done N times per round by a bare ``httpx.Client`` loop (hand-built headers and JSON,
``response.json()``) and by ``AutotaskClient`` (limiter, retries, threshold awareness, error
mapping, routing, pydantic pages):

    get     300 x GET /V1.0/Tickets/{id}                        client.get("Tickets", id)
    query   100 pages of 500 tickets: POST /Tickets/query, then  client.iter_pages(...)
            each nextPageUrl POSTed with the same body
    patch   100 x PATCH /V1.0/Tickets {"id": .., "priority": ..}  client.update("Tickets", id, ...)

The two sides are interleaved finely, ``--block`` requests at a time (query: a fifth of that in
pages), alternating which goes first, so that drift in the machine or the server touches both
alike. Per-request figures are medians over rounds (a warm-up round is not counted). Target: the
client within 10% of the bare loop (ratio <= 1.10). Prints figures only; it asserts nothing about
time. ``--profile`` adds a cProfile of the client's side.

The client's side includes its threshold awareness: one ``GET /ThresholdInformation`` after 250
requests and a minute (``ClientConfig.threshold_check_every``, ``threshold_check_interval``),
which the bare loop does not make; the request counts printed show it.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import pstats
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runnable from a checkout

from autotask_pandas import AutotaskClient, ClientConfig
from autotask_pandas.sandbox import Sandbox

TARGET = 1.10
COUNTS = {"get": 300, "query": 100, "patch": 100}
FILTERS = [{"op": "gte", "field": "id", "value": 0}]  # every ticket; the client sends the same
PAGE_BODY = {"filter": FILTERS, "MaxRecords": 500}

Steps = Iterator[int]  # each next() makes one request and gives the rows it read


def bare_steps(sb: Sandbox, ids: list[int]) -> tuple[httpx.Client, dict[str, Steps]]:
    """The same requests with nothing but httpx."""
    root = sb.url + "V1.0/"
    http = httpx.Client(
        timeout=30.0,
        limits=httpx.Limits(max_keepalive_connections=10, max_connections=20),
        headers={
            "ApiIntegrationCode": sb.integration_code,
            "UserName": sb.username,
            "Secret": sb.secret,
            "Accept": "application/json",
        },
    )

    def get() -> Steps:
        for i in itertools.cycle(ids):
            response = http.get(f"{root}Tickets/{i}")
            response.raise_for_status()
            yield len(response.json()["item"]) and 1

    def query() -> Steps:
        while True:
            url: str | None = f"{root}Tickets/query"
            while url:
                response = http.post(url, json=PAGE_BODY)
                response.raise_for_status()
                data = response.json()
                url = data["pageDetails"]["nextPageUrl"]
                yield len(data["items"])

    def patch() -> Steps:
        for n, i in enumerate(itertools.cycle(ids[: COUNTS["patch"]])):
            body = {"id": i, "priority": 1 + (n // COUNTS["patch"]) % 3}
            response = http.patch(f"{root}Tickets", json=body)
            response.raise_for_status()
            yield response.json()["itemId"] and 0

    return http, {"get": get(), "query": query(), "patch": patch()}


def client_steps(client: AutotaskClient, ids: list[int]) -> dict[str, Steps]:
    """The same requests through ``AutotaskClient``."""

    def get() -> Steps:
        for i in itertools.cycle(ids):
            record = client.get("Tickets", i)
            if record is None:
                raise RuntimeError(f"ticket {i} missing")
            yield 1

    def query() -> Steps:
        while True:
            for page in client.iter_pages("Tickets", FILTERS):
                yield len(page.items)

    def patch() -> Steps:
        for n, i in enumerate(itertools.cycle(ids[: COUNTS["patch"]])):
            client.update("Tickets", i, priority=1 + (n // COUNTS["patch"]) % 3)
            yield 0

    return {"get": get(), "query": query(), "patch": patch()}


def run_block(steps: Steps, n: int) -> tuple[float, int]:
    rows = 0
    started = time.perf_counter()
    for _ in range(n):
        rows += next(steps)
    return time.perf_counter() - started, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=2.0, help="sandbox size (2 = 10k tickets)")
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds (plus one warm-up)")
    parser.add_argument("--block", type=int, default=10, help="requests per interleaved block")
    parser.add_argument("--profile", action="store_true", help="cProfile the client's side")
    args = parser.parse_args(argv)

    with Sandbox(scale=args.scale, seed=0, hourly_limit=10**9) as sb:
        client = AutotaskClient(sb.credentials, ClientConfig())
        first = client.query("Tickets", include_fields=["id"], max_records=COUNTS["get"])
        ids = [r["id"] for r in first.items]
        http, bare = bare_steps(sb, ids)
        sides = {"bare": bare, "client": client_steps(client, ids)}

        per_request: dict[tuple[str, str], list[float]] = {}
        rows = {side: 0 for side in sides}
        sent: dict[tuple[str, str], int] = {}
        for round_ in range(args.rounds + 1):
            for kind, total in COUNTS.items():
                block = max(1, args.block // 5) if kind == "query" else args.block
                elapsed = {"bare": 0.0, "client": 0.0}
                seen = {"bare": 0, "client": 0}
                done = 0
                while done < total:
                    n = min(block, total - done)
                    order = ("bare", "client") if (done // block) % 2 == 0 else ("client", "bare")
                    for side in order:
                        before = len(sb.requests)
                        seconds, read = run_block(sides[side][kind], n)
                        elapsed[side] += seconds
                        seen[side] += len(sb.requests) - before
                        rows[side] += read
                    done += n
                for side in sides:
                    sent[(kind, side)] = seen[side]
                    if round_ > 0:  # round 0 warms up connections, caches, the sandbox
                        per_request.setdefault((kind, side), []).append(elapsed[side] / total)

        print(
            f"Sandbox scale {args.scale:g} over loopback HTTP (latency 0); {args.rounds} rounds, "
            f"sides interleaved in blocks of {args.block}; medians per request"
        )
        print(
            f"{'kind':<8}{'requests':>9}{'bare µs':>11}{'client µs':>12}{'ratio':>8}"
            f"  target <= {TARGET:.2f}"
        )
        worst = 0.0
        for kind, n in COUNTS.items():
            b = statistics.median(per_request[(kind, "bare")]) * 1e6
            c = statistics.median(per_request[(kind, "client")]) * 1e6
            ratio = c / b
            worst = max(worst, ratio)
            flag = "ok" if ratio <= TARGET else "OVER"
            print(f"{kind:<8}{n:>9}{b:>11.0f}{c:>12.0f}{ratio:>8.3f}  {flag}")
        print(
            "requests the sandbox saw in the last round (bare/client): "
            + ", ".join(f"{k} {sent[(k, 'bare')]}/{sent[(k, 'client')]}" for k in COUNTS)
        )
        if rows["bare"] != rows["client"]:
            print(f"warning: the sides read different row counts: {rows}")
        print(f"worst ratio {worst:.3f}: {'within' if worst <= TARGET else 'OVER'} the 10% target")

        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for kind, total in COUNTS.items():
                run_block(sides["client"][kind], total)
            profiler.disable()
            stream = io.StringIO()
            pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(25)
            print(stream.getvalue())
        client.close()
        http.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
