"""Behaviour every object store shares, run against each store (local, moto S3, MinIO)."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import threading
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest

from storage import IntegrityError, ObjectNotFound, StorageError, StoredObject, gc

from .helpers import ChunkyStream, FailingStream, make_bytes

WORKER = Path(__file__).with_name("worker.py")
BIG = 9 * 1024 * 1024  # above the MinIO store's part size: multipart + server-side copy


def read_all(store, key: str) -> bytes:
    with store.open(key) as stream:
        return stream.read()


@pytest.mark.parametrize("size", [0, 1, 100_000, BIG])
def test_round_trip_with_known_size(store, size):
    data = make_bytes(size, seed=size)

    stored = store.put(io.BytesIO(data), size=size, content_type="application/pdf")

    digest = hashlib.sha256(data).hexdigest()
    assert stored == StoredObject(
        f"sha256/{digest[:2]}/{digest[2:4]}/{digest}", digest, size, "application/pdf"
    )
    assert read_all(store, stored.key) == data


@pytest.mark.parametrize("size", [0, 300_000, BIG])
def test_round_trip_with_unknown_size_and_short_reads(store, size):
    data = make_bytes(size, seed=7)

    stored = store.put(ChunkyStream(data))

    assert stored.size == size
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert read_all(store, stored.key) == data


def test_stat_and_exists_describe_a_stored_object(store):
    stored = store.put(io.BytesIO(b"%PDF-1.7 ..."), content_type="application/pdf")

    info = store.stat(stored.key)

    assert (info.key, info.sha256, info.size) == (stored.key, stored.sha256, stored.size)
    assert store.exists(stored.key)
    assert list(store.iter_keys()) == [stored.key]


def test_identical_content_is_stored_once(store):
    data = make_bytes(50_000)

    first = store.put(io.BytesIO(data))
    second = store.put(ChunkyStream(data))

    assert first.key == second.key
    assert list(store.iter_keys()) == [first.key]


def test_missing_object_raises_object_not_found(store):
    key = "sha256/00/00/" + "0" * 64

    assert not store.exists(key)
    with pytest.raises(ObjectNotFound):
        store.open(key)
    with pytest.raises(ObjectNotFound):
        store.stat(key)


@pytest.mark.parametrize("key", ["../../etc/passwd", "sha256/ab/cd/xyz", "tmp/abc", ""])
def test_strings_that_are_not_keys_are_refused(store, key):
    assert not store.exists(key)
    with pytest.raises(ObjectNotFound):
        store.open(key)


def test_delete_removes_the_object_and_tolerates_absence(store):
    stored = store.put(io.BytesIO(b"rollback me"))

    store.delete(stored.key)
    store.delete(stored.key)

    assert not store.exists(stored.key)
    assert list(store.iter_keys()) == []


@pytest.mark.parametrize("size", [200_000, BIG])
def test_damaged_object_raises_integrity_error_before_its_last_chunk(case, size):
    data = make_bytes(size, seed=3)
    stored = case.store.put(io.BytesIO(data))
    damaged = bytearray(data)
    damaged[-1] ^= 0xFF
    case.corrupt(stored.key, bytes(damaged))

    received = bytearray()
    with pytest.raises(IntegrityError, match=stored.key), case.store.open(stored.key) as stream:
        while chunk := stream.read(64 * 1024):
            received += chunk

    assert len(received) < size  # the damaged tail was never handed out
    assert bytes(received) == data[: len(received)]


def test_truncated_object_raises_integrity_error(case):
    stored = case.store.put(io.BytesIO(make_bytes(100_000)))
    case.corrupt(stored.key, make_bytes(100_000)[:99_000])

    with pytest.raises(IntegrityError), case.store.open(stored.key) as stream:
        stream.read()


@pytest.mark.parametrize("fail_after", [100_000, BIG])
def test_stream_failing_halfway_leaves_nothing_behind(case, fail_after):
    data = make_bytes(BIG + 1_000_000)

    with pytest.raises(OSError, match="simulated client disconnect"):
        case.store.put(FailingStream(data, fail_after))

    assert list(case.store.iter_keys()) == []
    assert case.raw_names() == []  # no partial object, temp file or multipart upload


@pytest.mark.parametrize("written", [100_000, BIG])
def test_process_killed_mid_put_leaves_no_object_under_any_key(case, written):
    worker = subprocess.Popen(
        [sys.executable, str(WORKER), "crash", json.dumps(case.config), str(written)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "stalled"
    finally:
        worker.kill()
        worker.wait(timeout=60)

    assert list(case.store.iter_keys()) == []
    assert not [name for name in case.raw_names() if name.startswith("sha256/")]
    # The dead upload's leftovers (temp file, unfinished multipart upload) go with gc.
    gc(case.store, set(), grace=timedelta(0))
    assert case.raw_names() == []


@pytest.mark.parametrize("size", [1_000, BIG])
def test_wrong_declared_size_is_refused_and_leaves_nothing(case, size):
    data = make_bytes(size)

    with pytest.raises(StorageError, match="size"):
        case.store.put(io.BytesIO(data), size=size + 1)
    with pytest.raises(StorageError, match="longer"):
        case.store.put(io.BytesIO(data), size=size - 1)

    assert case.raw_names() == []


def test_concurrent_identical_puts_from_threads(store):
    data = make_bytes(BIG, seed=11)
    results: list[StoredObject] = []
    errors: list[BaseException] = []

    def put() -> None:
        try:
            results.append(store.put(ChunkyStream(data)))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=put) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len({r.key for r in results}) == 1
    assert list(store.iter_keys()) == [results[0].key]
    assert read_all(store, results[0].key) == data


def test_concurrent_identical_puts_from_processes(case):
    size = BIG
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), "put", json.dumps(case.config), "5", str(size)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [w.communicate(timeout=300)[0] for w in workers]

    assert [w.returncode for w in workers] == [0, 0, 0, 0]
    keys = {json.loads(out)["key"] for out in outputs}
    assert len(keys) == 1
    key = keys.pop()
    assert list(case.store.iter_keys()) == [key]
    assert read_all(case.store, key) == make_bytes(size, seed=5)


def test_url_is_presigned_for_s3_and_none_for_local(case):
    stored = case.store.put(io.BytesIO(b"download me"))

    url = case.store.url(stored.key, expires=timedelta(minutes=5))

    if case.name == "local":
        assert url is None
    else:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
            assert response.read() == b"download me"


def test_ping_succeeds_on_a_working_store(store):
    store.ping()
