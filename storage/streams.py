"""Stream wrappers that hash what passes through: one for writing, one verifying reads."""

from __future__ import annotations

import hashlib
import io
from typing import Any, BinaryIO, Protocol

from .errors import IntegrityError, StorageError

__all__ = ["CHUNK_SIZE", "HashingReader", "RawSource", "open_verified"]

CHUNK_SIZE = 1024 * 1024


class RawSource(Protocol):
    """What a backend hands to :func:`open_verified`: something to read and to close."""

    def read(self, size: int, /) -> bytes: ...

    def close(self) -> None: ...


class HashingReader:
    """Reads an input stream for a put, hashing it and enforcing a declared size.

    ``read(n)`` returns exactly ``n`` bytes unless the stream ends, so consumers that
    concatenate short reads (the MinIO SDK does) never see tiny pieces.
    """

    def __init__(self, stream: Any, size: int | None = None) -> None:
        if size is not None and size < 0:
            raise ValueError("size must be >= 0 or None")
        self._stream = stream
        self._expected = size
        self._hash = hashlib.sha256()
        self.size = 0
        """Bytes read so far."""

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            n = 1 << 62
        if self._expected is not None:
            n = min(n, self._expected - self.size)
        parts: list[bytes] = []
        want = n
        while want:
            data = self._stream.read(min(want, CHUNK_SIZE))
            if not data:
                break
            parts.append(bytes(data))
            want -= len(data)
        out = parts[0] if len(parts) == 1 else b"".join(parts)
        self._hash.update(out)
        self.size += len(out)
        if n and not out and self._expected is not None and self.size < self._expected:
            raise StorageError(
                f"stream ended after {self.size} bytes, but its size was given as {self._expected}"
            )
        return out

    def finish(self) -> str:
        """Check the stream is exhausted and matches the declared size; return the hex digest."""
        if self._expected is not None:
            if self.size != self._expected:
                raise StorageError(
                    f"stream gave {self.size} bytes, but its size was given as {self._expected}"
                )
            if self._stream.read(1):
                raise StorageError(
                    f"stream is longer than its declared size of {self._expected} bytes"
                )
        return self._hash.hexdigest()


class _VerifyingRaw(io.RawIOBase):
    """Raw stream that hashes everything it returns and checks the digest at end of file.

    It keeps one chunk of look-ahead, so the digest is checked *before* the final chunk
    is handed out: a damaged object never delivers its last bytes.
    """

    def __init__(self, source: RawSource, key: str, expected_sha256: str) -> None:
        self._source = source
        self._key = key
        self._expected = expected_sha256
        self._hash = hashlib.sha256()
        self._pending: bytes | None = None
        self._failure: IntegrityError | None = None

    def readable(self) -> bool:
        return True

    def _fill(self) -> bytes:
        data = self._source.read(CHUNK_SIZE)
        if data:
            self._hash.update(data)
            return data
        actual = self._hash.hexdigest()
        if actual != self._expected:
            self._failure = IntegrityError(
                f"object {self._key} is damaged: its content hashes to SHA-256 {actual}"
            )
            raise self._failure
        return b""

    def readinto(self, buffer: Any) -> int:
        if self._failure is not None:
            raise self._failure
        if self._pending is None:
            self._pending = self._fill()
        chunk = self._pending
        if not chunk:
            return 0
        view = memoryview(buffer).cast("B")
        n = min(len(view), len(chunk))
        rest = chunk[n:]
        # Look ahead before releasing the last bytes of this chunk: at EOF this verifies.
        self._pending = rest if rest else self._fill()
        view[:n] = memoryview(chunk)[:n]
        return n

    def close(self) -> None:
        if not self.closed:
            try:
                self._source.close()
            finally:
                super().close()


def open_verified(source: RawSource, key: str, expected_sha256: str) -> BinaryIO:
    """Wrap a backend's raw stream so reading it verifies the SHA-256 named by the key."""
    return io.BufferedReader(_VerifyingRaw(source, key, expected_sha256), CHUNK_SIZE)
