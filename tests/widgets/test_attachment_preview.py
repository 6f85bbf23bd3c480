"""``AttachmentPreview`` headless, on the sandbox's demo attachments (real PNG, PDF, CSV and text
files): the table, loading bytes only on selection, previews by type, the size limit, Save and
Upload; ``Sandbox.requests`` shows what was asked for."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pytest
from attachment_bytes import file_bytes
from request_log import RequestLog

from autotask_pandas import AutotaskValidationError
from autotask_pandas.client import AutotaskClient
from autotask_pandas.entities.attachments import MAX_FILE_BYTES
from autotask_pandas.widgets import AttachmentPreview


def _ticket_with(client: AutotaskClient, content_type: str) -> tuple[int, int]:
    """(ticket id, attachment id) of a demo ticket attachment of this type."""
    rows = client.query_all(
        "AttachmentInfo",
        [{"op": "exist", "field": "ticketID"}, {"op": "eq", "field": "contentType",
                                                 "value": content_type}],
        limit=1,
    )
    assert rows, f"the demo tenant has a {content_type} ticket attachment"
    return int(rows[0]["ticketID"]), int(rows[0]["id"])


def _raw_bytes(client: AutotaskClient, ticket_id: int, attachment_id: int) -> bytes:
    """The file as the API sends it, read past the widget and the attachments entity."""
    return file_bytes(client, ticket_id, attachment_id)


def _texts(box: widgets.GridBox) -> list[str]:
    return [getattr(cell, "description", "") or cell.value for cell in box.children]


def _chosen_file(name: str, content: bytes, kind: str = "") -> tuple[dict[str, Any], ...]:
    """A FileUpload value as the front end sends it (ipywidgets 8)."""
    return ({
        "name": name, "type": kind, "size": len(content), "content": memoryview(content),
        "last_modified": dt.datetime(2026, 11, 30, tzinfo=dt.UTC),
    },)


def test_the_table_lists_attachments_and_loads_no_file(
    widget_client: AutotaskClient, served: RequestLog
) -> None:
    ticket_id, attachment_id = _ticket_with(widget_client, "image/png")
    served.mark()
    view = AttachmentPreview("Ticket", ticket_id, widget_client)

    assert served.calls == [("GET", f"Tickets/{ticket_id}/Attachments")]  # the listing only
    item = next(a for a in view.attachments if a.id == attachment_id)
    cells = _texts(view.table)
    assert cells[:5] == ["<b>title</b>", "<b>file name</b>", "<b>size</b>", "<b>type</b>",
                         "<b>date</b>"]
    row = cells[5:10]
    assert row[0] == item.title == "Screenshot"
    assert row[1] == "screenshot.png"
    assert row[2] == f"{item.file_size} B"  # the demo screenshots are a few hundred bytes
    assert row[3] == "image/png"
    assert row[4].endswith(" UTC") and row[4][:4].isdigit()
    assert view.selected is None and view.content is None
    assert view.save_button.disabled


def test_clicking_a_title_loads_its_bytes_and_shows_the_image(
    widget_client: AutotaskClient, served: RequestLog
) -> None:
    ticket_id, attachment_id = _ticket_with(widget_client, "image/png")
    view = AttachmentPreview("Ticket", ticket_id, widget_client)
    served.mark()
    view.title_buttons[attachment_id].click()

    assert ("GET", f"Tickets/{ticket_id}/Attachments/{attachment_id}") in served.calls
    (shown,) = view.preview_box.children
    assert isinstance(shown, widgets.Image)
    assert shown.format == "png"
    expected = _raw_bytes(widget_client, ticket_id, attachment_id)
    assert expected.startswith(b"\x89PNG\r\n\x1a\n")
    assert bytes(shown.value) == expected == view.content
    assert view.title_buttons[attachment_id].button_style == "info"
    assert not view.save_button.disabled


def test_text_csv_and_pdf_are_previewed_as_such(widget_client: AutotaskClient) -> None:
    ticket_id, attachment_id = _ticket_with(widget_client, "text/csv")
    view = AttachmentPreview("Ticket", ticket_id, widget_client)
    view.select(attachment_id)
    (table,) = view.preview_box.children
    raw = _raw_bytes(widget_client, ticket_id, attachment_id).decode()
    header = raw.splitlines()[0].split(",")
    assert 'class="dataframe"' in table.value
    assert all(f"<th>{name}</th>" in table.value for name in header)
    rows = len(raw.strip().splitlines()) - 1
    assert f"{rows} rows × {len(header)} columns" in table.value

    ticket_id, attachment_id = _ticket_with(widget_client, "text/plain")
    view = AttachmentPreview("Ticket", ticket_id, widget_client)
    view.select(attachment_id)
    (text,) = view.preview_box.children
    first_line = _raw_bytes(widget_client, ticket_id, attachment_id).decode().splitlines()[0]
    assert text.value.startswith('<pre class="autotask-preview-text"')
    assert first_line.replace("&", "&amp;").replace("<", "&lt;") in text.value

    ticket_id, attachment_id = _ticket_with(widget_client, "application/pdf")
    view = AttachmentPreview("Ticket", ticket_id, widget_client)
    view.select(attachment_id)
    (pdf,) = view.preview_box.children
    encoded = base64.b64encode(_raw_bytes(widget_client, ticket_id, attachment_id)).decode()
    assert f'data="data:application/pdf;base64,{encoded}"' in pdf.value
    assert "<object" in pdf.value


def test_a_file_over_the_preview_limit_is_not_loaded(
    widget_client: AutotaskClient, served: RequestLog, tmp_path: Path
) -> None:
    ticket_id, attachment_id = _ticket_with(widget_client, "image/png")
    view = AttachmentPreview("Ticket", ticket_id, widget_client, max_preview_bytes=50)
    served.mark()
    view.title_buttons[attachment_id].click()

    assert served.calls == []  # nothing fetched
    assert view.content is None
    (note,) = view.preview_box.children
    assert "screenshot.png is" in note.value and "over the preview limit of 50 B" in note.value
    assert "not previewed" in note.value
    # Save still gets it
    view.path.value = str(tmp_path)
    view.save_button.click()
    assert (tmp_path / "screenshot.png").read_bytes() == _raw_bytes(
        widget_client, ticket_id, attachment_id)


def test_save_writes_the_file_to_the_path_typed(
    widget_client: AutotaskClient, served: RequestLog, tmp_path: Path
) -> None:
    ticket_id, attachment_id = _ticket_with(widget_client, "application/pdf")
    view = AttachmentPreview("Ticket", ticket_id, widget_client)
    view.select(attachment_id)
    served.mark()
    view.path.value = str(tmp_path / "copy.pdf")
    view.save_button.click()
    assert served.calls == []  # the bytes loaded for the preview are saved
    assert (tmp_path / "copy.pdf").read_bytes() == _raw_bytes(
        widget_client, ticket_id, attachment_id)
    assert f"to {tmp_path / 'copy.pdf'}" in view.status.value

    view.path.value = str(tmp_path / "missing" / "copy.pdf")
    view.save_button.click()
    assert "does not exist" in view.status.value and "autotask-error" in view.status.value
    assert not (tmp_path / "missing").exists()


def test_upload_attaches_the_chosen_file(
    widget_client: AutotaskClient, served: RequestLog
) -> None:
    ticket_id, _ = _ticket_with(widget_client, "text/plain")
    view = AttachmentPreview("Ticket", ticket_id, widget_client)
    before = {a.id for a in view.attachments}
    content = json.dumps({"device": "FW-01", "ports": [22, 443]}).encode()
    served.mark()
    view.uploader.value = _chosen_file("inventory.json", content, "application/json")

    assert ("POST", f"Tickets/{ticket_id}/Attachments") in served.calls
    assert view.uploader.value == ()  # ready for the next file
    (made,) = [a for a in view.attachments if a.id not in before]
    assert made.file_name == "inventory.json"
    assert f"as attachment {made.id}" in view.status.value
    assert made.id in view.title_buttons  # listed in the table
    assert _raw_bytes(widget_client, ticket_id, made.id) == content
    view.title_buttons[made.id].click()
    (text,) = view.preview_box.children
    assert '"device": "FW-01"' in text.value.replace("&quot;", '"')  # indented JSON


def test_a_file_over_the_api_limit_is_refused_before_anything_is_sent(
    widget_client: AutotaskClient, served: RequestLog
) -> None:
    ticket_id, _ = _ticket_with(widget_client, "text/plain")
    view = AttachmentPreview("Ticket", ticket_id, widget_client)
    listed = [a.id for a in view.attachments]
    served.mark()
    view.uploader.value = _chosen_file("huge.bin", bytes(MAX_FILE_BYTES + 1))

    assert served.calls == []
    assert f"'huge.bin' is {MAX_FILE_BYTES + 1:,} bytes" in view.status.value.replace("&#x27;", "'")
    assert "Nothing was sent" in view.status.value
    assert view.uploader.value == ()
    assert [a.id for a in view.attachments] == listed


def test_a_parent_that_cannot_hold_attachments_is_refused_first(
    widget_client: AutotaskClient, served: RequestLog
) -> None:
    served.mark()
    with pytest.raises(AutotaskValidationError, match="'Invoice' cannot hold attachments"):
        AttachmentPreview("Invoice", 1, widget_client)
    assert served.calls == []
