"""Outgoing documents (văn bản đi), their recipients, timeline and the signing credentials."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow
from .doctypes import Confidentiality, Marked, Urgency
from .incoming import IncomingDocument
from .models import Department, Organisation, User
from .timeline import TimelineEntry

# edXML status codes a recipient reports back to the sender.
STATUS_ARRIVED = "01"
STATUS_REJECTED = "02"
STATUS_REGISTERED = "03"
STATUS_ASSIGNED = "04"
STATUS_IN_PROGRESS = "05"
STATUS_COMPLETED = "06"
STATUS_RECALL_REQUESTED = "13"
STATUS_RECALL_ACCEPTED = "15"
STATUS_RECALL_REFUSED = "16"


class OutgoingDocument(Marked, Base):
    __tablename__ = "outgoing_documents"
    __table_args__ = (
        UniqueConstraint("organisation_id", "year", "series", "number"),
        Index("ix_outgoing_org_state", "organisation_id", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    drafted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    doc_type: Mapped[str] = mapped_column(String(8))
    legal_normative: Mapped[bool] = mapped_column(Boolean, default=False)
    subject: Mapped[str] = mapped_column(String(1000))
    urgency: Mapped[int] = mapped_column(Integer, default=Urgency.NORMAL)
    confidentiality: Mapped[int] = mapped_column(Integer, default=Confidentiality.NORMAL)
    signer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    answers_incoming_id: Mapped[int | None] = mapped_column(
        ForeignKey("incoming_documents.id"), index=True
    )
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("outgoing_documents.id"))
    state: Mapped[str] = mapped_column(String(24), default="draft")
    state_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state_reason: Mapped[str] = mapped_column(Text, default="")
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    series: Mapped[str | None] = mapped_column(String(32))
    year: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[int | None] = mapped_column(Integer)
    number_notation: Mapped[str | None] = mapped_column(String(64))
    issued_date: Mapped[date | None] = mapped_column(Date)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    organisation: Mapped[Organisation] = relationship()
    department: Mapped[Department] = relationship()
    drafted_by: Mapped[User] = relationship(foreign_keys=[drafted_by_id])
    signer: Mapped[User] = relationship(foreign_keys=[signer_id])
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    answers_incoming: Mapped[IncomingDocument | None] = relationship()
    replaces: Mapped[OutgoingDocument | None] = relationship(remote_side=[id])
    recipients: Mapped[list[OutgoingRecipient]] = relationship(
        back_populates="document", order_by="OutgoingRecipient.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[OutgoingEvent]] = relationship(
        order_by="OutgoingEvent.id", cascade="all, delete-orphan"
    )


class OutgoingRecipient(Base):
    """Nơi nhận: a department of the organisation, an organisation on this installation, or
    an external organisation (by name, code and email)."""

    __tablename__ = "outgoing_recipients"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("outgoing_documents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # department | organisation | external
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    code: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    # internal | exchange (same installation) | email | post
    delivery: Mapped[str] = mapped_column(String(16), default="")
    status_code: Mapped[str] = mapped_column(String(2), default="")
    status_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_note: Mapped[str] = mapped_column(Text, default="")
    incoming_id: Mapped[int | None] = mapped_column(ForeignKey("incoming_documents.id"))

    document: Mapped[OutgoingDocument] = relationship(back_populates="recipients")
    department: Mapped[Department | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    incoming: Mapped[IncomingDocument | None] = relationship()


class OutgoingEvent(TimelineEntry, Base):
    """One step of the document's timeline: every transition, upload and comment."""

    __tablename__ = "outgoing_events"

    document_id: Mapped[int] = mapped_column(ForeignKey("outgoing_documents.id"), index=True)
    from_state: Mapped[str] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24))


class SigningCredential(Base):
    """A PKCS#12 key store (encrypted; the passphrase is never stored) or the settings of a
    PKCS#11 token (module, token label, key label; the PIN is never stored), and the image
    shown in the signature: a leader's handwritten signature or an organisation's seal."""

    __tablename__ = "signing_credentials"

    owner_type: Mapped[str] = mapped_column(String(16), primary_key=True)  # user | organisation
    owner_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pkcs12: Mapped[bytes | None] = mapped_column(LargeBinary)
    token_module: Mapped[str | None] = mapped_column(String(500))
    token_label: Mapped[str | None] = mapped_column(String(200))
    token_key_label: Mapped[str | None] = mapped_column(String(200))
    image_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
