"""API of the incoming registers: JSON rows, or the XLSX/PDF files."""

from __future__ import annotations

from flask import jsonify, request
from werkzeug.wrappers import Response

from app.db import get_session
from app.downloads import send_export
from app.services import registers

from . import api_user, bp, token_required


@bp.get('/registers/<any(incoming, "follow-up"):kind>')
@token_required
def register(kind: str) -> Response:
    period = registers.parse_period(request.args)
    fmt = registers.parse_format(request.args.get("format") or "json", ("json", "xlsx", "pdf"))
    session, user = get_session(), api_user()
    if fmt == "json":
        return jsonify(registers.as_json(registers.build(session, user, kind, period)))
    export = registers.export_register(session, user, kind, period, fmt)
    return send_export(export)
