"""Domain errors; the web and API layers turn each into one HTTP status in one place.

Messages are English %-templates with named parameters, marked with N_ so Babel extracts
them; the web layer shows them translated.
"""

from __future__ import annotations


def N_(template: str) -> str:  # noqa: N802 - the gettext marker convention
    """Mark a message for extraction without translating it here."""
    return template


class DomainError(Exception):
    """Base of every error a use case raises on purpose; the message is shown to the user."""

    code = "domain_error"
    status = 400

    def __init__(self, template: str, **params: object):
        message = template % params if params else template
        super().__init__(message)
        self.template, self.params, self.message = template, params, message


class ValidationFailed(DomainError):
    code = "invalid"
    status = 400


class NotFound(DomainError):
    code = "not_found"
    status = 404


class PermissionDenied(DomainError):
    code = "forbidden"
    status = 403


class AuthenticationFailed(DomainError):
    code = "unauthorized"
    status = 401


class Throttled(DomainError):
    code = "too_many_attempts"
    status = 429

    def __init__(self, template: str, retry_after: int, **params: object):
        super().__init__(template, **params)
        self.retry_after = retry_after


class Conflict(DomainError):
    code = "conflict"
    status = 409


class InvalidTransition(Conflict):
    code = "invalid_transition"


class ServiceUnavailable(DomainError):
    code = "unavailable"
    status = 503


class FileDamaged(DomainError):
    """A stored file no longer matches its hash: it is shown as damaged, never served."""

    code = "file_damaged"
    status = 500
