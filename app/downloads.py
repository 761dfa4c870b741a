"""Sending files to the browser or an API client: register/report exports and stored files."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import send_file
from werkzeug.wrappers import Response

from app.adapters import get_store
from app.domain.files import StoredFile
from app.services import files


def send_export(export: Any) -> Response:
    """An export (content, mimetype, filename) as a download."""
    return send_file(
        BytesIO(export.content),
        mimetype=export.mimetype,
        as_attachment=True,
        download_name=export.filename,
        max_age=0,
    )


def send_stored(row: StoredFile, *, inline: bool = False) -> Response:
    """A stored file, checked against its hash before anything is sent; PDFs may open inline."""
    stream = files.open_verified(get_store(), row)
    return send_file(
        stream,
        mimetype=row.content_type,
        as_attachment=not (inline and row.content_type == files.PDF),
        download_name=row.filename,
        max_age=0,
    )
