"""The JSON API at /api/v1; bearer tokens only (no cookies, so no CSRF exposure)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request
from werkzeug.wrappers import Response

from app.db import get_session
from app.domain.errors import N_, AuthenticationFailed, ValidationFailed
from app.domain.models import User
from app.security import bearer_token, client_address, csrf, throttle_policy
from app.services import auth

from .openapi import SPEC

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def api_user() -> User:
    user: User = g.api_user
    return user


def token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = bearer_token()
        if token is None:
            raise AuthenticationFailed(N_("Send a token: Authorization: Bearer <token>."))
        user = auth.user_for_token(get_session(), token)
        if user is None:
            raise AuthenticationFailed(N_("The token is unknown, expired or revoked."))
        g.api_user, g.api_token = user, token
        return view(*args, **kwargs)

    return wrapper


def json_body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationFailed(N_("Send a JSON object with Content-Type: application/json."))
    return data


@bp.post("/auth/token")
def create_token() -> tuple[Response, int]:
    data = json_body()
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise ValidationFailed(N_("Both 'username' and 'password' are required strings."))
    db = get_session()
    user = auth.authenticate(
        db, username, password, client_address(), throttle_policy(current_app), channel="api"
    )
    lifetime = timedelta(hours=int(current_app.config["TOKEN_LIFETIME_HOURS"]))
    token, row = auth.issue_token(db, user, lifetime)
    return jsonify({"token": token, "expires_at": row.expires_at.isoformat()}), 201


@bp.delete("/auth/token")
@token_required
def revoke_token() -> tuple[str, int]:
    auth.revoke_token(get_session(), api_user(), g.api_token)
    return "", 204


@bp.get("/me")
@token_required
def me() -> Response:
    user = api_user()
    return jsonify(
        {
            "id": user.id,
            "username": user.username,
            "full_name": user.full_name,
            "position": user.position,
            "organisation": {
                "id": user.organisation.id,
                "name": user.organisation.name,
                "code": user.organisation.code,
                "abbreviation": user.organisation.abbreviation,
            },
            "department": None
            if user.department is None
            else {
                "id": user.department.id,
                "name": user.department.name,
                "abbreviation": user.department.abbreviation,
            },
            "roles": sorted(r.value for r in user.roles),
        }
    )


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(SPEC)


from . import incoming, outgoing, registers, reports, search  # noqa: E402,F401 - they register routes on bp
