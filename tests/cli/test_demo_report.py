"""``autotask demo``, the main job: the analyst report, run on the embedded sandbox, written as one
standalone HTML file with its charts that opens offline; and the one-source rule for the report
notebook (shipped in the package, executed copy in notebooks/).

The command runs once per module (a real kernel executes the notebook: about 15 s), as a user
runs it: ``python -m autotask_pandas.cli demo`` in an empty folder, no ``AUTOTASK_*`` variables.
"""

from __future__ import annotations

import base64
import os
import struct
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path

import nbformat
import pytest

from autotask_pandas.cli.demo import DEFAULT_OUTPUT, load_report, report_html

REPO = Path(__file__).resolve().parents[2]
EXECUTED_COPY = REPO / "notebooks" / "02_analyst_report.ipynb"
SECTIONS = (
    "Ticket volume by queue and week",
    "Open backlog by age and priority",
    "First response and resolution against targets",
    "Hours by technician and by customer",
    "Contract utilisation",
    "Top customers by ticket load",
)
CHARTS = 6


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str
    folder: Path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Run:
    folder = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTASK_")}
    proc = subprocess.run(
        [sys.executable, "-m", "autotask_pandas.cli", "demo", "--notebook", "executed.ipynb"],
        cwd=folder, env=env, capture_output=True, text=True, timeout=280,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr, folder)


@pytest.fixture(scope="module")
def html(demo: Run) -> str:
    assert demo.code == 0, demo.stderr[-3000:]
    return (demo.folder / DEFAULT_OUTPUT).read_text(encoding="utf-8")


