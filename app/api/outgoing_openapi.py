"""The OpenAPI description of the outgoing-document endpoints (merged into SPEC's paths)."""

from __future__ import annotations

from typing import Any

from .openapi import _PATH_ID, _op

_DRAFT_FIELDS = {
    "doc_type": {"type": "string", "description": "Appendix III code, e.g. CV, QD, TB"},
    "subject": {"type": "string"},
    "urgency": {"type": "integer", "minimum": 0, "maximum": 4},
    "confidentiality": {"type": "integer", "minimum": 0, "maximum": 3},
    "signer_id": {"type": "integer", "description": "a leader of the organisation"},
    "legal_normative": {"type": "boolean"},
    "answers_incoming_id": {"type": "integer"},
    "replaces_id": {"type": "integer"},
    "recipients": {
        "type": "string",
        "description": 'JSON list: {"kind": "department"|"organisation", "id": n} or '
        '{"kind": "external", "name", "code", "email"}',
    },
}
_DRAFT = {
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "required": ["file", "doc_type", "subject", "signer_id"],
            "properties": {
                "file": {"type": "string", "format": "binary", "description": "the draft PDF"},
                "source": {"type": "string", "format": "binary", "description": "DOCX"},
                "attachments": {"type": "array", "items": {"type": "string", "format": "binary"}},
                **_DRAFT_FIELDS,
            },
        }
    }
}
_JSON = {"application/json": {"schema": {"type": "object"}}}
_MULTIPART = {"multipart/form-data": {"schema": {"type": "object"}}}
_ACTIONS = [
    "edit",
    "version",
    "attachments",
    "comment",
    "submit",
    "approve",
    "return",
    "sign",
    "issue",
    "recall",
]

OUTGOING_PATHS: dict[str, Any] = {
    "/outgoing": {
        "post": _op(
            "Start an outgoing draft (officer or head of department)",
            "Created: the draft with its files and recipients",
            400,
            403,
            413,
            503,
            status=201,
            body=_DRAFT,
        ),
        "get": _op(
            "List outgoing documents the user may open",
            "Page of documents",
            400,
            params=("box", "state", "doc_type", "year", "answers", "q", "page"),
        ),
    },
    "/outgoing/{id}": {
        "parameters": [_PATH_ID],
        "get": _op(
            "One outgoing document: versions, attachments, recipients with their status codes "
            "(01 arrived … 06 completed, 13/15/16 recall), timeline",
            "Document",
            403,
            404,
        ),
    },
    "/outgoing/{id}/{action}": {
        "parameters": [
            _PATH_ID,
            {
                "name": "action",
                "in": "path",
                "required": True,
                "schema": {"type": "string", "enum": _ACTIONS},
            },
        ],
        "post": _op(
            "A step: edit {draft fields}, version (multipart file, source, comment), "
            "attachments (multipart), comment {text}, submit/approve {comment}, "
            "return {comment}, sign {passphrase}, issue {passphrase}, recall {reason}",
            "Document after the step (issue and recall add emailed and postal: who got an email, "
            "who must be told on paper)",
            400,
            403,
            404,
            409,
            503,
            body={**_JSON, **_MULTIPART},
        ),
    },
    "/outgoing/sign": {
        "post": _op(
            "The leader signs several documents in one action: {ids, passphrase}",
            "Per-document results",
            400,
            403,
            body=_JSON,
        ),
    },
    "/outgoing/files/{id}": {
        "parameters": [_PATH_ID],
        "get": _op("Download a file of an outgoing document", "The file", 403, 404, 503),
    },
    "/outgoing/register": {
        "get": _op(
            "Sổ đăng ký văn bản đi for a period (JSON rows, or the XLSX/PDF file)",
            "Register",
            400,
            403,
            params=("from", "to", "format"),
        ),
    },
    "/outgoing/received": {
        "get": _op(
            "Documents other organisations on this installation sent to the clerk's "
            "organisation, waiting to be registered, and their recall requests",
            "Pending documents and recall requests",
        ),
    },
    "/outgoing/received/{id}/register": {
        "parameters": [_PATH_ID],
        "post": _op(
            "Register a received document as incoming (pre-filled, signatures checked)",
            "The new incoming document",
            404,
            409,
            503,
            status=201,
        ),
    },
    "/outgoing/received/{id}/reject": {
        "parameters": [_PATH_ID],
        "post": _op(
            "Refuse a received document {reason} (status 02)",
            "Refused",
            400,
            404,
            409,
            body=_JSON,
        ),
    },
    "/outgoing/received/{id}/recall": {
        "parameters": [_PATH_ID],
        "post": _op(
            "Answer a recall {accept, reason}: 15 withdraws the incoming document, 16 refuses",
            "Answered",
            400,
            404,
            409,
            body=_JSON,
        ),
    },
    "/me/signing-key": {
        "post": _op(
            "Store the user's PKCS#12 (checked with its passphrase, never stored) or PKCS#11 "
            "token settings (token_module, token_label, key_label; the PIN is given at each "
            "signature as 'passphrase') and handwritten-signature PNG",
            "What is stored",
            400,
            body=_MULTIPART,
        ),
    },
    "/organisation/signing-key": {
        "post": _op(
            "Administrators: store the organisation's PKCS#12 or PKCS#11 token settings "
            "and seal PNG",
            "What is stored",
            400,
            403,
            body=_MULTIPART,
        ),
    },
}
