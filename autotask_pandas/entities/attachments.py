"""``AttachmentsEntity``: files attached to tickets, companies, projects... (19 parent types).

Attachments live under their parent: ``POST /{Parent}/{parentId}/Attachments`` with the file as
base64 JSON, ``GET …/Attachments/{id}`` (the only answer carrying the file, in ``data``; its
envelope is ``items``, not ``item``, FACTS §5 "Get by id" and §9: ``client.get`` reads every
shape seen), ``DELETE …/Attachments/{id}``; there is no update. ``AttachmentInfo`` lists every attachment's
metadata, whatever its parent; this entity queries it (``client.attachments.query(...)``).

``parent_type`` is a parent's entity name or its singular, in any case, with or without
underscores (``"Ticket"``, ``"Tickets"``, ``"ticket_note"``, ``"ConfigurationItem"``), the
attachment entity's name (``"TicketAttachments"``), or the SOAP-era ``"Account"`` (a company).

Where the reference and the live API disagree, the live API wins:

* A file may be at most ``max_file_bytes`` (6 MiB: "6-7 MB" on the live API); a larger one is
  refused before anything is sent, naming the file and both sizes.
* At most 10,000,000 bytes may be uploaded per 5 minutes, and a breach blocks uploads for five
  minutes: every upload of a client waits for room in ``volume`` (``UploadBudget``, see
  ``volume.py``), and a call that would wait more than ``volume.max_wait`` is refused up front.
* The attachment models have no description field: ``description`` is accepted for the
  reference's sake and not stored (``AttachmentData.description`` stays None). The API requires a
  title: it defaults to the file name.
* The attachment's parent is not in its id: ``download_file`` and ``delete_attachment`` read the
  attachment's ``AttachmentInfo`` first (one request) to find it.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import difflib
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autotask_pandas.catalog import load_catalog
from autotask_pandas.client.write_many import batch_error
from autotask_pandas.entities.base import BaseEntity
from autotask_pandas.entities.volume import Upload, UploadBudget
from autotask_pandas.exceptions import (
    AutotaskAPIError,
    AutotaskNotFoundError,
    AutotaskUncertainWriteError,
    AutotaskValidationError,
)
from autotask_pandas.types import (
    AttachmentData,
    FilterOperation,
    QueryFilter,
    WriteOperation,
    WriteResult,
)

if TYPE_CHECKING:  # pragma: no cover
    from autotask_pandas.client import AutotaskClient

__all__ = ["MAX_FILE_BYTES", "AttachmentParent", "AttachmentsEntity", "attachment_parents"]

logger = logging.getLogger("autotask_pandas.entities")

MAX_FILE_BYTES = 6 * 1024 * 1024
_SOAP_PARENTS = {"account": "Companies"}


@dataclass(frozen=True, slots=True)
class AttachmentParent:
    """One kind of attachment parent: ``Tickets`` holds ``TicketAttachments``, and
    ``AttachmentInfo.ticketID`` names the ticket."""

    parent: str  # "Tickets"
    singular: str  # "Ticket"
    entity: str  # "TicketAttachments"
    info_field: str  # "ticketID"


def attachment_parents() -> dict[str, AttachmentParent]:
    """The 19 attachment parents of the catalog, by parent entity name."""
    catalog = load_catalog()
    out: dict[str, AttachmentParent] = {}
    for info in catalog:
        if not info.name.endswith("Attachments"):
            continue
        for child in info.children:
            parent = catalog.get(child.parent)
            if child.name == "Attachments" and parent is not None and child.parent_field:
                out[parent.name] = AttachmentParent(
                    parent.name, parent.singular, info.name, child.parent_field
                )
    return out


def _key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


class AttachmentsEntity(BaseEntity):
    """``client.attachments`` / ``client.entities.attachments`` (queries go to AttachmentInfo)."""

    def __init__(self, client: AutotaskClient, entity_name: str = "AttachmentInfo") -> None:
        super().__init__(client, entity_name)
        self.max_file_bytes = MAX_FILE_BYTES
        self.volume = UploadBudget()
        self.parents = attachment_parents()
        self._by_key: dict[str, AttachmentParent] = {}
        for p in self.parents.values():
            for name in (p.parent, p.singular, p.entity):
                self._by_key[_key(name)] = p
        for soap, parent in _SOAP_PARENTS.items():
            self._by_key[soap] = self.parents[parent]

    # -- parents --------------------------------------------------------------------------------

    def parent(self, parent_type: str) -> AttachmentParent:
        """The attachment parent called ``parent_type`` (see the module docstring)."""
        found = self._by_key.get(_key(str(parent_type)))
        if found is None:
            close = difflib.get_close_matches(
                str(parent_type), [p.singular for p in self.parents.values()], n=3, cutoff=0.5
            )
            hint = f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
            names = ", ".join(sorted(p.singular for p in self.parents.values()))
            raise AutotaskValidationError(
                f"{parent_type!r} cannot hold attachments{hint}. Attachment parents: {names}"
            )
        return found

    def _data(
        self, parent: AttachmentParent, parent_id: int, row: Mapping[str, Any]
    ) -> AttachmentData:
        data = AttachmentData.model_validate({k: v for k, v in row.items() if k != "data"})
        return data.model_copy(update={"parent_type": parent.singular, "parent_id": parent_id})

    # -- upload ---------------------------------------------------------------------------------

    def _check_size(self, size: int, name: str) -> None:
        if size > self.max_file_bytes:
            raise AutotaskValidationError(
                f"{name!r} is {size:,} bytes; Autotask accepts at most {self.max_file_bytes:,} "
                "bytes per attachment. Nothing was sent"
            )

    @staticmethod
    def _body(file_data: bytes, filename: str, title: str | None) -> dict[str, Any]:
        return {
            "attachmentType": "FILE_ATTACHMENT",
            "fullPath": filename,
            "title": title or filename,
            "publish": 1,
            "data": bytes(file_data),
        }

    def upload_from_data(
        self,
        parent_type: str,
        parent_id: int,
        file_data: bytes,
        filename: str,
        title: str | None = None,
        description: str | None = None,
    ) -> AttachmentData:
        """Attach ``file_data`` as ``filename`` to the parent; returns its metadata."""
        parent = self.parent(parent_type)
        if not isinstance(file_data, (bytes, bytearray, memoryview)):
            raise AutotaskValidationError("file_data must be bytes")
        self._check_size(len(file_data), filename)
        self._note_description(description)
        self.volume.check([len(file_data)], f"uploading {filename!r}")
        upload = self.volume.acquire(len(file_data))
        try:
            created = self.client.create_entity(
                parent.entity, parent_id=parent_id, **self._body(file_data, filename, title)
            )
        except AutotaskUncertainWriteError:
            self.volume.settle(upload)  # sent: the server may have counted it
            raise
        except BaseException:
            self.volume.release(upload)
            raise
        self.volume.settle(upload)
        return self._describe(parent, parent_id, [created.item_id])[0]

    def upload_file(
        self,
        parent_type: str,
        parent_id: int,
        file_path: str | os.PathLike[str],
        title: str | None = None,
        description: str | None = None,
    ) -> AttachmentData:
        """Attach the file at ``file_path`` (its size is checked before it is read)."""
        path = Path(file_path)
        self.parent(parent_type)
        self._check_size(self._size(path), str(path))
        return self.upload_from_data(
            parent_type, parent_id, path.read_bytes(), path.name, title, description
        )

    def batch_upload(
        self,
        parent_type: str,
        parent_id: int,
        file_paths: Iterable[str | os.PathLike[str]],
    ) -> list[AttachmentData]:
        """Attach many files concurrently (within the client's thread limit and the upload
        volume budget); results in input order.

        Every file is checked first (exists, size, the wait the budget would need): if any is
        refused, nothing is sent. When an upload fails, ``AutotaskBatchError`` is raised after the
        others ran; its ``results`` hold every file's ``WriteResult`` in input order.
        """
        parent = self.parent(parent_type)
        paths = [Path(p) for p in file_paths]
        sizes = [self._size(p) for p in paths]
        too_big = [
            f"{str(p)!r} ({s:,} bytes)" for p, s in zip(paths, sizes) if s > self.max_file_bytes
        ]
        if too_big:
            raise AutotaskValidationError(
                f"{len(too_big)} file(s) exceed Autotask's {self.max_file_bytes:,} bytes per "
                f"attachment: {', '.join(too_big)}. Nothing was sent"
            )
        self.volume.check(sizes, f"uploading {len(paths)} files")

        results: list[WriteResult] = []
        group: list[tuple[int, Path, Upload]] = []
        for index, (path, size) in enumerate(zip(paths, sizes)):
            if group and self.volume.wait_time(size) > 0:
                results.extend(self._send_group(parent, parent_id, group))
                group = []
            group.append((index, path, self.volume.acquire(size)))
        if group:
            results.extend(self._send_group(parent, parent_id, group))
        if (error := batch_error(results, "uploads")) is not None:
            raise error
        return self._describe(parent, parent_id, [int(r.item_id) for r in results])  # type: ignore[arg-type]

    def _send_group(
        self, parent: AttachmentParent, parent_id: int, group: Sequence[tuple[int, Path, Upload]]
    ) -> list[WriteResult]:
        uploads = [upload for _, _, upload in group]
        try:
            operations = [
                WriteOperation.create(
                    parent.entity,
                    self._body(path.read_bytes(), path.name, None),
                    parent_id=parent_id,
                )
                for _, path, _ in group
            ]
        except BaseException:
            for upload in uploads:
                self.volume.release(upload)
            raise

        def finished(result: WriteResult) -> None:
            upload = uploads[result.index]
            if result.status == "failed":
                self.volume.release(upload)
            else:  # ok, or uncertain: the server may have counted it
                self.volume.settle(upload)

        try:
            results = self.client.write_many(operations, progress=finished)
        except BaseException:
            for upload in uploads:
                self.volume.release(upload)
            raise
        return [dataclasses.replace(r, index=group[r.index][0]) for r in results]

    def _describe(
        self, parent: AttachmentParent, parent_id: int, ids: list[int]
    ) -> list[AttachmentData]:
        # One AttachmentInfo query (no file contents) for what the server recorded.
        if not ids:
            return []
        rows = {
            int(r["id"]): r
            for r in self.client.query_all(
                "AttachmentInfo", [QueryFilter(field="id", op=FilterOperation.IN, value=ids)]
            )
        }
        missing = [i for i in ids if i not in rows]
        if missing:
            raise AutotaskAPIError(
                f"the API created attachment(s) {missing} but AttachmentInfo does not list them"
            )
        return [self._data(parent, parent_id, rows[i]) for i in ids]

    def _size(self, path: Path) -> int:
        try:
            return path.stat().st_size
        except OSError as exc:
            raise AutotaskValidationError(
                f"cannot read {str(path)!r}: {exc.strerror or exc}. Nothing was sent"
            ) from None

    @staticmethod
    def _note_description(description: str | None) -> None:
        if description:
            logger.info(
                "attachment description not stored: Autotask's attachment models have no "
                "description field"
            )

    # -- listing, download, delete ------------------------------------------------------------

    def get_attachments_for_entity(self, parent_type: str, parent_id: int) -> list[AttachmentData]:
        """Every attachment of one parent (``GET /{Parent}/{parentId}/Attachments``)."""
        parent = self.parent(parent_type)
        rows = self.client.list_children(parent.entity, parent_id)
        return [self._data(parent, parent_id, row) for row in rows]

    def _locate(self, attachment_id: int) -> list[tuple[AttachmentParent, int]]:
        """Where the attachment may live, the likeliest first (from its AttachmentInfo)."""
        info = self.client.get("AttachmentInfo", attachment_id)
        if info is None:
            return []
        parent_id = info.get("parentID")
        found = [
            (p, int(info[p.info_field]))
            for p in self.parents.values()
            if info.get(p.info_field) is not None
        ]
        # AttachmentInfo names every ancestor (a ticket note's attachment carries ticketID too):
        # the parent is the one parentID names, and the most specific of those (a note before
        # its ticket: the note's entity refers to the ticket).
        names = {p.parent for p, _ in found}

        def rank(item: tuple[AttachmentParent, int]) -> tuple[int, int]:
            p, pid = item
            own = load_catalog()[p.parent]
            refers = sum(1 for f in own.fields if f.reference in names and f.reference != p.parent)
            return (0 if parent_id is not None and pid == int(parent_id) else 1, -refers)

        return sorted(found, key=rank)

    def download_file(
        self, attachment_id: int, output_path: str | os.PathLike[str] | None = None
    ) -> bytes:
        """The attachment's bytes; also written to ``output_path`` when given."""
        for parent, parent_id in self._locate(attachment_id):
            item = self.client.get(parent.entity, attachment_id, parent_id=parent_id)
            if item is None:
                continue
            encoded = item.get("data")
            if not isinstance(encoded, str):
                raise AutotaskAPIError(
                    f"{parent.parent}/{parent_id}/Attachments/{attachment_id} came without data",
                    status_code=200,
                    response={k: v for k, v in item.items() if k != "data"},
                )
            try:
                content = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                raise AutotaskAPIError(
                    f"attachment {attachment_id}: the API's data is not valid base64",
                    status_code=200,
                ) from None
            if output_path is not None:
                Path(output_path).write_bytes(content)
            return content
        raise AutotaskNotFoundError(f"attachment {attachment_id} not found", status_code=404)

    def delete_attachment(self, attachment_id: int) -> bool:
        """Delete the attachment; False when it does not exist."""
        places = self._locate(attachment_id)
        if not places:
            return False
        parent, parent_id = places[0]
        return self.client.delete(parent.entity, attachment_id, parent_id=parent_id)
