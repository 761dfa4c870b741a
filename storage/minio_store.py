"""Object store on MinIO or any S3-compatible server, through the ``minio`` SDK."""

from __future__ import annotations

import contextlib
import functools
import io
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, BinaryIO, NoReturn, cast
from urllib.parse import urlsplit

import certifi
import urllib3
from minio import Minio
from minio.commonconfig import CopySource
from minio.error import InvalidResponseError, S3Error, ServerError

from .base import DEFAULT_CONTENT_TYPE, ObjectStore, StoredObject
from .errors import (
    ObjectNotFound,
    StorageError,
    StoreConfigError,
    StoreUnavailable,
)
from .keys import key_for, sha256_of_key
from .streams import HashingReader, open_verified

__all__ = ["MinioStore"]

PART_SIZE = 5 * 1024 * 1024
"""Multipart part size (the S3 minimum; a few parts' worth of memory is used per upload).

Objects up to this size are hashed in memory and uploaded with one PUT to their key.
"""

TEMP_PREFIX = "tmp/"

REFRESH_AGE = timedelta(minutes=10)
"""A duplicate put rewrites an object older than this (must stay well below gc's grace)."""

_CREDENTIAL_CODES = frozenset(
    {
        "AccessDenied",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "InvalidToken",
        "ExpiredToken",
        "InvalidSecurity",
    }
)
_NOT_FOUND_CODES = frozenset({"NoSuchKey", "ResourceNotFound"})


class _Rest:
    """The part of an upload already read (``head``) followed by the rest of the stream."""

    def __init__(self, head: bytes, reader: HashingReader) -> None:
        self._head = head
        self._reader = reader

    def read(self, n: int = -1) -> bytes:
        if not self._head:
            return self._reader.read(n)
        if n < 0:
            n = len(self._head)
        out, self._head = self._head[:n], self._head[n:]
        return out


class _Response:
    """A GET response body whose network errors come out as StoreUnavailable."""

    def __init__(self, response: Any, store: MinioStore) -> None:
        self._response = response
        self._store = store

    def read(self, size: int) -> bytes:
        with self._store._translate():
            return bytes(self._response.read(size))

    def close(self) -> None:
        self._response.close()
        self._response.release_conn()


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    text = str(reason)
    # urllib3 prefixes messages with the connection object's repr; drop it.
    if text.startswith("<") and ">: " in text:
        text = text.split(">: ", 1)[1]
    return text


def _is_key(name: str) -> bool:
    try:
        sha256_of_key(name)
    except ObjectNotFound:
        return False
    return True


