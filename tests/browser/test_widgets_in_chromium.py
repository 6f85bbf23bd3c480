"""Both widgets in a real browser: Voila renders a notebook holding a ``FilterBuilder`` and an
``AttachmentPreview``, whose kernel talks to the demo sandbox over loopback HTTP; Playwright
drives Debian's Chromium through the form as a user would. Screenshots of each step are saved
(see conftest.py for where, and for why Voila)."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from attachment_bytes import file_bytes
from browser_support import VoilaServer, serve_notebook

from autotask_pandas.client import AutotaskClient
from autotask_pandas.query.picklists import picklist_maps
from autotask_pandas.sandbox import Sandbox

TIMEOUT_MS = 45_000  # one step: a click and the kernel's answer
FIRST_RENDER_MS = 90_000  # a fresh kernel imports pandas and runs both cells: slow on a busy machine


@pytest.fixture(scope="module")
def png_attachment(http_client: AutotaskClient) -> dict[str, int]:
    """A demo ticket's PNG attachment: ids, and the image's size read from its header."""
    (info,) = http_client.query_all(
        "AttachmentInfo",
        [{"op": "exist", "field": "ticketID"},
         {"op": "eq", "field": "contentType", "value": "image/png"}],
        limit=1,
    )
    ticket_id, attachment_id = int(info["ticketID"]), int(info["id"])
    width, height = struct.unpack(">II", file_bytes(http_client, ticket_id, attachment_id)[16:24])
    return {"ticket": ticket_id, "attachment": attachment_id, "width": width, "height": height}


@pytest.fixture(scope="module")
def voila(
    tmp_path_factory: pytest.TempPathFactory,
    http_sandbox: Sandbox,
    artifacts: Path,
    png_attachment: dict[str, int],
) -> Iterator[VoilaServer]:
    work = tmp_path_factory.mktemp("voila")
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3", "display_name": "Python 3", "language": "python",
    }
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "from autotask_pandas.widgets import AttachmentPreview, FilterBuilder\n\n"
            "builder = FilterBuilder()  # no client: AUTOTASK_* name the sandbox\n"
            "builder"
        ),
        nbformat.v4.new_code_cell(
            f"preview = AttachmentPreview('Ticket', {png_attachment['ticket']})\npreview"
        ),
    ]
    path = work / "widgets.ipynb"
    nbformat.write(notebook, path)
    yield from serve_notebook(path, http_sandbox, work, artifacts / "voila.log")


@pytest.fixture
def page(chromium: Any, artifacts: Path) -> Iterator[Any]:
    page = chromium.new_page(viewport={"width": 1280, "height": 1600})
    messages: list[str] = []
    page.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
    try:
        yield page
    finally:
        (artifacts / "console.log").write_text("\n".join(messages) + "\n")
        page.close()


def _served(sandbox: Sandbox) -> list[tuple[str, str]]:
    return [(r.method, r.path.split("/V1.0/", 1)[-1]) for r in sandbox.requests]


@pytest.mark.timeout(240)
def test_the_widgets_render_run_and_preview_in_chromium(
    page: Any,
    voila: VoilaServer,
    artifacts: Path,
    http_sandbox: Sandbox,
    http_client: AutotaskClient,
    png_attachment: dict[str, int],
) -> None:
    from playwright.sync_api import expect

    page.goto(voila.url, timeout=FIRST_RENDER_MS)
    builder = page.locator(".autotask-filter-builder")
    preview = page.locator(".autotask-attachment-preview")
    expect(builder).to_be_visible(timeout=FIRST_RENDER_MS)
    expect(preview).to_be_visible(timeout=TIMEOUT_MS)
    line = builder.locator(".autotask-line")
    expect(line).to_have_text("%autotask Tickets limit 100")
    builder.screenshot(path=artifacts / "1-filter-builder.png")

    # the form, as a user fills it: a condition, the columns, a limit
    builder.locator("button.autotask-add").click()
    expect(builder.locator(".autotask-condition")).to_have_count(1)
    builder.locator(".autotask-field select").select_option("status")
    expect(builder.locator(".autotask-value select")).to_contain_text("Complete")
    builder.locator(".autotask-operator select").select_option("!=")
    builder.locator(".autotask-value select").select_option("Complete")
    builder.locator(".autotask-select select").select_option(["id", "title", "status"])
    limit = builder.locator(".autotask-limit input")
    limit.fill("20")
    limit.press("Enter")
    # the columns come in the entity's field order, as the select box lists them
    expect(line).to_have_text(
        "%autotask Tickets where status != Complete select id, status, title limit 20"
    )

    builder.locator("button.autotask-run").click()
    rows = builder.locator(".autotask-output table.dataframe tbody tr")
    expect(rows).to_have_count(20, timeout=TIMEOUT_MS)
    expect(builder.locator(".autotask-status")).to_contain_text("20 rows of Tickets")
    builder.screenshot(path=artifacts / "2-run.png")
    headers = builder.locator(".autotask-output table.dataframe thead th").all_inner_texts()
    assert [h.strip() for h in headers if h.strip()] == ["id", "status", "title"]
    # picklists show as labels (the pandas layer's default); every one is a status label
    statuses = {t.strip() for t in rows.locator("td:nth-child(3)").all_inner_texts()}
    meta = next(f for f in http_client.get_field_metadata("Tickets") if f.name == "status")
    known = set(picklist_maps(meta).labels)
    assert statuses and statuses <= known and "Complete" not in statuses  # filtered on the server
    assert ("POST", "Tickets/query") in _served(http_sandbox)

    # the attachment: listed, loaded only when its title is clicked, shown as an image
    ticket, attachment = png_attachment["ticket"], png_attachment["attachment"]
    expect(preview.locator(".autotask-attachment-table")).to_contain_text("screenshot.png")
    file_request = ("GET", f"Tickets/{ticket}/Attachments/{attachment}")
    fetched_before = _served(http_sandbox).count(file_request)  # the fixture's own read
    preview.locator("button.widget-button", has_text="Screenshot").click()
    image = preview.locator(".autotask-preview img")
    expect(image).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=image.element_handle())
    size = image.evaluate("i => [i.naturalWidth, i.naturalHeight]")
    assert size == [png_attachment["width"], png_attachment["height"]]
    assert _served(http_sandbox).count(file_request) == fetched_before + 1
    preview.screenshot(path=artifacts / "3-attachment-preview.png")
    page.screenshot(path=artifacts / "4-page.png", full_page=True)
