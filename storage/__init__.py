"""Content-addressed object storage: a local folder store and a MinIO (S3) store.

Never imports the app; the app builds a store with :func:`create_store` from its config.
"""

from .base import ObjectStore, StoredObject
from .errors import (
    IntegrityError,
    ObjectNotFound,
    StorageError,
    StoreConfigError,
    StoreUnavailable,
)
from .factory import create_store
from .local import LocalStore
from .maintenance import MigrationReport, Problem, ProblemKind, check, gc, migrate
from .minio_store import MinioStore

__all__ = [
    "IntegrityError",
    "LocalStore",
    "MigrationReport",
    "MinioStore",
    "ObjectNotFound",
    "ObjectStore",
    "Problem",
    "ProblemKind",
    "StorageError",
    "StoreConfigError",
    "StoreUnavailable",
    "StoredObject",
    "check",
    "create_store",
    "gc",
    "migrate",
]
