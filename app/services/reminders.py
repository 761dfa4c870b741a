"""Deadline reminders: near-due and overdue incoming work, each reminder sent once."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.calendar import WorkingCalendar
from app.domain.enums import Role
from app.domain.incoming import IncomingAssignment, IncomingDocument, IncomingUnit
from app.domain.models import User

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


def send_deadline_reminders(session: Session, today: date) -> int:
    """Notify handlers of their open assignments, and heads of units nobody was assigned to."""
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
        created += len(
            notifications.notify(
                session,
                [assignment.user],
                f"incoming.{kind}",
                f"{TEXT[kind]} ({assignment.deadline:%d/%m/%Y}): văn bản đến số "
                f"{doc.arrival_number} – {doc.subject[:120]}",
                f"/incoming/{doc.id}",
                dedup_key=f"{kind}:assignment:{assignment.id}",
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
        heads = [
            u
            for u in session.scalars(
                select(User).where(User.department_id == unit.department_id, User.active.is_(True))
            )
            if Role.DEPT_HEAD in u.roles
        ]
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
