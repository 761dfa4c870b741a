"""Builds the adapters (object store, trust roots) from configuration; services receive them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, current_app

import storage
from storage import ObjectStore


def store_config(config: Mapping[str, Any]) -> dict[str, object]:
    get = config.get
    return {
        "backend": get("STORAGE_BACKEND"),
        "local_root": str(Path(str(get("HOME"))) / "objects"),
        "minio_endpoint": get("MINIO_ENDPOINT"),
        "minio_access_key": get("MINIO_ACCESS_KEY"),
        "minio_secret_key": get("MINIO_SECRET_KEY"),
        "minio_bucket": get("MINIO_BUCKET"),
        "minio_region": get("MINIO_REGION"),
        "minio_secure": get("MINIO_SECURE"),
    }


def init_app(app: Flask) -> None:
    from .services.ca import signing_policy as check_signing_settings

    try:
        app.extensions["vanthu.store"] = storage.create_store(store_config(app.config))
    except storage.StoreConfigError as exc:
        from .config import ConfigError

        raise ConfigError(f"object store: {exc}") from exc
    check_signing_settings(app.config)  # a wrong level or a missing TSA stops the start


def get_store() -> ObjectStore:
    return current_app.extensions["vanthu.store"]  # type: ignore[no-any-return]


def trust_roots_dir(app: Flask | None = None) -> Path:
    app = app or current_app
    return Path(app.config["HOME"]) / "trust"


# Parsed roots per VANTHU_HOME, with the (path, mtime, size) of the files they came from.
_roots_cache: dict[str, tuple[tuple[tuple[str, int, int], ...], list[Any]]] = {}


def _root_files(home: Path) -> list[Path]:
    folder = home / "trust"
    paths = sorted(
        p for p in folder.glob("*") if p.suffix.lower() in {".pem", ".crt", ".cer", ".der"}
    )
    return [*paths, *sorted((home / "ca").glob("*/ca-cert.pem"))]


def get_trust_roots() -> list[Any]:
    """Certificates trusted as roots: every PEM/DER file in VANTHU_HOME/trust and the org CAs.

    Parsed once per process and parsed again when a file is added, removed or changed.
    A file that does not parse is skipped with a warning rather than failing every check.
    """
    from signing import CertificateAuthorityError, load_trust_roots

    home = Path(current_app.config["HOME"])
    files = _root_files(home)
    stamp = []
    for p in files:
        try:
            st = p.stat()
        except OSError:
            continue
        stamp.append((str(p), st.st_mtime_ns, st.st_size))
    key = tuple(stamp)
    cached = _roots_cache.get(str(home))
    if cached is not None and cached[0] == key:
        return list(cached[1])
    roots: list[Any] = []
    for path, _mtime, _size in key:
        try:
            roots.extend(load_trust_roots([path]))
        except (CertificateAuthorityError, OSError) as exc:
            current_app.logger.warning("trust root %s skipped: %s", path, exc)
    _roots_cache[str(home)] = (key, roots)
    return list(roots)


def get_search_index() -> Any:
    """The app's search index (one object per process; Whoosh readers are shared)."""
    import search

    index = current_app.extensions.get("vanthu.search")
    if index is None:
        index = search.SearchIndex(Path(current_app.config["HOME"]) / "search")
        current_app.extensions["vanthu.search"] = index
    return index


def signing_policy() -> Any:
    """The installation's PAdES level and TSA, validating against its trust roots."""
    from .services.ca import signing_policy as policy

    return policy(current_app.config, get_trust_roots())


def pkcs11_modules() -> tuple[str, ...]:
    """The PKCS#11 libraries leaders and the organisation may sign with (none: tokens off)."""
    from .services.signing_keys import allowed_modules

    return allowed_modules(current_app.config)


def outgoing_mailer() -> Any:
    """Sends issued documents to external recipients through the installation's SMTP relay,
    from the configured sender; None when no relay is configured."""
    from .services.outgoing import smtp_mailer

    host = str(current_app.config["SMTP_HOST"] or "")
    return smtp_mailer(host, str(current_app.config["SMTP_SENDER"])) if host else None
