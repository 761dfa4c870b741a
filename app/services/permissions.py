"""The one permission policy: can(user, action, obj), used by views, services and queries.

For documents the rule of who may open what is a SQL condition (`visible_incoming`); `can`
evaluates that same condition for a single document, so lists, detail pages, downloads,
search and the API cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ColumnElement, and_, exists, false, or_, select
from sqlalchemy.orm import object_session

from app.domain.doctypes import Confidentiality
from app.domain.enums import Role
from app.domain.errors import N_, PermissionDenied
from app.domain.incoming import IncomingAssignment, IncomingDocument, IncomingUnit
from app.domain.models import User

Rule = Callable[[User, object], bool]


def _is_admin(user: User, _obj: object) -> bool:
    return Role.ADMIN in user.roles


def _self_or_admin(user: User, obj: object) -> bool:
    return isinstance(obj, User) and (obj.id == user.id or Role.ADMIN in user.roles)


# Incoming documents --------------------------------------------------------------------------


def visible_incoming(user: User) -> ColumnElement[bool]:
    """SQL condition: the incoming documents `user` may open."""
    doc = IncomingDocument
    assigned = exists().where(
        IncomingAssignment.document_id == doc.id, IncomingAssignment.user_id == user.id
    )
    dept_routed = (
        exists().where(
            IncomingUnit.document_id == doc.id, IncomingUnit.department_id == user.department_id
        )
        if user.department_id is not None
        else false()
    )
    personal = [
        doc.registered_by_id == user.id,
        doc.submitted_to_id == user.id,
        doc.directed_by_id == user.id,
        assigned,
    ]
    if Role.DEPT_HEAD in user.roles:
        personal.append(dept_routed)  # heads of routed units see even secret documents
    personally = or_(*personal)
    not_secret = doc.confidentiality == int(Confidentiality.NORMAL)
    if user.roles & {Role.CLERK, Role.LEADER}:
        rule = or_(not_secret, personally)
    else:
        rule = or_(personally, and_(not_secret, dept_routed))
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
}


def can(user: User | None, action: str, obj: object = None) -> bool:
    """True when `user` may do `action` on `obj`; unknown actions are refused."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    rule = RULES.get(action)
    return bool(rule and rule(user, obj))


def require(user: User | None, action: str, obj: object = None) -> None:
    if not can(user, action, obj):
        raise PermissionDenied(N_("You are not allowed to do this."))
