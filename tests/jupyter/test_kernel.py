"""issue 8 through a real Jupyter kernel (ipykernel, started by jupyter_client): the extension
loads, completion answers the kernel's ``complete_request``, and the progress bar is a widget
there - or, with no ipywidgets to draw one, a text bar - without any error.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from jupyter_client.manager import start_new_kernel

WIDGET = "application/vnd.jupyter.widget-view+json"


@pytest.fixture
def kernel() -> Iterator[Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOTASK_", "TQDM_"))}
    manager, client = start_new_kernel(kernel_name="python3", env=env, startup_timeout=60)
    try:
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def execute(client: Any, code: str) -> list[dict[str, Any]]:
    """Run ``code``; its iopub messages. Fails on an error in the kernel."""
    messages: list[dict[str, Any]] = []
    reply = client.execute_interactive(code, output_hook=messages.append, timeout=120)
    errors = [m["content"] for m in messages if m["msg_type"] == "error"]
    assert reply["content"]["status"] == "ok" and not errors, errors
    return messages


def stream(messages: list[dict[str, Any]], name: str) -> str:
    return "".join(
        m["content"]["text"] for m in messages
        if m["msg_type"] == "stream" and m["content"]["name"] == name
    )


def test_completion_and_a_widget_bar_in_a_kernel(kernel: Any) -> None:
    out = execute(kernel, "%load_ext autotask_pandas\n"
                          "%autotask connect --sandbox --scale 0.1 --seed 2")
    assert "Connected to the built-in sandbox" in stream(out, "stdout")

    line = "%autotask Tickets where sta"
    reply = kernel.complete(line, len(line), reply=True, timeout=60)["content"]
    assert reply["status"] == "ok" and "status" in reply["matches"]
    assert reply["cursor_start"] == len(line) - len("sta") and reply["cursor_end"] == len(line)
    line = "%autotask Tickets where priority in (Hi"
    reply = kernel.complete(line, len(line), reply=True, timeout=60)["content"]
    assert reply["matches"] == ["High"]

    out = execute(kernel, "df = %autotask Tickets select id limit 120\nprint(len(df))")
    widgets = [m for m in out if m["msg_type"] == "display_data" and WIDGET in m["content"]["data"]]
    assert len(widgets) == 1  # tqdm.notebook's bar
    assert stream(out, "stdout").strip() == "120" and "Tickets:" not in stream(out, "stderr")


def test_a_kernel_without_ipywidgets_gets_a_text_bar(kernel: Any) -> None:
    execute(kernel, "import sys\nsys.modules['ipywidgets'] = None  # as if not installed")
    execute(kernel, "%load_ext autotask_pandas\n%autotask connect --sandbox --scale 0.1 --seed 2")
    out = execute(kernel, "df = %autotask Tickets select id limit 120\nprint(len(df))")
    assert not [m for m in out if m["msg_type"] == "display_data"]
    assert "Tickets: 100%" in stream(out, "stderr") and "120/120" in stream(out, "stderr")
    assert stream(out, "stdout").strip() == "120"
    out = execute(kernel, "%config AutotaskMagic.progress = False\n"
                          "df = %autotask Tickets select id limit 120")
    assert stream(out, "stderr") == ""
