"""What incoming and outgoing timelines have in common: who did what, when, and the states."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from .base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from .models import User


class TimelineEntry:
    """Columns, constructor and JSON view of one step of a document's timeline.

    The table, its ``document_id`` and the state columns (their lengths differ) stay with
    each document kind.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(32))
    comment: Mapped[str] = mapped_column(Text, default="")

    if TYPE_CHECKING:
        document_id: Mapped[int]
        from_state: Mapped[str]
        to_state: Mapped[str]

    @declared_attr
    def actor(cls) -> Mapped[User]:
        return relationship("User")

    @classmethod
    def of(cls, doc: Any, actor: User, action: str, from_state: str, comment: str = "") -> Self:
        """The step ``action`` by ``actor`` that took ``doc`` from ``from_state`` to its state."""
        entry = cls()
        entry.document_id, entry.actor_id, entry.action = doc.id, actor.id, action
        entry.from_state, entry.to_state, entry.comment = from_state, doc.state, comment
        return entry

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "actor": self.actor.username,
            "action": self.action,
            "from_state": self.from_state,
            "to_state": self.to_state,
            "comment": self.comment,
        }
