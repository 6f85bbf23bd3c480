"""``AttachmentPreview``: the attachments of one ticket, company, project... to look at, save and
add to.

    from autotask_pandas.widgets import AttachmentPreview
    AttachmentPreview("Ticket", 29683490)      # client=None: the default client

A table lists the parent's attachments (title, file name, size, type, date) from one listing
request (``GET /{Parent}/{parentId}/Attachments``, which carries no file contents). Clicking a
title selects that attachment and only then loads its bytes (FACTS §attachments: only the
get-by-id answer carries ``data``) and previews them (``previews``): images inline, CSV as a
table, JSON and text as text, PDF embedded. Files larger than ``max_preview_bytes`` are not
loaded for a preview; a note says so, and Save still fetches them.

Save writes the selected file to the path typed (a directory: the file's own name in it).
Upload (a ``FileUpload``) attaches the chosen file to the parent; its size is checked against
``client.attachments.max_file_bytes`` before anything is sent. Everything goes through the
client's attachments entity (``entities/attachments.py``); nothing here builds a request.
"""

from __future__ import annotations

import datetime as _dt
import html
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from autotask_pandas.exceptions import AutotaskException, AutotaskValidationError
from autotask_pandas.types import AttachmentData
from autotask_pandas.widgets.display import error_html, note_html
from autotask_pandas.widgets.previews import preview

if TYPE_CHECKING:
    from autotask_pandas.client import AutotaskClient
    from autotask_pandas.entities.attachments import AttachmentsEntity

__all__ = ["DEFAULT_MAX_PREVIEW_BYTES", "AttachmentPreview", "size_text"]

DEFAULT_MAX_PREVIEW_BYTES = 2 * 1024 * 1024
_COLUMNS = ("title", "file name", "size", "type", "date")


def size_text(size: int | float | None) -> str:
    """``532 B``, ``12.3 kB``, ``4.1 MB`` (decimal units); ``?`` when unknown."""
    if size is None:
        return "?"
    value = float(size)
    for unit in ("B", "kB", "MB"):
        if value < 1000 or unit == "MB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"  # pragma: no cover - the loop returns at MB


def _date_text(value: str | None) -> str:
    if not value:
        return ""
    try:
        when = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if when.tzinfo is not None:
        when = when.astimezone(_dt.UTC)
    return when.strftime("%Y-%m-%d %H:%M") + (" UTC" if when.tzinfo is not None else "")


