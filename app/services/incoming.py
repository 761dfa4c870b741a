"""Incoming documents: registration and every workflow step, each its own use case."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.domain.base import utcnow
from app.domain.clock import today_vn
from app.domain.doctypes import DOC_TYPES_BY_CODE
from app.domain.enums import Role
from app.domain.errors import N_, NotFound, ValidationFailed
from app.domain.files import StoredFile
from app.domain.incoming import (
    IncomingAssignment,
    IncomingDocument,
    IncomingEvent,
    IncomingUnit,
)
from app.domain.models import Department, User
from app.domain.workflow import INCOMING
from storage import ObjectStore

from . import audit, changes, files, notifications, numbering
from .incoming_input import Direction, Registration
from .permissions import require
from .signatures import check_pdf

ARRIVAL_SERIES = "arrival"

@dataclass(frozen=True)
class Registered:
    """The outcome of a registration."""

    document: IncomingDocument
    """The new document with its arrival number."""
    duplicates: tuple[IncomingDocument, ...]
    """Earlier documents with the same issuing organisation, number and date."""


def find_duplicates(
    session: Session,
    organisation_id: int,
    issuing_org: str,
    number_notation: str,
    issued_date: date,
) -> list[IncomingDocument]:
    rows = session.scalars(
        select(IncomingDocument).where(
            IncomingDocument.organisation_id == organisation_id,
            IncomingDocument.number_notation == number_notation.strip(),
            IncomingDocument.issued_date == issued_date,
        )
    ).all()
    wanted = " ".join(issuing_org.lower().split())
    return [d for d in rows if " ".join(d.issuing_org.lower().split()) == wanted]


def _event(
    session: Session,
    doc: IncomingDocument,
    actor: User,
    action: str,
    from_state: str,
    comment: str = "",
) -> None:
    session.add(IncomingEvent.of(doc, actor, action, from_state, comment))


def _commit(session: Session, doc: IncomingDocument) -> None:
    try:
        session.commit()
    except SQLAlchemyError:
        session.rollback()
        raise
    changes.committed("incoming", doc.id)


def register(
    session: Session,
    actor: User,
    data: Registration,
    main: files.Upload,
    attachments: Sequence[files.Upload],
    store: ObjectStore,
    trust_roots: Sequence[Any],
) -> Registered:
    """Store the files, then number and record the document in one transaction."""
    require(actor, "incoming.register")
    accepted_main = files.accept(store, main, frozenset({"pdf"}))
    checks = {id(accepted_main): check_pdf(main.stream, trust_roots)}
    accepted_atts = []
    for upload in attachments:
        accepted = files.accept(store, upload, files.ATTACHMENT_KINDS)
        if accepted.stored.content_type == files.PDF:
            checks[id(accepted)] = check_pdf(upload.stream, trust_roots)
        accepted_atts.append(accepted)
    # Everything below is one transaction: a failure leaves at most unreferenced objects.
    today = today_vn()
    duplicates = find_duplicates(
        session, actor.organisation_id, data.issuing_org, data.number_notation, data.issued_date
    )
    try:
        number = numbering.next_number(session, actor.organisation_id, ARRIVAL_SERIES, today.year)
        doc = IncomingDocument(
            organisation_id=actor.organisation_id,
            year=today.year,
            arrival_number=number,
            arrival_date=today,
            registered_by_id=actor.id,
            doc_type=data.doc_type,
            number_notation=data.number_notation,
            issued_date=data.issued_date,
            issuing_org=data.issuing_org,
            subject=data.subject,
            signer_name=data.signer_name,
            signer_position=data.signer_position,
            urgency=int(data.urgency),
            confidentiality=int(data.confidentiality),
            page_count=data.page_count or accepted_main.page_count,
            reply_due=data.reply_due,
            received_via=data.received_via.value,
            state="registered",
            signature_verdict=checks[id(accepted_main)].verdict,
            duplicate_of_id=duplicates[0].id if duplicates else None,
        )
        session.add(doc)
        session.flush()
        for role, accepted in [("main", accepted_main)] + [
            ("attachment", a) for a in accepted_atts
        ]:
            row = files.add_file_row(session, "incoming", doc.id, role, accepted, actor.id)
            check = checks.get(id(accepted))
            if check is not None:
                row.signature_verdict, row.signature_summary = check.verdict, check.summary
                row.signature_report = check.report_json
        _event(session, doc, actor, "register", "", f"Số đến {number}")
        audit.record(
            session,
            actor,
            "incoming.registered",
            "incoming",
            doc.id,
            arrival_number=number,
            year=today.year,
            number_notation=doc.number_notation,
            issuing_org=doc.issuing_org,
            main_sha256=accepted_main.stored.sha256,
            signature_verdict=doc.signature_verdict,
            duplicate_of=[d.id for d in duplicates],
        )
    except Exception:
        session.rollback()
        raise
    _commit(session, doc)
    return Registered(doc, tuple(duplicates))


def get(session: Session, actor: User, doc_id: int) -> IncomingDocument:
    doc = session.get(IncomingDocument, doc_id)
    if doc is None:
        raise NotFound(N_("No such incoming document."))
    require(actor, "incoming.view", doc)
    return doc


def file_for(session: Session, actor: User, file_id: int) -> StoredFile:
    """A file of an incoming document the actor may open (the same rule as the document)."""
    row = files.get_file(session, file_id)
    if row.owner_type != "incoming":
        raise NotFound(N_("No such file."))
    get(session, actor, row.owner_id)
    return row


def _apply(session: Session, actor: User, doc: IncomingDocument, action: str) -> str:
    require(actor, f"incoming.{action}", doc)
    before = doc.state
    doc.state = INCOMING.apply(doc.state, action)
    doc.state_changed_at = utcnow()
    return before


def _org_user(session: Session, actor: User, user_id: int, role: Role | None = None) -> User:
    user = session.get(User, user_id)
    if user is None or user.organisation_id != actor.organisation_id or not user.active:
        raise ValidationFailed(N_("No such active user in your organisation."))
    if role is not None and role not in user.roles:
        raise ValidationFailed(N_("%(name)s does not have the required role."), name=user.full_name)
    return user


def _link(doc: IncomingDocument) -> str:
    return f"/incoming/{doc.id}"


def _label(doc: IncomingDocument) -> str:
    return f"Văn bản đến số {doc.arrival_number}: {doc.number_notation} – {doc.subject[:120]}"


def submit(
    session: Session, actor: User, doc: IncomingDocument, leader_id: int, comment: str = ""
) -> None:
    """The clerk presents the document to a leader (trình lãnh đạo)."""
    leader = _org_user(session, actor, leader_id, Role.LEADER)
    before = _apply(session, actor, doc, "submit")
    doc.submitted_to_id = leader.id
    _event(session, doc, actor, "submit", before, comment)
    audit.record(session, actor, "incoming.submitted", "incoming", doc.id, leader=leader.username)
    notifications.notify(
        session, [leader], "incoming.to_direct", f"Xin ý kiến chỉ đạo: {_label(doc)}", _link(doc)
    )
    _commit(session, doc)


def direct(session: Session, actor: User, doc: IncomingDocument, direction: Direction) -> None:
    """The leader routes the document to units with deadlines and a direction text."""
    before = _apply(session, actor, doc, "direct")
    today = today_vn()
    for unit in direction.units:
        dept = session.get(Department, unit.department_id)
        if dept is None or dept.organisation_id != doc.organisation_id:
            raise ValidationFailed(
                N_("Unit %(id)s is not a department of this organisation."), id=unit.department_id
            )
        if unit.deadline is not None and unit.deadline < today:
            raise ValidationFailed(N_("A deadline cannot be in the past."))
        doc.units.append(
            IncomingUnit(department_id=dept.id, role=unit.role, deadline=unit.deadline)
        )
    doc.directed_by_id, doc.directed_at = actor.id, utcnow()
    doc.direction_text = direction.text
    doc.deadline = direction.units[0].deadline
    session.flush()
    _event(session, doc, actor, "direct", before, direction.text)
    audit.record(
        session,
        actor,
        "incoming.directed",
        "incoming",
        doc.id,
        units=[
            {
                "department_id": u.department_id,
                "role": u.role,
                "deadline": u.deadline.isoformat() if u.deadline else None,
            }
            for u in direction.units
        ],
        text=direction.text,
    )
    heads = session.scalars(
        select(User).where(
            User.department_id.in_([u.department_id for u in direction.units]),
            User.active.is_(True),
        )
    ).all()
    notifications.notify(
        session,
        [h for h in heads if Role.DEPT_HEAD in h.roles],
        "incoming.to_assign",
        f"Được giao xử lý: {_label(doc)}",
        _link(doc),
    )
    _commit(session, doc)


def assign(
    session: Session,
    actor: User,
    doc: IncomingDocument,
    user_ids: Sequence[int],
    deadline: date | None,
    comment: str = "",
) -> None:
    """The head of a routed unit assigns people of the unit, with a deadline."""
    before = _apply(session, actor, doc, "assign")
    unit = next(
        (
            u
            for u in doc.units
            if u.department_id == actor.department_id and u.role in ("lead", "support")
        ),
        None,
    )
    assert unit is not None  # guaranteed by the permission rule
    if not user_ids:
        raise ValidationFailed(N_("Choose at least one person to handle the document."))
    if deadline is not None and deadline < today_vn():
        raise ValidationFailed(N_("A deadline cannot be in the past."))
    people = []
    for user_id in dict.fromkeys(user_ids):
        user = _org_user(session, actor, user_id)
        if user.department_id != actor.department_id:
            raise ValidationFailed(N_("%(name)s is not in your department."), name=user.full_name)
        if any(a.user_id == user.id for a in unit.assignments):
            raise ValidationFailed(N_("%(name)s is already assigned."), name=user.full_name)
        unit.assignments.append(
            IncomingAssignment(
                document_id=doc.id,
                user_id=user.id,
                deadline=deadline or unit.deadline,
                assigned_by_id=actor.id,
            )
        )
        people.append(user)
    session.flush()
    names = ", ".join(p.full_name for p in people)
    effective = deadline or unit.deadline
    _event(session, doc, actor, "assign", before, f"{names}. {comment}".strip(". ").strip())
    audit.record(
        session,
        actor,
        "incoming.assigned",
        "incoming",
        doc.id,
        unit_id=unit.id,
        users=[p.username for p in people],
        deadline=effective.isoformat() if effective else None,
    )
    notifications.notify(
        session, people, "incoming.to_handle", f"Được phân công xử lý: {_label(doc)}", _link(doc)
    )
    _commit(session, doc)


def record_progress(session: Session, actor: User, doc: IncomingDocument, note: str) -> None:
    if not note.strip():
        raise ValidationFailed(N_("Write what has been done."))
    before = _apply(session, actor, doc, "progress")
    _event(session, doc, actor, "progress", before, note.strip())
    audit.record(session, actor, "incoming.progress", "incoming", doc.id, note=note.strip())
    _commit(session, doc)


def complete(
    session: Session, actor: User, doc: IncomingDocument, result: str, reply_reference: str = ""
) -> None:
    """A handler finishes their part; the lead unit's handler completes the document."""
    if not result.strip():
        raise ValidationFailed(N_("Describe the result of the handling."))
    require(actor, "incoming.complete", doc)
    mine = [
        a
        for u in doc.units
        for a in u.assignments
        if a.user_id == actor.id and a.completed_at is None
    ]
    lead_done = any(a.unit.role == "lead" for a in mine)
    action = "complete" if lead_done else "complete_part"
    before = _apply(session, actor, doc, action)
    now = utcnow()
    for assignment in mine:
        assignment.completed_at, assignment.result_text = now, result.strip()
        unit = assignment.unit
        if all(a.completed_at is not None for a in unit.assignments):
            unit.completed_at = now
    if lead_done:
        doc.completed_at, doc.result_text = now, result.strip()
        doc.reply_reference = reply_reference.strip()[:255]
    _event(session, doc, actor, action, before, result.strip())
    audit.record(
        session,
        actor,
        f"incoming.{action}",
        "incoming",
        doc.id,
        result=result.strip(),
        reply_reference=reply_reference.strip(),
    )
    _commit(session, doc)


