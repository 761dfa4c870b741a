"""VanThu: the Flask application factory."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from . import config as config_module


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration → extensions → adapters → blueprints → errors."""
    settings = config_module.load(config)
    config_module.check_secret(settings)
    # Static files are served by the web blueprint (app/web/static), not an app-level folder.
    app = Flask(__name__, instance_path=settings["HOME"], static_folder=None)
    app.config.update(settings)
    if not settings["SECRET_KEY"]:
        # Development and tests only (check_secret refused this elsewhere): per-process key.
        import secrets

        app.config["SECRET_KEY"] = secrets.token_hex(32)
    app.config.update(
        TESTING=settings["ENV"] == "testing",
        MAX_CONTENT_LENGTH=int(settings["MAX_UPLOAD_MB"]) * 1024 * 1024,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=int(settings["SESSION_LIFETIME_HOURS"])),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE=settings["DEFAULT_LOCALE"],
        BABEL_DEFAULT_TIMEZONE=settings["TIMEZONE"],
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
    )
    Path(settings["HOME"]).mkdir(parents=True, exist_ok=True)

    from . import adapters, db, errors, i18n, jobs, security
    from .api import bp as api_bp
    from .web import init_app as init_web

    db.init_app(app)
    adapters.init_app(app)
    jobs.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    init_web(app)
    app.register_blueprint(api_bp)
    errors.init_app(app)
    return app
