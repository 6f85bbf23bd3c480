"""Typed DataFrames from 100,000 tickets' pages vs the untyped floor; and peak memory.

    python benchmarks/bench_frames_read.py [--scale 20] [--runs 3]

A scale-20 sandbox holds ~100,000 tickets. Every page's raw JSON body is fetched once; then, in one
run, this measures
  (a) the untyped floor: ``json.loads`` of each page, ``pd.DataFrame.from_records`` on all items;
  (b) ours: ``json.loads`` of each page, ``FrameBuilder.add`` per page, ``finish()`` once - what
      ``build_frame``/``Query.to_pandas`` do (medians of ``--runs`` runs each, one process);
and two memory figures against the final frame's ``memory_usage(deep=True)``:

* the whole pull (the honest one, issue 10): ``read_autotask`` of 100,000 tickets from a
  sandbox in a process of its own, in a fresh Python process, peak RSS above the RSS after the
  imports and a 2-page warm-up pull; what ``bench_memory.py`` (B2) measures, by its code;
* the build alone, from bodies already in memory: tracemalloc's peak plus Arrow's pool peak
  (tracemalloc does not see Arrow's pool, where string columns live) - an upper bound of that
  step's peak, measured first, before anything else in the process touched Arrow. It leaves out
  the HTTP bodies, the JSON, the pages in flight and the allocator's own overhead, so it is
  lower than the whole pull's figure; it is printed to show the build's share.

Targets: time ratio <= 1.5, memory ratio <= 2. Prints; asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx


def fetch_bodies(sb, entity: str = "Tickets") -> list[bytes]:
    """Every page of ``entity`` as the raw bytes the server sent (POST query, POST next pages)."""
    headers = {
        "ApiIntegrationCode": sb.integration_code,
        "UserName": sb.username,
        "Secret": sb.secret,
        "Content-Type": "application/json",
    }
    body = {"filter": [{"op": "exist", "field": "id"}], "MaxRecords": 500}
    bodies: list[bytes] = []
    with httpx.Client(
        transport=sb.transport(), base_url="http://sandbox", headers=headers, timeout=120
    ) as http:
        url = f"/ATServicesRest/V1.0/{entity}/query"
        while url:
            response = http.post(url, json=body)
            response.raise_for_status()
            bodies.append(response.content)
            url = json.loads(response.content)["pageDetails"].get("nextPageUrl")
    return bodies


def untyped(bodies: list[bytes]):
    import pandas as pd

    items: list[dict] = []
    for body in bodies:
        items.extend(json.loads(body)["items"])
    return pd.DataFrame.from_records(items)


def typed(bodies: list[bytes], fields, udfs):
    from autotask_pandas.frames.builder import FrameBuilder

    builder = FrameBuilder("Tickets", fields, udfs)
    for body in bodies:
        builder.add(json.loads(body)["items"])
    return builder.finish()


def timed(fn, *args) -> float:
    gc.collect()
    start = time.perf_counter()
    result = fn(*args)
    elapsed = time.perf_counter() - start
    del result
    gc.collect()
    return elapsed


def whole_pull(scale: float) -> dict:
    """B2's typed pull (``bench_memory.py``): the sandbox in a process of its own, the pull in a
    fresh one; its figures."""
    import tempfile

    import bench_memory
    from served import served_sandbox

    db = Path(tempfile.gettempdir()) / f"autotask-bench-scale{scale:g}.sqlite"
    with served_sandbox(scale=scale, latency_ms=0, db=str(db)) as served:
        spec = bench_memory.child_spec(served, 100_000, edits=1, runs=1)
        return bench_memory.run_child("typed", spec)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    # First, while this process is small: the pull's child process starts from a fork of it.
    pulled = whole_pull(args.scale)

    from autotask_pandas import AutotaskClient, ClientConfig
    from autotask_pandas.sandbox import Sandbox

    started = time.perf_counter()
    sb = Sandbox(scale=args.scale, seed=0)
    sb.start()
    client = AutotaskClient(sb.credentials, ClientConfig(transport=sb.transport()))
    fields = client.get_field_metadata("Tickets")
    udfs = client.get_udf_metadata("Tickets")
    bodies = fetch_bodies(sb)
    sb.stop()
    size = sum(map(len, bodies))
    print(
        f"sandbox scale={args.scale}: {len(bodies)} pages, {size / 1e6:.1f} MB of JSON "
        f"(built and fetched in {time.perf_counter() - started:.1f}s)"
    )

    # Memory first: Arrow's pool peak then belongs to this build alone.
    import pyarrow as pa

    pool = pa.default_memory_pool()
    gc.collect()
    tracemalloc.start()
    frame = typed(bodies, fields, udfs)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    arrow_peak = pool.max_memory() or 0
    final = int(frame.memory_usage(deep=True).sum())
    rows, cols = frame.shape
    del frame
    gc.collect()

    floors, ours = [], []
    for _ in range(args.runs):  # interleaved, so drift affects both alike
        floors.append(timed(untyped, bodies))
        ours.append(timed(typed, bodies, fields, udfs))
    floor, mine = statistics.median(floors), statistics.median(ours)

    print(f"rows={rows} columns={cols}")
    print(f"(a) untyped floor  json.loads + from_records: {floor:.3f}s (median of {args.runs})")
    print(f"(b) typed build    json.loads + FrameBuilder: {mine:.3f}s (median of {args.runs})")
    print(f"time ratio (b)/(a): {mine / floor:.2f}  (target <= 1.5)")
    peak = traced_peak + arrow_peak
    print(f"final frame memory_usage(deep=True): {final / 1e6:.1f} MB")
    print(
        f"build alone, bodies in memory: tracemalloc {traced_peak / 1e6:.1f} MB + arrow pool "
        f"{arrow_peak / 1e6:.1f} MB = {peak / 1e6:.1f} MB, {peak / final:.2f}x the frame "
        "(not the whole pull)"
    )
    print(
        f"whole pull (read_autotask of {pulled['rows']:,} tickets over HTTP, fresh process): "
        f"peak RSS {(pulled['peak_rss'] - pulled['baseline_rss']) / 1e6:.1f} MB above the "
        f"imports, frame {pulled['frame_bytes'] / 1e6:.1f} MB: "
        f"memory ratio {pulled['peak_over_frame']:.2f}  (target <= 2)"
    )


if __name__ == "__main__":
    main()
