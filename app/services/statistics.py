"""Processing statistics of incoming documents for a period, rebuilt from the workflow history.

The figures follow what agencies publish ("trả kết quả đúng hạn 25.923/29.118"):

- *received*: documents that arrived in the period;
- *completed on time / late*: documents completed in the period, on time when the completion
  day (Vietnam time) is not after the deadline — completing on the deadline day is on time;
  a document without a deadline is on time;
- *in progress on time / overdue*: documents open at the end of the period, overdue when their
  deadline is before the last day of the period;
- *average processing time*: working days (holiday calendar) from registration to completion
  of the documents completed in the period.

The state at the end of the period is taken from the timeline (`IncomingEvent`) and
`completed_at`, never from the current state, so a past period keeps its figures when the
documents move on. A document counts for the department of its lead unit once it has been
directed (by the end of the period); before that it counts for the organisation only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.domain.calendar import WorkingCalendar
from app.domain.clock import VN, today_vn
from app.domain.enums import Role
from app.domain.errors import N_, NotFound, ValidationFailed
from app.domain.incoming import IncomingAssignment, IncomingDocument, IncomingEvent, IncomingUnit
from app.domain.models import Department, User

from .incoming_input import parse_date
from .incoming_queries import OPEN_STATES, calendar
from .permissions import require

MAX_DAYS = 366
CLOSED_STATES = ("returned", "withdrawn")
# Outgoing documents count as issued from these states on (a recalled one was issued).
OUTGOING_ISSUED_STATES = ("issued", "recalled", "replaced")
NO_DEPARTMENT = "Chưa giao đơn vị chủ trì"


@dataclass(frozen=True)
class Scope:
    """Whose figures: an organisation, or one of its departments."""

    organisation_id: int
    """The organisation."""
    department_id: int | None = None
    """One department of it, or None for the whole organisation."""


@dataclass(frozen=True)
class ReportPeriod:
    """Inclusive range of Vietnamese calendar days."""

    start: date
    """First day."""
    end: date
    """Last day."""


@dataclass(frozen=True)
class Figures:
    """The published figures for one period and one scope (or one row of a table)."""

    label: str
    """Row label: department name, month "MM/YYYY" or the report's title."""
    received: int = 0
    """Documents that arrived in the period."""
    completed_on_time: int = 0
    """Completed in the period, on or before the deadline day."""
    completed_late: int = 0
    """Completed in the period after the deadline day."""
    in_progress_on_time: int = 0
    """Open at the end of the period, deadline not passed."""
    in_progress_overdue: int = 0
    """Open at the end of the period, deadline passed."""
    average_working_days: float | None = None
    """Mean registration-to-completion time of the completed ones, in working days."""

    @property
    def completed(self) -> int:
        return self.completed_on_time + self.completed_late

    @property
    def in_progress(self) -> int:
        return self.in_progress_on_time + self.in_progress_overdue

    @property
    def handled(self) -> int:
        """Everything processed in the period: completed plus still open."""
        return self.completed + self.in_progress

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "received": self.received,
            "completed_on_time": self.completed_on_time,
            "completed_late": self.completed_late,
            "completed": self.completed,
            "in_progress_on_time": self.in_progress_on_time,
            "in_progress_overdue": self.in_progress_overdue,
            "in_progress": self.in_progress,
            "average_working_days": self.average_working_days,
        }


@dataclass(frozen=True)
class ProcessingReport:
    """Statistics of a scope for a period: totals, per department, per month, outgoing."""

    scope: Scope
    """Whose figures."""
    scope_name: str
    """Organisation or department name."""
    organisation_name: str
    """The organisation's name (for the export header)."""
    period: ReportPeriod
    """The period."""
    totals: Figures
    """Figures of the whole scope."""
    by_department: list[Figures] = field(default_factory=list)
    """One row per lead department (and one for documents not yet directed)."""
    by_month: list[Figures] = field(default_factory=list)
    """One row per calendar month the period touches."""
    outgoing_by_type: list[tuple[str, int]] = field(default_factory=list)
    """(type code, documents issued in the period), by type code."""


@dataclass(frozen=True)
class _Fact:
    """What the history says about one document at the end of a period."""

    arrival: date
    registered: date
    lead_department_id: int | None
    deadline: date | None
    completed: date | None
    state: str


def _end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=VN)


def _vn_day(moment: datetime) -> date:
    return moment.astimezone(VN).date()


def _state_at(doc: IncomingDocument, events: list[IncomingEvent], until: datetime) -> str:
    state = "registered"
    for event in events:
        if event.at < until:
            state = event.to_state
    if doc.completed_at is not None and doc.completed_at < until:
        state = "completed"
    return state


