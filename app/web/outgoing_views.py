"""Outgoing documents in the browser: lists, drafting, review, signing, issue, receipt, keys."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
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
from app.domain.doctypes import CONFIDENTIALITY_LABELS, DOC_TYPES, URGENCY_LABELS
from app.domain.enums import Role
from app.domain.errors import N_, DomainError, ValidationFailed
from app.domain.models import Department, Organisation, User
from app.domain.outgoing import OutgoingDocument
from app.domain.workflow import OUTGOING, OUTGOING_EDITABLE
from app.downloads import send_export, send_stored
from app.services import (
    files,
    outgoing,
    outgoing_queries,
    outgoing_register,
    registers,
    signing_keys,
)
from app.services.incoming import type_name
from app.services.outgoing_input import parse_draft
from app.services.permissions import can, require

from . import bp

BOX_LABELS = {
    "drafts": N_("My drafts"),
    "to_review": N_("To review"),
    "to_sign": N_("To sign"),
    "to_issue": N_("To issue"),
    "received": N_("Received by my unit"),
    "issued": N_("Issued"),
    "all": N_("All"),
}
STATE_LABELS = {
    "draft": N_("Draft"),
    "in_review": N_("In review"),
    "awaiting_signature": N_("Awaiting signature"),
    "returned_for_revision": N_("Returned for revision"),
    "signed": N_("Signed"),
    "issued": N_("Issued"),
    "recalled": N_("Recalled"),
    "replaced": N_("Replaced"),
}
ACTION_LABELS = {
    "create": N_("created the draft"),
    "edit": N_("edited the draft"),
    "new_version": N_("uploaded a new version"),
    "attach": N_("attached files"),
    "comment": N_("commented"),
    "submit": N_("submitted for review"),
    "approve": N_("approved"),
    "return": N_("returned for revision"),
    "sign": N_("signed"),
    "issue": N_("numbered, sealed and issued"),
    "recall": N_("recalled"),
    "replace": N_("replaced by a new document"),
}
STATUS_LABELS = {
    "": N_("—"),
    "01": N_("01 arrived"),
    "02": N_("02 rejected"),
    "03": N_("03 registered"),
    "04": N_("04 assigned"),
    "05": N_("05 in progress"),
    "06": N_("06 completed"),
    "13": N_("13 recall requested"),
    "15": N_("15 recall accepted"),
    "16": N_("16 recall refused"),
}
DELIVERY_LABELS = {
    "": N_("not sent yet"),
    "internal": N_("internal"),
    "exchange": N_("on this installation"),
    "email": N_("email"),
    "post": N_("postal delivery"),
}
KIND_LABELS = {
    "department": N_("Department"),
    "organisation": N_("Organisation"),
    "external": N_("External"),
}
ACTIONS = ("submit", "approve", "return", "sign", "issue", "recall")


def _labels() -> dict[str, Any]:
    return {
        "box_labels": BOX_LABELS,
        "state_labels": STATE_LABELS,
        "action_labels": ACTION_LABELS,
        "status_labels": STATUS_LABELS,
        "delivery_labels": DELIVERY_LABELS,
        "kind_labels": KIND_LABELS,
        "doc_types": DOC_TYPES,
        "urgency_labels": URGENCY_LABELS,
        "confidentiality_labels": CONFIDENTIALITY_LABELS,
        "type_name": type_name,
        "recipient_status": outgoing.recipient_status,
    }


def _upload(f: FileStorage | None) -> files.Upload | None:
    if f is None or not f.filename:
        return None
    return files.Upload(f.filename, f.stream)


def _error(exc: DomainError) -> None:
    flash(_(exc.template, **exc.params), "error")


@bp.get("/outgoing")
@login_required
def outgoing_list() -> str | tuple[str, int]:
    session = get_session()
    boxes = outgoing_queries.boxes_for(current_user)
    args = request.args.to_dict()
    args.setdefault("box", boxes[0])
    status = 200
    try:
        filters = outgoing_queries.parse_filters(args)
        page = outgoing_queries.list_documents(session, current_user, filters)
    except ValidationFailed as exc:
        _error(exc)
        filters = outgoing_queries.Filters(box=boxes[0])
        page = outgoing_queries.list_documents(session, current_user, filters)
        status = 400
    pending = len(outgoing.pending_for(session, current_user))
    return render_template(
        "outgoing/list.html", page=page, boxes=boxes, args=args, pending=pending, **_labels()
    ), status


def _form_context() -> dict[str, Any]:
    session = get_session()
    org_id = current_user.organisation_id
    users = session.scalars(
        select(User).where(User.organisation_id == org_id, User.active.is_(True))
    ).all()
    return {
        "leaders": [u for u in users if Role.LEADER in u.roles],
        "departments": session.scalars(
            select(Department).where(Department.organisation_id == org_id).order_by(Department.name)
        ).all(),
        "organisations": session.scalars(
            select(Organisation).where(Organisation.id != org_id).order_by(Organisation.name)
        ).all(),
        **_labels(),
    }


def _posted_draft_form(doc: OutgoingDocument | None = None) -> str:
    """The new-draft (or edit) form again, as the user filled it in, after an error."""
    return render_template(
        "outgoing/new.html",
        doc=doc,
        form=request.form,
        chosen_departments=request.form.getlist("recipient_departments"),
        chosen_organisations=request.form.getlist("recipient_organisations"),
        **_form_context(),
    )


@bp.route("/outgoing/new", methods=["GET", "POST"])
@login_required
def outgoing_new() -> Response | str | tuple[str, int]:
    require(current_user, "outgoing.create")
    if request.method == "POST":
        try:
            data = parse_draft(request.form, request.form.getlist)
            main = _upload(request.files.get("file"))
            if main is None:
                raise ValidationFailed(N_("Choose the main PDF file."))
            attachments = [u for f in request.files.getlist("attachments") if (u := _upload(f))]
            doc = outgoing.create_draft(
                get_session(),
                current_user,
                data,
                main,
                _upload(request.files.get("source")),
                attachments,
                get_store(),
            )
        except DomainError as exc:
            get_session().rollback()
            _error(exc)
            return _posted_draft_form(), exc.status
        flash(_("The draft is saved."), "success")
        return redirect(url_for("web.outgoing_detail", doc_id=doc.id))
    form = {
        "answers_incoming_id": request.args.get("answers", ""),
        "replaces_id": request.args.get("replaces", ""),
    }
    return render_template(
        "outgoing/new.html",
        form=form,
        chosen_departments=[],
        chosen_organisations=[],
        **_form_context(),
    )


def _draft_values(doc: OutgoingDocument) -> dict[str, Any]:
    """The draft's metadata as the values of the draft form (what parse_draft reads)."""
    by_kind: dict[str, list[Any]] = {"department": [], "organisation": [], "external": []}
    for r in doc.recipients:
        by_kind[r.kind].append(r)
    external = "\n".join(
        "; ".join([r.name, r.code, r.email]).rstrip("; ") for r in by_kind["external"]
    )
    return {
        "form": {
            "doc_type": doc.doc_type,
            "subject": doc.subject,
            "urgency": str(doc.urgency),
            "confidentiality": str(doc.confidentiality),
            "signer_id": str(doc.signer_id),
            "legal_normative": "1" if doc.legal_normative else "",
            "answers_incoming_id": str(doc.answers_incoming_id or ""),
            "replaces_id": str(doc.replaces_id or ""),
            "recipient_external": external,
        },
        "chosen_departments": [str(r.department_id) for r in by_kind["department"]],
        "chosen_organisations": [str(r.organisation_id) for r in by_kind["organisation"]],
    }


