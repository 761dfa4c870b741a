"""Errors become responses in one place: JSON under /api, friendly HTML pages elsewhere."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .domain.errors import DomainError, Throttled

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_attempts",
    503: "unavailable",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def api_error(status: int, code: str, message: str) -> tuple[Response, int]:
    return jsonify({"error": {"code": code, "message": message}}), status


def _titles() -> dict[int, str]:
    return {
        400: _("The request could not be understood"),
        401: _("Please log in"),
        403: _("You do not have access to this page"),
        404: _("Page not found"),
        405: _("This action is not allowed here"),
        409: _("This cannot be done in the current state"),
        413: _("The file is too large"),
        429: _("Too many attempts"),
        500: _("Something went wrong"),
        503: _("A service is temporarily unavailable"),
    }


def _page(status: int, message: str | None = None) -> tuple[str, int]:
    title = _titles().get(status, _("Something went wrong"))
    return render_template("error.html", status=status, title=title, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):  # type: ignore[no-untyped-def]
        if wants_json():
            resp, status = api_error(exc.status, exc.code, exc.message)
        else:
            body, status = _page(exc.status, _(exc.template, **exc.params))
            resp = app.make_response(body)
        if isinstance(exc, Throttled):
            resp.headers["Retry-After"] = str(exc.retry_after)
        return resp, status

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):  # type: ignore[no-untyped-def]
        if wants_json():
            return api_error(400, "csrf", exc.description)
        return _page(400, _("The form expired or was sent from elsewhere; please try again."))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):  # type: ignore[no-untyped-def]
        status = exc.code or 500
        if wants_json():
            return api_error(status, _HTTP_CODES.get(status, "error"), exc.description or "")
        return _page(status)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if wants_json():
            return api_error(500, "internal", "An internal error occurred; it has been logged.")
        return _page(500)
