"""Incoming documents (văn bản đến), their routing to units and people, and their timeline."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow
from .doctypes import Confidentiality, Marked, Urgency
from .models import Department, Organisation, User
from .timeline import TimelineEntry


class IncomingDocument(Marked, Base):
    __tablename__ = "incoming_documents"
    __table_args__ = (
        UniqueConstraint("organisation_id", "year", "arrival_number"),
        Index("ix_incoming_org_state", "organisation_id", "state", "year", "arrival_number"),
        Index("ix_incoming_org_arrival", "organisation_id", "arrival_date", "id"),
        Index("ix_incoming_dup", "organisation_id", "number_notation", "issued_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    year: Mapped[int] = mapped_column(Integer)
    arrival_number: Mapped[int] = mapped_column(Integer)
    arrival_date: Mapped[date] = mapped_column(Date)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    doc_type: Mapped[str] = mapped_column(String(8))
    number_notation: Mapped[str] = mapped_column(String(64))
    issued_date: Mapped[date] = mapped_column(Date)
    issuing_org: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(1000))
    signer_name: Mapped[str] = mapped_column(String(255), default="")
    signer_position: Mapped[str] = mapped_column(String(255), default="")
    urgency: Mapped[int] = mapped_column(Integer, default=Urgency.NORMAL)
    confidentiality: Mapped[int] = mapped_column(Integer, default=Confidentiality.NORMAL)
    page_count: Mapped[int | None] = mapped_column(Integer)
    reply_due: Mapped[date | None] = mapped_column(Date)
    received_via: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="registered")
    state_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    directed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    directed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    direction_text: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[date | None] = mapped_column(Date)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result_text: Mapped[str] = mapped_column(Text, default="")
    reply_reference: Mapped[str] = mapped_column(String(255), default="")
    state_reason: Mapped[str] = mapped_column(Text, default="")
    signature_verdict: Mapped[str] = mapped_column(String(16), default="unsigned")
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("incoming_documents.id"))

    organisation: Mapped[Organisation] = relationship()
    registered_by: Mapped[User] = relationship(foreign_keys=[registered_by_id])
    submitted_to: Mapped[User | None] = relationship(foreign_keys=[submitted_to_id])
    directed_by: Mapped[User | None] = relationship(foreign_keys=[directed_by_id])
    units: Mapped[list[IncomingUnit]] = relationship(
        back_populates="document", order_by="IncomingUnit.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[IncomingEvent]] = relationship(
        order_by="IncomingEvent.id", cascade="all, delete-orphan"
    )


class IncomingUnit(Base):
    """A department the leader routed the document to: lead, support or for information."""

    __tablename__ = "incoming_units"
    __table_args__ = (UniqueConstraint("document_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("incoming_documents.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    role: Mapped[str] = mapped_column(String(8))  # lead | support | info
    deadline: Mapped[date | None] = mapped_column(Date)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    document: Mapped[IncomingDocument] = relationship(back_populates="units")
    department: Mapped[Department] = relationship()
    assignments: Mapped[list[IncomingAssignment]] = relationship(
        back_populates="unit", order_by="IncomingAssignment.id", cascade="all, delete-orphan"
    )


class IncomingAssignment(Base):
    """A person a head of department assigned to handle the document for their unit."""

    __tablename__ = "incoming_assignments"
    __table_args__ = (UniqueConstraint("unit_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("incoming_units.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("incoming_documents.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    deadline: Mapped[date | None] = mapped_column(Date)
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result_text: Mapped[str] = mapped_column(Text, default="")

    unit: Mapped[IncomingUnit] = relationship(back_populates="assignments")
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class IncomingEvent(TimelineEntry, Base):
    """One step of the document's timeline (every transition and progress note)."""

    __tablename__ = "incoming_events"

    document_id: Mapped[int] = mapped_column(ForeignKey("incoming_documents.id"), index=True)
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
