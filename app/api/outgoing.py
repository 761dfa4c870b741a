"""API of outgoing documents: drafts, review, signing, issue, receipt, signing credentials."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from app.adapters import (
    get_store,
    get_trust_roots,
    outgoing_mailer,
    pkcs11_modules,
    signing_policy,
)
from app.db import get_session
from app.domain.errors import N_, NotFound, ValidationFailed
from app.downloads import send_export, send_stored
from app.services import (
    files,
    outgoing,
    outgoing_queries,
    outgoing_views,
    registers,
    signing_keys,
)
from app.services import outgoing_register as outgoing_register_service
from app.services.incoming_views import summary as incoming_summary
from app.services.outgoing_input import parse_draft

from . import api_user, bp, json_body, token_required


def _upload(f: FileStorage | None) -> files.Upload | None:
    if f is None or not f.filename:
        return None
    return files.Upload(f.filename, f.stream)


def _body() -> dict[str, Any]:
    """JSON body, or the form fields of a multipart request."""
    if request.mimetype == "application/json":
        return json_body()
    return request.form.to_dict()


@bp.post("/outgoing")
@token_required
def create_outgoing() -> tuple[Response, int]:
    main = _upload(request.files.get("file"))
    if main is None:
        raise ValidationFailed(N_("Send the main PDF as the multipart field 'file'."))
    data = parse_draft(request.form, request.form.getlist)
    attachments = [u for f in request.files.getlist("attachments") if (u := _upload(f))]
    session = get_session()
    doc = outgoing.create_draft(
        session,
        api_user(),
        data,
        main,
        _upload(request.files.get("source")),
        attachments,
        get_store(),
    )
    return jsonify(outgoing_views.detail(session, doc)), 201


@bp.get("/outgoing")
@token_required
def list_outgoing() -> Response:
    page = outgoing_queries.list_documents(
        get_session(), api_user(), outgoing_queries.parse_filters(request.args)
    )
    return jsonify(
        {
            "total": page.total,
            "page": page.page,
            "pages": page.pages,
            "items": [outgoing_views.summary(d) for d in page.docs],
        }
    )


@bp.get("/outgoing/<int:doc_id>")
@token_required
def get_outgoing(doc_id: int) -> Response:
    session = get_session()
    return jsonify(outgoing_views.detail(session, outgoing.get(session, api_user(), doc_id)))


@bp.post("/outgoing/sign")
@token_required
def sign_batch() -> Response:
    """Sign several documents in one action: {"ids": [..], "passphrase": "..."}."""
    body = json_body()
    ids = body.get("ids")
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        raise ValidationFailed(N_("'ids' must be a list of document ids."))
    results = outgoing.sign_many(
        get_session(),
        api_user(),
        ids,
        str(body.get("passphrase") or ""),
        get_store(),
        signing_policy(),
        pkcs11_modules(),
    )
    return jsonify(
        {
            "signed": sum(r.ok for r in results),
            "failed": sum(not r.ok for r in results),
            "results": [{"id": r.doc_id, "ok": r.ok, "error": r.message} for r in results],
        }
    )


@bp.post("/outgoing/<int:doc_id>/<action>")
@token_required
def outgoing_action(doc_id: int, action: str) -> Response:
    session, user = get_session(), api_user()
    doc = outgoing.get(session, user, doc_id)
    body = _body() if (request.data or request.form) else {}
    comment = str(body.get("comment") or "")
    extra: dict[str, Any] = {}
    if action == "edit":
        outgoing.update_draft(session, user, doc, parse_draft(body))
    elif action == "version":
        main = _upload(request.files.get("file"))
        if main is None:
            raise ValidationFailed(N_("Send the new PDF version as the multipart field 'file'."))
        outgoing.upload_version(
            session, user, doc, main, _upload(request.files.get("source")), get_store(), comment
        )
    elif action == "attachments":
        uploads = [u for f in request.files.getlist("attachments") if (u := _upload(f))]
        outgoing.add_attachments(session, user, doc, uploads, get_store())
    elif action == "comment":
        outgoing.add_comment(session, user, doc, str(body.get("text") or comment))
    elif action == "submit":
        outgoing.submit(session, user, doc, comment)
    elif action == "approve":
        outgoing.approve(session, user, doc, comment)
    elif action == "return":
        outgoing.return_for_revision(session, user, doc, comment)
    elif action == "sign":
        outgoing.sign(
            session,
            user,
            doc,
            str(body.get("passphrase") or ""),
            get_store(),
            signing_policy(),
            pkcs11_modules(),
        )
    elif action == "issue":
        issued = outgoing.issue(
            session,
            user,
            doc,
            str(body.get("passphrase") or ""),
            get_store(),
            signing_policy(),
            outgoing_mailer(),
            pkcs11_modules(),
        )
        extra = {"emailed": list(issued.emailed), "postal": list(issued.postal)}
    elif action == "recall":
        recalled = outgoing.recall(
            session, user, doc, str(body.get("reason") or comment), outgoing_mailer()
        )
        extra = {"emailed": list(recalled.emailed), "postal": list(recalled.postal)}
    else:
        raise NotFound(N_("Unknown action %(action)s."), action=action)
    return jsonify({**outgoing_views.detail(session, doc), **extra})


@bp.get("/outgoing/files/<int:file_id>")
@token_required
def download_outgoing_file(file_id: int) -> Response:
    return send_stored(outgoing.file_for(get_session(), api_user(), file_id))


@bp.get("/outgoing/register")
@token_required
def outgoing_register() -> Response:
    """Sổ đăng ký văn bản đi for ?from=&to=, as JSON rows or ?format=xlsx|pdf."""
    period = registers.parse_period(request.args)
    fmt = registers.parse_format(request.args.get("format") or "json", ("json", "xlsx", "pdf"))
    session, user = get_session(), api_user()
    if fmt == "json":
        return jsonify(
            registers.as_json(outgoing_register_service.outgoing_register(session, user, period))
        )
    export = outgoing_register_service.export_outgoing_register(session, user, period, fmt)
    return send_export(export)


# -- receipt by another organisation on this installation -----------------------------------


@bp.get("/outgoing/received")
@token_required
def received_pending() -> Response:
    """Documents other organisations sent to the caller's organisation, not yet registered."""
    session, user = get_session(), api_user()
    return jsonify(
        {
            "items": [
                {
                    "recipient_id": r.id,
                    "from": r.document.organisation.name,
                    "document": outgoing_views.summary(r.document),
                    "main": outgoing_views.file_view(outgoing.current_main(session, r.document)),
                }
                for r in outgoing.pending_for(session, user)
            ],
            "recall_requests": [
                {
                    "recipient_id": r.id,
                    "from": r.document.organisation.name,
                    "document": outgoing_views.summary(r.document),
                    "reason": r.status_note,
                    "incoming_id": r.incoming_id,
                }
                for r in outgoing.recall_requests_for(session, user)
            ],
        }
    )


