"""The one permission policy: can(user, action, obj), used by views, services and queries.

For documents the rule of who may open what is a SQL condition (`visible_incoming`); `can`
evaluates that same condition for a single document, so lists, detail pages, downloads,
search and the API cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select, union
from sqlalchemy.orm import object_session

from app.domain.doctypes import Confidentiality
from app.domain.enums import Role
from app.domain.errors import N_, PermissionDenied
from app.domain.incoming import IncomingAssignment, IncomingDocument, IncomingUnit
from app.domain.models import User
from app.domain.outgoing import OutgoingDocument, OutgoingEvent, OutgoingRecipient

Rule = Callable[[User, object], bool]


def _is_admin(user: User, _obj: object) -> bool:
    return Role.ADMIN in user.roles


def _self_or_admin(user: User, obj: object) -> bool:
    return isinstance(obj, User) and (obj.id == user.id or Role.ADMIN in user.roles)


# Incoming documents --------------------------------------------------------------------------


def _personally_row_by_row(user: User) -> ColumnElement[bool]:
    """Routed to the user in person, tested per document (cheap when few rows need it)."""
    doc = IncomingDocument
    tests: list[ColumnElement[bool]] = [
        doc.registered_by_id == user.id,
        doc.submitted_to_id == user.id,
        doc.directed_by_id == user.id,
        exists().where(
            IncomingAssignment.document_id == doc.id, IncomingAssignment.user_id == user.id
        ),
    ]
    if Role.DEPT_HEAD in user.roles and user.department_id is not None:
        tests.append(
            exists().where(
                IncomingUnit.document_id == doc.id, IncomingUnit.department_id == user.department_id
            )
        )
    return or_(*tests)


def _personally_as_id_set(user: User) -> ColumnElement[bool]:
    """The same test as one set of ids found through indexes (cheap when most rows need it)."""
    doc = IncomingDocument
    sets: list[Select[Any]] = [
        select(doc.id).where(doc.registered_by_id == user.id),
        select(doc.id).where(doc.submitted_to_id == user.id),
        select(doc.id).where(doc.directed_by_id == user.id),
        select(IncomingAssignment.document_id).where(IncomingAssignment.user_id == user.id),
    ]
    if Role.DEPT_HEAD in user.roles and user.department_id is not None:
        sets.append(
            select(IncomingUnit.document_id).where(IncomingUnit.department_id == user.department_id)
        )
    return doc.id.in_(union(*sets))


def visible_incoming(user: User) -> ColumnElement[bool]:
    """SQL condition: the incoming documents `user` may open.

    Clerks and leaders see every non-secret document of their organisation, so the personal
    test only runs for the few secret rows and is written row by row. Everyone else sees
    only what is routed to them or their unit: that is found as sets of ids through indexes,
    so an officer's inbox stays fast with 100,000 documents in the organisation.
    """
    doc = IncomingDocument
    not_secret = doc.confidentiality == int(Confidentiality.NORMAL)
    if user.roles & {Role.CLERK, Role.LEADER}:
        rule = or_(not_secret, _personally_row_by_row(user))
    elif user.department_id is not None:
        dept_routed = select(IncomingUnit.document_id).where(
            IncomingUnit.department_id == user.department_id
        )
        rule = or_(_personally_as_id_set(user), and_(not_secret, doc.id.in_(dept_routed)))
    else:
        rule = _personally_as_id_set(user)
    return and_(doc.organisation_id == user.organisation_id, rule)


def _sees_incoming(user: User, obj: object) -> bool:
    if not isinstance(obj, IncomingDocument) or obj.organisation_id != user.organisation_id:
        return False
    session = object_session(obj)
    if session is None or obj.id is None:
        return False
    return bool(
        session.scalar(
            select(exists().where(IncomingDocument.id == obj.id, visible_incoming(user)))
        )
    )


def _org_role(role: Role) -> Rule:
    def rule(user: User, obj: object) -> bool:
        return (
            role in user.roles
            and isinstance(obj, IncomingDocument)
            and obj.organisation_id == user.organisation_id
            and _sees_incoming(user, obj)
        )

    return rule


def _heads_a_routed_unit(user: User, obj: object) -> bool:
    return (
        Role.DEPT_HEAD in user.roles
        and isinstance(obj, IncomingDocument)
        and any(
            u.department_id == user.department_id and u.role in ("lead", "support")
            for u in obj.units
        )
    )


def _handles(user: User, obj: object) -> bool:
    return isinstance(obj, IncomingDocument) and any(
        a.user_id == user.id and a.completed_at is None for u in obj.units for a in u.assignments
    )


# Outgoing documents --------------------------------------------------------------------------

OUTGOING_AFTER_SIGNATURE = ("signed", "issued", "recalled", "replaced")
OUTGOING_ISSUED = ("issued", "recalled", "replaced")


def visible_outgoing(user: User) -> ColumnElement[bool]:
    """SQL condition: the outgoing documents `user` may open."""
    doc = OutgoingDocument
    took_part = exists().where(
        OutgoingEvent.document_id == doc.id, OutgoingEvent.actor_id == user.id
    )
    personally = or_(
        doc.drafted_by_id == user.id,
        doc.signer_id == user.id,
        doc.issued_by_id == user.id,
        took_part,
    )
    same_dept = (
        doc.department_id == user.department_id if user.department_id is not None else false()
    )
    dept_recipient = (
        and_(
            doc.state.in_(OUTGOING_ISSUED),
            exists().where(
                OutgoingRecipient.document_id == doc.id,
                OutgoingRecipient.department_id == user.department_id,
            ),
        )
        if user.department_id is not None
        else false()
    )
    not_secret = doc.confidentiality == int(Confidentiality.NORMAL)
    rules = [personally, and_(not_secret, or_(same_dept, dept_recipient))]
    if Role.DEPT_HEAD in user.roles:
        rules.append(same_dept)  # heads review every draft of their unit, secret ones too
    if Role.LEADER in user.roles:
        rules.append(not_secret)
    if Role.CLERK in user.roles:
        # The clerk numbers, seals and issues every signed document, secret ones too.
        rules += [not_secret, doc.state.in_(OUTGOING_AFTER_SIGNATURE)]
    return and_(doc.organisation_id == user.organisation_id, or_(*rules))


def _sees_outgoing(user: User, obj: object) -> bool:
    if not isinstance(obj, OutgoingDocument) or obj.organisation_id != user.organisation_id:
        return False
    session = object_session(obj)
    if session is None or obj.id is None:
        return False
    return bool(
        session.scalar(
            select(exists().where(OutgoingDocument.id == obj.id, visible_outgoing(user)))
        )
    )


def _drafts_it(user: User, obj: object) -> bool:
    return isinstance(obj, OutgoingDocument) and obj.drafted_by_id == user.id


def _reviews_it(user: User, obj: object) -> bool:
    return (
        Role.DEPT_HEAD in user.roles
        and isinstance(obj, OutgoingDocument)
        and obj.organisation_id == user.organisation_id
        and obj.department_id == user.department_id
    )


def _signs_it(user: User, obj: object) -> bool:
    return (
        Role.LEADER in user.roles and isinstance(obj, OutgoingDocument) and obj.signer_id == user.id
    )


def _returns_it(user: User, obj: object) -> bool:
    if not isinstance(obj, OutgoingDocument):
        return False
    if obj.state == "awaiting_signature":
        return _signs_it(user, obj)
    return _reviews_it(user, obj)


def _issues_it(user: User, obj: object) -> bool:
    return (
        Role.CLERK in user.roles
        and isinstance(obj, OutgoingDocument)
        and obj.organisation_id == user.organisation_id
    )


def _receives_it(user: User, obj: object) -> bool:
    """The clerk of an organisation an outgoing document was sent to."""
    return (
        Role.CLERK in user.roles
        and isinstance(obj, OutgoingRecipient)
        and obj.kind == "organisation"
        and obj.organisation_id == user.organisation_id
    )


RULES: dict[str, Rule] = {
    "admin.access": _is_admin,
    "organisation.manage": _is_admin,
    "department.manage": _is_admin,
    "user.manage": _is_admin,
    "holiday.manage": _is_admin,
    "audit.view": _is_admin,
    "user.change_password": _self_or_admin,
    "incoming.register": lambda u, o: Role.CLERK in u.roles,
    "incoming.view": _sees_incoming,
    "incoming.submit": _org_role(Role.CLERK),
    "incoming.return": _org_role(Role.CLERK),
    "incoming.withdraw": _org_role(Role.CLERK),
    "incoming.direct": _org_role(Role.LEADER),
    "incoming.assign": _heads_a_routed_unit,
    "incoming.progress": _handles,
    "incoming.complete": _handles,
    "incoming.complete_part": _handles,
    "incoming.export_register": lambda u, o: bool(u.roles & {Role.CLERK, Role.LEADER}),
    "outgoing.create": lambda u, o: (
        bool(u.roles & {Role.OFFICER, Role.DEPT_HEAD}) and u.department_id is not None
    ),
    "outgoing.view": _sees_outgoing,
    "outgoing.comment": _sees_outgoing,
    "outgoing.edit": _drafts_it,
    "outgoing.submit": _drafts_it,
    "outgoing.approve": _reviews_it,
    "outgoing.return": _returns_it,
    "outgoing.sign": _signs_it,
    "outgoing.issue": _issues_it,
    "outgoing.recall": _issues_it,
    "outgoing.replace": _drafts_it,
    "outgoing.receive": _receives_it,
    "outgoing.export_register": lambda u, o: bool(u.roles & {Role.CLERK, Role.LEADER}),
    "signing.own_key": lambda u, o: isinstance(o, User) and o.id == u.id,
    "signing.organisation_key": lambda u, o: (
        Role.ADMIN in u.roles and getattr(o, "id", None) == u.organisation_id
    ),
    "report.view": lambda u, o: _sees_report(u, o),
}


def _sees_report(user: User, scope: object) -> bool:
    """Leaders and clerks: their organisation's figures; a head: their own department's."""
    if getattr(scope, "organisation_id", None) != user.organisation_id:
        return False
    if user.roles & {Role.LEADER, Role.CLERK}:
        return True
    department_id = getattr(scope, "department_id", None)
    return (
        Role.DEPT_HEAD in user.roles
        and department_id is not None
        and department_id == user.department_id
    )


def can(user: User | None, action: str, obj: object = None) -> bool:
    """True when `user` may do `action` on `obj`; unknown actions are refused."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    rule = RULES.get(action)
    return bool(rule and rule(user, obj))


def require(user: User | None, action: str, obj: object = None) -> None:
    if not can(user, action, obj):
        raise PermissionDenied(N_("You are not allowed to do this."))
