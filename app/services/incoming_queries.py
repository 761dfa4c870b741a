"""Lists of incoming documents: inbox boxes per role, filters, sorting, pagination, deadlines."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, not_, or_, select, true
from sqlalchemy.orm import Session

from app.domain.calendar import WorkingCalendar
from app.domain.clock import today_vn
from app.domain.doctypes import DOC_TYPES_BY_CODE
from app.domain.enums import Role
from app.domain.errors import N_, ValidationFailed
from app.domain.incoming import IncomingAssignment, IncomingDocument, IncomingEvent, IncomingUnit
from app.domain.models import Holiday, User

from .incoming_input import optional_int, parse_date
from .permissions import visible_incoming

OPEN_STATES = ("registered", "submitted", "directed", "in_progress")
NEAR_DUE_DAYS = 2
PAGE_SIZE = 50
SORTS: dict[str, tuple[Any, ...]] = {
    "arrival_desc": (IncomingDocument.year.desc(), IncomingDocument.arrival_number.desc()),
    "arrival_asc": (IncomingDocument.year.asc(), IncomingDocument.arrival_number.asc()),
    "deadline": (IncomingDocument.deadline.asc().nulls_last(), IncomingDocument.id.asc()),
    "urgency": (IncomingDocument.urgency.desc(), IncomingDocument.id.desc()),
}


def calendar(session: Session) -> WorkingCalendar:
    return WorkingCalendar(session.scalars(select(Holiday.day)))


def box_condition(user: User, box: str) -> ColumnElement[bool]:
    doc = IncomingDocument
    if box == "to_submit":
        return doc.state == "registered"
    if box == "to_direct":
        return and_(doc.state == "submitted", doc.submitted_to_id == user.id)
    if box == "to_assign":
        unassigned_unit = exists().where(
            IncomingUnit.document_id == doc.id,
            IncomingUnit.department_id == user.department_id,
            IncomingUnit.role.in_(("lead", "support")),
            not_(exists().where(IncomingAssignment.unit_id == IncomingUnit.id)),
        )
        return and_(doc.state.in_(("directed", "in_progress")), unassigned_unit)
    if box == "to_handle":
        return and_(
            doc.state == "in_progress",
            exists().where(
                IncomingAssignment.document_id == doc.id,
                IncomingAssignment.user_id == user.id,
                IncomingAssignment.completed_at.is_(None),
            ),
        )
    if box == "followed":
        return and_(
            doc.state.in_(OPEN_STATES),
            exists().where(IncomingEvent.document_id == doc.id, IncomingEvent.actor_id == user.id),
        )
    if box == "all":
        return true()
    raise ValidationFailed(N_("Unknown box %(box)s."), box=box)


BOXES_BY_ROLE: dict[Role, tuple[str, ...]] = {
    Role.CLERK: ("to_submit",),
    Role.LEADER: ("to_direct",),
    Role.DEPT_HEAD: ("to_assign", "to_handle"),
    Role.OFFICER: ("to_handle",),
}


def boxes_for(user: User) -> list[str]:
    boxes: list[str] = []
    for role in (Role.CLERK, Role.LEADER, Role.DEPT_HEAD, Role.OFFICER):
        if role in user.roles:
            boxes += [b for b in BOXES_BY_ROLE[role] if b not in boxes]
    return [*boxes, "followed", "all"]


@dataclass(frozen=True)
class Filters:
    """What a list is narrowed to."""

    box: str = "all"
    """Inbox box."""
    state: str | None = None
    """Workflow state."""
    urgency: int | None = None
    """Minimum urgency."""
    confidentiality: int | None = None
    """Exact confidentiality."""
    overdue: bool = False
    """Only overdue open documents."""
    near_due: bool = False
    """Only open documents due within two working days."""
    department_id: int | None = None
    """Routed to this unit."""
    doc_type: str | None = None
    """Type code."""
    year: int | None = None
    """Arrival year."""
    date_from: date | None = None
    """Arrival date from."""
    date_to: date | None = None
    """Arrival date to."""
    q: str | None = None
    """Words in number/notation, issuing organisation or subject."""
    sort: str = "arrival_desc"
    """One of SORTS."""
    page: int = 1
    """1-based page."""


def parse_filters(args: Mapping[str, Any]) -> Filters:
    def opt_int(name: str) -> int | None:
        return optional_int(args, name)

    sort = str(args.get("sort") or "arrival_desc")
    if sort not in SORTS:
        raise ValidationFailed(N_("Unknown sort order %(sort)s."), sort=sort)
    state = str(args.get("state") or "").strip() or None
    if state is not None and state not in (*OPEN_STATES, "completed", "returned", "withdrawn"):
        raise ValidationFailed(N_("Unknown state %(state)s."), state=state)
    doc_type = str(args.get("doc_type") or args.get("type") or "").strip() or None
    if doc_type is not None and doc_type not in DOC_TYPES_BY_CODE:
        raise ValidationFailed(
            N_("Unknown document type %(code)s; use one of: %(codes)s."),
            code=doc_type,
            codes=", ".join(DOC_TYPES_BY_CODE),
        )
    flag = {"1", "true", "yes", "on"}
    return Filters(
        box=str(args.get("box") or "all"),
        state=state,
        urgency=opt_int("urgency"),
        confidentiality=opt_int("confidentiality"),
        overdue=str(args.get("overdue") or "").lower() in flag,
        near_due=str(args.get("near_due") or "").lower() in flag,
        department_id=opt_int("department"),
        doc_type=doc_type,
        year=opt_int("year"),
        date_from=parse_date(args, "from", "from", required=False),
        date_to=parse_date(args, "to", "to", required=False),
        q=str(args.get("q") or "").strip() or None,
        sort=sort,
        page=max(1, opt_int("page") or 1),
    )


def _query(session: Session, user: User, f: Filters) -> Select[Any]:
    doc = IncomingDocument
    conds: list[ColumnElement[bool]] = [visible_incoming(user), box_condition(user, f.box)]
    today = today_vn()
    if f.state:
        conds.append(doc.state == f.state)
    if f.urgency is not None:
        conds.append(doc.urgency >= f.urgency)
    if f.confidentiality is not None:
        conds.append(doc.confidentiality == f.confidentiality)
    if f.overdue:
        conds += [doc.state.in_(OPEN_STATES), doc.deadline < today]
    if f.near_due:
        limit = calendar(session).add_working_days(today, NEAR_DUE_DAYS)
        conds += [doc.state.in_(OPEN_STATES), doc.deadline >= today, doc.deadline <= limit]
    if f.department_id is not None:
        conds.append(
            exists().where(
                IncomingUnit.document_id == doc.id, IncomingUnit.department_id == f.department_id
            )
        )
    if f.doc_type:
        conds.append(doc.doc_type == f.doc_type)
    if f.year:
        conds.append(doc.year == f.year)
    if f.date_from:
        conds.append(doc.arrival_date >= f.date_from)
    if f.date_to:
        conds.append(doc.arrival_date <= f.date_to)
    if f.q:
        for word in f.q.split()[:8]:
            pattern = f"%{word.lower()}%"
            conds.append(
                or_(
                    func.lower(doc.number_notation).like(pattern),
                    func.lower(doc.issuing_org).like(pattern),
                    func.lower(doc.subject).like(pattern),
                )
            )
    return select(doc).where(*conds)


@dataclass(frozen=True)
class Row:
    """A document in a list, with its deadline flags."""

    doc: IncomingDocument
    """The document."""
    overdue: bool
    """Open and past its deadline."""
    near_due: bool
    """Open and due within two working days."""


@dataclass(frozen=True)
class Page:
    """One page of a list."""

    rows: list[Row]
    """The documents of this page."""
    total: int
    """How many documents match."""
    page: int
    """This page's number."""
    pages: int
    """How many pages there are."""
    filters: Filters = field(default_factory=Filters)
    """The filters that produced it."""


def deadline_flags(doc: IncomingDocument, cal: WorkingCalendar, today: date) -> tuple[bool, bool]:
    if doc.deadline is None or doc.state not in OPEN_STATES:
        return False, False
    if doc.deadline < today:
        return True, False
    return False, cal.working_days_between(today, doc.deadline) <= NEAR_DUE_DAYS


def list_documents(session: Session, user: User, f: Filters, page_size: int = PAGE_SIZE) -> Page:
    query = _query(session, user, f)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    docs = session.scalars(
        query.order_by(*SORTS[f.sort]).offset((f.page - 1) * page_size).limit(page_size)
    ).all()
    cal, today = calendar(session), today_vn()
    rows = [Row(d, *deadline_flags(d, cal, today)) for d in docs]
    return Page(rows, total, f.page, max(1, -(-total // page_size)), f)


def count(session: Session, user: User, f: Filters) -> int:
    query = _query(session, user, f)
    return session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