@bp.post("/outgoing/received/<int:recipient_id>/register")
@token_required
def register_received(recipient_id: int) -> tuple[Response, int]:
    doc = outgoing.register_received(
        get_session(), api_user(), recipient_id, get_store(), get_trust_roots()
    )
    return jsonify(incoming_summary(doc)), 201


@bp.post("/outgoing/received/<int:recipient_id>/reject")
@token_required
def reject_received(recipient_id: int) -> Response:
    body = json_body()
    outgoing.reject_received(get_session(), api_user(), recipient_id, str(body.get("reason") or ""))
    return jsonify({"recipient_id": recipient_id, "status": "02"})


@bp.post("/outgoing/received/<int:recipient_id>/recall")
@token_required
def answer_recall(recipient_id: int) -> Response:
    """{"accept": true|false, "reason": "..."}: 15 withdraws the incoming document, 16 refuses."""
    body = json_body()
    accept = body.get("accept")
    if not isinstance(accept, bool):
        raise ValidationFailed(N_("'accept' must be true or false."))
    outgoing.answer_recall(
        get_session(), api_user(), recipient_id, accept, str(body.get("reason") or "")
    )
    return jsonify({"recipient_id": recipient_id, "status": "15" if accept else "16"})


# -- signing credentials ---------------------------------------------------------------------


def _bytes(name: str) -> bytes | None:
    f = request.files.get(name)
    return f.read() if f is not None and f.filename else None


@bp.post("/me/signing-key")
@token_required
def save_my_key() -> Response:
    """Multipart: pkcs12 (+ passphrase, to check it opens; not stored) or the token settings
    token_module, token_label and key_label (the PIN is given at each signature), and
    signature_png."""
    row = signing_keys.save_user_credential(
        get_session(),
        api_user(),
        _bytes("pkcs12"),
        str(request.form.get("passphrase") or ""),
        _bytes("signature_png"),
        signing_keys.TokenSettings.from_form(request.form),
        pkcs11_modules(),
    )
    return jsonify(_key_state(row))


@bp.post("/organisation/signing-key")
@token_required
def save_organisation_key() -> Response:
    """Multipart (administrators): pkcs12 (+ passphrase, to check it) or the token settings
    token_module, token_label and key_label, and seal_png."""
    user = api_user()
    row = signing_keys.save_organisation_credential(
        get_session(),
        user,
        user.organisation,
        _bytes("pkcs12"),
        str(request.form.get("passphrase") or ""),
        _bytes("seal_png"),
        signing_keys.TokenSettings.from_form(request.form),
        pkcs11_modules(),
    )
    return jsonify(_key_state(row))


def _key_state(row: Any) -> dict[str, Any]:
    state: dict[str, Any] = {"pkcs12": row.pkcs12 is not None, "image": row.image_png is not None}
    if row.token_module is not None:
        state["token"] = {
            "module": row.token_module,
            "token_label": row.token_label,
            "key_label": row.token_key_label,
        }
    return state
