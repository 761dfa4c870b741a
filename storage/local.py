"""Object store in a local folder: temp file, fsync, atomic rename."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from .base import DEFAULT_CONTENT_TYPE, ObjectStore, StoredObject
from .errors import ObjectNotFound, StoreConfigError
from .keys import key_for, sha256_of_key
from .streams import CHUNK_SIZE, HashingReader, open_verified

__all__ = ["LocalStore"]

_TEMP_DIR = ".tmp"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalStore(ObjectStore):
    """Objects as files under ``root/sha256/ab/cd/<sha256>``.

    Uploads go to ``root/.tmp`` (same filesystem) and are renamed into place after an
    fsync, so a crash never leaves a partial file under a key, and concurrent writers of
    the same content (threads or processes) each rename a complete, identical file.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalStore({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        sha256_of_key(key)  # validates: no path can escape the root
        return self.root / key

    def _temp_dir(self) -> Path:
        temp = self.root / _TEMP_DIR
        try:
            temp.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreConfigError(f"cannot use {self.root} as the file store: {exc}") from exc
        return temp

    def put(
        self,
        stream: Any,
        size: int | None = None,
        content_type: str = DEFAULT_CONTENT_TYPE,
    ) -> StoredObject:
        reader = HashingReader(stream, size)
        try:
            fd, temp_name = tempfile.mkstemp(prefix="put-", dir=self._temp_dir())
        except OSError as exc:
            raise StoreConfigError(f"cannot write to the file store {self.root}: {exc}") from exc
        temp = Path(temp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := reader.read(CHUNK_SIZE):
                    out.write(chunk)
                digest = reader.finish()
                out.flush()
                os.fsync(out.fileno())
            key = key_for(digest)
            final = self.root / key
            new_dirs = [
                d
                for d in (final.parent.parent.parent, final.parent.parent, final.parent)
                if not d.is_dir()
            ]
            final.parent.mkdir(parents=True, exist_ok=True)
            # Always rename, even over an identical object: it is as cheap as checking,
            # repairs a damaged copy and refreshes the age gc's grace period looks at.
            os.replace(temp, final)
            # Make the rename durable, and the entries of any directories just created.
            for directory in [final.parent, *(d.parent for d in reversed(new_dirs))]:
                _fsync_dir(directory)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return StoredObject(key, digest, reader.size, content_type)

    def open(self, key: str) -> BinaryIO:
        expected = sha256_of_key(key)
        try:
            raw = open(self._path(key), "rb", buffering=0)
        except FileNotFoundError:
            raise ObjectNotFound(f"object {key} is not in the file store {self.root}") from None
        return open_verified(raw, key, expected)

    def stat(self, key: str) -> StoredObject:
        try:
            st = self._path(key).stat()
        except FileNotFoundError:
            raise ObjectNotFound(f"object {key} is not in the file store {self.root}") from None
        return StoredObject(key, sha256_of_key(key), st.st_size, DEFAULT_CONTENT_TYPE)

    def exists(self, key: str) -> bool:
        try:
            return self._path(key).is_file()
        except ObjectNotFound:
            return False

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def url(self, key: str, expires: timedelta = timedelta(hours=1)) -> str | None:
        return None

    def iter_keys(self) -> Iterator[str]:
        base = self.root / "sha256"
        for dirpath, _dirnames, filenames in os.walk(base):
            for name in filenames:
                key = Path(dirpath, name).relative_to(self.root).as_posix()
                try:
                    sha256_of_key(key)
                except ObjectNotFound:
                    continue
                yield key

    def ping(self) -> None:
        temp = self._temp_dir()
        if not os.access(temp, os.W_OK):
            raise StoreConfigError(f"the file store {self.root} is not writable")

    def last_modified(self, key: str) -> datetime | None:
        try:
            return datetime.fromtimestamp(self._path(key).stat().st_mtime, UTC)
        except FileNotFoundError:
            return None

    def purge_temporary(self, older_than: timedelta) -> list[str]:
        temp = self.root / _TEMP_DIR
        if not temp.is_dir():
            return []
        cutoff = time.time() - older_than.total_seconds()
        removed = []
        for entry in temp.iterdir():
            try:
                if entry.is_file() and entry.stat().st_mtime <= cutoff:
                    entry.unlink()
                    removed.append(f"{_TEMP_DIR}/{entry.name}")
            except FileNotFoundError:
                continue  # finished or purged concurrently
        return removed
