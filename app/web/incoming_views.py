"""Incoming documents in the browser: inbox, registration, detail with workflow actions."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.adapters import get_store, get_trust_roots
from app.db import get_session
from app.domain.clock import today_vn
from app.domain.doctypes import (
    CONFIDENTIALITY_LABELS,
    DOC_TYPES,
    RECEIVED_VIA_LABELS,
    URGENCY_LABELS,
)
from app.domain.enums import Role
from app.domain.errors import N_, DomainError, ValidationFailed
from app.domain.incoming import IncomingDocument
from app.domain.models import Department, Organisation, User
from app.domain.workflow import INCOMING
from app.downloads import send_stored
from app.services import files, incoming, incoming_queries, incoming_views
from app.services.incoming_input import parse_date, parse_direction, parse_registration
from app.services.permissions import can, require

from . import bp

BOX_LABELS = {
    "to_submit": N_("To present to a leader"),
    "to_direct": N_("To direct"),
    "to_assign": N_("To assign"),
    "to_handle": N_("To handle"),
    "followed": N_("Followed"),
    "all": N_("All"),
}
STATE_LABELS = {
    "registered": N_("Registered"),
    "submitted": N_("Awaiting direction"),
    "directed": N_("Directed"),
    "in_progress": N_("In progress"),
    "completed": N_("Completed"),
    "returned": N_("Returned to sender"),
    "withdrawn": N_("Withdrawn"),
}

VERDICT_LABELS = {
    "valid": N_("valid"),
    "invalid": N_("invalid"),
    "indeterminate": N_("cannot be confirmed"),
    "unsigned": N_("not signed"),
}
ACTION_LABELS = {
    "register": N_("registered"),
    "submit": N_("presented to the leader"),
    "direct": N_("directed"),
    "assign": N_("assigned"),
    "progress": N_("recorded progress"),
    "complete": N_("completed"),
    "complete_part": N_("completed their part"),
    "return": N_("returned to the sender"),
    "withdraw": N_("marked as withdrawn"),
}
UNIT_ROLE_LABELS = {"lead": N_("Lead"), "support": N_("Support"), "info": N_("For information")}


def _labels() -> dict[str, Any]:
    return {
        "box_labels": BOX_LABELS, "state_labels": STATE_LABELS, "doc_types": DOC_TYPES,
        "urgency_labels": URGENCY_LABELS, "confidentiality_labels": CONFIDENTIALITY_LABELS,
        "received_via_labels": RECEIVED_VIA_LABELS, "type_name": incoming.type_name,
        "verdict_labels": VERDICT_LABELS, "action_labels": ACTION_LABELS,
        "unit_role_labels": UNIT_ROLE_LABELS,
    }


@bp.get("/incoming")
@login_required
def incoming_list() -> str | tuple[str, int]:
    session = get_session()
    boxes = incoming_queries.boxes_for(current_user)
    args = request.args.to_dict()
    args.setdefault("box", boxes[0])
    status = 200
    try:
        filters = incoming_queries.parse_filters(args)
        page = incoming_queries.list_documents(session, current_user, filters)
    except ValidationFailed as exc:
        flash(_(exc.template, **exc.params), "error")
        filters = incoming_queries.Filters(box=boxes[0])
        page = incoming_queries.list_documents(session, current_user, filters)
        status = 400
    departments = session.scalars(select(Department).where(
        Department.organisation_id == current_user.organisation_id).order_by(Department.name))
    return render_template("incoming/list.html", page=page, boxes=boxes, args=args,
                           departments=list(departments), **_labels()), status


def _issuing_suggestions() -> list[str]:
    session = get_session()
    orgs = session.scalars(select(Organisation.name).order_by(Organisation.name)).all()
    recent = session.scalars(select(IncomingDocument.issuing_org).where(
        IncomingDocument.organisation_id == current_user.organisation_id)
        .order_by(IncomingDocument.id.desc()).limit(200)).all()
    return list(dict.fromkeys([*orgs, *recent]))


@bp.route("/incoming/new", methods=["GET", "POST"])
@login_required
def incoming_new() -> Response | str | tuple[str, int]:
    require(current_user, "incoming.register")
    if request.method == "POST":
        try:
            data = parse_registration(request.form)
            main = request.files.get("file")
            if main is None or not main.filename:
                raise ValidationFailed(N_("Choose the main PDF file."))
            attachments = [files.Upload(f.filename or "attachment", f.stream)
                           for f in request.files.getlist("attachments") if f.filename]
            result = incoming.register(get_session(), current_user, data,
                                       files.Upload(main.filename, main.stream), attachments,
                                       get_store(), get_trust_roots())
        except DomainError as exc:
            flash(_(exc.template, **exc.params), "error")
            return render_template("incoming/register.html", form=request.form,
                                   suggestions=_issuing_suggestions(), **_labels()), exc.status
        doc = result.document
        flash(_("Registered with arrival number %(n)s.", n=doc.arrival_number), "success")
        if result.duplicates:
            flash(_("Possible duplicate of arrival number(s) %(numbers)s: same issuing "
                    "organisation, number and date.",
                    numbers=", ".join(str(d.arrival_number) for d in result.duplicates)),
                  "error")
        return redirect(url_for("web.incoming_detail", doc_id=doc.id))
    return render_template("incoming/register.html", form={}, suggestions=_issuing_suggestions(),
                           **_labels())


def _detail_context(doc: IncomingDocument) -> dict[str, Any]:
    session = get_session()
    org_users = session.scalars(select(User).where(
        User.organisation_id == doc.organisation_id, User.active.is_(True))
        .order_by(User.full_name)).all()
    departments = session.scalars(select(Department).where(
        Department.organisation_id == doc.organisation_id).order_by(Department.name)).all()
    allowed = INCOMING.allowed(doc.state)
    actions = [a for a in ("submit", "direct", "assign", "progress", "complete", "return",
                           "withdraw") if a in allowed and can(current_user, f"incoming.{a}", doc)]
    cal = incoming_queries.calendar(session)
    overdue, near_due = incoming_queries.deadline_flags(doc, cal, today_vn())
    return {
        "doc": doc, "files": incoming_views.files_of(session, "incoming", doc.id),
        "leaders": [u for u in org_users if Role.LEADER in u.roles],
        "colleagues": [u for u in org_users if u.department_id == current_user.department_id],
        "departments": departments, "actions": actions, "overdue": overdue,
        "near_due": near_due, **_labels(),
    }


@bp.get("/incoming/<int:doc_id>")
@login_required
def incoming_detail(doc_id: int) -> str:
    doc = incoming.get(get_session(), current_user, doc_id)
    return render_template("incoming/detail.html", **_detail_context(doc))


@bp.post("/incoming/<int:doc_id>/<action>")
@login_required
def incoming_action(doc_id: int, action: str) -> Response | tuple[str, int]:
    session = get_session()
    doc = incoming.get(session, current_user, doc_id)
    form = request.form
    try:
        if action == "submit":
            incoming.submit(session, current_user, doc, _int(form.get("leader_id")),
                            form.get("comment", ""))
        elif action == "direct":
            incoming.direct(session, current_user, doc, parse_direction(form, form.getlist))
        elif action == "assign":
            incoming.assign(session, current_user, doc,
                            [_int(v) for v in form.getlist("users")],
                            parse_date(form, "deadline", "deadline", required=False),
                            form.get("comment", ""))
        elif action == "progress":
            incoming.record_progress(session, current_user, doc, form.get("note", ""))
        elif action == "complete":
            incoming.complete(session, current_user, doc, form.get("result", ""),
                              form.get("reply_reference", ""))
        elif action == "return":
            incoming.return_to_sender(session, current_user, doc, form.get("reason", ""))
        elif action == "withdraw":
            incoming.withdraw(session, current_user, doc, form.get("reason", ""))
        else:
            raise ValidationFailed(N_("Unknown action %(action)s."), action=action)
    except DomainError as exc:
        session.rollback()
        flash(_(exc.template, **exc.params), "error")
        doc = incoming.get(session, current_user, doc_id)
        return render_template("incoming/detail.html", **_detail_context(doc)), exc.status
    flash(_("Saved."), "success")
    return redirect(url_for("web.incoming_detail", doc_id=doc.id))


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(N_("Choose a person from the list.")) from exc


@bp.get("/files/<int:file_id>")
@login_required
def file_download(file_id: int) -> Response:
    row = incoming.file_for(get_session(), current_user, file_id)
    return send_stored(row, inline=request.args.get("download") is None)
