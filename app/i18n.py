"""Flask-Babel: Vietnamese by default, English beside it; the user's choice is remembered."""

from __future__ import annotations

from flask import Flask, current_app, session
from flask_babel import Babel, get_locale
from flask_login import current_user

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    if getattr(current_user, "is_authenticated", False) and current_user.locale in LANGUAGES:
        return str(current_user.locale)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale)

    @app.context_processor
    def _languages() -> dict[str, object]:
        return {"LANGUAGES": LANGUAGES, "get_locale": get_locale}
