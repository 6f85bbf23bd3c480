"""B2 (issue 10): the CPU and memory of a 100,000-ticket pull, and the diff of 1,000 edits.

    python benchmarks/bench_memory.py [--rows 100000] [--scale 20] [--edits 1000] [--runs 5]

The sandbox runs in a process of its own (``autotask sandbox serve``, see ``served.py``), no
latency, thread limit 3, so the client's CPU is what is measured. Each pull runs in a fresh
Python process of its own (this script with ``--child``), so its peak RSS is its own:

* typed: ``read_autotask("Tickets", where="id < first + N", labels=False, progress=False)``,
  the whole pull (picklist values, as the floor has them);
* untyped floor: the same pages (``client.iter_row_pages``, same concurrency) put into
  ``pd.DataFrame(records)`` with no dtype work.

Figures: typed time over untyped time (goal at most 1.0); the typed pull's peak RSS above the
process's RSS after its imports and a 2-page warm-up pull (the code a first pull loads: about
14 MiB), over the frame's ``memory_usage(deep=True).sum()`` (goal at most 2): the whole pull,
HTTP bodies, JSON, conversion, the final frame and its push snapshot (a third process gives
the same figure without the warm-up: a process's very first pull); ``df.autotask.changes()`` of 1,000 edited rows over ``DataFrame.compare`` of the same
frames (goal at most 0.25; the edits of ``bench_frames_diff.py``). Results go to
``benchmarks/results/bench_memory.json``. Prints figures only; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

RESULTS = ROOT / "benchmarks" / "results"


def rss_bytes(field: str = "VmRSS") -> int:
    """This process's resident set now (``VmRSS``) or at its peak (``VmHWM``), Linux ``/proc``.

    The peak is read here rather than from ``getrusage``'s ``ru_maxrss``, which Linux carries
    over from the parent through fork and exec: a child of a big process (``bench_frames_read``
    holds 200 pages of JSON) would report the parent's size as its own peak.
    """
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def child(kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    """One pull in this (fresh) process; its figures."""
    import pandas as pd

    from autotask_pandas import AutotaskClient, ClientConfig, read_autotask
    from autotask_pandas.auth import AuthCredentials
    from autotask_pandas.types import FilterOperation, QueryFilter

    creds = AuthCredentials(spec["user"], spec["code"], spec["secret"], api_url=spec["url"])
    upto = spec["lo"] + spec["rows"]
    with AutotaskClient(creds, ClientConfig(threshold_check_every=0)) as client:
        client.get_field_metadata("Tickets")  # metadata and imports outside the measure
        client.get_udf_metadata("Tickets")
        if kind == "typed":
            # The code a pull runs for the first time (modules imported lazily, Arrow's compute
            # kernels, the pull's thread pool) is loaded by a 2-page pull, also outside the
            # measure: the figure is the memory of the pull's data, not of the library's code.
            # ("typed-cold" leaves it in: the figure of a process's very first pull.)
            read_autotask(
                "Tickets", where=f"id < {spec['lo'] + 600}", client=client, labels=False,
                progress=False,
            )  # fmt: skip
        elif kind == "untyped":
            first = QueryFilter(field="id", op=FilterOperation.LT, value=spec["lo"] + 600)
            pd.DataFrame(
                [row for page in client.iter_row_pages("Tickets", [first]) for row in page]
            )
        gc.collect()
        baseline = rss_bytes()
        started = time.perf_counter()
        if kind in ("typed", "typed-cold"):
            # Values, not labels: the untyped floor has values, and the edits below set them.
            frame = read_autotask(
                "Tickets", where=f"id < {upto}", client=client, labels=False, progress=False
            )
        else:
            below = QueryFilter(field="id", op=FilterOperation.LT, value=upto)
            records = [row for page in client.iter_row_pages("Tickets", [below]) for row in page]
            frame = pd.DataFrame(records)
            del records
        seconds = time.perf_counter() - started
    peak = rss_bytes("VmHWM")
    frame_bytes = int(frame.memory_usage(deep=True).sum())
    out: dict[str, Any] = {
        "seconds": seconds,
        "rows": len(frame),
        "frame_bytes": frame_bytes,
        "baseline_rss": baseline,
        "peak_rss": peak,
        "peak_over_frame": (peak - baseline) / frame_bytes,
    }
    if kind == "typed":
        out["diff"] = diff_figures(frame, spec["edits"], spec["runs"])
    return out


def diff_figures(pulled: Any, edits: int, runs: int) -> dict[str, Any]:
    """``changes()`` vs ``DataFrame.compare`` on the pulled frame with ``edits`` rows edited."""
    from bench_frames_diff import edit, median_time

    from autotask_pandas.frames.snapshot import pull_of

    edited = edit(pulled, edits)
    base = pull_of(edited).base.set_axis(edited.index)
    ours, changes = median_time(lambda: edited.autotask.changes(), runs)
    theirs, _ = median_time(lambda: base.compare(edited), runs)
    return {
        "changes_seconds": ours,
        "compare_seconds": theirs,
        "ratio": ours / theirs,
        "changed_cells": len(changes),  # type: ignore[arg-type]
        "runs": runs,
    }


def run_child(kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        # The spec (with the sandbox's secret) in the environment, not on a command line.
        env={**os.environ, "TQDM_DISABLE": "1", "AUTOTASK_BENCH_SPEC": json.dumps(spec)},
    )
    if done.returncode != 0:
        raise RuntimeError(f"the {kind} pull failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def child_spec(served: Any, rows: int, edits: int, runs: int) -> dict[str, Any]:
    """What a child process needs to pull ``rows`` tickets from ``served`` (a ``ServedSandbox``)."""
    return {
        "url": served.url,
        "user": served.username,
        "code": served.integration_code,
        "secret": served.secret,
        "lo": served.first_ticket_id(),
        "rows": rows,
        "edits": edits,
        "runs": runs,
    }


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], json.loads(os.environ["AUTOTASK_BENCH_SPEC"]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--scale", type=float, default=20)
    parser.add_argument("--edits", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from served import served_sandbox

    db = Path(tempfile.gettempdir()) / f"autotask-bench-scale{args.scale:g}.sqlite"
    with served_sandbox(scale=args.scale, latency_ms=0, db=str(db)) as served:
        print(served.describe())
        spec = child_spec(served, args.rows, args.edits, args.runs)
        untyped = run_child("untyped", spec)
        typed = run_child("typed", spec)
        cold = run_child("typed-cold", spec)
        describe = served.describe()
    assert typed["rows"] == untyped["rows"], (typed["rows"], untyped["rows"])
    out = {
        "rows": typed["rows"],
        "typed": typed,
        "untyped": untyped,
        "typed_over_untyped": typed["seconds"] / untyped["seconds"],
        "peak_over_frame": typed["peak_over_frame"],
        "peak_over_frame_cold": cold["peak_over_frame"],
        "typed_cold": cold,
        "diff_over_compare": typed["diff"]["ratio"],
        "sandbox": describe,
    }
    mib = 1024 * 1024
    print(
        f"{typed['rows']:,} tickets, no latency\n"
        f"typed pull {typed['seconds']:.2f} s, untyped floor {untyped['seconds']:.2f} s: "
        f"ratio {out['typed_over_untyped']:.2f} (goal <= 1.0)\n"
        f"typed peak RSS {typed['peak_rss'] / mib:.1f} MiB (after imports "
        f"{typed['baseline_rss'] / mib:.1f} MiB), frame {typed['frame_bytes'] / mib:.1f} MiB: "
        f"ratio {typed['peak_over_frame']:.2f} (goal <= 2); a process's first pull, without "
        f"the warm-up: {(cold['peak_rss'] - cold['baseline_rss']) / mib:.1f} MiB, ratio "
        f"{cold['peak_over_frame']:.2f}\n"
        f"changes() {typed['diff']['changes_seconds'] * 1000:.1f} ms, compare "
        f"{typed['diff']['compare_seconds'] * 1000:.1f} ms: ratio {out['diff_over_compare']:.3f}"
        " (goal <= 0.25)"
    )
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "bench_memory.json"
    path.write_text(json.dumps(out, indent=2))
    print(f"Written {path}")


if __name__ == "__main__":
    main()
