"""The OpenAPI description of /api/v1."""

from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/schemas/Error"}


def _err(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR}}}


def _op(
    summary: str,
    ok: str,
    *errors: int,
    status: int = 200,
    params: tuple[str, ...] = (),
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    messages = {
        400: "Invalid input",
        401: "No valid token",
        403: "Not allowed",
        404: "Not found",
        409: "Not allowed in the current state",
        413: "Too large",
        503: "File store unavailable",
    }
    op: dict[str, Any] = {
        "summary": summary,
        "security": [{"bearer": []}],
        "responses": {
            str(status): {"description": ok},
            **{str(code): _err(messages[code]) for code in (401, *errors)},
        },
    }
    if params:
        op["parameters"] = [
            {"name": p, "in": "query", "schema": {"type": "string"}} for p in params
        ]
    if body is not None:
        op["requestBody"] = {"required": True, "content": body}
    return op


_PATH_ID: dict[str, Any] = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer"},
}
_REGISTRATION = {
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "required": [
                "file",
                "doc_type",
                "number_notation",
                "issued_date",
                "issuing_org",
                "subject",
            ],
            "properties": {
                "file": {"type": "string", "format": "binary", "description": "main PDF"},
                "attachments": {"type": "array", "items": {"type": "string", "format": "binary"}},
                "doc_type": {"type": "string", "description": "Appendix III code: CV, QD, TB, ..."},
                "number_notation": {"type": "string"},
                "issued_date": {"type": "string"},
                "issuing_org": {"type": "string"},
                "subject": {"type": "string"},
                "signer_name": {"type": "string"},
                "signer_position": {"type": "string"},
                "urgency": {"type": "integer", "minimum": 0, "maximum": 4},
                "confidentiality": {"type": "integer", "minimum": 0, "maximum": 3},
                "page_count": {"type": "integer"},
                "reply_due": {"type": "string"},
                "received_via": {"type": "string", "enum": ["paper", "email", "post", "exchange"]},
            },
        }
    }
}
_LIST_PARAMS = (
    "box",
    "state",
    "urgency",
    "confidentiality",
    "overdue",
    "near_due",
    "department",
    "type",
    "year",
    "from",
    "to",
    "q",
    "sort",
    "page",
)

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "VanThu API", "version": "1"},
    "servers": [{"url": "/api/v1"}],
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                    }
                },
            },
            "Me": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "username": {"type": "string"},
                    "full_name": {"type": "string"},
                    "position": {"type": "string"},
                    "organisation": {"type": "object"},
                    "department": {"type": ["object", "null"]},
                    "roles": {
                        "type": "array",
                        "items": {
                            "type": "string",
                            "enum": ["admin", "clerk", "leader", "dept_head", "officer"],
                        },
                    },
                },
            },
        },
    },
    "paths": {
        "/auth/token": {
            "post": {
                "summary": "Exchange a username and password for an expiring bearer token",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["username", "password"],
                                "properties": {
                                    "username": {"type": "string"},
                                    "password": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "201": {
                        "description": "Token",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "token": {"type": "string"},
                                        "expires_at": {"type": "string"},
                                    },
                                }
                            }
                        },
                    },
                    "400": _err("Malformed request"),
                    "401": _err("Wrong credentials"),
                    "429": _err("Too many failed logins; see Retry-After"),
                },
            },
            "delete": {
                "summary": "Revoke the token used for this request",
                "security": [{"bearer": []}],
                "responses": {"204": {"description": "Revoked"}, "401": _err("No valid token")},
            },
        },
        "/incoming": {
            "post": _op(
                "Register an incoming document (arrival number assigned)",
                "Created: id, arrival_number, state, duplicates",
                400,
                403,
                413,
                503,
                status=201,
                body=_REGISTRATION,
            ),
            "get": _op(
                "List incoming documents the user may open",
                "Page of documents",
                400,
                params=_LIST_PARAMS,
            ),
        },
        "/incoming/{id}": {
            "parameters": [_PATH_ID],
            "get": _op(
                "One incoming document with routing, files and timeline", "Document", 403, 404
            ),
        },
        "/incoming/{id}/{action}": {
            "parameters": [
                _PATH_ID,
                {
                    "name": "action",
                    "in": "path",
                    "required": True,
                    "schema": {
                        "type": "string",
                        "enum": [
                            "submit",
                            "direct",
                            "assign",
                            "progress",
                            "complete",
                            "return",
                            "withdraw",
                        ],
                    },
                },
            ],
            "post": _op(
                "A workflow step: submit {leader_id}, direct {lead, lead_deadline, "
                "support, info, text}, assign {users, deadline}, progress {note}, "
                "complete {result, reply_reference}, return/withdraw {reason}",
                "Document after the step",
                400,
                403,
                404,
                409,
                body={"application/json": {"schema": {"type": "object"}}},
            ),
        },
        "/files/{id}": {
            "parameters": [_PATH_ID],
            "get": _op("Download a file, verified against its SHA-256", "The file", 403, 404, 503),
        },
        "/files/{id}/signatures": {
            "parameters": [_PATH_ID],
            "get": _op("Validation report of every signature of a PDF", "Report", 403, 404),
        },
        "/search": {
            "get": _op(
                "Full-text search among documents the user may open",
                "Hits with highlights and counts per type and year",
                400,
                params=("q", "type", "year", "state", "kind", "from", "to", "sort", "page"),
            ),
        },
        "/registers/incoming": {
            "get": _op(
                "Incoming register (Appendix IV)",
                "JSON, XLSX or PDF",
                400,
                403,
                params=("from", "to", "format"),
            ),
        },
        "/registers/follow-up": {
            "get": _op(
                "Processing follow-up register",
                "JSON, XLSX or PDF",
                400,
                403,
                params=("from", "to", "format"),
            ),
        },
        "/reports/processing": {
            "get": _op(
                "Processing statistics of incoming documents for a period",
                "Received, completed on time/late, in progress on time/overdue, per department "
                "and month, outgoing issued by type (JSON), or the report as XLSX or PDF",
                400,
                403,
                404,
                params=("from", "to", "department", "format"),
            ),
        },
        "/me": {
            "get": {
                "summary": "The user the token belongs to",
                "security": [{"bearer": []}],
                "responses": {
                    "200": {
                        "description": "User",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Me"}}
                        },
                    },
                    "401": _err("No valid token"),
                },
            }
        },
    },
}


# The outgoing endpoints are described in their own module, which uses the helpers above.
from .outgoing_openapi import OUTGOING_PATHS  # noqa: E402

SPEC["paths"].update(OUTGOING_PATHS)
