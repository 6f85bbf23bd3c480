"""The canary secret through notebook outputs (issue 11, "Suites": notebook outputs).

A small notebook, executed in a real kernel (nbclient), signs in to a sandbox over loopback HTTP
whose API user's secret is the canary, with every logger at DEBUG on the cell's stderr. It
displays a client, its credentials, its config, a pulled frame (text and HTML), a push result,
and runs into errors (a write the server refuses, a filter naming no field, a value out of range)
whose tracebacks the notebook keeps. The canary must be in no output of any cell - stream, text,
HTML, error name, value and traceback - and nowhere in the saved ``.ipynb``.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import nbformat
import pytest
from helpers import new_sandbox
from nbclient import NotebookClient

CANARY = "CANARY-5d2e8b40-never-print-me-in-a-notebook"
ROOT = Path(__file__).resolve().parents[2]  # the kernel imports this checkout's package

CELLS = [
    """\
import logging, os, sys
to_cell = logging.StreamHandler(sys.stderr)  # the cell's stderr: part of its outputs
to_cell.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s %(args)s"))
for name in ("autotask_pandas", "httpx", "httpcore"):
    logging.getLogger(name).setLevel(logging.DEBUG)
    logging.getLogger(name).addHandler(to_cell)
from autotask_pandas import AuthCredentials, AutotaskClient, ClientConfig, read_autotask
creds = AuthCredentials(
    os.environ["AUTOTASK_USERNAME"],
    os.environ["AUTOTASK_INTEGRATION_CODE"],
    os.environ["AUTOTASK_SECRET"],
    api_url=os.environ["AUTOTASK_API_URL"],
)
client = AutotaskClient(creds, ClientConfig(threshold_check_every=0, max_retries=0))
client""",
    "creds",
    "display(client.config); print(repr(client), str(creds))",
    """\
df = read_autotask("Tickets", "id < 7006", client=client, progress=False, labels=False)
df""",
    "print(df.to_string()); df.head(2)",
    """\
df.loc[df.index[0], "title"] = "edited in the canary notebook"
df.loc[df.index[1], "contactID"] = 1  # no such contact: the server refuses it
result = df.autotask.push(client=client, progress=False)
print(result.requests_text())
result""",
    'client.update("Tickets", 7000, contactID=1)',
    'read_autotask("Tickets", "nosuchfield = 1", client=client)',
    'read_autotask("Tickets", "estimatedHours > 1e999", client=client)',
    "import pickle; pickle.dumps(creds)",
]


def _everything(nb: nbformat.NotebookNode) -> list[str]:
    """Every output of every cell, as text: streams, each display form, errors and tracebacks."""
    texts: list[str] = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            texts.append(json.dumps(output))  # JSON-escaped forms too
            if output.get("output_type") == "stream":
                texts.append(output["text"])
            for value in output.get("data", {}).values():
                texts.append(value if isinstance(value, str) else json.dumps(value))
            if output.get("output_type") == "error":
                texts += [output["ename"], output["evalue"], *output["traceback"]]
    return texts


def test_the_canary_is_in_no_notebook_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with new_sandbox(0.05, 0) as sb:
        assert sb.app is not None
        sb.app.user = dataclasses.replace(sb.app.user, secret=CANARY)  # the canary signs in
        monkeypatch.setenv("AUTOTASK_USERNAME", sb.username)
        monkeypatch.setenv("AUTOTASK_INTEGRATION_CODE", sb.integration_code)
        monkeypatch.setenv("AUTOTASK_SECRET", CANARY)
        monkeypatch.setenv("AUTOTASK_API_URL", sb.url)
        monkeypatch.setenv(
            "PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        )
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
        NotebookClient(
            nb,
            timeout=60,
            kernel_name="python3",
            allow_errors=True,
            resources={"metadata": {"path": str(tmp_path)}},
        ).execute()
        served = list(sb.requests)
    saved = tmp_path / "canary.ipynb"
    nbformat.write(nb, saved)

    outputs = _everything(nb)
    everything = "\n".join(outputs)
    # the notebook really ran: it signed in, pulled, pushed, displayed and failed as planned
    assert any(r.status == 200 and "Tickets/query" in r.path for r in served)
    assert any(r.method == "PATCH" for r in served)
    assert "edited in the canary notebook" in everything
    assert "text/html" in "".join(json.dumps(o) for c in nb.cells for o in c.get("outputs", []))
    assert "Contact 1 does not exist" in everything
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert len(errors) == 3, [e["ename"] for e in errors]
    assert "httpcore" in everything  # the DEBUG lines of the HTTP stack are in the outputs
    forms = {CANARY, json.dumps(CANARY)[1:-1], repr(CANARY)[1:-1]}
    for form in forms:
        assert form not in everything, form
        assert form not in saved.read_text(encoding="utf-8"), form