@bp.route("/outgoing/<int:doc_id>/edit", methods=["GET", "POST"])
@login_required
def outgoing_edit(doc_id: int) -> Response | str | tuple[str, int]:
    """Change a draft's type, subject, marks, signer, links and recipients."""
    session = get_session()
    doc = outgoing.get(session, current_user, doc_id)
    if request.method == "POST":
        try:
            outgoing.update_draft(
                session, current_user, doc, parse_draft(request.form, request.form.getlist)
            )
        except DomainError as exc:
            session.rollback()
            _error(exc)
            return _posted_draft_form(doc), exc.status
        flash(_("Saved."), "success")
        return redirect(url_for("web.outgoing_detail", doc_id=doc.id))
    outgoing.check_editable(current_user, doc)
    return render_template("outgoing/new.html", doc=doc, **_draft_values(doc), **_form_context())


def _detail_context(doc: OutgoingDocument) -> dict[str, Any]:
    session = get_session()
    allowed = OUTGOING.allowed(doc.state)
    actions = [a for a in ACTIONS if a in allowed and can(current_user, f"outgoing.{a}", doc)]
    editable = doc.state in OUTGOING_EDITABLE and can(current_user, "outgoing.edit", doc)
    all_files = outgoing.files_of(session, doc.id)
    return {
        "doc": doc,
        "actions": actions,
        "editable": editable,
        "versions": sorted(
            (f for f in all_files if f.role == "main"), key=lambda f: f.version, reverse=True
        ),
        "sources": [f for f in all_files if f.role == "source"],
        "attachments": outgoing.current_attachments(session, doc),
        "has_key": signing_keys.credential(session, "user", current_user.id) is not None,
        **_labels(),
    }


