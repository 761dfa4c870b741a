"""The HTML interface: one blueprint, templates and static files shipped in the package."""

from __future__ import annotations

from flask import Blueprint, Flask

from app.services.permissions import can

bp = Blueprint(
    "web", __name__, template_folder="templates", static_folder="static", static_url_path="/static"
)


def init_app(app: Flask) -> None:
    from . import (  # noqa: F401 - they register routes on bp
        admin_views,
        auth_views,
        ca_views,
        dashboard,
        incoming_dashboard,
        incoming_views,
        notification_views,
        outgoing_views,
        register_views,
        report_views,
        search_views,
    )

    app.register_blueprint(bp)
    app.jinja_env.globals["can"] = can
