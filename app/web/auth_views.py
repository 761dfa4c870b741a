"""Logging in and out, changing the password, choosing the language."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from app.db import get_session
from app.domain.errors import AuthenticationFailed, DomainError, Throttled
from app.i18n import LANGUAGES
from app.security import client_address, throttle_policy
from app.services import auth

from . import bp
from .forms import LoginForm, PasswordForm


def _safe_next(target: str | None) -> str:
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/"):
            return target
    return url_for("web.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        db = get_session()
        try:
            user = auth.authenticate(
                db,
                form.username.data or "",
                form.password.data or "",
                client_address(),
                throttle_policy(current_app),
            )
        except Throttled as exc:
            flash(
                _(
                    "Too many failed logins. Try again in %(seconds)s seconds.",
                    seconds=exc.retry_after,
                ),
                "error",
            )
            status = 429
        except AuthenticationFailed:
            flash(_("Wrong username or password, or the account is disabled."), "error")
            status = 401
        else:
            session.clear()
            login_user(user)
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", form=form), status


@bp.post("/logout")
@login_required
def logout() -> Response:
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("web.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> Response | str | tuple[str, int]:
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            auth.change_password(
                get_session(), current_user, form.current.data or "", form.new.data or ""
            )
        except DomainError as exc:
            form.current.errors = [_(exc.template, **exc.params)]
            return render_template("password.html", form=form), 400
        flash(_("Your password has been changed."), "success")
        return redirect(url_for("web.dashboard"))
    return render_template("password.html", form=form)


@bp.post("/language")
def set_language() -> Response:
    lang = request.form.get("lang", "")
    if lang in LANGUAGES:
        session["lang"] = lang
    return redirect(_safe_next(request.form.get("next")))
