"""Pages that download the incoming registers and the processing slip."""

from __future__ import annotations

from flask import request
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.db import get_session
from app.downloads import send_export
from app.services import registers

from . import bp


@bp.get('/incoming/registers/<any(incoming, "follow-up"):kind>.<any(xlsx, pdf):fmt>')
@login_required
def register_export(kind: str, fmt: str) -> Response:
    period = registers.parse_period(request.args)
    return send_export(registers.export_register(get_session(), current_user, kind, period, fmt))


@bp.get("/incoming/<int:doc_id>/slip.pdf")
@login_required
def processing_slip(doc_id: int) -> Response:
    return send_export(registers.export_slip(get_session(), current_user, doc_id))
