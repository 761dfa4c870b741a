"""Accepting uploaded files into the object store and serving them back verified."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from typing import IO, BinaryIO

from pypdf import PdfReader
from pypdf.errors import PdfReadError
from sqlalchemy.orm import Session

import storage
from app.domain.errors import N_, FileDamaged, NotFound, ServiceUnavailable, ValidationFailed
from app.domain.files import StoredFile
from storage import ObjectStore, StoredObject

PDF = "application/pdf"
KINDS = {
    "pdf": (PDF, b"%PDF-"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
    "png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    "jpg": ("image/jpeg", b"\xff\xd8\xff"),
    "jpeg": ("image/jpeg", b"\xff\xd8\xff"),
}
ATTACHMENT_KINDS = frozenset(KINDS)


@dataclass(frozen=True)
class Upload:
    """A file as received from a form or the API."""

    filename: str
    """The name the user's file had (kept for downloads)."""
    stream: IO[bytes]
    """Seekable binary stream of the content."""


@dataclass(frozen=True)
class AcceptedFile:
    """An upload that passed the checks and is in the object store."""

    upload: Upload
    """What was received."""
    stored: StoredObject
    """Where the bytes are (key, hash, size, type)."""
    page_count: int | None
    """Pages of a PDF, None for other kinds."""


def _kind(upload: Upload, allowed: frozenset[str]) -> tuple[str, str]:
    name = (upload.filename or "").strip()
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in allowed:
        raise ValidationFailed(
            N_("%(name)s: only these file types are accepted: %(kinds)s."),
            name=name or "?",
            kinds=", ".join(sorted(allowed)),
        )
    content_type, magic = KINDS[ext]
    head = upload.stream.read(len(magic))
    upload.stream.seek(0)
    if head != magic:
        raise ValidationFailed(
            N_("%(name)s is not a real %(kind)s file."), name=name, kind=ext.upper()
        )
    return ext, content_type


def pdf_page_count(stream: IO[bytes], name: str) -> int:
    """Pages of a PDF; a malformed PDF is refused with a clear message."""
    try:
        reader = PdfReader(stream, strict=False)
        pages = len(reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ValidationFailed(
            N_("%(name)s is not a readable PDF (%(reason)s)."), name=name, reason=str(exc)[:200]
        ) from exc
    finally:
        stream.seek(0)
    if pages < 1:
        raise ValidationFailed(N_("%(name)s has no pages."), name=name)
    return pages


def accept(store: ObjectStore, upload: Upload, allowed: frozenset[str]) -> AcceptedFile:
    """Check an upload and put it in the store (before any database row refers to it)."""
    ext, content_type = _kind(upload, allowed)
    pages = pdf_page_count(upload.stream, upload.filename) if ext == "pdf" else None
    try:
        stored = store.put(upload.stream, content_type=content_type)
    except storage.StoreUnavailable as exc:
        raise ServiceUnavailable(
            N_("The file store is unavailable; nothing was saved. Try again shortly.")
        ) from exc
    finally:
        upload.stream.seek(0)
    return AcceptedFile(upload, stored, pages)


def add_file_row(
    session: Session,
    owner_type: str,
    owner_id: int,
    role: str,
    accepted: AcceptedFile,
    uploaded_by_id: int,
    version: int = 1,
) -> StoredFile:
    row = StoredFile(
        owner_type=owner_type,
        owner_id=owner_id,
        role=role,
        version=version,
        filename=accepted.upload.filename[:255],
        content_type=accepted.stored.content_type,
        size=accepted.stored.size,
        sha256=accepted.stored.sha256,
        storage_key=accepted.stored.key,
        uploaded_by_id=uploaded_by_id,
    )
    session.add(row)
    return row


def open_verified(store: ObjectStore, row: StoredFile) -> BinaryIO:
    """The file's bytes, fully verified against the hash before anything is served.

    The content is spooled (memory up to 8 MB, then a temporary file) while the store's
    stream checks the SHA-256, so a damaged file is reported instead of half-served.
    """
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    try:
        with store.open(row.storage_key) as src:
            shutil.copyfileobj(src, spool, 1024 * 1024)
    except storage.IntegrityError as exc:
        spool.close()
        raise FileDamaged(
            N_("The file %(name)s is damaged in the file store and cannot be served."),
            name=row.filename,
        ) from exc
    except storage.ObjectNotFound as exc:
        spool.close()
        raise FileDamaged(
            N_("The file %(name)s is missing from the file store."), name=row.filename
        ) from exc
    except storage.StoreUnavailable as exc:
        spool.close()
        raise ServiceUnavailable(
            N_("The file store is unavailable right now; try again shortly.")
        ) from exc
    spool.seek(0)
    return spool  # type: ignore[return-value]


def get_file(session: Session, file_id: int) -> StoredFile:
    row = session.get(StoredFile, file_id)
    if row is None:
        raise NotFound(N_("No such file."))
    return row
