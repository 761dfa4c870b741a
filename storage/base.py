"""The object store interface and the record it returns for a stored object."""

from __future__ import annotations

import abc
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, BinaryIO

__all__ = ["DEFAULT_CONTENT_TYPE", "ObjectStore", "StoredObject"]

DEFAULT_CONTENT_TYPE = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class StoredObject:
    """An object held by a store; the key is derived from the content's SHA-256."""

    key: str
    """Store key, ``sha256/ab/cd/<sha256>``."""
    sha256: str
    """SHA-256 of the content, lowercase hex."""
    size: int
    """Content length in bytes."""
    content_type: str = DEFAULT_CONTENT_TYPE
    """MIME type given at upload (the local store does not keep it and reports the default)."""


class ObjectStore(abc.ABC):
    """A content-addressed store of immutable binary objects.

    Identical content is stored once under the same key. Every read verifies the content
    against the SHA-256 in its key and raises :class:`~storage.IntegrityError` on mismatch.
    """

    @abc.abstractmethod
    def put(
        self,
        stream: Any,
        size: int | None = None,
        content_type: str = DEFAULT_CONTENT_TYPE,
    ) -> StoredObject:
        """Store everything readable from ``stream`` (a binary file-like object).

        ``size``, when given, must be the exact length; the stream is never read whole
        into memory. Nothing becomes visible under the key unless the put succeeds.
        """

    @abc.abstractmethod
    def open(self, key: str) -> BinaryIO:
        """Open an object for reading; use as a context manager.

        Raises ObjectNotFound now, and IntegrityError at the end of a damaged object.
        """

    @abc.abstractmethod
    def stat(self, key: str) -> StoredObject:
        """Describe a stored object without reading it; ObjectNotFound if absent."""

    @abc.abstractmethod
    def exists(self, key: str) -> bool:
        """Tell whether an object is stored under the key."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove an object; a missing object is not an error.

        Only for objects no database row refers to (rollback, garbage collection).
        """

    @abc.abstractmethod
    def url(self, key: str, expires: timedelta = timedelta(hours=1)) -> str | None:
        """A time-limited download URL, or None when the backend cannot give one."""

    @abc.abstractmethod
    def iter_keys(self) -> Iterator[str]:
        """Yield the key of every stored object (temporary uploads excluded)."""

    @abc.abstractmethod
    def ping(self) -> None:
        """Check the store is usable; raise StoreUnavailable or StoreConfigError if not."""

    @abc.abstractmethod
    def last_modified(self, key: str) -> datetime | None:
        """When the object was last written (timezone-aware), or None if unknown."""

    @abc.abstractmethod
    def purge_temporary(self, older_than: timedelta) -> list[str]:
        """Remove leftovers of interrupted uploads older than ``older_than``; return their names."""