def return_to_sender(session: Session, actor: User, doc: IncomingDocument, reason: str) -> None:
    if not reason.strip():
        raise ValidationFailed(N_("Give the reason for returning the document."))
    before = _apply(session, actor, doc, "return")
    doc.state_reason = reason.strip()
    _event(session, doc, actor, "return", before, reason.strip())
    audit.record(session, actor, "incoming.returned", "incoming", doc.id, reason=reason.strip())
    _commit(session, doc)


def withdraw(session: Session, actor: User, doc: IncomingDocument, reason: str) -> None:
    if not reason.strip():
        raise ValidationFailed(N_("Give the reason for withdrawing the document."))
    before = _apply(session, actor, doc, "withdraw")
    doc.state_reason = reason.strip()
    _event(session, doc, actor, "withdraw", before, reason.strip())
    audit.record(session, actor, "incoming.withdrawn", "incoming", doc.id, reason=reason.strip())
    involved = {a.user for u in doc.units for a in u.assignments}
    notifications.notify(
        session, involved, "incoming.withdrawn", f"Văn bản đã bị thu hồi: {_label(doc)}", _link(doc)
    )
    _commit(session, doc)


def type_name(code: str) -> str:
    t = DOC_TYPES_BY_CODE.get(code)
    return t.name if t else code
