"""Content-addressed object keys: ``sha256/ab/cd/<64 hex digits>``."""

from __future__ import annotations

import re

from .errors import ObjectNotFound

__all__ = ["key_for", "sha256_of_key"]

_KEY_RE = re.compile(r"sha256/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})")


def key_for(sha256_hex: str) -> str:
    """Return the key under which content with this SHA-256 (lowercase hex) is stored."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256_hex):
        raise ValueError(f"not a SHA-256 hex digest: {sha256_hex!r}")
    return f"sha256/{sha256_hex[:2]}/{sha256_hex[2:4]}/{sha256_hex}"


def sha256_of_key(key: str) -> str:
    """Return the SHA-256 a key names; raise ObjectNotFound for anything that is not a key."""
    match = _KEY_RE.fullmatch(key)
    if match is None or match[1] != match[3][:2] or match[2] != match[3][2:4]:
        raise ObjectNotFound(f"{key!r} is not a valid object key")
    return match[3]
