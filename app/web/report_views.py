"""Reports: the processing-statistics page, its exports and chart data, and the role panels."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from app.db import get_session
from app.domain.clock import today_vn
from app.domain.enums import Role
from app.domain.models import Department, User
from app.downloads import send_export
from app.services import incoming_queries, report_exports, statistics
from app.services.permissions import can

from . import bp
from .dashboard import PANEL_PROVIDERS, QUEUE_PROVIDERS, Panel, Queue

OVERDUE_SHOWN = 10


def _own_scope(user: User) -> statistics.Scope | None:
    """The widest figures the user may see, or None."""
    org = statistics.Scope(user.organisation_id)
    if can(user, "report.view", org):
        return org
    own = statistics.Scope(user.organisation_id, user.department_id)
    return own if user.department_id is not None and can(user, "report.view", own) else None


@bp.app_template_global("can_see_reports")
def can_see_reports(user: User) -> bool:
    return _own_scope(user) is not None


def _query_args(scope: statistics.Scope, period: statistics.ReportPeriod) -> dict[str, Any]:
    args: dict[str, Any] = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    if scope.department_id is not None:
        args["department"] = str(scope.department_id)
    return args


def _request_report() -> tuple[Session, statistics.Scope, statistics.ReportPeriod]:
    session = get_session()
    period = statistics.parse_period(request.args)
    scope = statistics.default_scope(session, current_user, request.args.get("department"))
    return session, scope, period


@bp.get("/reports/processing")
@login_required
def processing_report_page() -> str:
    session, scope, period = _request_report()
    report = statistics.processing_report(session, current_user, scope, period)
    departments: list[Department] = []
    if can(current_user, "report.view", statistics.Scope(current_user.organisation_id)):
        departments = list(
            session.scalars(
                select(Department)
                .where(Department.organisation_id == current_user.organisation_id)
                .order_by(Department.name)
            )
        )
    args = _query_args(scope, period)
    return render_template(
        "reports/processing.html",
        report=report,
        departments=departments,
        args=args,
        on_time_share=report_exports.on_time_share,
        chart_url=url_for("web.processing_report_chart", **args),
        type_names=_type_names(),
    )


def _type_names() -> dict[str, str]:
    from app.domain.doctypes import DOC_TYPES_BY_CODE

    return {code: t.name for code, t in DOC_TYPES_BY_CODE.items()}


@bp.get("/reports/processing.<any(xlsx, pdf):fmt>")
@login_required
def processing_report_export(fmt: str) -> Response:
    session, scope, period = _request_report()
    export = report_exports.export_report(session, current_user, scope, period, fmt)
    return send_export(export)


def chart_data(report: statistics.ProcessingReport) -> dict[str, Any]:
    """Stacked bars: the four outcome figures per department and per month."""
    series = (
        ("completed_on_time", _("Completed on time"), "#2e7d32"),
        ("completed_late", _("Completed late"), "#ef6c00"),
        ("in_progress_on_time", _("In progress on time"), "#1565c0"),
        ("in_progress_overdue", _("In progress overdue"), "#c62828"),
    )

    def chart(rows: list[statistics.Figures]) -> dict[str, Any]:
        return {
            "labels": [r.label for r in rows],
            "datasets": [
                {"label": label, "color": color, "data": [getattr(r, key) for r in rows]}
                for key, label, color in series
            ],
        }

    return {
        "by_department": chart(report.by_department),
        "by_month": chart(report.by_month),
        "totals": report.totals.as_dict(),
    }


@bp.get("/reports/processing/chart.json")
@login_required
def processing_report_chart() -> Response:
    session, scope, period = _request_report()
    return jsonify(chart_data(statistics.processing_report(session, current_user, scope, period)))


# Dashboard ------------------------------------------------------------------------------------


def _year_to_date() -> statistics.ReportPeriod:
    today = today_vn()
    return statistics.ReportPeriod(date(today.year, 1, 1), today)


def report_panels(session: Session, user: User) -> list[Panel]:
    period = _year_to_date()
    panels: list[Panel] = []
    org = statistics.Scope(user.organisation_id)
    if Role.LEADER in user.roles and can(user, "report.view", org):
        report = statistics.processing_report(session, user, org, period)
        overdue = incoming_queries.list_documents(
            session,
            user,
            incoming_queries.Filters(box="all", overdue=True, sort="deadline"),
            page_size=OVERDUE_SHOWN,
        )
        args = _query_args(org, period)
        panels.append(
            Panel(
                "reports/_leader_panel.html",
                {
                    "report": report,
                    "on_time_share": report_exports.on_time_share(report.totals),
                    "chart_url": url_for("web.processing_report_chart", **args),
                    "report_url": url_for("web.processing_report_page", **args),
                    "overdue": overdue,
                    "overdue_url": url_for("web.incoming_list", box="all") + "&overdue=1",
                },
            )
        )
    if Role.DEPT_HEAD in user.roles and user.department_id is not None:
        dept = statistics.Scope(user.organisation_id, user.department_id)
        report = statistics.processing_report(session, user, dept, period)
        args = _query_args(dept, period)
        panels.append(
            Panel(
                "reports/_head_panel.html",
                {
                    "report": report,
                    "on_time_share": report_exports.on_time_share(report.totals),
                    "chart_url": url_for("web.processing_report_chart", **args),
                    "report_url": url_for("web.processing_report_page", **args),
                    "workload": statistics.department_workload(session, user, user.department_id),
                },
            )
        )
    return panels


def issue_queue(session: Session, user: User) -> list[Queue]:
    """The clerk's issue queue: signed outgoing documents waiting for a number and the seal."""
    if Role.CLERK not in user.roles:
        return []
    from app.services import outgoing_queries

    n = outgoing_queries.count(session, user, "to_issue")
    return [
        Queue(_("Outgoing: waiting to be issued"), n, url_for("web.outgoing_list", box="to_issue"))
    ]


PANEL_PROVIDERS.append(report_panels)
QUEUE_PROVIDERS.append(issue_queue)
