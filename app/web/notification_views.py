"""The user's in-app notifications, and the unread count shown in the top bar."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.db import get_session
from app.services import notifications

from . import bp


@bp.app_context_processor
def _unread() -> dict[str, int]:
    if not getattr(current_user, "is_authenticated", False):
        return {"unread_notifications": 0}
    return {"unread_notifications": notifications.unread_count(get_session(), current_user)}


@bp.get("/notifications", endpoint="notifications")
@login_required
def notifications_page() -> str:
    return render_template("notifications.html",
                           items=notifications.recent(get_session(), current_user))


@bp.post("/notifications/read")
@login_required
def notifications_read() -> Response:
    notifications.mark_all_read(get_session(), current_user)
    return redirect(url_for("web.notifications"))
