"""Admin pages: organisations, departments, users, holidays, the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from app.db import get_session
from app.domain.enums import ROLE_LABELS_VI, Role
from app.domain.errors import DomainError
from app.domain.models import AuditEvent, Department, Organisation, User
from app.services import directory
from app.services.permissions import require

from . import bp
from .forms import DepartmentForm, HolidayForm, OrganisationForm, UserForm

AUDIT_PAGE = 50


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    @login_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        require(current_user, "admin.access")
        return view(*args, **kwargs)

    return wrapper


def _form_page(form: Any, heading: str, back: str, status: int = 200) -> tuple[str, int]:
    return render_template("admin/form.html", form=form, heading=heading, back_url=back), status


def _save(
    form: Any, heading: str, back: str, action: Callable[[], object], done: str
) -> Response | tuple[str, int]:
    """Run a directory service for a valid form; show its refusal on the form otherwise."""
    if not form.validate_on_submit():
        return _form_page(form, heading, back, 400 if request.method == "POST" else 200)
    try:
        action()
    except DomainError as exc:
        flash(_(exc.template, **exc.params), "error")
        return _form_page(form, heading, back, exc.status)
    flash(done, "success")
    return redirect(back)


def _get(model: type, ident: object) -> Any:
    obj = get_session().get(model, ident)
    if obj is None:
        abort(404)
    return obj


# Organisations and departments ------------------------------------------------------------


def _org_form(org: Organisation | None = None) -> OrganisationForm:
    form = OrganisationForm(obj=org)
    orgs = get_session().scalars(select(Organisation).order_by(Organisation.name)).all()
    form.parent_id.choices = [SelectChoice(0, "—")] + [
        SelectChoice(o.id, o.name) for o in orgs if o is not org
    ]
    if org is not None and request.method == "GET":
        form.parent_id.data = org.parent_id or 0
    return form


@bp.get("/admin/organisations")
@admin_required
def admin_organisations() -> str:
    orgs = get_session().scalars(select(Organisation).order_by(Organisation.name)).all()
    return render_template("admin/organisations.html", organisations=orgs)


def _org_save(org: Organisation | None) -> Response | tuple[str, int]:
    form = _org_form(org)
    heading = _("New organisation") if org is None else org.name
    return _save(
        form,
        heading,
        url_for("web.admin_organisations"),
        lambda: directory.save_organisation(
            get_session(),
            current_user,
            name=form.name.data,
            code=form.code.data,
            abbreviation=form.abbreviation.data,
            parent_id=form.parent_id.data or None,
            org=org,
        ),
        _("Organisation saved."),
    )


@bp.route("/admin/organisations/new", methods=["GET", "POST"])
@admin_required
def admin_organisation_new() -> Response | tuple[str, int]:
    return _org_save(None)


@bp.route("/admin/organisations/<int:org_id>", methods=["GET", "POST"])
@admin_required
def admin_organisation_edit(org_id: int) -> Response | tuple[str, int]:
    return _org_save(_get(Organisation, org_id))


def _dept_save(org: Organisation, dept: Department | None) -> Response | tuple[str, int]:
    form = DepartmentForm(obj=dept)
    heading = _("New department of %(org)s", org=org.name) if dept is None else dept.name
    return _save(
        form,
        heading,
        url_for("web.admin_organisations"),
        lambda: directory.save_department(
            get_session(),
            current_user,
            organisation_id=org.id,
            name=form.name.data,
            abbreviation=form.abbreviation.data,
            dept=dept,
        ),
        _("Department saved."),
    )


@bp.route("/admin/organisations/<int:org_id>/departments/new", methods=["GET", "POST"])
@admin_required
def admin_department_new(org_id: int) -> Response | tuple[str, int]:
    return _dept_save(_get(Organisation, org_id), None)


@bp.route("/admin/departments/<int:dept_id>", methods=["GET", "POST"])
@admin_required
def admin_department_edit(dept_id: int) -> Response | tuple[str, int]:
    dept = _get(Department, dept_id)
    return _dept_save(dept.organisation, dept)


# Users -------------------------------------------------------------------------------------


@bp.get("/admin/users")
@admin_required
def admin_users() -> str:
    users = get_session().scalars(select(User).order_by(User.organisation_id, User.username)).all()
    return render_template("admin/users.html", users=users, role_labels=ROLE_LABELS_VI)


def _user_form(user: User | None) -> UserForm:
    db = get_session()
    form = UserForm(obj=user)
    orgs = db.scalars(select(Organisation).order_by(Organisation.name)).all()
    form.organisation_id.choices = [SelectChoice(o.id, o.name) for o in orgs]
    depts = db.scalars(
        select(Department).order_by(Department.organisation_id, Department.name)
    ).all()
    form.department_id.choices = [SelectChoice(0, "—")] + [
        SelectChoice(d.id, f"{d.organisation.abbreviation} · {d.name}") for d in depts
    ]
    if user is not None and request.method == "GET":
        form.roles.data = sorted(r.value for r in user.roles)
        form.department_id.data = user.department_id or 0
    if user is None and request.method == "GET":
        form.organisation_id.data = current_user.organisation_id
    return form


def _user_save(user: User | None) -> Response | tuple[str, int]:
    form = _user_form(user)
    heading = _("New user") if user is None else user.full_name
    return _save(
        form,
        heading,
        url_for("web.admin_users"),
        lambda: directory.save_user(
            get_session(),
            current_user,
            username=form.username.data,
            full_name=form.full_name.data,
            position=form.position.data or "",
            email=form.email.data or "",
            organisation_id=form.organisation_id.data,
            department_id=form.department_id.data or None,
            roles={Role(r) for r in form.roles.data or []},
            active=bool(form.active.data),
            password=form.password.data or None,
            user=user,
        ),
        _("User saved."),
    )


@bp.route("/admin/users/new", methods=["GET", "POST"])
@admin_required
def admin_user_new() -> Response | tuple[str, int]:
    return _user_save(None)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def admin_user_edit(user_id: int) -> Response | tuple[str, int]:
    return _user_save(_get(User, user_id))


# Holidays and audit ------------------------------------------------------------------------


@bp.route("/admin/holidays", methods=["GET", "POST"])
@admin_required
def admin_holidays() -> Response | tuple[str, int]:
    form = HolidayForm()
    status = 200
    if form.validate_on_submit():
        try:
            directory.add_holiday(get_session(), current_user, form.day.data, form.name.data)
        except DomainError as exc:
            flash(_(exc.template, **exc.params), "error")
            status = exc.status
        else:
            flash(_("Holiday added."), "success")
            return redirect(url_for("web.admin_holidays"))
    elif request.method == "POST":
        status = 400
    return render_template(
        "admin/holidays.html", form=form, holidays=directory.holidays(get_session())
    ), status


@bp.post("/admin/holidays/<day>/delete")
@admin_required
def admin_holiday_delete(day: str) -> Response:
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        abort(404)
    directory.remove_holiday(get_session(), current_user, parsed)
    flash(_("Holiday removed."), "success")
    return redirect(url_for("web.admin_holidays"))


@bp.get("/admin/audit")
@admin_required
def admin_audit() -> str:
    before = request.args.get("before", type=int)
    query = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(AUDIT_PAGE)
    if before:
        query = query.where(AuditEvent.seq < before)
    events = get_session().scalars(query).all()
    older = events[-1].seq if len(events) == AUDIT_PAGE else None
    return render_template("admin/audit.html", events=events, older=older)
