"""Configuration: typed defaults, then VANTHU_HOME/config.py, then VANTHU_* variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

ENV_PREFIX = "VANTHU_"


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says what to change."""


@dataclass
class Defaults:
    """Every setting VanThu reads, with its embedded default (see README for the table)."""

    HOME: str = "instance"
    ENV: str = "production"
    SECRET_KEY: str = ""
    DATABASE_URL: str = ""
    SESSION_LIFETIME_HOURS: int = 12
    TOKEN_LIFETIME_HOURS: int = 24
    LOGIN_MAX_FAILURES_PER_ACCOUNT: int = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS: int = 20
    LOGIN_FAILURE_WINDOW_SECONDS: int = 900
    DEFAULT_LOCALE: str = "vi"
    TIMEZONE: str = "Asia/Ho_Chi_Minh"
    MAX_UPLOAD_MB: int = 50
    STORAGE_BACKEND: str = "local"
    MINIO_ENDPOINT: str = ""
    MINIO_ACCESS_KEY: str = ""
    MINIO_SECRET_KEY: str = ""
    MINIO_BUCKET: str = "vanthu"
    MINIO_REGION: str = ""
    MINIO_SECURE: bool = False
    SMTP_HOST: str = ""
    SMTP_SENDER: str = "vanthu@localhost"
    JOBS_IMMEDIATE: bool = False
    JOBS_RETRY_DELAY_SECONDS: int = 30
    REDIS_URL: str = ""
    SIGNATURE_LEVEL: str = "B-B"
    TSA_URL: str = ""
    CRL_BASE_URL: str = ""
    PKCS11_MODULES: str = ""


_DEV_ENVS = {"development", "testing"}


def _coerce(value: str, like: Any) -> Any:
    if isinstance(like, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(like, int):
        try:
            return int(value)
        except ValueError as exc:
            raise ConfigError(f"expected a whole number, got {value!r}") from exc
    return value


def load(
    overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None
) -> dict[str, Any]:
    """Return the effective settings as a plain dict keyed by names without the prefix."""
    environ = dict(os.environ if environ is None else environ)
    overrides = dict(overrides or {})
    settings: dict[str, Any] = {f.name: f.default for f in fields(Defaults)}
    home = overrides.get("HOME") or environ.get(ENV_PREFIX + "HOME") or settings["HOME"]
    home_path = Path(home).resolve()
    instance_file = home_path / "config.py"
    if instance_file.is_file():
        namespace: dict[str, Any] = {}
        code = compile(instance_file.read_text(encoding="utf-8"), str(instance_file), "exec")
        exec(code, namespace)  # noqa: S102 - the operator's own configuration file
        for name in settings:
            if name in namespace:
                settings[name] = namespace[name]
    for name, default in list(settings.items()):
        raw = environ.get(ENV_PREFIX + name)
        if raw:  # an empty variable counts as unset
            try:
                settings[name] = _coerce(raw, default)
            except ConfigError as exc:
                raise ConfigError(f"{ENV_PREFIX}{name}: {exc}") from exc
    settings.update(overrides)
    settings["HOME"] = str(home_path)
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = f"sqlite:///{home_path / 'vanthu.db'}"
    return settings


def is_development(settings: dict[str, Any]) -> bool:
    return str(settings.get("ENV", "")).lower() in _DEV_ENVS


def check_secret(settings: dict[str, Any]) -> None:
    """Refuse a missing or weak secret key outside development and testing."""
    if is_development(settings):
        return
    secret = str(settings.get("SECRET_KEY") or "")
    if len(secret) < 32:
        raise ConfigError(
            "VANTHU_SECRET_KEY must be set to a random value of at least 32 characters "
            "outside development mode (it signs sessions and CSRF tokens). Generate one with "
            '`python -c "import secrets; print(secrets.token_hex(32))"` and put it in '
            "VANTHU_HOME/config.py as SECRET_KEY = '...' or in the environment; "
            "or set VANTHU_ENV=development on a developer machine."
        )