class AttachmentPreview:
    """The attachments of ``parent_type`` ``parent_id``; display it in a notebook.

    Args:
        parent_type: ``"Ticket"``, ``"Tickets"``, ``"Company"``... (any name
            ``client.attachments.parent`` accepts).
        parent_id: the parent's id.
        client: the ``AutotaskClient``; None for the default client.
        max_preview_bytes: larger files are listed but not loaded for a preview.

    Attributes:
        attachments: the listed ``AttachmentData`` (no contents), in the server's order.
        table: the ``GridBox`` of the table; ``title_buttons`` its title buttons, by attachment id.
        selected: the selected ``AttachmentData`` (None before a click).
        content: the selected file's bytes, once loaded (None when not loaded).
        preview_box: the ``Box`` showing the preview; ``path``, ``save_button``, ``uploader``: the
            Save path, the Save button, the ``FileUpload``; ``status``: notes and errors.

    Raises:
        AutotaskValidationError: a parent type that cannot hold attachments.
        AutotaskAPIError: the listing failed (a parent that does not exist, in the server's words).
    """

    def __init__(
        self,
        parent_type: str,
        parent_id: int,
        client: AutotaskClient | None = None,
        *,
        max_preview_bytes: int = DEFAULT_MAX_PREVIEW_BYTES,
    ) -> None:
        if client is None:
            from autotask_pandas.client.default import default_client

            client = default_client()
        self.client = client
        self._entity: AttachmentsEntity = client.attachments
        self.parent = self._entity.parent(parent_type)  # checked before any request
        self.parent_id = int(parent_id)
        self.max_preview_bytes = int(max_preview_bytes)
        self.attachments: list[AttachmentData] = []
        self.selected: AttachmentData | None = None
        self.content: bytes | None = None
        self.title_buttons: dict[int, widgets.Button] = {}

        self.heading = widgets.HTML()
        self.table = widgets.GridBox(
            layout=widgets.Layout(
                grid_template_columns="minmax(10em, 2fr) minmax(10em, 2fr) 6em 10em 12em",
                grid_gap="2px 12px",
                width="100%",
            )
        )
        self.preview_box = widgets.Box(layout=widgets.Layout(width="100%"))
        self.path = widgets.Text(
            placeholder="path or folder to save to", description="save to",
            layout=widgets.Layout(width="30em"),
        )
        self.save_button = widgets.Button(description="Save", icon="download", disabled=True)
        self.uploader = widgets.FileUpload(description="Upload", multiple=False)
        self.status = widgets.HTML()
        self.widget = widgets.VBox(
            [
                self.heading,
                self.table,
                self.preview_box,
                widgets.HBox([self.path, self.save_button]),
                self.uploader,
                self.status,
            ],
            layout=widgets.Layout(width="100%"),
        )
        # CSS classes name the parts for styling and for browser tests
        self.widget.add_class("autotask-attachment-preview")
        for part, name in (
            (self.table, "attachment-table"), (self.preview_box, "preview"), (self.path, "path"),
            (self.save_button, "save"), (self.uploader, "upload"), (self.status, "status"),
        ):
            part.add_class(f"autotask-{name}")
        self.save_button.on_click(lambda _b: self._guarded(self.save))
        self.uploader.observe(self._files_chosen, names="value")
        self.refresh()

    # -- display --------------------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return (
            f"AttachmentPreview({self.parent.singular!r}, {self.parent_id}, "
            f"{len(self.attachments)} attachments)"
        )

    # -- the table ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """List the parent's attachments again (one request) and redraw the table."""
        self.attachments = self._entity.get_attachments_for_entity(
            self.parent.parent, self.parent_id
        )
        for button in self.title_buttons.values():
            button.close()
        self.title_buttons = {}
        cells: list[widgets.Widget] = [widgets.HTML(f"<b>{name}</b>") for name in _COLUMNS]
        for item in self.attachments:
            button = widgets.Button(
                description=item.title or item.file_name or f"#{item.id}",
                tooltip=f"preview attachment {item.id}",
                layout=widgets.Layout(width="auto"),
            )
            button.on_click(lambda _b, attachment_id=item.id: self._guarded(
                lambda: self.select(attachment_id)))
            self.title_buttons[item.id] = button
            cells += [
                button,
                widgets.Label(item.file_name or ""),
                widgets.Label(size_text(item.file_size)),
                widgets.Label(item.content_type or ""),
                widgets.Label(_date_text(item.created_date_time)),
            ]
        self.table.children = tuple(cells)
        count = len(self.attachments)
        self.heading.value = (
            f"<b>{html.escape(self.parent.singular)} {self.parent_id}</b>: "
            f"{count} attachment{'' if count == 1 else 's'}"
        )
        if self.selected is not None and self.selected.id not in self.title_buttons:
            self._clear_selection()
        self._mark_selected()

    def _mark_selected(self) -> None:
        for attachment_id, button in self.title_buttons.items():
            chosen = self.selected is not None and attachment_id == self.selected.id
            button.button_style = "info" if chosen else ""

    def _clear_selection(self) -> None:
        self.selected = None
        self.content = None
        self.preview_box.children = ()
        self.save_button.disabled = True

    # -- selecting and previewing ---------------------------------------------------------------

    def select(self, attachment_id: int) -> AttachmentData:
        """Select an attachment of the table, load its bytes (unless larger than
        ``max_preview_bytes``) and preview them. ``KeyError`` for an id not in the table."""
        item = next((a for a in self.attachments if a.id == attachment_id), None)
        if item is None:
            raise KeyError(
                f"attachment {attachment_id} is not one of {self.parent.singular} "
                f"{self.parent_id}'s: {[a.id for a in self.attachments]}"
            )
        self.selected = item
        self.content = None
        self.preview_box.children = ()
        self.save_button.disabled = False
        self._mark_selected()
        name = item.file_name or item.title or f"#{item.id}"
        if item.file_size is not None and item.file_size > self.max_preview_bytes:
            self.preview_box.children = (
                widgets.HTML(
                    note_html(
                        f"{name} is {size_text(item.file_size)}, over the preview limit of "
                        f"{size_text(self.max_preview_bytes)}: not previewed. Save it to open it."
                    )
                ),
            )
            self.status.value = ""
            return item
        self.content = self._entity.download_file(item.id)
        self.preview_box.children = (preview(self.content, item.content_type, item.file_name),)
        self.status.value = note_html(f"{name}: {size_text(len(self.content))}")
        return item

    # -- saving ---------------------------------------------------------------------------------

    def save(self, path: str | Path | None = None) -> Path:
        """Write the selected file to ``path`` (default: the path typed; a directory, or
        nothing typed: the file's own name in it / in the working directory). Returns where.

        Raises ``AutotaskValidationError`` when nothing is selected or the folder is missing.
        """
        item = self.selected
        if item is None:
            raise AutotaskValidationError("select an attachment before saving")
        target = Path(str(path if path is not None else self.path.value).strip() or ".")
        target = target.expanduser()
        if target.is_dir():
            target = target / Path(item.file_name or f"attachment-{item.id}").name
        if not target.parent.is_dir():
            raise AutotaskValidationError(
                f"cannot save {item.file_name!r}: the folder {str(target.parent)!r} does not exist"
            )
        content = self.content
        if content is None:  # not loaded for the preview (too large): fetched now
            content = self._entity.download_file(item.id)
        target.write_bytes(content)
        self.status.value = note_html(f"saved {len(content):,} bytes to {target}")
        return target

    # -- uploading ------------------------------------------------------------------------------

    def upload(self, file_name: str, content: bytes, title: str | None = None) -> AttachmentData:
        """Attach ``content`` as ``file_name`` to the parent and list it again. The attachments
        entity checks the size first: over ``client.attachments.max_file_bytes`` it raises
        ``AutotaskValidationError`` and nothing is sent."""
        made = self._entity.upload_from_data(
            self.parent.parent, self.parent_id, bytes(content), file_name, title
        )
        self.refresh()
        self.status.value = note_html(
            f"attached {file_name} ({size_text(len(content))}) as attachment {made.id}"
        )
        return made

    def _files_chosen(self, change: Mapping[str, Any]) -> None:
        files: Sequence[Mapping[str, Any]] = change["new"] or ()
        if not files:
            return
        try:
            for chosen in files:
                try:
                    self.upload(str(chosen.get("name") or "upload"), bytes(chosen["content"]))
                except AutotaskException as exc:
                    self.status.value = error_html(str(exc))
                    break
        finally:
            self.uploader.value = ()  # ready for the next file; the bytes are not kept

    def _guarded(self, action: Callable[[], object]) -> None:
        """Our errors (size, missing folder, the server's words) go to ``status``."""
        try:
            action()
        except AutotaskException as exc:
            self.status.value = error_html(str(exc))
