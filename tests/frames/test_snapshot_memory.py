"""Pull snapshots live as long as some frame of their pull, and no longer.

Issue 15 ("Memory over a long notebook"): snapshots lived in a module-level dict and were never
freed; 8 reads of 5,000 tickets, each frame deleted, kept 45,000 rows. Memory is measured with the
registry's own accounting (``snapshot_usage``), weak references to the snapshots, and Arrow's
memory pool (where the string columns live); never wall-clock.
"""

from __future__ import annotations

import copy
import gc
import weakref
from collections.abc import Iterator

import pandas as pd
import pyarrow as pa
import pytest

import autotask_pandas  # noqa: F401 - registers df.autotask
from autotask_pandas import AutotaskClient, ClientConfig
from autotask_pandas.frames import snapshot
from autotask_pandas.frames.lazy import Query
from autotask_pandas.frames.push.diff import same_buffers
from autotask_pandas.frames.reader import read_autotask
from autotask_pandas.frames.snapshot import pull_of
from autotask_pandas.sandbox import Sandbox

FAST = {"backoff_base": 0.001, "backoff_max": 0.01, "threshold_check_every": 0}


@pytest.fixture(scope="module")
def client() -> Iterator[AutotaskClient]:
    with (
        Sandbox(scale=1, seed=0, hourly_limit=1_000_000) as sb,
        AutotaskClient(sb.credentials, ClientConfig(transport=sb.transport(), **FAST)) as c,
    ):
        yield c


def read(client: AutotaskClient, limit: int) -> pd.DataFrame:
    return read_autotask("Tickets", limit=limit, client=client, progress=False)


def test_eight_reads_deleted_free_their_snapshots(client):
    read(client, 5000)  # metadata and caches: fetched once, before the baseline
    gc.collect()
    arrow_before = pa.total_allocated_bytes()
    refs = []
    for _ in range(8):
        df = read(client, 5000)
        assert len(df) == 5000
        refs.append(weakref.ref(pull_of(df)))
        del df
    gc.collect()
    assert [ref() for ref in refs] == [None] * 8  # every snapshot went with its frame
    # the string columns live in Arrow's pool: each snapshot kept alive would hold 1.5 MB there
    assert pa.total_allocated_bytes() - arrow_before < 100_000


def test_the_registry_counts_live_snapshots_and_gives_them_back(client):
    gc.collect()
    before = snapshot.snapshot_usage()
    frames = [read(client, 1000) for _ in range(3)]
    during = snapshot.snapshot_usage()
    assert (during.pulls - before.pulls, during.rows - before.rows) == (3, 3000)
    assert during.nbytes - before.nbytes >= 3 * frames[0].memory_usage(deep=True).sum() * 0.9
    del frames
    gc.collect()
    assert snapshot.snapshot_usage() == before  # no pull, row or byte is held any more


def test_a_derived_frame_keeps_its_pull_and_frees_it_when_it_goes(client):
    df = read(client, 300)
    ref = weakref.ref(pull_of(df))
    subset = df[df["priority"] == df["priority"].iloc[0]].head(5).set_index("id", drop=False)
    del df
    gc.collect()
    assert ref() is not None and pull_of(subset) is ref()
    subset.loc[subset.index[0], "title"] = "still comparable"
    assert len(subset.autotask.changes()) == 1
    del subset
    gc.collect()
    assert ref() is None


def test_copies_hold_one_snapshot(client):
    gc.collect()
    before = snapshot.snapshot_usage()
    df = read(client, 400)
    frames = [df.copy(), copy.deepcopy(df), df.head(10), df[df["id"] > 0], df.copy(deep=False)]
    frames.append(pd.concat(frames[:2]))
    now = snapshot.snapshot_usage()
    assert (now.pulls - before.pulls, now.snapshots - before.snapshots) == (1, 1)
    assert now.rows - before.rows == 400  # deep copies of attrs copy no snapshot
    assert all(pull_of(frame) is pull_of(df) for frame in frames)


def test_the_chunks_of_pages_free_their_pull_with_the_last_chunk(client):
    chunks = Query(client, "Tickets", limit=1200).pages(500)
    first = next(chunks)
    ref = weakref.ref(pull_of(first))
    rest = list(chunks)  # the generator is done: it holds the pull no more
    del chunks
    assert sum(len(c) for c in rest) == 700 and pull_of(rest[-1]) is ref()
    del first
    gc.collect()
    assert ref() is not None and len(ref().base) == 1200
    del rest
    gc.collect()
    assert ref() is None


def test_forget_frees_the_snapshot_while_the_frame_lives(client):
    gc.collect()
    before = snapshot.snapshot_usage().rows
    df = read(client, 250)
    other = df.copy()
    assert snapshot.snapshot_usage().rows == before + 250
    df.autotask.forget()
    assert pull_of(df) is None and pull_of(other) is None  # every frame of the pull forgets it
    assert snapshot.snapshot_usage().rows == before


def test_a_push_apart_costs_only_the_columns_it_moved(client):
    tickets = read(client, 50)
    sibling = tickets.head(10)  # derived before the push: keeps the pulled snapshot
    tickets.loc[tickets.index[0], "title"] = "moved"
    assert tickets.autotask.push(progress=False).ok
    gc.collect()
    mine, theirs = pull_of(tickets), pull_of(sibling)
    assert mine is not theirs and mine.id == theirs.id
    assert same_buffers(mine.base["priority"], theirs.base["priority"])  # shared, not copied
    assert same_buffers(mine.base["dueDateTime"], theirs.base["dueDateTime"])
    assert not same_buffers(mine.base["title"], theirs.base["title"])
    usage = snapshot.snapshot_usage()
    assert usage.snapshots - usage.pulls >= 1  # this pull holds two snapshots
    ref = weakref.ref(theirs)
    del sibling, theirs
    gc.collect()
    assert ref() is None  # the pulled snapshot went with the last frame that used it
