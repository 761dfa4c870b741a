"""Subprocess helper for the storage tests: concurrent puts and the memory bound."""

from __future__ import annotations

import hashlib
import json
import os
import random
import resource
import sys
import time

from storage import create_store

CHUNK = 1024 * 1024


class Generated:
    """A stream of ``size`` pseudo-random bytes produced on the fly (never held whole)."""

    def __init__(self, size: int) -> None:
        self.remaining = size

    def read(self, n: int = -1) -> bytes:
        n = self.remaining if n < 0 else min(n, self.remaining, CHUNK)
        self.remaining -= n
        return os.urandom(n)


def peak_kib() -> int:
    """Peak resident set size of this process, KiB.

    Linux's ru_maxrss survives execve, so a child of a big pytest process would report
    its parent's peak; VmHWM belongs to this process's own address space.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def reset_peak() -> None:
    """Start the peak over from the current RSS where Linux allows it."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        pass


def put(config: dict, seed: int, size: int) -> dict:
    data = random.Random(seed).randbytes(size)
    store = create_store(config)
    return {"key": store.put(_Slow(data)).key}


class _Slow:
    """Short reads so concurrent writers overlap."""

    def __init__(self, data: bytes) -> None:
        self.data = memoryview(data)
        self.pos = 0

    def read(self, n: int = -1) -> bytes:
        n = min(n if n >= 0 else len(self.data), 64 * 1024, len(self.data) - self.pos)
        out = bytes(self.data[self.pos : self.pos + n])
        self.pos += n
        return out


def memory(config: dict, size: int) -> dict:
    store = create_store(config)
    warm = store.put(Generated(64 * 1024))
    with store.open(warm.key) as stream:
        stream.read()
    reset_peak()
    baseline = peak_kib()

    stored = store.put(Generated(size))
    digest = hashlib.sha256()
    count = 0
    with store.open(stored.key) as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            count += len(chunk)
    return {
        "baseline_kib": baseline,
        "peak_kib": peak_kib(),
        "size": stored.size,
        "read": count,
        "same_hash": digest.hexdigest() == stored.sha256,
    }


class Stalling(Generated):
    """Delivers ``size`` bytes, says so on stdout, then blocks until the process is killed."""

    def read(self, n: int = -1) -> bytes:
        if self.remaining == 0:
            print("stalled", flush=True)
            time.sleep(3600)
        return super().read(n)


def main() -> None:
    mode, config = sys.argv[1], json.loads(sys.argv[2])
    if mode == "crash":
        create_store(config).put(Stalling(int(sys.argv[3])))
        return
    if mode == "put":
        result = put(config, int(sys.argv[3]), int(sys.argv[4]))
    else:
        result = memory(config, int(sys.argv[3]))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
