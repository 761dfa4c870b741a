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
    try:
        app.extensions["vanthu.store"] = storage.create_store(store_config(app.config))
    except storage.StoreConfigError as exc:
        from .config import ConfigError

        raise ConfigError(f"object store: {exc}") from exc


def get_store() -> ObjectStore:
    return current_app.extensions["vanthu.store"]  # type: ignore[no-any-return]


def trust_roots_dir(app: Flask | None = None) -> Path:
    app = app or current_app
    return Path(app.config["HOME"]) / "trust"


def get_trust_roots() -> list[object]:
    """Certificates trusted as roots: every PEM/DER file in VANTHU_HOME/trust and the org CAs."""
    from signing import load_trust_roots

    folder = trust_roots_dir()
    paths = sorted(
        p for p in folder.glob("*") if p.suffix.lower() in {".pem", ".crt", ".cer", ".der"}
    )
    ca_roots = sorted((Path(current_app.config["HOME"]) / "ca").glob("*/ca-cert.pem"))
    return list(load_trust_roots([*paths, *ca_roots])) if paths or ca_roots else []
