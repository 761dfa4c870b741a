"""The one permission policy: can(user, action, obj), used by views, services and queries."""

from __future__ import annotations

from collections.abc import Callable

from app.domain.enums import Role
from app.domain.errors import N_, PermissionDenied
from app.domain.models import User

Rule = Callable[[User, object], bool]


def _is_admin(user: User, _obj: object) -> bool:
    return Role.ADMIN in user.roles


def _self_or_admin(user: User, obj: object) -> bool:
    return isinstance(obj, User) and (obj.id == user.id or Role.ADMIN in user.roles)


RULES: dict[str, Rule] = {
    "admin.access": _is_admin,
    "organisation.manage": _is_admin,
    "department.manage": _is_admin,
    "user.manage": _is_admin,
    "holiday.manage": _is_admin,
    "audit.view": _is_admin,
    "user.change_password": _self_or_admin,
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
