"""Lists of outgoing documents: boxes per role, filters and pagination."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select, true
from sqlalchemy.orm import Session

from app.domain.doctypes import DOC_TYPES_BY_CODE
from app.domain.enums import Role
from app.domain.errors import N_, ValidationFailed
from app.domain.models import User
from app.domain.outgoing import OutgoingDocument, OutgoingRecipient
from app.domain.workflow import OUTGOING_STATES

from .incoming_input import optional_int
from .permissions import OUTGOING_ISSUED, visible_outgoing

PAGE_SIZE = 50
BOXES = ("drafts", "to_review", "to_sign", "to_issue", "received", "issued", "all")


def box_condition(user: User, box: str) -> ColumnElement[bool]:
    doc = OutgoingDocument
    if box == "drafts":
        return and_(
            doc.drafted_by_id == user.id,
            doc.state.in_(("draft", "returned_for_revision", "in_review", "awaiting_signature")),
        )
    if box == "to_review":
        return and_(doc.state == "in_review", doc.department_id == user.department_id)
    if box == "to_sign":
        return and_(doc.state == "awaiting_signature", doc.signer_id == user.id)
    if box == "to_issue":
        return doc.state == "signed"
    if box == "received":
        return and_(
            doc.state.in_(OUTGOING_ISSUED),
            exists().where(
                OutgoingRecipient.document_id == doc.id,
                OutgoingRecipient.kind == "department",
                OutgoingRecipient.department_id == user.department_id,
            ),
        )
    if box == "issued":
        return doc.state.in_(OUTGOING_ISSUED)
    if box == "all":
        return true()
    raise ValidationFailed(N_("Unknown box %(box)s."), box=box)


def boxes_for(user: User) -> list[str]:
    boxes = []
    if user.roles & {Role.OFFICER, Role.DEPT_HEAD}:
        boxes.append("drafts")
    if Role.DEPT_HEAD in user.roles:
        boxes.append("to_review")
    if Role.LEADER in user.roles:
        boxes.append("to_sign")
    if Role.CLERK in user.roles:
        boxes.append("to_issue")
    if user.department_id is not None:
        boxes.append("received")
    return [*boxes, "issued", "all"]


@dataclass(frozen=True)
class Filters:
    """What a list is narrowed to."""

    box: str = "all"
    """One of BOXES."""
    state: str | None = None
    """Workflow state."""
    doc_type: str | None = None
    """Type code."""
    year: int | None = None
    """Year of issue."""
    answers: int | None = None
    """Only replies to this incoming document."""
    q: str | None = None
    """Words in the number/notation or the subject."""
    page: int = 1
    """1-based page."""


def parse_filters(args: Mapping[str, Any]) -> Filters:
    def opt_int(name: str) -> int | None:
        return optional_int(args, name)

    box = str(args.get("box") or "all")
    if box not in BOXES:
        raise ValidationFailed(N_("Unknown box %(box)s."), box=box)
    state = str(args.get("state") or "").strip() or None
    if state is not None and state not in OUTGOING_STATES:
        raise ValidationFailed(N_("Unknown state %(state)s."), state=state)
    doc_type = str(args.get("doc_type") or "").strip() or None
    if doc_type is not None and doc_type not in DOC_TYPES_BY_CODE:
        raise ValidationFailed(
            N_("Unknown document type %(code)s; use one of: %(codes)s."),
            code=doc_type,
            codes=", ".join(DOC_TYPES_BY_CODE),
        )
    return Filters(
        box=box,
        state=state,
        doc_type=doc_type,
        year=opt_int("year"),
        answers=opt_int("answers"),
        q=str(args.get("q") or "").strip() or None,
        page=max(1, opt_int("page") or 1),
    )


def _query(user: User, f: Filters) -> Select[Any]:
    doc = OutgoingDocument
    conds: list[ColumnElement[bool]] = [visible_outgoing(user), box_condition(user, f.box)]
    if f.state:
        conds.append(doc.state == f.state)
    if f.doc_type:
        conds.append(doc.doc_type == f.doc_type)
    if f.year:
        conds.append(doc.year == f.year)
    if f.answers:
        conds.append(doc.answers_incoming_id == f.answers)
    if f.q:
        for word in f.q.split()[:8]:
            pattern = f"%{word.lower()}%"
            conds.append(
                or_(
                    func.lower(func.coalesce(doc.number_notation, "")).like(pattern),
                    func.lower(doc.subject).like(pattern),
                )
            )
    return select(doc).where(*conds)


@dataclass(frozen=True)
class Page:
    """One page of a list."""

    docs: list[OutgoingDocument]
    """The documents of this page."""
    total: int
    """How many documents match."""
    page: int
    """This page's number."""
    pages: int
    """How many pages there are."""
    filters: Filters = field(default_factory=Filters)
    """The filters that produced it."""


def list_documents(session: Session, user: User, f: Filters, page_size: int = PAGE_SIZE) -> Page:
    query = _query(user, f)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    docs = session.scalars(
        query.order_by(OutgoingDocument.id.desc()).offset((f.page - 1) * page_size).limit(page_size)
    ).all()
    return Page(list(docs), total, f.page, max(1, -(-total // page_size)), f)


def count(session: Session, user: User, box: str) -> int:
    query = _query(user, Filters(box=box))
    return session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
