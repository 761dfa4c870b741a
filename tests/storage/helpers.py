"""Streams and data for the storage tests."""

from __future__ import annotations

import random
import socket


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_bytes(size: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(size)


class ChunkyStream:
    """A non-seekable stream that returns short, irregular reads, like a socket."""

    def __init__(self, data: bytes, max_read: int = 70_001) -> None:
        self._data = memoryview(data)
        self._pos = 0
        self._max = max_read

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            n = len(self._data)
        n = min(n, self._max, len(self._data) - self._pos)
        out = bytes(self._data[self._pos : self._pos + n])
        self._pos += n
        return out


class FailingStream(ChunkyStream):
    """Raises OSError once ``fail_after`` bytes have been read, like a dropped client."""

    def __init__(self, data: bytes, fail_after: int) -> None:
        super().__init__(data)
        self._fail_after = fail_after

    def read(self, n: int = -1) -> bytes:
        if self._pos >= self._fail_after:
            raise OSError("simulated client disconnect")
        return super().read(n)
