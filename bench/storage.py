"""Put/get throughput of the object stores against a plain file copy of the same data.

Run: ``python bench/storage.py``. The MinIO store talks HTTP to a moto S3 server this script
starts in-process (moto keeps objects in memory and shares the GIL with the client, so its
figures show the store's overhead over HTTP, not a real MinIO cluster's speed).
The baseline is a plain ``shutil.copyfileobj`` to a file and back; ratios are against it.
The ``file+fsync`` row adds the fsync the local store does for durability, for context.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moto.server import ThreadedMotoServer  # noqa: E402

from storage import LocalStore, MinioStore, ObjectStore  # noqa: E402

MB = 1024 * 1024
CASES = [(1 * MB, 20), (100 * MB, 3)]  # (object size, repetitions)


class Sink:
    """Discards what is written to it, like sending a download to a fast client."""

    def write(self, data: bytes) -> int:
        return len(data)


def variant(data: bytes, i: int) -> bytes:
    """The same bytes with a distinct prefix, so each put is new content (no dedup)."""
    return i.to_bytes(8, "big") + data[8:]


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_file(data: bytes, reps: int, folder: Path, fsync: bool = False) -> tuple[float, float]:
    put = get = 0.0
    for i in range(reps):
        payload = variant(data, i)
        path = folder / f"copy-{i}"

        def write(payload: bytes = payload, path: Path = path) -> None:
            with open(path, "wb") as out:
                shutil.copyfileobj(io.BytesIO(payload), out, MB)
                if fsync:
                    out.flush()
                    os.fsync(out.fileno())

        def read(path: Path = path) -> None:
            with open(path, "rb") as src:
                shutil.copyfileobj(src, Sink(), MB)

        put += timed(write)
        get += timed(read)
        path.unlink()
    return put, get


def bench_store(store: ObjectStore, data: bytes, reps: int) -> tuple[float, float]:
    put = get = 0.0
    for i in range(reps):
        payload = variant(data, i)
        keys: list[str] = []

        def write(payload: bytes = payload, keys: list[str] = keys) -> None:
            keys.append(store.put(io.BytesIO(payload), size=len(payload)).key)

        put += timed(write)

        def read(key: str = keys[0]) -> None:
            with store.open(key) as src:
                shutil.copyfileobj(src, Sink(), MB)

        get += timed(read)
        store.delete(keys[0])
    return put, get


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def row(
    name: str, label: str, total_mb: float, secs: tuple[float, float], base: tuple[float, float]
) -> None:
    """Print throughput for (put, get) seconds and its ratio to the plain file copy."""
    put, get = total_mb / secs[0], total_mb / secs[1]
    ratio_put, ratio_get = base[0] / secs[0], base[1] / secs[1]
    print(f"{name:<14}{label:>7}{put:>10.1f}{get:>10.1f}{ratio_put:>10.2f}{ratio_get:>10.2f}")


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        with tempfile.TemporaryDirectory(prefix="vanthu-bench-") as tmp:
            folder = Path(tmp)
            stores: list[tuple[str, ObjectStore]] = [
                ("local", LocalStore(folder / "store")),
                (
                    "minio (moto)",
                    MinioStore(
                        f"{host}:{port}",
                        "bench",
                        "bench",
                        f"bench-{uuid.uuid4().hex[:8]}",
                        region="us-east-1",
                    ),
                ),
            ]
            print(
                f"{'store':<14}{'size':>7}{'put MB/s':>10}{'get MB/s':>10}"
                f"{'put/file':>10}{'get/file':>10}"
            )
            for size, reps in CASES:
                data = os.urandom(size)
                label = f"{size // MB}MB"
                total = size * reps / MB
                base = bench_file(data, reps, folder)
                row("file copy", label, total, base, base)
                row("file+fsync", label, total, bench_file(data, reps, folder, True), base)
                for name, store in stores:
                    row(name, label, total, bench_store(store, data, reps), base)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