@bp.get("/outgoing/<int:doc_id>")
@login_required
def outgoing_detail(doc_id: int) -> str:
    doc = outgoing.get(get_session(), current_user, doc_id)
    return render_template("outgoing/detail.html", **_detail_context(doc))


@bp.post("/outgoing/<int:doc_id>/<action>")
@login_required
def outgoing_action(doc_id: int, action: str) -> Response | tuple[str, int]:
    session = get_session()
    doc = outgoing.get(session, current_user, doc_id)
    form = request.form
    comment = form.get("comment", "")
    try:
        if action == "submit":
            outgoing.submit(session, current_user, doc, comment)
        elif action == "approve":
            outgoing.approve(session, current_user, doc, comment)
        elif action == "return":
            outgoing.return_for_revision(session, current_user, doc, comment)
        elif action == "sign":
            outgoing.sign(
                session,
                current_user,
                doc,
                form.get("passphrase", ""),
                get_store(),
                signing_policy(),
                pkcs11_modules(),
            )
        elif action == "issue":
            issued = outgoing.issue(
                session,
                current_user,
                doc,
                form.get("passphrase", ""),
                get_store(),
                signing_policy(),
                outgoing_mailer(),
                pkcs11_modules(),
            )
            flash(_("Issued as %(notation)s.", notation=issued.number_notation), "success")
            if issued.postal:
                flash(_("Send on paper to: %(names)s.", names=", ".join(issued.postal)), "success")
        elif action == "version":
            main = _upload(request.files.get("file"))
            if main is None:
                raise ValidationFailed(N_("Choose the main PDF file."))
            outgoing.upload_version(
                session,
                current_user,
                doc,
                main,
                _upload(request.files.get("source")),
                get_store(),
                comment,
            )
        elif action == "attachments":
            uploads = [u for f in request.files.getlist("attachments") if (u := _upload(f))]
            outgoing.add_attachments(session, current_user, doc, uploads, get_store())
        elif action == "comment":
            outgoing.add_comment(session, current_user, doc, comment)
        elif action == "recall":
            recalled = outgoing.recall(
                session, current_user, doc, form.get("reason", ""), outgoing_mailer()
            )
            if recalled.postal:
                flash(
                    _("Tell on paper of the recall: %(names)s.", names=", ".join(recalled.postal)),
                    "success",
                )
        else:
            raise ValidationFailed(N_("Unknown action %(action)s."), action=action)
    except DomainError as exc:
        session.rollback()
        _error(exc)
        doc = outgoing.get(session, current_user, doc_id)
        return render_template("outgoing/detail.html", **_detail_context(doc)), exc.status
    if action != "issue":
        flash(_("Saved."), "success")
    return redirect(url_for("web.outgoing_detail", doc_id=doc.id))


@bp.get("/outgoing/files/<int:file_id>")
@login_required
def outgoing_file(file_id: int) -> Response:
    """PDFs open inline (the leader reads before signing); ?download forces a download."""
    row = outgoing.file_for(get_session(), current_user, file_id)
    return send_stored(row, inline=request.args.get("download") is None)


