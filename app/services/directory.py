"""Managing organisations, departments, users and the holiday calendar."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.enums import Role
from app.domain.errors import N_, Conflict, NotFound, ValidationFailed
from app.domain.models import Department, Holiday, Organisation, User

from . import audit, passwords
from .permissions import require

_ABBREV = re.compile(r"^[A-ZĐ][A-ZĐa-z0-9]{0,31}$")
_CODE = re.compile(r"^[0-9A-Z.]{3,32}$")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


def _clean(value: str | None, field: str, max_len: int = 255) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(N_("%(field)s is required."), field=field)
    if len(value) > max_len:
        raise ValidationFailed(
            N_("%(field)s is longer than %(n)s characters."), field=field, n=max_len
        )
    return value


def _abbreviation(value: str | None) -> str:
    value = _clean(value, "Abbreviation", 32)
    if not _ABBREV.match(value):
        raise ValidationFailed(
            N_("Abbreviation must start with a capital letter and contain no spaces (e.g. UBND).")
        )
    return value


def _commit(session: Session, what: str) -> None:
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(N_("%(what)s already exists."), what=what) from exc


def get_organisation(session: Session, org_id: int) -> Organisation:
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound(N_("No such organisation."))
    return org


def save_organisation(
    session: Session,
    actor: User | None,
    *,
    name: str,
    code: str,
    abbreviation: str,
    parent_id: int | None = None,
    org: Organisation | None = None,
) -> Organisation:
    if actor is not None:
        require(actor, "organisation.manage")
    code = _clean(code, "Identifier code", 32).upper()
    if not _CODE.match(code):
        raise ValidationFailed(
            N_("Identifier code looks like 000.00.01.H01 (digits, capitals, dots).")
        )
    if parent_id is not None:
        get_organisation(session, parent_id)
        if org is not None and parent_id == org.id:
            raise ValidationFailed(N_("An organisation cannot be its own parent."))
    created = org is None
    org = org or Organisation()
    org.name, org.code = _clean(name, "Name"), code
    org.abbreviation, org.parent_id = _abbreviation(abbreviation), parent_id
    session.add(org)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(N_("An organisation with code %(code)s already exists."), code=code) from exc
    audit.record(
        session,
        actor,
        "organisation.created" if created else "organisation.updated",
        "organisation",
        org.id,
        name=org.name,
        code=org.code,
        abbreviation=org.abbreviation,
        parent_id=parent_id,
    )
    _commit(session, "This organisation")
    return org


def save_department(
    session: Session,
    actor: User | None,
    *,
    organisation_id: int,
    name: str,
    abbreviation: str,
    dept: Department | None = None,
) -> Department:
    if actor is not None:
        require(actor, "department.manage")
    get_organisation(session, organisation_id)
    created = dept is None
    dept = dept or Department()
    dept.organisation_id = organisation_id
    dept.name, dept.abbreviation = _clean(name, "Name"), _abbreviation(abbreviation)
    session.add(dept)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(
            N_("A department %(abbr)s already exists there."), abbr=dept.abbreviation
        ) from exc
    audit.record(
        session,
        actor,
        "department.created" if created else "department.updated",
        "department",
        dept.id,
        name=dept.name,
        abbreviation=dept.abbreviation,
        organisation_id=organisation_id,
    )
    _commit(session, "This department")
    return dept


def save_user(
    session: Session,
    actor: User | None,
    *,
    username: str,
    full_name: str,
    organisation_id: int,
    department_id: int | None,
    roles: set[Role],
    position: str = "",
    email: str = "",
    active: bool = True,
    password: str | None = None,
    user: User | None = None,
) -> User:
    """Create or update an account; `password` sets a new one when given."""
    if actor is not None:
        require(actor, "user.manage")
    username = _clean(username, "Username", 64).lower()
    if not _USERNAME.match(username):
        raise ValidationFailed(
            N_("Username: lower-case letters, digits, dot, dash or underscore (e.g. vanthu.ubnd).")
        )
    get_organisation(session, organisation_id)
    if department_id is not None:
        dept = session.get(Department, department_id)
        if dept is None or dept.organisation_id != organisation_id:
            raise ValidationFailed(N_("The department does not belong to that organisation."))
    unknown = {str(r) for r in roles} - {r.value for r in Role}
    if unknown:
        raise ValidationFailed(N_("Unknown role(s): %(roles)s."), roles=", ".join(sorted(unknown)))
    created = user is None
    if created and not password:
        raise ValidationFailed(N_("A new account needs a password."))
    user = user or User()
    if user.id is not None and actor is not None and user.id == actor.id and not active:
        raise ValidationFailed(N_("You cannot deactivate your own account."))
    user.username, user.full_name = username, _clean(full_name, "Full name")
    user.position, user.email = (position or "").strip(), (email or "").strip()
    user.organisation_id, user.department_id, user.active = organisation_id, department_id, active
    user.set_roles({Role(r) for r in roles})
    if password:
        from .auth import validate_new_password

        validate_new_password(password)
        user.password_hash = passwords.hash_password(password)
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(N_("The username %(username)s is taken."), username=username) from exc
    audit.record(
        session,
        actor,
        "user.created" if created else "user.updated",
        "user",
        user.id,
        username=username,
        roles=sorted(r.value for r in user.roles),
        active=active,
        department_id=department_id,
        password_set=bool(password),
    )
    _commit(session, "This user")
    return user


def add_holiday(session: Session, actor: User | None, day: date, name: str) -> Holiday:
    if actor is not None:
        require(actor, "holiday.manage")
    if session.get(Holiday, day) is not None:
        raise Conflict(N_("%(day)s is already a holiday."), day=day.isoformat())
    holiday = Holiday(day=day, name=_clean(name, "Name"))
    session.add(holiday)
    audit.record(session, actor, "holiday.added", "holiday", day.isoformat(), name=holiday.name)
    _commit(session, "This holiday")
    return holiday


def remove_holiday(session: Session, actor: User | None, day: date) -> None:
    if actor is not None:
        require(actor, "holiday.manage")
    holiday = session.get(Holiday, day)
    if holiday is None:
        raise NotFound(N_("%(day)s is not a holiday."), day=day.isoformat())
    session.delete(holiday)
    audit.record(session, actor, "holiday.removed", "holiday", day.isoformat())
    session.commit()


def holidays(session: Session) -> list[Holiday]:
    return list(session.scalars(select(Holiday).order_by(Holiday.day)))
