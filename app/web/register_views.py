"""Pages that download the incoming registers and the processing slip."""

from __future__ import annotations

from io import BytesIO

from flask import request, send_file
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.db import get_session
from app.services import registers

from . import bp


def _send(export: registers.Export) -> Response:
    return send_file(
        BytesIO(export.content),
        mimetype=export.mimetype,
        as_attachment=True,
        download_name=export.filename,
        max_age=0,
    )


@bp.get('/incoming/registers/<any(incoming, "follow-up"):kind>.<any(xlsx, pdf):fmt>')
@login_required
def register_export(kind: str, fmt: str) -> Response:
    period = registers.parse_period(request.args)
    return _send(registers.export_register(get_session(), current_user, kind, period, fmt))


@bp.get("/incoming/<int:doc_id>/slip.pdf")
@login_required
def processing_slip(doc_id: int) -> Response:
    return _send(registers.export_slip(get_session(), current_user, doc_id))
