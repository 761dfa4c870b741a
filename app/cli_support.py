"""What every `vanthu` command module shares: building the app and running in its context."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import click
from flask import Flask

from app import config as config_module


def make_app() -> Flask:
    """The app from the installation's configuration; a bad configuration is a clean exit."""
    from app import create_app

    try:
        return create_app()
    except config_module.ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def in_app(
    *handled: type[Exception], label: str = ""
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Run a command as fn(app, session, ...) in an app context.

    Domain errors and the `handled` exception types end the command with their message
    (prefixed with `label`) instead of a traceback.
    """
    from app.domain.errors import DomainError

    prefix = f"{label}: " if label else ""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            app = make_app()
            with app.app_context():
                from app.db import get_session

                try:
                    return fn(app, get_session(), *args, **kwargs)
                except DomainError as exc:
                    raise click.ClickException(prefix + exc.message) from exc
                except handled as exc:
                    raise click.ClickException(prefix + str(exc)) from exc

        return wrapper

    return decorate


def with_session(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command as fn(session, ...) in an app context."""

    @wraps(fn)
    def without_app(_app: Flask, session: Any, *args: Any, **kwargs: Any) -> Any:
        return fn(session, *args, **kwargs)

    return in_app()(without_app)
