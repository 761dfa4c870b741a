"""Maintenance over a whole store: garbage collection, consistency check, migration."""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .base import ObjectStore
from .errors import IntegrityError, ObjectNotFound, StorageError, StoreConfigError, StoreUnavailable
from .keys import sha256_of_key
from .streams import CHUNK_SIZE

__all__ = ["MigrationReport", "Problem", "ProblemKind", "check", "gc", "migrate"]

DEFAULT_GRACE = timedelta(hours=1)


class ProblemKind(enum.StrEnum):
    """What is wrong with an object."""

    MISSING = "missing"
    HASH_MISMATCH = "hash_mismatch"
    SIZE_MISMATCH = "size_mismatch"
    COPY_FAILED = "copy_failed"


@dataclass(frozen=True, slots=True)
class Problem:
    """One object that is missing, damaged or not what the database expects."""

    key: str
    """Key of the object concerned."""
    kind: ProblemKind
    """Category of the problem."""
    message: str
    """Human-readable explanation, fit for a CLI listing."""


@dataclass(frozen=True, slots=True)
class MigrationReport:
    """Outcome of :func:`migrate`."""

    copied: int
    """Objects copied and verified in the destination."""
    skipped: int
    """Objects already present and intact in the destination."""
    bytes_copied: int
    """Total size of the copied objects."""
    failed: tuple[Problem, ...]
    """Objects that could not be copied, with the reason."""

    @property
    def ok(self) -> bool:
        """True when every object is now intact in the destination."""
        return not self.failed


def _drain(store: ObjectStore, key: str) -> int:
    """Read an object to the end (verifying its hash); return its size."""
    size = 0
    with store.open(key) as stream:
        while chunk := stream.read(CHUNK_SIZE):
            size += len(chunk)
    return size


def gc(
    store: ObjectStore,
    referenced: set[str],
    grace: timedelta = DEFAULT_GRACE,
    now: datetime | None = None,
) -> list[str]:
    """Delete objects not in ``referenced``; return the deleted keys.

    Objects written less than ``grace`` ago are kept, because their database row may not
    be committed yet (the app stores first and commits after). Leftovers of interrupted
    uploads older than ``grace`` are removed too and listed by their temporary names.
    """
    now = now or datetime.now(UTC)
    deleted = []
    for key in list(store.iter_keys()):
        if key in referenced:
            continue
        if grace > timedelta(0):
            modified = store.last_modified(key)
            if modified is not None and now - modified < grace:
                continue
        store.delete(key)
        deleted.append(key)
    deleted.extend(store.purge_temporary(grace))
    return deleted


def check(store: ObjectStore, expected: Iterable[tuple[str, str, int]]) -> list[Problem]:
    """Verify every ``(key, sha256, size)`` the database refers to; return the problems.

    Each object is read in full, so damage anywhere in it is found. StoreUnavailable and
    StoreConfigError propagate: a store that cannot be read is not a list of problems.
    """
    problems = []
    for key, sha256, size in expected:
        try:
            named = sha256_of_key(key)
        except ObjectNotFound:
            problems.append(Problem(key, ProblemKind.MISSING, f"{key!r} is not a valid key"))
            continue
        if named != sha256.lower():
            problems.append(
                Problem(
                    key,
                    ProblemKind.HASH_MISMATCH,
                    f"{key}: the database records SHA-256 {sha256}, the key names {named}",
                )
            )
            continue
        try:
            actual = _drain(store, key)
        except ObjectNotFound:
            problems.append(Problem(key, ProblemKind.MISSING, f"{key}: missing from the store"))
            continue
        except IntegrityError as exc:
            problems.append(Problem(key, ProblemKind.HASH_MISMATCH, str(exc)))
            continue
        if actual != size:
            problems.append(
                Problem(
                    key,
                    ProblemKind.SIZE_MISMATCH,
                    f"{key}: the database records {size} bytes, the store holds {actual}",
                )
            )
    return problems


def migrate(
    src: ObjectStore,
    dst: ObjectStore,
    keys: Iterable[str],
    progress: Callable[[int], None] | None = None,
) -> MigrationReport:
    """Copy objects from ``src`` to ``dst``, verifying each copy by reading it back.

    ``progress`` is called with 1 after each object (it fits ``click``'s
    ``ProgressBar.update``). Per-object failures are collected in the report;
    StoreUnavailable and StoreConfigError abort the migration.
    """
    copied = skipped = total = 0
    failed: list[Problem] = []
    for key in keys:
        try:
            if dst.exists(key):
                try:
                    _drain(dst, key)
                except IntegrityError:
                    dst.delete(key)  # a damaged earlier copy: replace it
                else:
                    skipped += 1
                    continue
            info = src.stat(key)
            with src.open(key) as stream:
                stored = dst.put(stream, size=info.size, content_type=info.content_type)
            if stored.key != key:
                dst.delete(stored.key)
                raise IntegrityError(f"object {key} was copied as {stored.key}")
            try:
                _drain(dst, key)
            except IntegrityError:
                with contextlib.suppress(StorageError):
                    dst.delete(key)
                raise
            copied += 1
            total += stored.size
        except (StoreUnavailable, StoreConfigError):
            raise
        except ObjectNotFound:
            failed.append(Problem(key, ProblemKind.MISSING, f"{key}: missing from the source"))
        except IntegrityError as exc:
            failed.append(Problem(key, ProblemKind.HASH_MISMATCH, str(exc)))
        except StorageError as exc:
            failed.append(Problem(key, ProblemKind.COPY_FAILED, f"{key}: {exc}"))
        finally:
            if progress is not None:
                progress(1)
    return MigrationReport(copied, skipped, total, tuple(failed))
