"""Small display helpers the widgets share: notes, errors, a DataFrame in an ``Output`` widget.

Outputs are set on the ``Output`` widget's ``outputs`` trait directly (a rich display bundle with
HTML and plain text), not captured with ``with output: display(...)``: capture happens in the
front end, so a test without one would see nothing, while the trait is the same in both.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd

__all__ = ["error_html", "frame_bundle", "note_html", "show_frame", "show_html"]

# How much of a DataFrame is rendered (the whole frame stays in ``.result``).
DISPLAY_ROWS = 50
DISPLAY_COLUMNS = 30


def note_html(text: str) -> str:
    """A plain note, escaped."""
    return f'<span class="autotask-note">{html.escape(text)}</span>'


def error_html(text: str) -> str:
    """An error (the message as raised, position caret included), escaped and kept monospaced."""
    return (
        '<pre class="autotask-error" style="color:#b00020;white-space:pre-wrap;margin:0">'
        f"{html.escape(text)}</pre>"
    )


def frame_bundle(frame: pd.DataFrame, *, rows: int = DISPLAY_ROWS) -> dict[str, str]:
    """``text/html`` (a ``table.dataframe``) and ``text/plain`` of the frame's first ``rows``."""
    shape = f"{len(frame):,} rows × {len(frame.columns):,} columns"
    table = frame.to_html(max_rows=rows, max_cols=DISPLAY_COLUMNS, border=1)
    with pd.option_context("display.max_rows", rows, "display.max_columns", DISPLAY_COLUMNS):
        text = repr(frame)
    return {"text/html": f"{table}<p>{html.escape(shape)}</p>", "text/plain": f"{text}\n{shape}"}


def show_frame(output: widgets.Output, frame: pd.DataFrame) -> None:
    """Replace what ``output`` shows with ``frame``."""
    output.outputs = (
        {"output_type": "display_data", "data": frame_bundle(frame), "metadata": {}},
    )


def show_html(output: widgets.Output, markup: str, text: str) -> None:
    """Replace what ``output`` shows with ``markup`` (``text`` for plain-text front ends)."""
    output.outputs = (
        {
            "output_type": "display_data",
            "data": {"text/html": markup, "text/plain": text},
            "metadata": {},
        },
    )
