"""``autotask sandbox serve`` really serves: started as a user would start it, queried over HTTP."""

from __future__ import annotations

import re
import subprocess
import sys

import httpx

from autotask_pandas.cli import build_parser


def test_serve_prints_url_and_demo_credentials_and_answers_queries() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "autotask_pandas.cli", "sandbox", "serve", "--port", "0",
         "--scale", "0.2", "--seed", "3"],
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
        headers = {
            "UserName": fields["UserName"],
            "ApiIntegrationCode": fields["ApiIntegrationCode"],
            "Secret": fields["Secret"],
        }
        assert url.group(1).startswith("http://127.0.0.1:")
        response = httpx.post(
            url.group(1) + "V1.0/Companies/query/count",
            json={"filter": [{"op": "exist", "field": "id"}]},
            headers=headers,
            timeout=30,
        )
        assert response.status_code == 200
        assert response.json()["queryCount"] > 0
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_serve_options_are_parsed() -> None:
    args = build_parser().parse_args(
        ["sandbox", "serve", "--latency-ms", "250", "--thread-limit", "2", "--hourly-limit", "50",
         "--faults", "500:0.1", "--db", "x.db"]
    )
    assert (args.latency_ms, args.thread_limit, args.hourly_limit) == (250.0, 2, 50)
    assert (args.faults, args.db, args.host, args.port) == ("500:0.1", "x.db", "127.0.0.1", 8765)
