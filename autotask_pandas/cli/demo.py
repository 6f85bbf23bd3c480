"""The main job of the README's first command: the analyst report, against the embedded sandbox.

``autotask demo`` runs the analyst report notebook shipped in the package
(``autotask_pandas/reports/analyst_report.ipynb``, the one source of the report) top to bottom in
a fresh Python kernel of this interpreter (nbclient), and writes it as one standalone HTML file
(nbconvert): text, tables and charts, no code. The notebook starts the demo sandbox itself, so no
credentials and no network are involved, and the file opens offline: charts are inline PNG
images, styles are inlined, and no script or stylesheet is fetched from anywhere (the template
``reports/offline.html.j2`` leaves out the CDN scripts of nbconvert's lab template, and whatever
external reference a later nbconvert adds is stripped here).

``--notebook PATH`` also writes the executed notebook: that is how
``notebooks/02_analyst_report.ipynb``, the committed executed copy CI checks with nbval, is made
(``autotask demo --notebook notebooks/02_analyst_report.ipynb``).
"""

from __future__ import annotations

import copy
import re
import site
import sys
import tempfile
import time
from importlib.resources import as_file, files
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from nbformat import NotebookNode

__all__ = ["DEFAULT_OUTPUT", "REPORT_NOTEBOOK", "execute_report", "load_report", "report_html",
           "run_demo"]

DEFAULT_OUTPUT = "autotask-report.html"
REPORT_NOTEBOOK = "analyst_report.ipynb"
_TEMPLATE = "offline.html.j2"
# The kernel: this interpreter, whatever "python3" kernelspecs the machine has (a user-wide one
# may point at another Python, without this package).
_KERNEL_NAME = "autotask-demo-python"
CELL_TIMEOUT = 600  # seconds; the whole report takes seconds, a stuck cell fails loudly
_EXTERNAL = re.compile(
    r"""<script\b[^>]*\bsrc\s*=\s*["']?(?:https?:)?//[^>]*>\s*</script>"""
    r"""|<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?//[^>]*>""",
    re.IGNORECASE,
)


def load_report(scale: float = 1, seed: int = 0) -> NotebookNode:
    """The report notebook as shipped, its ``parameters`` cell set to ``scale`` and ``seed``.

    Raises ``LookupError`` if the shipped notebook has no cell tagged ``parameters``.
    """
    import nbformat

    text = files("autotask_pandas").joinpath("reports", REPORT_NOTEBOOK).read_text("utf-8")
    # nbformat and nbconvert ship py.typed but leave these entry points unannotated.
    nb: NotebookNode = nbformat.reads(text, as_version=4)  # type: ignore[no-untyped-call]
    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", ()):
            source = re.sub(r"(?m)^SCALE = .*$", f"SCALE = {scale:g}", cell.source)
            cell.source = re.sub(r"(?m)^SEED = .*$", f"SEED = {seed:d}", source)
            return nb
    raise LookupError(f"{REPORT_NOTEBOOK}: no cell tagged 'parameters' to set scale and seed")


def execute_report(nb: NotebookNode, timeout: float = CELL_TIMEOUT) -> NotebookNode:
    """Run every cell of ``nb`` in place, in a kernel of this interpreter started in a scratch
    folder, and shut it down; returns ``nb`` with its outputs.

    Raises ``nbclient.exceptions.CellExecutionError`` (with the cell's traceback) if a cell
    fails, and ``RuntimeError`` with the end of the kernel's log if the kernel itself fails.
    """
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    class ThisPython(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            if kernel_name != _KERNEL_NAME:
                return super().get_kernel_spec(kernel_name)
            return KernelSpec(
                argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                display_name="Python 3 (ipykernel)", language="python", resource_dir="",
            )

    class ThisPythonKernel(AsyncKernelManager):
        def __init__(self, **kwargs: object) -> None:
            super().__init__(kernel_spec_manager=ThisPython(), **kwargs)

    with tempfile.TemporaryDirectory(prefix="autotask-report-") as scratch:
        client = NotebookClient(
            nb, kernel_name=_KERNEL_NAME, kernel_manager_class=ThisPythonKernel,
            timeout=timeout, record_timing=False,  # no timestamps in the executed copy
            resources={"metadata": {"path": scratch}},
        )
        log_path = Path(scratch, "kernel.log")
        # The kernel's own chatter (ipykernel's transport warning) goes to a log, not the
        # terminal; it is shown if the kernel fails.
        with log_path.open("wb") as log:
            try:
                client.execute(stderr=log)
            except CellExecutionError:
                raise
            except Exception as exc:
                tail = log_path.read_text("utf-8", errors="replace")[-3000:]
                raise RuntimeError(f"the report's kernel failed: {exc}\n{tail}") from exc
    # The copy names the usual kernel, not the private one it ran on.
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                 "name": "python3"}
    return nb


