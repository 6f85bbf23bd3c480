"""The client's per-request overhead against a bare httpx loop doing the same requests.

    python benchmarks/bench_client.py [--scale 2] [--rounds 7] [--profile]

One sandbox over real loopback HTTP (latency 0, no hourly limit in the way). Each kind of request
is done N times by a bare ``httpx.Client`` loop (hand-built headers and JSON, ``response.json()``)
and by ``AutotaskClient`` (limiter, retries, error mapping, routing, pydantic pages):

    get     300 x GET /V1.0/Tickets/{id}                       client.get("Tickets", id)
    query   100 pages of 500 tickets, POST /Tickets/query and   client.iter_pages(...)
            each nextPageUrl POSTed with the same body
    patch   100 x PATCH /V1.0/Tickets {"id": .., "priority": ..} client.update("Tickets", id, ...)

Rounds alternate which side goes first; the figures are medians over rounds (a warm-up round is
not counted). Target: the client within 10% of the bare loop (ratio <= 1.10). Prints figures
only; it asserts nothing about time. ``--profile`` adds a cProfile of the client's side.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runnable from a checkout

from autotask_pandas import AutotaskClient, ClientConfig  # noqa: E402
from autotask_pandas.sandbox import Sandbox  # noqa: E402

TARGET = 1.10
GETS, PAGES, PATCHES = 300, 100, 100
FILTERS = [{"op": "gte", "field": "id", "value": 0}]  # every ticket; the client sends the same
PAGE_BODY = {"filter": FILTERS, "MaxRecords": 500}


class Bare:
    """The same requests with nothing but httpx."""

    def __init__(self, sb: Sandbox) -> None:
        self.root = sb.url + "V1.0/"
        self.http = httpx.Client(
            timeout=30.0,
            limits=httpx.Limits(max_keepalive_connections=10, max_connections=20),
            headers={
                "ApiIntegrationCode": sb.integration_code,
                "UserName": sb.username,
                "Secret": sb.secret,
                "Accept": "application/json",
            },
        )

    def get(self, ids: list[int]) -> None:
        for i in ids:
            response = self.http.get(f"{self.root}Tickets/{i}")
            response.raise_for_status()
            response.json()["item"]

    def query(self, pages: int) -> None:
        done = 0
        while done < pages:
            url: str | None = f"{self.root}Tickets/query"
            while url and done < pages:
                response = self.http.post(url, json=PAGE_BODY)
                response.raise_for_status()
                data = response.json()
                data["items"]
                url = data["pageDetails"]["nextPageUrl"]
                done += 1

    def patch(self, ids: list[int], priority: int) -> None:
        for i in ids:
            response = self.http.patch(f"{self.root}Tickets", json={"id": i, "priority": priority})
            response.raise_for_status()
            response.json()["itemId"]


class ThroughClient:
    """The same requests through ``AutotaskClient``."""

    def __init__(self, client: AutotaskClient) -> None:
        self.client = client

    def get(self, ids: list[int]) -> None:
        for i in ids:
            if self.client.get("Tickets", i) is None:
                raise RuntimeError(f"ticket {i} missing")

    def query(self, pages: int) -> None:
        done = 0
        while done < pages:
            for page in self.client.iter_pages("Tickets", FILTERS):
                page.items
                done += 1
                if done == pages:
                    break

    def patch(self, ids: list[int], priority: int) -> None:
        for i in ids:
            self.client.update("Tickets", i, priority=priority)


def _timed(fn: Callable[[], None]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=2.0, help="sandbox size (2 = 10k tickets)")
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds (plus one warm-up)")
    parser.add_argument("--profile", action="store_true", help="cProfile the client's side")
    args = parser.parse_args(argv)

    with Sandbox(scale=args.scale, seed=0, hourly_limit=10**9) as sb:
        client = AutotaskClient(sb.credentials, ClientConfig())
        bare, through = Bare(sb), ThroughClient(client)
        ids = [r["id"] for r in client.query("Tickets", include_fields=["id"], max_records=GETS).items]
        patch_ids = ids[:PATCHES]
        counts = {"get": GETS, "query": PAGES, "patch": PATCHES}
        kinds: dict[str, dict[str, Callable[[int], None]]] = {
            "get": {"bare": lambda r: bare.get(ids), "client": lambda r: through.get(ids)},
            "query": {"bare": lambda r: bare.query(PAGES), "client": lambda r: through.query(PAGES)},
            "patch": {
                "bare": lambda r: bare.patch(patch_ids, 1 + r % 3),
                "client": lambda r: through.patch(patch_ids, 1 + r % 3),
            },
        }
        times: dict[tuple[str, str], list[float]] = {}
        sent: dict[tuple[str, str], int] = {}
        for round_ in range(args.rounds + 1):
            for kind, sides in kinds.items():
                order = ("bare", "client") if round_ % 2 == 0 else ("client", "bare")
                for side in order:
                    before = len(sb.requests)
                    elapsed = _timed(lambda: sides[side](round_))
                    sent[(kind, side)] = len(sb.requests) - before
                    if round_ > 0:  # round 0 warms up connections, caches, the sandbox
                        times.setdefault((kind, side), []).append(elapsed)

        print(
            f"Sandbox scale {args.scale:g} over loopback HTTP (latency 0); "
            f"{args.rounds} rounds, alternating order; medians per request"
        )
        print(f"{'kind':<8}{'requests':>9}{'bare µs':>11}{'client µs':>12}{'ratio':>8}  target <= {TARGET:.2f}")
        worst = 0.0
        for kind, n in counts.items():
            b = statistics.median(times[(kind, "bare")]) / n * 1e6
            c = statistics.median(times[(kind, "client")]) / n * 1e6
            ratio = c / b
            worst = max(worst, ratio)
            flag = "ok" if ratio <= TARGET else "OVER"
            print(f"{kind:<8}{n:>9}{b:>11.0f}{c:>12.0f}{ratio:>8.3f}  {flag}")
        print(
            "requests the sandbox saw in the last round (bare/client): "
            + ", ".join(f"{k} {sent[(k, 'bare')]}/{sent[(k, 'client')]}" for k in counts)
        )
        print(f"worst ratio {worst:.3f}: {'within' if worst <= TARGET else 'OVER'} the 10% target")

        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for kind in counts:
                kinds[kind]["client"](0)
            profiler.disable()
            stream = io.StringIO()
            stats = pstats.Stats(profiler, stream=stream)
            stats.sort_stats("tottime").print_stats(25)
            print(stream.getvalue())
        client.close()
        bare.http.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