def _fact(doc: IncomingDocument, until: datetime) -> _Fact:
    events = sorted(doc.events, key=lambda e: (e.at, e.id))
    state = _state_at(doc, events, until)
    directed = doc.directed_at is not None and doc.directed_at < until
    lead = next((u for u in doc.units if u.role == "lead"), None)
    completed: date | None = None
    if state == "completed":
        if doc.completed_at is not None:
            completed = _vn_day(doc.completed_at)
        else:
            last = [e for e in events if e.to_state == "completed" and e.at < until]
            completed = _vn_day(last[-1].at) if last else None
    return _Fact(
        arrival=doc.arrival_date,
        registered=_vn_day(doc.registered_at),
        lead_department_id=lead.department_id if (lead and directed) else None,
        deadline=doc.deadline,
        completed=completed,
        state=state,
    )


def _figures(
    label: str, facts: Iterable[_Fact], period: ReportPeriod, cal: WorkingCalendar
) -> Figures:
    received = on_time = late = open_on_time = open_overdue = 0
    durations: list[int] = []
    for f in facts:
        if f.arrival > period.end:
            continue
        if f.arrival >= period.start:
            received += 1
        if f.state == "completed" and f.completed is not None:
            if f.completed < period.start:
                continue
            if f.deadline is None or f.completed <= f.deadline:
                on_time += 1
            else:
                late += 1
            durations.append(max(0, cal.working_days_between(f.registered, f.completed)))
        elif f.state in OPEN_STATES:
            if f.deadline is not None and f.deadline < period.end:
                open_overdue += 1
            else:
                open_on_time += 1
    average = round(sum(durations) / len(durations), 2) if durations else None
    return Figures(label, received, on_time, late, open_on_time, open_overdue, average)


def _months(period: ReportPeriod) -> list[ReportPeriod]:
    months, start = [], period.start
    while start <= period.end:
        following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        end = min(period.end, following - timedelta(days=1))
        months.append(ReportPeriod(start, end))
        start = following
    return months


def _documents(session: Session, scope: Scope, period: ReportPeriod) -> list[IncomingDocument]:
    doc = IncomingDocument
    query = (
        select(doc)
        .where(doc.organisation_id == scope.organisation_id, doc.arrival_date <= period.end)
        .options(selectinload(doc.events), selectinload(doc.units))
        .order_by(doc.id)
    )
    if scope.department_id is not None:
        query = query.where(
            doc.units.any(
                (IncomingUnit.department_id == scope.department_id) & (IncomingUnit.role == "lead")
            )
        )
    # Completed or closed before the period began: nothing to count, skip them early.
    start = _end_of(period.start - timedelta(days=1))
    query = query.where(
        (doc.arrival_date >= period.start)
        | (doc.completed_at.is_(None) & doc.state.not_in(CLOSED_STATES))
        | (doc.completed_at >= start)
        | (doc.state_changed_at >= start)
    )
    return list(session.scalars(query))


def _outgoing_by_type(
    session: Session, scope: Scope, period: ReportPeriod
) -> list[tuple[str, int]]:
    try:
        from app.domain.outgoing import OutgoingDocument
    except ImportError:  # the outgoing module is optional for the statistics
        return []
    out = OutgoingDocument
    query = select(out.doc_type, out.issued_at).where(
        out.organisation_id == scope.organisation_id,
        out.issued_at.is_not(None),
        out.issued_at < _end_of(period.end),
        out.issued_at >= _end_of(period.start - timedelta(days=1)),
        out.state.in_(OUTGOING_ISSUED_STATES),
    )
    if scope.department_id is not None:
        query = query.where(out.department_id == scope.department_id)
    counts: dict[str, int] = defaultdict(int)
    for doc_type, _issued in session.execute(query):
        counts[doc_type] += 1
    return sorted(counts.items())