@bp.route("/outgoing/sign", methods=["GET", "POST"])
@login_required
def outgoing_sign_batch() -> str | tuple[str, int]:
    """The leader selects documents awaiting their signature and signs them in one action."""
    session = get_session()
    results: list[outgoing.BatchResult] = []
    status = 200
    if request.method == "POST":
        try:
            chosen = [int(v) for v in request.form.getlist("ids")]
        except ValueError:
            chosen = []
        try:
            results = outgoing.sign_many(
                session,
                current_user,
                chosen,
                request.form.get("passphrase", ""),
                get_store(),
                signing_policy(),
                pkcs11_modules(),
            )
        except DomainError as exc:
            session.rollback()
            _error(exc)
            status = exc.status
    page = outgoing_queries.list_documents(
        session, current_user, outgoing_queries.Filters(box="to_sign")
    )
    return render_template(
        "outgoing/sign_batch.html", docs=page.docs, results=results, **_labels()
    ), status


@bp.get("/outgoing/register.<any(xlsx, pdf):fmt>")
@login_required
def outgoing_register_export(fmt: str) -> Response:
    """Sổ đăng ký văn bản đi for ?from=&to= as XLSX or PDF."""
    period = registers.parse_period(request.args)
    export = outgoing_register.export_outgoing_register(get_session(), current_user, period, fmt)
    return send_export(export)


@bp.get("/outgoing/pending")
@login_required
def outgoing_pending() -> str:
    """Documents other organisations on this installation sent to this one, to register."""
    session = get_session()
    rows = outgoing.pending_for(session, current_user)
    mains = {r.id: outgoing.current_main(session, r.document) for r in rows}
    recalls = outgoing.recall_requests_for(session, current_user)
    return render_template(
        "outgoing/pending.html", rows=rows, mains=mains, recalls=recalls, **_labels()
    )


@bp.post("/outgoing/pending/<int:recipient_id>/<action>")
@login_required
def outgoing_pending_action(recipient_id: int, action: str) -> Response:
    session = get_session()
    try:
        if action == "register":
            doc = outgoing.register_received(
                session, current_user, recipient_id, get_store(), get_trust_roots()
            )
            flash(_("Registered with arrival number %(n)s.", n=doc.arrival_number), "success")
            return redirect(url_for("web.incoming_detail", doc_id=doc.id))
        if action == "reject":
            outgoing.reject_received(
                session, current_user, recipient_id, request.form.get("reason", "")
            )
            flash(_("The sender has been told the document was refused."), "success")
        elif action in ("accept_recall", "refuse_recall"):
            outgoing.answer_recall(
                session,
                current_user,
                recipient_id,
                action == "accept_recall",
                request.form.get("reason", ""),
            )
            flash(_("Saved."), "success")
        else:
            raise ValidationFailed(N_("Unknown action %(action)s."), action=action)
    except DomainError as exc:
        session.rollback()
        _error(exc)
    return redirect(url_for("web.outgoing_pending"))


def _file_bytes(name: str) -> bytes | None:
    f = request.files.get(name)
    return f.read() if f is not None and f.filename else None


@bp.route("/outgoing/keys", methods=["GET", "POST"])
@login_required
def outgoing_keys() -> Response | str | tuple[str, int]:
    """Each user's own PKCS#12 or token and signature image; administrators: the
    organisation's."""
    session = get_session()
    if request.method == "POST":
        try:
            if request.form.get("owner") == "organisation":
                signing_keys.save_organisation_credential(
                    session,
                    current_user,
                    current_user.organisation,
                    _file_bytes("pkcs12"),
                    request.form.get("passphrase", ""),
                    _file_bytes("image_png"),
                    signing_keys.TokenSettings.from_form(request.form),
                    pkcs11_modules(),
                )
            else:
                signing_keys.save_user_credential(
                    session,
                    current_user,
                    _file_bytes("pkcs12"),
                    request.form.get("passphrase", ""),
                    _file_bytes("image_png"),
                    signing_keys.TokenSettings.from_form(request.form),
                    pkcs11_modules(),
                )
        except DomainError as exc:
            session.rollback()
            _error(exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("web.outgoing_keys"))
    mine = signing_keys.credential(session, "user", current_user.id)
    org = signing_keys.credential(session, "organisation", current_user.organisation_id)
    return render_template(
        "outgoing/keys.html",
        mine=mine,
        org=org,
        may_org=can(current_user, "signing.organisation_key", current_user.organisation),
        modules=pkcs11_modules(),
    )
