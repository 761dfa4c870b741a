"""Authentication plumbing: Flask-Login sessions, CSRF, and API bearer tokens."""

from __future__ import annotations

from flask import Flask, g, request
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from .db import get_session
from .domain.models import User
from .services import auth

login_manager = LoginManager()
csrf = CSRFProtect()


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    try:
        user = get_session().get(User, int(user_id))
    except ValueError:
        return None
    return user if user is not None and user.active else None


@login_manager.request_loader
def _load_user_from_token(req: object) -> User | None:
    token = bearer_token()
    if token is None:
        return None
    user = auth.user_for_token(get_session(), token)
    if user is not None:
        g.api_token = token
    return user


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def client_address() -> str:
    return request.remote_addr or "unknown"


def throttle_policy(app: Flask) -> auth.ThrottlePolicy:
    from datetime import timedelta

    return auth.ThrottlePolicy(
        per_account=int(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]),
        per_address=int(app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]),
        window=timedelta(seconds=int(app.config["LOGIN_FAILURE_WINDOW_SECONDS"])),
    )


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "web.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    csrf.init_app(app)