class MinioStore(ObjectStore):
    """Objects in one bucket of an S3-compatible server, keyed ``sha256/ab/cd/<sha256>``.

    Objects of at most ``PART_SIZE`` bytes are hashed in memory and written with one PUT
    to their key. Larger or unknown-size streams go by multipart upload to a temporary
    key ``tmp/<uuid>`` while being hashed, then are copied server-side to their key and
    the temporary object removed; either way a failure leaves nothing under the key.
    Construction does no network I/O; the bucket is checked (and created) on first use.
    """

    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        region: str | None = None,
        secure: bool = False,
        create_bucket: bool = True,
        *,
        connect_timeout: float = 3.0,
        read_timeout: float = 60.0,
        retries: int = 2,
    ) -> None:
        if "://" in endpoint:
            parts = urlsplit(endpoint)
            secure = parts.scheme == "https"
            endpoint = parts.netloc
        if not endpoint or not bucket:
            raise StoreConfigError("the MinIO store needs an endpoint and a bucket")
        self.endpoint = endpoint
        self.bucket = bucket
        self.region = region or None
        self.secure = secure
        self.create_bucket = create_bucket
        self._bucket_ready = False
        self._locks = [threading.Lock() for _ in range(64)]
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
            maxsize=10,
            cert_reqs="CERT_REQUIRED",
            ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
            retries=urllib3.Retry(
                total=retries, backoff_factor=0.2, status_forcelist=(500, 502, 503, 504)
            ),
        )
        try:
            self._client = Minio(
                endpoint,
                access_key=access_key,
                secret_key=secret_key,
                secure=secure,
                region=self.region,
                http_client=http,
            )
        except ValueError as exc:
            raise StoreConfigError(f"bad MinIO store settings for {endpoint}: {exc}") from exc
        self._client.disable_virtual_style_endpoint()

    def __repr__(self) -> str:
        return f"MinioStore({self._where})"

    @property
    def _where(self) -> str:
        scheme = "https" if self.secure else "http"
        return f"{scheme}://{self.endpoint}, bucket {self.bucket!r}"

    # -- error translation -------------------------------------------------------------

    @contextlib.contextmanager
    def _translate(self, key: str | None = None) -> Iterator[None]:
        try:
            yield
        except S3Error as exc:
            self._raise_s3(exc, key)
        except ServerError as exc:
            raise StoreUnavailable(
                f"object store at {self._where} failed with HTTP {exc.status_code}"
            ) from exc
        except InvalidResponseError as exc:
            raise StorageError(
                f"object store at {self._where} sent an unexpected response: {exc}"
            ) from exc
        except urllib3.exceptions.HTTPError as exc:
            reason = getattr(exc, "reason", None)
            if isinstance(exc, urllib3.exceptions.SSLError) or isinstance(
                reason, urllib3.exceptions.SSLError
            ):
                raise StoreConfigError(
                    f"TLS with the object store at {self._where} failed: {_reason(exc)}"
                ) from exc
            raise StoreUnavailable(
                f"object store at {self._where} is unavailable: {_reason(exc)}"
            ) from exc

    def _raise_s3(self, exc: S3Error, key: str | None) -> NoReturn:
        if exc.code in _NOT_FOUND_CODES:
            raise ObjectNotFound(f"object {key} is not in the object store at {self._where}")
        if exc.code == "NoSuchBucket":
            raise StoreConfigError(
                f"the bucket does not exist in the object store at {self._where}"
            ) from exc
        if exc.code in _CREDENTIAL_CODES:
            raise StoreConfigError(
                f"the object store at {self._where} refused access ({exc.code}): "
                "check the access key and secret key"
            ) from exc
        raise StorageError(
            f"object store at {self._where} failed ({exc.code}): {exc.message}"
        ) from exc

    # -- bucket ---------------------------------------------------------------------------

    def _check_bucket(self) -> None:
        with self._translate():
            if self._client.bucket_exists(self.bucket):
                self._bucket_ready = True
                return
            if not self.create_bucket:
                raise StoreConfigError(
                    f"the bucket does not exist in the object store at {self._where} "
                    "and creating it is turned off"
                )
            try:
                self._client.make_bucket(self.bucket, location=self.region)
            except S3Error as exc:
                if exc.code != "BucketAlreadyOwnedByYou":
                    raise
        self._bucket_ready = True

    def _ensure_bucket(self) -> None:
        if not self._bucket_ready:
            self._check_bucket()

    def ping(self) -> None:
        self._check_bucket()

    # -- objects --------------------------------------------------------------------------

    def _key_lock(self, key: str) -> threading.Lock:
        return self._locks[int(sha256_of_key(key)[:4], 16) % len(self._locks)]

    def _write_once(self, key: str, size: int, write: Callable[[], object]) -> None:
        """Run ``write`` (which stores the object under ``key``) unless it is not needed."""
        with self._key_lock(key):
            if not self._needs_write(key, size):
                return
            try:
                with self._translate(key):
                    write()
            except StorageError:
                # Servers may fail or refuse overlapping writes of one key (S3 answers 409,
                # moto 500); if a concurrent identical put won, its object is ours too.
                try:
                    info = self._client.stat_object(self.bucket, key)
                except Exception:
                    info = None
                if info is None or info.size != size:
                    raise

    def _needs_write(self, key: str, size: int) -> bool:
        """Whether a put must (re)write the key: absent, wrong size, or old.

        Rewriting an old object refreshes the age gc's grace period looks at, so gc cannot
        delete an old orphan that an upload in flight is about to reference again.
        Skipping young duplicates saves the transfer and avoids overwriting a key that a
        concurrent identical put is writing.
        """
        try:
            with self._translate(key):
                info = self._client.stat_object(self.bucket, key)
        except ObjectNotFound:
            return True
        if info.size != size or info.last_modified is None:
            return True
        return datetime.now(UTC) - info.last_modified > REFRESH_AGE

    def put(
        self,
        stream: Any,
        size: int | None = None,
        content_type: str = DEFAULT_CONTENT_TYPE,
    ) -> StoredObject:
        self._ensure_bucket()
        reader = HashingReader(stream, size)
        head = reader.read(PART_SIZE + 1)
        if len(head) <= PART_SIZE:
            digest = reader.finish()
            key = key_for(digest)
            # A single PUT is atomic: the key holds the whole object or nothing.
            self._write_once(
                key,
                len(head),
                functools.partial(
                    self._client.put_object,
                    self.bucket,
                    key,
                    io.BytesIO(head),
                    len(head),
                    content_type=content_type,
                ),
            )
            return StoredObject(key, digest, len(head), content_type)

        rest = _Rest(head, reader)
        del head  # only ``rest`` may hold the first part, so it can be freed once sent
        temp = f"{TEMP_PREFIX}{uuid.uuid4().hex}"
        try:
            with self._translate():
                # One part in flight at a time: the SDK's parallel mode queues parts unbounded.
                self._client.put_object(
                    self.bucket,
                    temp,
                    cast(BinaryIO, rest),
                    size if size is not None else -1,
                    content_type=content_type,
                    part_size=PART_SIZE,
                    num_parallel_uploads=1,
                )
            digest = reader.finish()
            key = key_for(digest)
            self._write_once(
                key,
                reader.size,
                lambda: self._client.copy_object(self.bucket, key, CopySource(self.bucket, temp)),
            )
        finally:
            with contextlib.suppress(Exception):
                self._client.remove_object(self.bucket, temp)
        return StoredObject(key, digest, reader.size, content_type)

    def open(self, key: str) -> BinaryIO:
        expected = sha256_of_key(key)
        self._ensure_bucket()
        with self._translate(key):
            response = self._client.get_object(self.bucket, key)
        return open_verified(_Response(response, self), key, expected)

    def stat(self, key: str) -> StoredObject:
        sha256 = sha256_of_key(key)
        self._ensure_bucket()
        with self._translate(key):
            info = self._client.stat_object(self.bucket, key)
        return StoredObject(
            key, sha256, int(info.size or 0), info.content_type or DEFAULT_CONTENT_TYPE
        )

    def exists(self, key: str) -> bool:
        try:
            self.stat(key)
        except ObjectNotFound:
            return False
        return True

    def delete(self, key: str) -> None:
        sha256_of_key(key)
        self._ensure_bucket()
        with self._translate(key):
            self._client.remove_object(self.bucket, key)

    def url(self, key: str, expires: timedelta = timedelta(hours=1)) -> str | None:
        sha256_of_key(key)
        self._ensure_bucket()
        with self._translate(key):
            return str(self._client.presigned_get_object(self.bucket, key, expires=expires))

    def iter_keys(self) -> Iterator[str]:
        self._ensure_bucket()
        with self._translate():
            for obj in self._client.list_objects(self.bucket, prefix="sha256/", recursive=True):
                name = obj.object_name or ""
                if _is_key(name):
                    yield name

    def last_modified(self, key: str) -> datetime | None:
        sha256_of_key(key)
        self._ensure_bucket()
        try:
            with self._translate(key):
                info = self._client.stat_object(self.bucket, key)
        except ObjectNotFound:
            return None
        return info.last_modified

    def purge_temporary(self, older_than: timedelta) -> list[str]:
        self._ensure_bucket()
        cutoff = datetime.now(UTC) - older_than
        removed = []
        with self._translate():
            stale = [
                obj.object_name
                for obj in self._client.list_objects(
                    self.bucket, prefix=TEMP_PREFIX, recursive=True
                )
                if obj.object_name and obj.last_modified and obj.last_modified <= cutoff
            ]
            for name in stale:
                self._client.remove_object(self.bucket, name)
                removed.append(name)
            removed.extend(self._abort_stale_uploads(cutoff))
        return removed

    def _abort_stale_uploads(self, cutoff: datetime) -> list[str]:
        """Abort multipart uploads to temporary keys begun before ``cutoff``.

        A process killed mid-upload leaves one behind, holding its parts' storage. The SDK
        exposes listing and aborting uploads only as private methods (minio 7.2).
        """
        aborted = []
        key_marker: str | None = None
        upload_marker: str | None = None
        while True:
            result = self._client._list_multipart_uploads(
                self.bucket,
                prefix=TEMP_PREFIX,
                key_marker=key_marker,
                upload_id_marker=upload_marker,
            )
            for upload in result.uploads:
                started = upload.initiated_time
                if upload.upload_id and started is not None and started <= cutoff:
                    self._client._abort_multipart_upload(
                        self.bucket, upload.object_name, upload.upload_id
                    )
                    aborted.append(f"{upload.object_name} (unfinished multipart upload)")
            if not result.is_truncated or not result.next_key_marker:
                return aborted
            key_marker, upload_marker = result.next_key_marker, result.next_upload_id_marker
