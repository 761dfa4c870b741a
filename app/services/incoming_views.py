"""Plain-data views of incoming documents for the API (and exports)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.doctypes import CONFIDENTIALITY_LABELS, URGENCY_LABELS, Confidentiality, Urgency
from app.domain.files import StoredFile
from app.domain.incoming import IncomingDocument

from .incoming import type_name


def files_of(session: Session, owner_type: str, owner_id: int) -> list[StoredFile]:
    return list(
        session.scalars(
            select(StoredFile)
            .where(StoredFile.owner_type == owner_type, StoredFile.owner_id == owner_id)
            .order_by(StoredFile.role.desc(), StoredFile.id)
        )
    )


def summary(
    doc: IncomingDocument, overdue: bool | None = None, near_due: bool | None = None
) -> dict[str, Any]:
    data = {
        "id": doc.id,
        "arrival_number": doc.arrival_number,
        "year": doc.year,
        "arrival_date": doc.arrival_date.isoformat(),
        "state": doc.state,
        "doc_type": doc.doc_type,
        "doc_type_name": type_name(doc.doc_type),
        "number_notation": doc.number_notation,
        "issued_date": doc.issued_date.isoformat(),
        "issuing_org": doc.issuing_org,
        "subject": doc.subject,
        "urgency": doc.urgency,
        "urgency_label": URGENCY_LABELS[Urgency(doc.urgency)],
        "confidentiality": doc.confidentiality,
        "confidentiality_label": CONFIDENTIALITY_LABELS[Confidentiality(doc.confidentiality)],
        "deadline": doc.deadline.isoformat() if doc.deadline else None,
        "signature_verdict": doc.signature_verdict,
    }
    if overdue is not None:
        data["overdue"], data["near_due"] = overdue, bool(near_due)
    return data


def detail(session: Session, doc: IncomingDocument) -> dict[str, Any]:
    data = summary(doc)
    data.update(
        {
            "signer_name": doc.signer_name,
            "signer_position": doc.signer_position,
            "page_count": doc.page_count,
            "reply_due": doc.reply_due.isoformat() if doc.reply_due else None,
            "received_via": doc.received_via,
            "registered_by": doc.registered_by.username,
            "submitted_to": doc.submitted_to.username if doc.submitted_to else None,
            "directed_by": doc.directed_by.username if doc.directed_by else None,
            "direction_text": doc.direction_text,
            "result_text": doc.result_text,
            "reply_reference": doc.reply_reference,
            "state_reason": doc.state_reason,
            "duplicate_of": doc.duplicate_of_id,
            "units": [
                {
                    "department_id": u.department_id,
                    "department": u.department.name,
                    "role": u.role,
                    "deadline": u.deadline.isoformat() if u.deadline else None,
                    "completed_at": u.completed_at.isoformat() if u.completed_at else None,
                    "assignments": [
                        {
                            "user": a.user.username,
                            "deadline": a.deadline.isoformat() if a.deadline else None,
                            "completed_at": a.completed_at.isoformat() if a.completed_at else None,
                            "result": a.result_text,
                        }
                        for a in u.assignments
                    ],
                }
                for u in doc.units
            ],
            "files": [
                {
                    "id": f.id,
                    "role": f.role,
                    "filename": f.filename,
                    "size": f.size,
                    "sha256": f.sha256,
                    "content_type": f.content_type,
                    "signature_verdict": f.signature_verdict,
                    "signature_summary": f.signature_summary,
                    "url": f"/api/v1/files/{f.id}",
                }
                for f in files_of(session, "incoming", doc.id)
            ],
            "timeline": [e.as_dict() for e in doc.events],
        }
    )
    return data
