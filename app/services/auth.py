"""Logging in: password checks with throttling, API tokens, password changes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.domain.base import utcnow
from app.domain.errors import N_, AuthenticationFailed, Throttled, ValidationFailed
from app.domain.models import ApiToken, LoginFailure, User

from . import audit, passwords
from .permissions import require


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failed logins are tolerated within a sliding window."""

    per_account: int
    """Failures allowed for one username within the window."""
    per_address: int
    """Failures allowed from one client address within the window."""
    window: timedelta
    """How long a failure counts; after it a locked-out user can try again."""


def _retry_after(
    session: Session,
    column: InstrumentedAttribute[str],
    value: str,
    limit: int,
    policy: ThrottlePolicy,
) -> int:
    since = utcnow() - policy.window
    times = session.scalars(
        select(LoginFailure.at)
        .where(column == value, LoginFailure.at > since)
        .order_by(LoginFailure.at.desc())
        .limit(limit)
    ).all()
    if len(times) < limit:
        return 0
    # The oldest of the last `limit` failures must leave the window before one more try.
    oldest = min(times)
    return max(1, int((oldest + policy.window - utcnow()).total_seconds()) + 1)


def authenticate(
    session: Session,
    username: str,
    password: str,
    address: str,
    policy: ThrottlePolicy,
    channel: str = "web",
) -> User:
    """Return the active user with these credentials, or raise; failures are counted."""
    username = (username or "").strip().lower()
    address = (address or "unknown")[:64]
    wait = max(
        _retry_after(session, LoginFailure.username, username, policy.per_account, policy),
        _retry_after(session, LoginFailure.address, address, policy.per_address, policy),
    )
    if wait:
        raise Throttled(
            N_("Too many failed logins. Try again in %(seconds)s seconds."),
            retry_after=wait,
            seconds=wait,
        )
    user = session.scalar(select(User).where(User.username == username))
    if (
        user is None
        or not user.active
        or not passwords.verify_password(user.password_hash, password or "")
    ):
        session.add(LoginFailure(username=username, address=address))
        session.execute(delete(LoginFailure).where(LoginFailure.at < utcnow() - 4 * policy.window))
        session.commit()
        raise AuthenticationFailed(N_("Wrong username or password, or the account is disabled."))
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    audit.record(session, user, "auth.login", "user", user.id, address=address, channel=channel)
    session.commit()
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, lifetime: timedelta) -> tuple[str, ApiToken]:
    token = secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=_token_hash(token), expires_at=utcnow() + lifetime)
    session.add(row)
    session.flush()
    audit.record(
        session,
        user,
        "auth.token_issued",
        "api_token",
        row.id,
        expires_at=row.expires_at.isoformat(),
    )
    session.commit()
    return token, row


def user_for_token(session: Session, token: str) -> User | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    return row.user if row.user.active else None


def revoke_token(session: Session, user: User, token: str) -> None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        return
    row.revoked_at = utcnow()
    audit.record(session, user, "auth.token_revoked", "api_token", row.id)
    session.commit()


def validate_new_password(password: str) -> None:
    if len(password or "") < passwords.MIN_LENGTH:
        raise ValidationFailed(
            N_("The password must have at least %(n)s characters."), n=passwords.MIN_LENGTH
        )


def change_password(session: Session, user: User, current: str, new: str) -> None:
    require(user, "user.change_password", user)
    if not passwords.verify_password(user.password_hash, current):
        raise ValidationFailed(N_("The current password is wrong."))
    validate_new_password(new)
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = utcnow()
    # A password change ends every API token of the account.
    for row in session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ):
        row.revoked_at = utcnow()
    audit.record(session, user, "user.password_changed", "user", user.id)
    session.commit()


def active_token_count(session: Session, user: User) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(ApiToken)
            .where(
                ApiToken.user_id == user.id,
                ApiToken.revoked_at.is_(None),
                ApiToken.expires_at > utcnow(),
            )
        )
        or 0
    )
