"""Exceptions raised by the object stores; each keeps a message fit to show an operator."""

from __future__ import annotations

__all__ = [
    "IntegrityError",
    "ObjectNotFound",
    "StorageError",
    "StoreConfigError",
    "StoreUnavailable",
]


class StorageError(Exception):
    """Base class of every error raised by the storage package."""


class ObjectNotFound(StorageError, KeyError):
    """No object is stored under the key (or the key cannot name an object)."""

    def __str__(self) -> str:
        # KeyError would quote the message; keep it readable.
        return str(self.args[0]) if self.args else ""


class IntegrityError(StorageError):
    """The stored bytes do not match the SHA-256 their key names: the object is damaged."""


class StoreUnavailable(StorageError):
    """The store cannot be reached right now (endpoint down, connection refused, timeout)."""


class StoreConfigError(StorageError):
    """The store is misconfigured: wrong credentials, missing bucket, bad settings."""
