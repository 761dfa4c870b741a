"""What the database expects of the object store: the keys it refers to and their hashes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

import storage
from app.domain.files import StoredFile
from storage import ObjectStore, Problem


def referenced_keys(session: Session) -> set[str]:
    """Every storage key some file row refers to (what gc must keep, migrate must copy)."""
    return set(session.scalars(select(StoredFile.storage_key).distinct()))


def expected_objects(session: Session) -> list[tuple[str, str, int]]:
    """Each distinct ``(key, sha256, size)`` the file rows record, in key order.

    Two rows naming one key with different hashes or sizes both appear, so a check
    reports the row that disagrees with the stored object.
    """
    rows = session.execute(
        select(StoredFile.storage_key, StoredFile.sha256, StoredFile.size)
        .distinct()
        .order_by(StoredFile.storage_key, StoredFile.sha256, StoredFile.size)
    )
    return [(key, sha256, size) for key, sha256, size in rows]


def check_store(session: Session, store: ObjectStore) -> tuple[int, list[Problem]]:
    """Verify every object the database refers to; return how many were checked and the bad.

    The store is pinged first, so an unreachable or misconfigured store is reported even
    when no file refers to it yet. StoreUnavailable and StoreConfigError propagate: an
    unreadable store is not a list of damaged objects.
    """
    store.ping()
    expected = expected_objects(session)
    return len(expected), storage.check(store, expected)