def processing_report(
    session: Session, actor: User, scope: Scope, period: ReportPeriod
) -> ProcessingReport:
    """The figures of `scope` for `period`; the actor must be allowed to see them."""
    require(actor, "report.view", scope)
    cal = calendar(session)
    docs = _documents(session, scope, period)
    until = _end_of(period.end)
    facts = [_fact(d, until) for d in docs]
    if scope.department_id is not None:
        facts = [f for f in facts if f.lead_department_id == scope.department_id]
    totals_label = _scope_name(session, actor, scope)
    totals = _figures(totals_label, facts, period, cal)

    departments = {
        d.id: d.name
        for d in session.scalars(
            select(Department).where(Department.organisation_id == scope.organisation_id)
        )
    }
    grouped: dict[int | None, list[_Fact]] = defaultdict(list)
    for f in facts:
        grouped[f.lead_department_id].append(f)
    by_department = [
        _figures(
            departments.get(dept_id, "") if dept_id else NO_DEPARTMENT,
            grouped[dept_id],
            period,
            cal,
        )
        for dept_id in sorted(grouped, key=lambda d: (d is None, departments.get(d or 0, "")))
    ]

    by_month = []
    for month in _months(period):
        month_until = _end_of(month.end)
        month_facts = [_fact(d, month_until) for d in docs]
        if scope.department_id is not None:
            month_facts = [f for f in month_facts if f.lead_department_id == scope.department_id]
        by_month.append(_figures(f"{month.start:%m/%Y}", month_facts, month, cal))

    return ProcessingReport(
        scope=scope,
        scope_name=totals_label,
        organisation_name=actor.organisation.name,
        period=period,
        totals=totals,
        by_department=by_department,
        by_month=by_month,
        outgoing_by_type=_outgoing_by_type(session, scope, period),
    )


def _scope_name(session: Session, actor: User, scope: Scope) -> str:
    if scope.department_id is None:
        return actor.organisation.name
    dept = session.get(Department, scope.department_id)
    return dept.name if dept else ""


# Input ----------------------------------------------------------------------------------------


def parse_period(args: Mapping[str, Any], today: date | None = None) -> ReportPeriod:
    """`from` and `to` (ISO or dd/mm/yyyy); by default 1 January of this year up to today."""
    end = parse_date(args, "to", "to", required=False) or today or today_vn()
    start = parse_date(args, "from", "from", required=False) or date(end.year, 1, 1)
    if start > end:
        raise ValidationFailed(N_("The start date 'from' is after the end date 'to'."))
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationFailed(
            N_("A report covers at most %(n)s days; choose a shorter period."), n=MAX_DAYS
        )
    return ReportPeriod(start, end)


def default_scope(session: Session, actor: User, department: Any = None) -> Scope:
    """The scope a user asked for: a department id, or the organisation (a head: their unit)."""
    raw = str(department or "").strip()
    if raw:
        try:
            dept_id = int(raw)
        except ValueError as exc:
            raise ValidationFailed(
                N_("%(field)s must be a whole number."), field="department"
            ) from exc
        dept = session.get(Department, dept_id)
        if dept is None or dept.organisation_id != actor.organisation_id:
            raise NotFound(N_("No such department."))
        return Scope(actor.organisation_id, dept_id)
    if not actor.roles & {Role.LEADER, Role.CLERK} and actor.department_id is not None:
        return Scope(actor.organisation_id, actor.department_id)
    return Scope(actor.organisation_id)


def as_json(report: ProcessingReport) -> dict[str, Any]:
    return {
        "organisation_id": report.scope.organisation_id,
        "department_id": report.scope.department_id,
        "scope": report.scope_name,
        "from": report.period.start.isoformat(),
        "to": report.period.end.isoformat(),
        "totals": report.totals.as_dict(),
        "by_department": [f.as_dict() for f in report.by_department],
        "by_month": [f.as_dict() for f in report.by_month],
        "outgoing_issued_by_type": [
            {"doc_type": code, "count": n} for code, n in report.outgoing_by_type
        ],
    }


# Workload (current, not historical) -----------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    """One person's open work today."""

    user_id: int
    """The person."""
    name: str
    """Full name."""
    open_assignments: int
    """Assignments not yet completed on open documents."""
    overdue: int
    """Of those, past their deadline."""


def department_workload(
    session: Session, actor: User, department_id: int, today: date | None = None
) -> list[Workload]:
    """Open and overdue assignments of each active member of the department."""
    require(actor, "report.view", Scope(actor.organisation_id, department_id))
    today = today or today_vn()
    people = list(
        session.scalars(
            select(User)
            .where(User.department_id == department_id, User.active.is_(True))
            .order_by(User.full_name)
        )
    )
    rows = session.execute(
        select(IncomingAssignment.user_id, IncomingAssignment.deadline, IncomingDocument.deadline)
        .join(IncomingDocument, IncomingDocument.id == IncomingAssignment.document_id)
        .where(
            IncomingAssignment.completed_at.is_(None),
            IncomingDocument.state.in_(OPEN_STATES),
            IncomingAssignment.user_id.in_([p.id for p in people]),
        )
    ).all()
    open_n: dict[int, int] = defaultdict(int)
    late_n: dict[int, int] = defaultdict(int)
    for user_id, own_deadline, doc_deadline in rows:
        open_n[user_id] += 1
        deadline = own_deadline or doc_deadline
        if deadline is not None and deadline < today:
            late_n[user_id] += 1
    return [Workload(p.id, p.full_name, open_n[p.id], late_n[p.id]) for p in people]
