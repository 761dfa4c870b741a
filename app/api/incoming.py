"""API of incoming documents and their files."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request
from werkzeug.wrappers import Response

from app.adapters import get_store, get_trust_roots
from app.db import get_session
from app.domain.errors import N_, NotFound, ValidationFailed
from app.downloads import send_stored
from app.services import files, incoming, incoming_queries, incoming_views
from app.services.incoming_input import parse_date, parse_direction, parse_registration

from . import api_user, bp, json_body, token_required


@bp.post("/incoming")
@token_required
def register_incoming() -> tuple[Response, int]:
    main = request.files.get("file")
    if main is None or not main.filename:
        raise ValidationFailed(N_("Send the main PDF as the multipart field 'file'."))
    data = parse_registration(request.form)
    attachments = [
        files.Upload(f.filename or "attachment", f.stream)
        for f in request.files.getlist("attachments")
        if f.filename
    ]
    result = incoming.register(
        get_session(),
        api_user(),
        data,
        files.Upload(main.filename, main.stream),
        attachments,
        get_store(),
        get_trust_roots(),
    )
    doc = result.document
    body = incoming_views.summary(doc)
    body["duplicates"] = [d.id for d in result.duplicates]
    return jsonify(body), 201


@bp.get("/incoming")
@token_required
def list_incoming() -> Response:
    filters = incoming_queries.parse_filters(request.args)
    page = incoming_queries.list_documents(get_session(), api_user(), filters)
    return jsonify(
        {
            "total": page.total,
            "page": page.page,
            "pages": page.pages,
            "items": [incoming_views.summary(r.doc, r.overdue, r.near_due) for r in page.rows],
        }
    )


@bp.get("/incoming/<int:doc_id>")
@token_required
def get_incoming(doc_id: int) -> Response:
    session = get_session()
    return jsonify(incoming_views.detail(session, incoming.get(session, api_user(), doc_id)))


def _user_ids(value: Any) -> list[int]:
    items = value if isinstance(value, list) else str(value or "").split(",")
    try:
        return [int(v) for v in items if str(v).strip()]
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(N_("'users' must be a list of user ids.")) from exc


@bp.post("/incoming/<int:doc_id>/<action>")
@token_required
def incoming_action(doc_id: int, action: str) -> Response:
    session, user = get_session(), api_user()
    doc = incoming.get(session, user, doc_id)
    body = json_body() if request.data else {}
    comment = str(body.get("comment") or "")
    if action == "submit":
        leader = body.get("leader_id")
        if not isinstance(leader, int):
            raise ValidationFailed(N_("'leader_id' (a number) is required."))
        incoming.submit(session, user, doc, leader, comment)
    elif action == "direct":
        incoming.direct(session, user, doc, parse_direction(body))
    elif action == "assign":
        incoming.assign(
            session,
            user,
            doc,
            _user_ids(body.get("users")),
            parse_date(body, "deadline", "deadline", required=False),
            comment,
        )
    elif action == "progress":
        incoming.record_progress(session, user, doc, str(body.get("note") or ""))
    elif action == "complete":
        incoming.complete(
            session,
            user,
            doc,
            str(body.get("result") or ""),
            str(body.get("reply_reference") or ""),
        )
    elif action == "return":
        incoming.return_to_sender(session, user, doc, str(body.get("reason") or ""))
    elif action == "withdraw":
        incoming.withdraw(session, user, doc, str(body.get("reason") or ""))
    else:
        raise NotFound(N_("Unknown action %(action)s."), action=action)
    return jsonify(incoming_views.detail(session, doc))


@bp.get("/files/<int:file_id>")
@token_required
def download_file(file_id: int) -> Response:
    return send_stored(incoming.file_for(get_session(), api_user(), file_id))


@bp.get("/files/<int:file_id>/signatures")
@token_required
def file_signatures(file_id: int) -> Response:
    row = incoming.file_for(get_session(), api_user(), file_id)
    if row.signature_report is None:
        raise NotFound(N_("This file is not a PDF; it has no signature report."))
    return current_app.response_class(row.signature_report, mimetype="application/json")
