"""``autotask sandbox serve`` really serves: started as a user would start it, queried over HTTP,
and every option it takes shows in what it serves."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

SEARCH = {"search": json.dumps({"filter": [{"op": "exist", "field": "id"}]})}


@contextmanager
def serve(*options: str) -> Iterator[tuple[str, dict[str, str]]]:
    """Run ``autotask sandbox serve --port 0 OPTIONS``; yield its URL and the credentials it
    printed (as the three auth headers)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "autotask_pandas.cli", "sandbox", "serve", "--port", "0", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(6)]
        url = re.search(r"serving at (\S+)", lines[0])
        assert url, lines
        fields = dict(
            re.match(r"\s*(\w+)\s*:\s*(\S+)", line).groups()  # type: ignore[union-attr]
            for line in lines[2:5]
        )
        yield url.group(1), {k: fields[k] for k in ("UserName", "ApiIntegrationCode", "Secret")}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_serve_prints_url_and_demo_credentials_and_answers_queries() -> None:
    with serve("--scale", "0.2", "--seed", "3") as (url, headers):
        assert url.startswith("http://127.0.0.1:")
        response = httpx.post(
            url + "V1.0/Companies/query/count",
            json={"filter": [{"op": "exist", "field": "id"}]},
            headers=headers,
            timeout=30,
        )
        assert response.status_code == 200
        assert response.json()["queryCount"] > 0


def _both_at_once(client: httpx.Client, path: str) -> list[httpx.Response]:
    """Two GETs of ``path`` sent together (released by one barrier)."""
    barrier = threading.Barrier(2)
    answers: list[httpx.Response] = []

    def one() -> None:
        barrier.wait()
        answers.append(client.get(path))

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_serve_options_take_effect(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.db"
    options = [
        "--scale", "0.2", "--seed", "3", "--hourly-limit", "50", "--thread-limit", "1",
        "--latency-ms", "500", "--faults", "403:1@GET /V1.0/Roles/query", "--db", str(db),
    ]  # fmt: skip
    with serve(*options) as (url, headers), httpx.Client(
        base_url=url, headers=headers, timeout=30
    ) as client:
        # --hourly-limit: the budget ThresholdInformation reports
        threshold = client.get("V1.0/ThresholdInformation").json()
        assert threshold["externalRequestThreshold"] == 50
        # --faults: the rule answers in place of the query
        refused = client.get("V1.0/Roles/query", params=SEARCH)
        assert refused.status_code == 403
        assert refused.json() == {"errors": ["Forbidden. (sandbox fault injection)"]}
        # --db, --scale, --seed: the tenant was built into that file, with that scale and seed
        with sqlite3.connect(db) as built:
            (demo,) = built.execute("SELECT value FROM meta WHERE key = 'demo'").fetchone()
        assert demo == "scale=0.2 seed=3"
        # --thread-limit 1 and --latency-ms 500: a request holds the endpoint's only slot for
        # half a second, so of two sent together one is refused. Tried up to three times, in
        # case the machine delays one thread by that long.
        for _ in range(3):
            pair = _both_at_once(client, "V1.0/Companies/0")
            if sorted(r.status_code for r in pair) == [200, 429]:
                break
        assert sorted(r.status_code for r in pair) == [200, 429]
        (refused,) = [r for r in pair if r.status_code == 429]
        assert "thread threshold of 1 threads" in refused.json()["errors"][0]
