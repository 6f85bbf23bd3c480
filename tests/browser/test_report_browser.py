"""The analyst report in a real browser: headless Chromium opens the HTML that ``autotask demo``
writes, with the network cut off, and finds every chart drawn and visible; nothing is requested
but the file itself. A full-page screenshot is saved as ``analyst-report.png`` in the artefacts
folder (see conftest.py).

The page is made by the demo's own HTML step (``report_html``) from the committed executed copy,
notebooks/02_analyst_report.ipynb, which nbval proves current; running the notebook again here
would add a kernel run and prove nothing more (tests/cli/test_demo_report.py runs the command).
Like every browser test, it fails rather than skips under ``CI=true`` when Chromium is missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat

from autotask_pandas.cli.demo import DEFAULT_OUTPUT, report_html

REPO = Path(__file__).resolve().parents[2]
EXECUTED_COPY = REPO / "notebooks" / "02_analyst_report.ipynb"
CHARTS = 6
TIMEOUT_MS = 30_000

_IMAGE_STATE = """img => ({
    loaded: img.complete && img.naturalWidth > 0,
    width: img.naturalWidth, height: img.naturalHeight,
    shown: img.getBoundingClientRect().width,
    png: img.src.startsWith("data:image/png;base64,"), bytes: img.src.length,
})"""


def test_the_report_shows_its_charts_offline_in_chromium(
    chromium: Any, artifacts: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    report = tmp_path / DEFAULT_OUTPUT
    report.write_text(report_html(nbformat.read(EXECUTED_COPY, as_version=4)), encoding="utf-8")

    context = chromium.new_context(viewport={"width": 1300, "height": 900}, offline=True)
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    try:
        page = context.new_page()
        page.goto(report.as_uri(), wait_until="load", timeout=TIMEOUT_MS)
        expect(page.get_by_role("heading", name="Contract utilisation")).to_be_visible()

        images = page.locator("img")
        expect(images).to_have_count(CHARTS, timeout=TIMEOUT_MS)
        for n in range(CHARTS):
            image = images.nth(n)
            image.scroll_into_view_if_needed(timeout=TIMEOUT_MS)
            expect(image).to_be_visible(timeout=TIMEOUT_MS)
            state = image.evaluate(_IMAGE_STATE)
            assert state["loaded"] and state["png"], (n, state)
            assert state["width"] >= 800 and state["height"] >= 350, (n, state)
            assert state["shown"] >= 600, (n, state)  # drawn at a readable size
            assert state["bytes"] > 20_000, (n, state)  # a chart, not a blank

        page.screenshot(path=str(artifacts / "analyst-report.png"), full_page=True)
    finally:
        context.close()
    # Offline means offline: the page asked for nothing but itself (data: URLs are not requests
    # to anywhere, and Chromium reports some of them; they are allowed).
    assert [url for url in requested if not url.startswith(("file:", "data:"))] == []
