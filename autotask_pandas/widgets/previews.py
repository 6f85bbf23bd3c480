"""A file's bytes as something to look at: ``preview(content, content_type, file_name)``.

==================================  ====================================================
type (content type, else extension)  preview
==================================  ====================================================
``image/png|jpeg|gif|webp|bmp``      an ``Image`` widget holding the bytes
``image/svg+xml``                    the same
``text/csv`` (``.csv``)              a table (its first ``TABLE_ROWS``; text if unreadable)
``application/json`` (``.json``)     the JSON, indented
``text/*`` and other text types      the text (first ``MAX_TEXT_CHARS`` characters)
``application/pdf``                  the PDF embedded (``<object>`` with a data URL)
anything else                        a note: no preview, save the file to open it
==================================  ====================================================
"""

from __future__ import annotations

import base64
import html
import io
import json
import mimetypes

import ipywidgets as widgets
import pandas as pd

from autotask_pandas.widgets.display import frame_bundle, note_html

__all__ = ["MAX_TEXT_CHARS", "kind_of", "preview"]

MAX_TEXT_CHARS = 100_000
TABLE_ROWS = 50
_IMAGE_FORMATS = {"png", "jpeg", "jpg", "gif", "webp", "bmp", "svg+xml"}
_TEXT_TYPES = {"application/xml", "application/javascript", "application/x-yaml", "application/yaml"}


def kind_of(content_type: str | None, file_name: str | None) -> str:
    """``image | csv | json | text | pdf | other``, from the content type, else the file name."""
    guessed = mimetypes.guess_type(file_name or "")[0]
    for candidate in (content_type, guessed):
        if not candidate:
            continue
        main = candidate.split(";", 1)[0].strip().lower()
        if main.startswith("image/") and main.removeprefix("image/") in _IMAGE_FORMATS:
            return "image"
        if main in ("text/csv", "application/csv"):
            return "csv"
        if main == "application/json" or main.endswith("+json"):
            return "json"
        if main == "application/pdf":
            return "pdf"
        if main.startswith("text/") or main in _TEXT_TYPES:
            return "text"
    return "other"


def _text(content: bytes) -> str:
    return content.decode("utf-8-sig", errors="replace")


def _pre(text: str) -> widgets.HTML:
    shown = text[:MAX_TEXT_CHARS]
    more = (
        f"<p>{note_html(f'first {MAX_TEXT_CHARS:,} of {len(text):,} characters')}</p>"
        if len(text) > MAX_TEXT_CHARS
        else ""
    )
    return widgets.HTML(
        '<pre class="autotask-preview-text" style="max-height:30em;overflow:auto">'
        f"{html.escape(shown)}</pre>{more}"
    )


def preview(content: bytes, content_type: str | None, file_name: str | None) -> widgets.Widget:
    """A widget showing ``content`` (see the module's table)."""
    kind = kind_of(content_type, file_name)
    if kind == "image":
        main = (content_type or mimetypes.guess_type(file_name or "")[0] or "image/png").lower()
        image_format = main.split(";", 1)[0].strip().removeprefix("image/")
        return widgets.Image(value=bytes(content), format=image_format)
    if kind == "csv":
        try:
            frame = pd.read_csv(io.BytesIO(content))
        except (ValueError, UnicodeDecodeError):  # pandas' parser errors are ValueErrors
            return _pre(_text(content))
        return widgets.HTML(frame_bundle(frame, rows=TABLE_ROWS)["text/html"])
    if kind == "json":
        try:
            text = json.dumps(json.loads(_text(content)), indent=2, ensure_ascii=False)
        except ValueError:
            text = _text(content)
        return _pre(text)
    if kind == "text":
        return _pre(_text(content))
    if kind == "pdf":
        data = base64.b64encode(content).decode("ascii")
        return widgets.HTML(
            f'<object class="autotask-preview-pdf" type="application/pdf" '
            f'data="data:application/pdf;base64,{data}" width="100%" height="600">'
            f"{note_html('this browser shows no PDF inline: Save the file to open it')}</object>"
        )
    return widgets.HTML(
        note_html(f"no preview for {content_type or 'this type'}: Save the file to open it")
    )