class _Page(HTMLParser):
    """Every tag with its attributes, and the text of script and style elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.text: list[str] = []
        self._inside: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag in ("script", "style"):
            self._inside = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == self._inside:
            self._inside = None

    def handle_data(self, data: str) -> None:
        if self._inside == "script":
            self.scripts.append(data)
        elif self._inside == "style":
            self.styles.append(data)
        else:
            self.text.append(data)


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _external(url: str) -> bool:
    return url.strip().lower().startswith(("http:", "https:", "//", "ftp:"))


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _without_css_comments(css: str) -> str:
    while "/*" in css:
        start = css.index("/*")
        end = css.find("*/", start + 2)
        css = css[:start] + (css[end + 2:] if end >= 0 else "")
    return css


# -- the command ----------------------------------------------------------------------------------


def test_demo_writes_the_report_where_it_says(demo: Run) -> None:
    assert demo.code == 0, demo.stderr[-3000:]
    report = (demo.folder / DEFAULT_OUTPUT).resolve()
    assert report.is_file()
    assert f"Report written to {report}" in demo.stdout
    assert "Busiest week:" in demo.stdout  # the key figures, printed too
    # the kernel's own chatter stays out of the user's terminal
    assert "IPKernelApp" not in demo.stdout + demo.stderr


def test_the_report_is_one_html_page_with_every_section(html: str) -> None:
    assert html.lstrip().lower().startswith("<!doctype html>")
    text = " ".join(_parse(html).text)
    for section in SECTIONS:
        assert section in text, section
    assert "Busiest week: 08 Jun 2026" in text
    # a report, not a notebook: no code
    assert "read_autotask(" not in html and "plt.subplots" not in html


def test_the_charts_are_inline_png_images(html: str) -> None:
    images = [attrs["src"] for tag, attrs in _parse(html).tags if tag == "img"]
    assert len(images) == CHARTS
    for src in images:
        prefix = "data:image/png;base64,"
        assert src.startswith(prefix), src[:60]
        png = base64.b64decode(src[len(prefix):])
        width, height = _png_size(png)
        assert width >= 800 and height >= 350, (width, height)
        assert len(png) > 20_000  # a chart, not a blank or a placeholder


def test_the_report_fetches_nothing(html: str) -> None:
    """Opens offline: no script, stylesheet, font, frame or image comes from elsewhere."""
    page = _parse(html)
    fetched = []
    for tag, attrs in page.tags:
        for name in ("src", "data", "poster", "srcset"):
            if name in attrs and _external(attrs[name]):
                fetched.append(f"<{tag} {name}={attrs[name]}>")
        if tag == "link" and _external(attrs.get("href", "")):
            fetched.append(f"<link href={attrs['href']}>")
    assert fetched == []
    for script in page.scripts:  # inline code that would import or load a URL
        assert "http:" not in script and "https:" not in script and "//cdn" not in script
    for css in map(_without_css_comments, page.styles):
        assert "@import" not in css
        assert "url(http" not in css.replace(" ", "").replace("'", "").replace('"', "")


def test_the_executed_notebook_is_written_too(demo: Run) -> None:
    assert demo.code == 0, demo.stderr[-3000:]
    executed = nbformat.read(demo.folder / "executed.ipynb", as_version=4)
    committed = nbformat.read(EXECUTED_COPY, as_version=4)
    assert [c.source for c in executed.cells] == [c.source for c in committed.cells]
    assert executed.metadata["kernelspec"]["name"] == "python3"
    # record_timing is off: no per-cell timestamps to churn the committed copy
    assert all("execution" not in c.metadata for c in executed.cells)


# -- one source: the shipped notebook and its executed copy --------------------------------------


def test_the_report_notebook_is_shipped_in_the_package() -> None:
    reports = files("autotask_pandas").joinpath("reports")
    assert reports.joinpath("analyst_report.ipynb").is_file()
    assert reports.joinpath("offline.html.j2").is_file()


def test_the_executed_copy_has_the_cells_of_the_source() -> None:
    source = load_report()  # default parameters: what the copy must have been made with
    copy = nbformat.read(EXECUTED_COPY, as_version=4)
    assert [(c.cell_type, c.source) for c in copy.cells] == [
        (c.cell_type, c.source) for c in source.cells
    ]
    assert [c.metadata.get("tags", []) for c in copy.cells] == [
        c.metadata.get("tags", []) for c in source.cells
    ]


def test_the_source_has_no_outputs_and_the_copy_is_executed_cleanly() -> None:
    source = load_report()
    code = [c for c in source.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    copy = nbformat.read(EXECUTED_COPY, as_version=4)
    counts = [c.execution_count for c in copy.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(code) + 1))  # top to bottom, once
    for cell in copy.cells:
        for out in cell.get("outputs", ()):
            assert out.output_type != "error", cell.source[:80]
            assert not (out.output_type == "stream" and out.name == "stderr"), (
                cell.source[:80], out.text[:300])
    images = sum("image/png" in out.get("data", {}) for c in copy.cells
                 for out in c.get("outputs", ()))
    assert images == CHARTS
    checked = [c for c in copy.cells if "nbval-check-output" in c.metadata.get("tags", [])]
    assert len(checked) >= 8 and all(c.outputs for c in checked)


def test_parameters_set_scale_and_seed_and_nothing_else() -> None:
    default, other = load_report(), load_report(scale=0.5, seed=3)
    changed = [(a.source, b.source) for a, b in zip(default.cells, other.cells, strict=True)
               if a.source != b.source]
    assert len(changed) == 1
    before, after = changed[0]
    assert "SCALE = 1\n" in before and "SEED = 0" in before
    assert "SCALE = 0.5\n" in after and "SEED = 3" in after


def test_the_committed_copy_renders_offline_with_its_charts() -> None:
    """The HTML step alone, on the committed copy: same checks, no kernel."""
    html = report_html(nbformat.read(EXECUTED_COPY, as_version=4))
    page = _parse(html)
    assert sum(tag == "img" for tag, _ in page.tags) == CHARTS
    assert not any(tag == "script" and _external(a.get("src", "")) for tag, a in page.tags)
    assert not any(tag == "link" and _external(a.get("href", "")) for tag, a in page.tags)
