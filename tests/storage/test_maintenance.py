"""gc, check and migrate over each store."""

from __future__ import annotations

import io
import os
from datetime import timedelta

from storage import LocalStore, ProblemKind, check, gc, migrate

from .helpers import make_bytes


def test_gc_deletes_only_unreferenced_objects(store):
    kept = store.put(io.BytesIO(b"referenced"))
    orphan = store.put(io.BytesIO(b"orphan"))

    deleted = gc(store, {kept.key}, grace=timedelta(0))

    assert deleted == [orphan.key]
    assert list(store.iter_keys()) == [kept.key]


def test_gc_spares_objects_younger_than_the_grace_period(store):
    young = store.put(io.BytesIO(b"row not committed yet"))

    assert gc(store, set(), grace=timedelta(hours=1)) == []
    assert store.exists(young.key)


def test_gc_removes_stale_temporary_uploads(case):
    if case.name == "local":
        temp = case.store.root / ".tmp"
        temp.mkdir(parents=True)
        (temp / "put-crashed").write_bytes(b"half an upload")
        expected = [".tmp/put-crashed"]
    else:
        case.store.ping()
        case.extra["client"].put_object(
            Bucket=case.config["minio_bucket"], Key="tmp/crashed", Body=b"half"
        )
        expected = ["tmp/crashed"]

    assert gc(case.store, set(), grace=timedelta(hours=1)) == []
    assert gc(case.store, set(), grace=timedelta(0)) == expected
    assert case.raw_names() == []


def test_check_lists_missing_damaged_and_wrong_size_objects(case):
    store = case.store
    good = store.put(io.BytesIO(b"good"))
    damaged = store.put(io.BytesIO(b"will be damaged"))
    case.corrupt(damaged.key, b"WILL be damaged")
    short = store.put(io.BytesIO(b"size recorded wrongly"))
    missing_key = "sha256/00/00/" + "0" * 64
    other = store.put(io.BytesIO(b"other"))

    problems = check(
        store,
        [
            (good.key, good.sha256, good.size),
            (damaged.key, damaged.sha256, damaged.size),
            (short.key, short.sha256, short.size + 1),
            (missing_key, "0" * 64, 1),
            (other.key, good.sha256, other.size),
        ],
    )

    assert [(p.key, p.kind) for p in problems] == [
        (damaged.key, ProblemKind.HASH_MISMATCH),
        (short.key, ProblemKind.SIZE_MISMATCH),
        (missing_key, ProblemKind.MISSING),
        (other.key, ProblemKind.HASH_MISMATCH),
    ]
    assert all(p.key in p.message for p in problems)


def test_check_of_a_consistent_store_finds_nothing(store):
    objects = [store.put(io.BytesIO(make_bytes(1000, seed))) for seed in range(3)]

    assert check(store, [(o.key, o.sha256, o.size) for o in objects]) == []


def test_migrate_copies_and_verifies_every_object(store, tmp_path):
    source = LocalStore(tmp_path / "source")
    objects = [source.put(io.BytesIO(make_bytes(20_000, seed))) for seed in range(3)]
    steps: list[int] = []

    report = migrate(source, store, [o.key for o in objects], progress=steps.append)

    assert (report.copied, report.skipped, report.failed) == (3, 0, ())
    assert report.bytes_copied == 60_000
    assert steps == [1, 1, 1]
    assert sorted(store.iter_keys()) == sorted(o.key for o in objects)
    assert check(store, [(o.key, o.sha256, o.size) for o in objects]) == []


def test_migrate_skips_intact_copies_and_reports_bad_sources(store, tmp_path):
    source = LocalStore(tmp_path / "source")
    present = source.put(io.BytesIO(b"already there"))
    store.put(io.BytesIO(b"already there"))
    damaged = source.put(io.BytesIO(b"damaged at the source"))
    (source.root / damaged.key).write_bytes(b"DAMAGED at the source")
    missing = "sha256/00/00/" + "0" * 64

    report = migrate(source, store, [present.key, damaged.key, missing])

    assert (report.copied, report.skipped) == (0, 1)
    assert [(p.key, p.kind) for p in report.failed] == [
        (damaged.key, ProblemKind.HASH_MISMATCH),
        (missing, ProblemKind.MISSING),
    ]
    assert not report.ok
    assert list(store.iter_keys()) == [present.key]


def test_a_repeated_put_protects_an_old_orphan_from_gc(tmp_path):
    # An upload of content already stored as an old orphan must not lose it to gc before
    # its row is committed. Only the local store lets a test backdate an object.
    store = LocalStore(tmp_path)
    stored = store.put(io.BytesIO(b"uploaded twice"))
    os.utime(tmp_path / stored.key, (1_000_000_000, 1_000_000_000))

    store.put(io.BytesIO(b"uploaded twice"))

    assert gc(store, set(), grace=timedelta(hours=1)) == []
    assert store.exists(stored.key)
