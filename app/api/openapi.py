"""The OpenAPI description of /api/v1."""

from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/schemas/Error"}


def _err(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR}}}


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
