"""Plain-data views of outgoing documents for the API."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.domain.doctypes import CONFIDENTIALITY_LABELS, URGENCY_LABELS, Confidentiality, Urgency
from app.domain.files import StoredFile
from app.domain.outgoing import OutgoingDocument, OutgoingRecipient

from .incoming import type_name
from .outgoing import current_attachments, files_of, recipient_status


def summary(doc: OutgoingDocument) -> dict[str, Any]:
    return {
        "id": doc.id,
        "state": doc.state,
        "doc_type": doc.doc_type,
        "doc_type_name": type_name(doc.doc_type),
        "legal_normative": doc.legal_normative,
        "subject": doc.subject,
        "urgency": doc.urgency,
        "urgency_label": URGENCY_LABELS[Urgency(doc.urgency)],
        "confidentiality": doc.confidentiality,
        "confidentiality_label": CONFIDENTIALITY_LABELS[Confidentiality(doc.confidentiality)],
        "department": doc.department.abbreviation,
        "drafted_by": doc.drafted_by.username,
        "signer": doc.signer.username,
        "series": doc.series,
        "year": doc.year,
        "number": doc.number,
        "number_notation": doc.number_notation,
        "issued_date": doc.issued_date.isoformat() if doc.issued_date else None,
        "answers_incoming_id": doc.answers_incoming_id,
        "replaces_id": doc.replaces_id,
    }


def file_view(f: StoredFile) -> dict[str, Any]:
    return {
        "id": f.id,
        "role": f.role,
        "version": f.version,
        "filename": f.filename,
        "size": f.size,
        "sha256": f.sha256,
        "content_type": f.content_type,
        "uploaded_at": f.uploaded_at.isoformat(),
        "url": f"/api/v1/outgoing/files/{f.id}",
    }


def recipient_view(r: OutgoingRecipient) -> dict[str, Any]:
    return {
        "id": r.id,
        "kind": r.kind,
        "department_id": r.department_id,
        "organisation_id": r.organisation_id,
        "name": r.name,
        "code": r.code,
        "email": r.email,
        "delivery": r.delivery,
        "status": recipient_status(r),
        "status_at": r.status_at.isoformat() if r.status_at else None,
        "status_note": r.status_note,
        "incoming_id": r.incoming_id,
    }


def detail(session: Session, doc: OutgoingDocument) -> dict[str, Any]:
    data = summary(doc)
    all_files = files_of(session, doc.id)
    mains = [f for f in all_files if f.role == "main"]
    data.update(
        {
            "state_reason": doc.state_reason,
            "signed_at": doc.signed_at.isoformat() if doc.signed_at else None,
            "issued_at": doc.issued_at.isoformat() if doc.issued_at else None,
            "issued_by": doc.issued_by.username if doc.issued_by else None,
            "main": file_view(max(mains, key=lambda f: f.version)) if mains else None,
            "versions": [file_view(f) for f in mains],
            "sources": [file_view(f) for f in all_files if f.role == "source"],
            "attachments": [file_view(f) for f in current_attachments(session, doc)],
            "recipients": [recipient_view(r) for r in doc.recipients],
            "timeline": [e.as_dict() for e in doc.events],
        }
    )
    return data
