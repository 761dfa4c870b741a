"""Build a store from configuration (a mapping such as the app's config section)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import ObjectStore
from .errors import StoreConfigError
from .local import LocalStore
from .minio_store import MinioStore

__all__ = ["create_store"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _flag(config: Mapping[str, Any], name: str, default: bool) -> bool:
    value = config.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise StoreConfigError(f"storage setting {name} must be true or false, not {value!r}")


def _required(config: Mapping[str, Any], name: str) -> str:
    value = config.get(name)
    if value is None or str(value).strip() == "":
        raise StoreConfigError(f"storage setting {name} is required for this backend")
    return str(value)


def create_store(config: Mapping[str, Any]) -> ObjectStore:
    """Create the configured store.

    Keys: ``backend`` (``local``, the default, or ``minio``); for ``local``: ``local_root``;
    for ``minio``: ``minio_endpoint`` (``host:port`` or a URL), ``minio_access_key``,
    ``minio_secret_key``, ``minio_bucket``, optional ``minio_region``, ``minio_secure``
    (default false) and ``minio_create_bucket`` (default true). Values may be strings,
    as they come from environment variables. No network I/O happens here.
    """
    backend = str(config.get("backend") or "local").strip().lower()
    if backend == "local":
        return LocalStore(_required(config, "local_root"))
    if backend == "minio":
        return MinioStore(
            endpoint=_required(config, "minio_endpoint"),
            access_key=_required(config, "minio_access_key"),
            secret_key=_required(config, "minio_secret_key"),
            bucket=_required(config, "minio_bucket"),
            region=config.get("minio_region") or None,
            secure=_flag(config, "minio_secure", False),
            create_bucket=_flag(config, "minio_create_bucket", True),
        )
    raise StoreConfigError(f"unknown storage backend {backend!r}: use 'local' or 'minio'")
