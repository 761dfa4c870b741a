"""In-app notifications, and email when SMTP is configured."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from email.message import EmailMessage

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.domain.base import utcnow
from app.domain.models import User
from app.domain.notifications import Notification

log = logging.getLogger(__name__)


def notify(
    session: Session,
    users: Iterable[User],
    kind: str,
    message: str,
    link: str = "",
    dedup_key: str | None = None,
) -> list[Notification]:
    """Add a notification per user in the caller's transaction; `dedup_key` makes it once-only."""
    created = []
    for user in {u.id: u for u in users}.values():
        key = f"{dedup_key}:{user.id}" if dedup_key else None
        if key and session.scalar(select(Notification.id).where(Notification.dedup_key == key)):
            continue
        note = Notification(
            user_id=user.id, kind=kind, message=message[:500], link=link, dedup_key=key
        )
        session.add(note)
        created.append(note)
    return created


def send_emails(smtp_host: str, sender: str, notes: list[tuple[str, str, str]]) -> int:
    """Send (address, subject, body) messages; returns how many were sent. Errors are logged."""
    if not smtp_host or not notes:
        return 0
    host, _, port = smtp_host.partition(":")
    sent = 0
    try:
        with smtplib.SMTP(host, int(port or 25), timeout=10) as smtp:
            for address, subject, body in notes:
                if not address:
                    continue
                msg = EmailMessage()
                msg["From"], msg["To"], msg["Subject"] = sender, address, subject
                msg.set_content(body)
                smtp.send_message(msg)
                sent += 1
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("could not send notification email via %s: %s", smtp_host, exc)
    return sent


def unread_count(session: Session, user: User) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def recent(session: Session, user: User, limit: int = 50) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id.desc())
            .limit(limit)
        )
    )


def mark_all_read(session: Session, user: User) -> None:
    session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    session.commit()


def send_pending(session: Session, smtp_host: str, sender: str, limit: int = 500) -> int:
    """Email notifications not yet emailed to users who have an address; mark them sent."""
    if not smtp_host:
        return 0
    rows = session.execute(
        select(Notification, User.email).join(User, User.id == Notification.user_id)
        .where(Notification.emailed_at.is_(None), User.email != "")
        .order_by(Notification.id).limit(limit)
    ).all()
    if not rows:
        return 0
    messages = [(email, f"[VanThu] {note.message[:120]}",
                 f"{note.message}\n\n{note.link}") for note, email in rows]
    sent = send_emails(smtp_host, sender, messages)
    if sent == len(messages):
        now = utcnow()
        for note, _email in rows:
            note.emailed_at = now
        session.commit()
    return sent
