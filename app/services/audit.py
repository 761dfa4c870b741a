"""The audit trail: append-only events, each carrying the SHA-256 of its predecessor."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.domain.base import utcnow
from app.domain.models import AuditEvent, AuditHead, User

GENESIS = "0" * 64


def event_digest(event: AuditEvent) -> str:
    """SHA-256 over the event's content and its predecessor's hash."""
    payload = json.dumps(
        {
            "seq": event.seq,
            "occurred_at": event.occurred_at.isoformat(),
            "actor_id": event.actor_id,
            "actor": event.actor,
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "details": event.details,
            "prev_hash": event.prev_hash,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record(
    session: Session,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: object,
    **details: Any,
) -> AuditEvent:
    """Append an event in the caller's transaction (it commits with the change it records)."""
    # Locking the head row first serialises appenders on PostgreSQL and SQLite alike.
    seq = session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(seq=AuditHead.seq + 1)
        .returning(AuditHead.seq)
    ).scalar_one_or_none()
    if seq is None:
        session.add(AuditHead(id=1, seq=1))
        session.flush()
        seq = 1
    prev = session.scalars(select(AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    event = AuditEvent(
        seq=seq,
        occurred_at=utcnow().replace(microsecond=0),
        actor_id=actor.id if actor is not None else None,
        actor=actor.username if actor is not None else "system",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        details=json.dumps(details, sort_keys=True, ensure_ascii=False, default=str),
        prev_hash=prev or GENESIS,
    )
    event.hash = event_digest(event)
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainBreak:
    """The first event whose chain link does not hold."""

    event_id: int
    """Primary key of the broken event."""
    seq: int
    """Its position in the chain."""
    reason: str
    """What does not match."""


def iter_events(session: Session, batch: int = 1000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def verify_chain(session: Session) -> tuple[int, ChainBreak | None]:
    """Check every event; return how many were checked and the first break, if any."""
    prev_hash, expected_seq, count = GENESIS, 1, 0
    for event in iter_events(session):
        count += 1
        if event.seq != expected_seq:
            return count, ChainBreak(
                event.id,
                event.seq,
                f"sequence jumps from {expected_seq - 1} to {event.seq}: an event was deleted",
            )
        if event.prev_hash != prev_hash:
            return count, ChainBreak(
                event.id, event.seq, "previous-hash link does not match the preceding event"
            )
        if event_digest(event) != event.hash:
            return count, ChainBreak(
                event.id, event.seq, "content does not match its hash: the row was edited"
            )
        prev_hash, expected_seq = event.hash, expected_seq + 1
    head = session.scalar(select(AuditHead.seq).where(AuditHead.id == 1)) or 0
    if head != count:
        return count, ChainBreak(
            0,
            head,
            f"the chain has {count} events but {head} were "
            "appended: events at the end were deleted",
        )
    return count, None
