"""The diff of a 100,000-row pulled frame with 1,000 edited rows vs ``DataFrame.compare``.

    python benchmarks/bench_frames_diff.py [--scale 20] [--rows 100000] [--edits 1000] [--runs 7]
    python benchmarks/bench_frames_diff.py --synthetic      # no sandbox: a typed frame of that shape

The frame is the tickets of a scale-20 sandbox (~100,000 rows, every column typed by the reading
side's ``build_frame``), registered as a pull; 1,000 random rows are edited across four columns
(a string, a picklist, a float, a datetime) the way an analyst edits: ``df.loc[rows, col] = ...``.
Then, in one process, medians of ``--runs`` runs of
  (a) ``df.autotask.changes()``: our diff (align on id, skip unedited columns, compare the others)
      and its one-row-per-changed-cell frame;
  (b) ``snapshot.compare(edited)``: pandas' own comparison of the same two frames (same index).
Target: ratio (a)/(b) <= 2.0. Also printed, for information: the same two measures on the edited
frame sorted by another column, where no column's buffer is shared any more and every column is
compared (our worst case). Prints; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pandas as pd


def sandbox_frame(scale: float, rows: int) -> pd.DataFrame:
    from autotask_pandas import AutotaskClient, ClientConfig
    from autotask_pandas.frames.builder import build_frame
    from autotask_pandas.sandbox import Sandbox

    start = time.perf_counter()
    with Sandbox(scale=scale, seed=0) as sb:
        client = AutotaskClient(sb.credentials, ClientConfig(transport=sb.transport()))
        records = client.query_all("Tickets", limit=rows)
        frame = build_frame(
            "Tickets",
            records,
            client.get_field_metadata("Tickets"),
            client.get_udf_metadata("Tickets"),
        )
        client.close()
    print(
        f"pulled {len(frame):,} tickets from a scale-{scale:g} sandbox "
        f"in {time.perf_counter() - start:.1f}s"
    )
    return frame


def synthetic_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    """A typed frame shaped like the tickets: Int64, string, UTC datetimes, Float64, boolean."""
    rng = np.random.default_rng(seed)
    data: dict[str, object] = {"id": pd.array(np.arange(7000, 7000 + rows), dtype="Int64")}
    for i in range(40):
        values = rng.integers(0, 1000, rows)
        mask = rng.random(rows) < 0.3
        data[f"int{i}"] = pd.arrays.IntegerArray(values, mask)
    for i in range(12):
        words = np.array(["alpha", "beta", "gamma", "delta", "printer down", "vpn"], dtype=object)
        text = words[rng.integers(0, len(words), rows)]
        data[f"text{i}"] = pd.array(text, dtype="string")
    for i in range(13):
        stamps = pd.to_datetime(rng.integers(1.6e9, 1.8e9, rows), unit="s", utc=True)
        data[f"date{i}"] = stamps.as_unit("ns")
    for i in range(3):
        data[f"float{i}"] = pd.array(rng.random(rows) * 10, dtype="Float64")
    for i in range(3):
        data[f"flag{i}"] = pd.array(rng.random(rows) < 0.5, dtype="boolean")
    data["title"] = data.pop("text0")
    data["status"] = data.pop("int0")
    data["estimatedHours"] = data.pop("float0")
    data["dueDateTime"] = data.pop("date0")
    return pd.DataFrame(data)


def edit(df: pd.DataFrame, edits: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = df.index[np.sort(rng.choice(len(df), edits, replace=False))]
    quarter = max(1, edits // 4)
    edited = df.copy(deep=False)  # a shallow copy: columns shared until edited (Copy-on-Write)
    edited.loc[rows[:quarter], "title"] = "edited in the benchmark"
    status_rows = rows[quarter : 2 * quarter]
    was = df.loc[status_rows, "status"].to_numpy(dtype="int64", na_value=0)
    # "Waiting Approval" (13), or "Waiting Vendor" (12) where it already was: always a change
    edited.loc[status_rows, "status"] = pd.array(np.where(was == 13, 12, 13), dtype="Int64")
    edited.loc[rows[2 * quarter : 3 * quarter], "estimatedHours"] = 1.25
    edited.loc[rows[3 * quarter :], "dueDateTime"] = pd.Timestamp("2027-01-01", tz="UTC")
    return edited


def median_time(fn, runs: int) -> tuple[float, object]:
    times = []
    out = None
    for _ in range(runs):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=20)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--edits", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--synthetic", action="store_true", help="no sandbox: a synthetic frame")
    args = parser.parse_args()

    import autotask_pandas.frames.accessor  # noqa: F401 - registers df.autotask
    from autotask_pandas.frames.snapshot import pull_of, record_pull

    pulled = synthetic_frame(args.rows) if args.synthetic else sandbox_frame(args.scale, args.rows)
    pulled = pulled.iloc[: args.rows]
    record_pull(pulled, "Tickets", None)
    edited = edit(pulled, args.edits)
    base = pull_of(edited).base.set_axis(edited.index)  # the snapshot, on the frame's index

    ours_t, changes = median_time(lambda: edited.autotask.changes(), args.runs)
    theirs_t, compared = median_time(lambda: base.compare(edited), args.runs)
    sides = [compared.xs(side, axis=1, level=1).notna() for side in ("self", "other")]
    cells = int((sides[0] | sides[1]).to_numpy().sum())  # NA on one side counts once
    print(
        f"frame: {len(edited):,} rows x {edited.shape[1]} columns, {args.edits:,} rows edited; "
        f"pandas {pd.__version__}"
    )
    print(f"changes(): {len(changes):,} changed cells; compare(): {cells:,} changed cells")
    print(f"df.autotask.changes()  median {ours_t * 1000:8.1f} ms  ({args.runs} runs)")
    print(f"DataFrame.compare      median {theirs_t * 1000:8.1f} ms  ({args.runs} runs)")
    print(f"ratio changes/compare  {ours_t / theirs_t:.3f}  (target <= 2.0)")

    # Worst case: a re-ordered frame shares no buffer with the snapshot; every column is compared.
    shuffled = edited.sample(frac=1.0, random_state=2)
    base_shuffled = base.loc[shuffled.index]
    worst_t, worst = median_time(lambda: shuffled.autotask.changes(), args.runs)
    worst_ref_t, _ = median_time(lambda: base_shuffled.compare(shuffled), args.runs)
    print(
        f"shuffled frame (no column skipped): changes() {worst_t * 1000:.1f} ms, "
        f"compare {worst_ref_t * 1000:.1f} ms, ratio {worst_t / worst_ref_t:.3f} "
        f"({len(worst):,} cells)"
    )


if __name__ == "__main__":
    main()
