"""Files attached to documents; the bytes live in the object store under `storage_key`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class StoredFile(Base):
    """One uploaded file of a document (main file or attachment), immutable once written."""

    __tablename__ = "files"
    __table_args__ = (Index("ix_files_owner", "owner_type", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_type: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))  # main | attachment | source
    version: Mapped[int] = mapped_column(Integer, default=1)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signature_verdict: Mapped[str | None] = mapped_column(String(16))
    signature_summary: Mapped[str | None] = mapped_column(String(500))
    signature_report: Mapped[str | None] = mapped_column(Text)
