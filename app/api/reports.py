"""API of the processing statistics: JSON figures, or the same report as XLSX/PDF."""

from __future__ import annotations

from flask import jsonify, request
from werkzeug.wrappers import Response

from app.db import get_session
from app.downloads import send_export
from app.services import registers, report_exports, statistics

from . import api_user, bp, token_required


@bp.get("/reports/processing")
@token_required
def processing_report() -> Response:
    session, user = get_session(), api_user()
    period = statistics.parse_period(request.args)
    scope = statistics.default_scope(session, user, request.args.get("department"))
    fmt = registers.parse_format(request.args.get("format") or "json", ("json", "xlsx", "pdf"))
    if fmt == "json":
        report = statistics.processing_report(session, user, scope, period)
        return jsonify(statistics.as_json(report))
    export = report_exports.export_report(session, user, scope, period, fmt)
    return send_export(export)
