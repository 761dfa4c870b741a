"""Reminders: near-due and overdue incoming work; urgent documents escalated; each once."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.calendar import WorkingCalendar
from app.domain.clock import VN
from app.domain.doctypes import URGENCY_LABELS, Urgency
from app.domain.enums import Role
from app.domain.incoming import IncomingAssignment, IncomingDocument, IncomingUnit
from app.domain.models import User
from app.domain.notifications import Notification

from . import notifications
from .incoming_queries import NEAR_DUE_DAYS, OPEN_STATES, calendar


def _kind(deadline: date | None, today: date, cal: WorkingCalendar) -> str | None:
    if deadline is None:
        return None
    if deadline < today:
        return "overdue"
    if cal.working_days_between(today, deadline) <= NEAR_DUE_DAYS:
        return "near_due"
    return None


TEXT = {"overdue": "Quá hạn xử lý", "near_due": "Sắp đến hạn xử lý"}


def _heads(session: Session, department_id: int) -> list[User]:
    users = session.scalars(
        select(User).where(User.department_id == department_id, User.active.is_(True))
    )
    return [u for u in users if Role.DEPT_HEAD in u.roles]


def send_deadline_reminders(session: Session, today: date) -> int:
    """Notify handlers of their open assignments and the heads of their units, and heads
    of units nobody was assigned to yet."""
    cal = calendar(session)
    created = 0
    open_assignments = session.execute(
        select(IncomingAssignment, IncomingDocument)
        .join(IncomingDocument, IncomingDocument.id == IncomingAssignment.document_id)
        .where(IncomingAssignment.completed_at.is_(None), IncomingDocument.state.in_(OPEN_STATES))
    ).all()
    for assignment, doc in open_assignments:
        kind = _kind(assignment.deadline, today, cal)
        if kind is None:
            continue
        about = (
            f"({assignment.deadline:%d/%m/%Y}): văn bản đến số {doc.arrival_number} – "
            f"{doc.subject[:120]}"
        )
        created += len(
            notifications.notify(
                session,
                [assignment.user],
                f"incoming.{kind}",
                f"{TEXT[kind]} {about}",
                f"/incoming/{doc.id}",
                dedup_key=f"{kind}:assignment:{assignment.id}",
            )
        )
        heads = _heads(session, assignment.unit.department_id)
        created += len(
            notifications.notify(
                session,
                [h for h in heads if h.id != assignment.user_id],
                f"incoming.{kind}",
                f"{TEXT[kind]}, {assignment.user.full_name} xử lý {about}",
                f"/incoming/{doc.id}",
                dedup_key=f"{kind}:assignment:{assignment.id}:head",
            )
        )
    unassigned_units = session.execute(
        select(IncomingUnit, IncomingDocument)
        .join(IncomingDocument, IncomingDocument.id == IncomingUnit.document_id)
        .where(
            IncomingUnit.role.in_(("lead", "support")),
            IncomingUnit.completed_at.is_(None),
            IncomingDocument.state.in_(OPEN_STATES),
            ~IncomingUnit.assignments.any(),
        )
    ).all()
    for unit, doc in unassigned_units:
        kind = _kind(unit.deadline, today, cal)
        if kind is None:
            continue
        heads = _heads(session, unit.department_id)
        created += len(
            notifications.notify(
                session,
                heads,
                f"incoming.{kind}",
                f"{TEXT[kind]} ({unit.deadline:%d/%m/%Y}), chưa phân công: văn bản đến số "
                f"{doc.arrival_number} – {doc.subject[:120]}",
                f"/incoming/{doc.id}",
                dedup_key=f"{kind}:unit:{unit.id}",
            )
        )
    session.commit()
    return created


# Escalation of urgent documents ---------------------------------------------------------------

# Office hours of a working day (Vietnam time); two of these hours make the escalation delay.
OFFICE_HOURS = ((time(7, 30), time(11, 30)), (time(13, 0), time(17, 0)))
ESCALATE_AFTER = timedelta(hours=2)
NOT_DIRECTED = ("registered", "submitted")
ESCALATION_TEXT = "Văn bản khẩn chưa được cho ý kiến chỉ đạo sau 2 giờ làm việc"


def working_time_between(start: datetime, end: datetime, cal: WorkingCalendar) -> timedelta:
    """Office time (OFFICE_HOURS on working days, Vietnam time) between two moments."""
    start, end = start.astimezone(VN), end.astimezone(VN)
    total = timedelta(0)
    day = start.date()
    while day <= end.date():
        if cal.is_working_day(day):
            for opens, closes in OFFICE_HOURS:
                lo = max(start, datetime.combine(day, opens, tzinfo=VN))
                hi = min(end, datetime.combine(day, closes, tzinfo=VN))
                if hi > lo:
                    total += hi - lo
        day += timedelta(days=1)
    return total


def escalate_undirected_urgent(session: Session, now: datetime) -> int:
    """Tell the leaders about urgent documents still not directed after two office hours.

    The leader the document was submitted to is told; before submission, every leader of the
    organisation. Each document is escalated once (dedup key per document).
    """
    cal = calendar(session)
    created = 0
    docs = session.scalars(
        select(IncomingDocument)
        .where(
            IncomingDocument.urgency > int(Urgency.NORMAL),
            IncomingDocument.state.in_(NOT_DIRECTED),
        )
        .order_by(IncomingDocument.id)
    )
    for doc in docs:
        if working_time_between(doc.registered_at, now, cal) < ESCALATE_AFTER:
            continue
        key = f"escalation:incoming:{doc.id}"
        if session.scalar(select(Notification.id).where(Notification.dedup_key.like(f"{key}:%"))):
            continue
        if doc.submitted_to is not None and doc.submitted_to.active:
            leaders = [doc.submitted_to]
        else:
            leaders = [
                u
                for u in session.scalars(
                    select(User).where(
                        User.organisation_id == doc.organisation_id, User.active.is_(True)
                    )
                )
                if Role.LEADER in u.roles
            ]
        created += len(
            notifications.notify(
                session,
                leaders,
                "incoming.escalation",
                f"{ESCALATION_TEXT} ({URGENCY_LABELS[Urgency(doc.urgency)]}): "
                f"văn bản đến số {doc.arrival_number} – {doc.subject[:120]}",
                f"/incoming/{doc.id}",
                dedup_key=key,
            )
        )
    session.commit()
    return created