def report_html(nb: NotebookNode) -> str:
    """The executed report as one standalone HTML page: markdown, text, tables and charts (no
    code, no prompts, no stderr), every style and image inline, no external script or
    stylesheet."""
    from nbconvert import HTMLExporter

    shown = copy.deepcopy(nb)
    for cell in shown.cells:
        if cell.cell_type == "code":
            cell.outputs = [out for out in cell.outputs
                            if not (out.output_type == "stream" and out.name == "stderr")]
    with as_file(files("autotask_pandas").joinpath("reports", _TEMPLATE)) as template:
        exporter = HTMLExporter(  # type: ignore[no-untyped-call]
            template_name="lab", template_file=str(template), exclude_input=True,
            exclude_input_prompt=True, exclude_output_prompt=True,
            # where else nbconvert's templates may be: for the template folders, and the names
            # the templates use with their folder ('base/null.j2')
            extra_template_basedirs=_other_template_dirs(),
            extra_template_paths=_other_template_dirs(),
        )
        html, _ = exporter.from_notebook_node(
            shown, resources={"metadata": {"name": "Autotask analyst report"}})
    return _EXTERNAL.sub("", html)


def run_demo(
    output: str | Path = DEFAULT_OUTPUT,
    notebook: str | Path | None = None,
    scale: float = 1,
    seed: int = 0,
    out: TextIO | None = None,
) -> int:
    """Run the analyst report on a demo sandbox (``scale``, ``seed``) and write it to ``output``
    (HTML) and, if given, the executed notebook to ``notebook``. Prints progress, the key
    figures and where the report is to ``out`` (stdout). Returns 0, or 1 when a cell or the
    kernel fails (the error and the cell's traceback go to stderr, nothing is written); a file
    that cannot be written raises ``OSError``."""
    import nbformat
    from nbclient.exceptions import CellExecutionError

    out = out or sys.stdout
    target = Path(output).expanduser().resolve()
    print(f"Running the analyst report against the embedded sandbox (scale {scale:g}, "
          f"seed {seed}); no credentials, no network...", file=out, flush=True)
    started = time.perf_counter()
    _warm_matplotlib()
    try:
        nb = execute_report(load_report(scale, seed))
    except (CellExecutionError, RuntimeError) as exc:
        # The cell's own traceback (or the kernel's log) says what failed.
        print(f"error: the analyst report ({REPORT_NOTEBOOK}) failed, so no report was "
              f"written:\n{exc}", file=sys.stderr)
        return 1
    html = report_html(nb)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html, encoding="utf-8")
    if notebook is not None:
        nbformat.write(nb, str(Path(notebook).expanduser()))  # type: ignore[no-untyped-call]
    charts = html.count('src="data:image/png;base64,')
    figures = _key_figures(nb)
    if figures:
        print("\n" + figures.rstrip(), file=out)
    print(f"\nReport written to {target}\n  {charts} charts, {len(html) / 1e6:.1f} MB, "
          f"opens offline in any browser; made in {time.perf_counter() - started:.0f} s.",
          file=out, flush=True)
    if notebook is not None:
        print(f"Executed notebook written to {Path(notebook).expanduser().resolve()}", file=out)
    return 0


def _other_template_dirs() -> list[str]:
    """Where else nbconvert's own templates may be. It looks in this environment's Jupyter data
    folders; in a venv made with ``--system-site-packages``, or after ``pip install --user``,
    nbconvert and its templates live under the base or user prefix instead. (Setting this also
    stops nbconvert's default, the working directory, from lending the report a folder named
    like a template.)"""
    prefixes = (sys.base_prefix, site.getuserbase())
    found = [Path(prefix, "share", "jupyter", "nbconvert", "templates") for prefix in prefixes]
    return [str(path) for path in found if path.is_dir()]


def _key_figures(nb: NotebookNode) -> str:
    """What the last cell printing anything printed: the report's key figures."""
    for cell in reversed(nb.cells):
        text = "".join(out.get("text", "") for out in cell.get("outputs", ())
                       if out.output_type == "stream" and out.name == "stdout")
        if text:
            return text
    return ""


def _warm_matplotlib() -> None:
    """Build matplotlib's font cache here, once, so the kernel does not print "Matplotlib is
    building the font cache" into the report on a fresh machine."""
    import matplotlib.font_manager  # noqa: F401  (importing it builds the cache)
