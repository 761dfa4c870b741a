"""Fixtures: every store under test, a moto S3 server, raw access behind a store's back."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer

from storage import ObjectStore, create_store

from .helpers import free_port

MOTO_REGION = "us-east-1"
MOTO_KEY = "testing"


@dataclass
class StoreCase:
    """A store under test plus raw access to its backing storage."""

    name: str
    store: ObjectStore
    config: dict[str, Any]
    corrupt: Callable[[str, bytes], None]
    raw_names: Callable[[], list[str]]
    extra: dict[str, Any] = field(default_factory=dict)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"{host}:{port}"
    server.stop()


def _s3_settings(kind: str, request: pytest.FixtureRequest) -> dict[str, Any]:
    if kind == "moto":
        endpoint = request.getfixturevalue("moto_endpoint")
        return {
            "minio_endpoint": endpoint,
            "minio_access_key": MOTO_KEY,
            "minio_secret_key": MOTO_KEY,
            "minio_region": MOTO_REGION,
        }
    endpoint = os.environ.get("VANTHU_TEST_S3_ENDPOINT")
    if not endpoint:
        pytest.skip("VANTHU_TEST_S3_ENDPOINT is not set")
    return {
        "minio_endpoint": endpoint,
        "minio_access_key": os.environ.get("VANTHU_TEST_S3_ACCESS_KEY", "minioadmin"),
        "minio_secret_key": os.environ.get("VANTHU_TEST_S3_SECRET_KEY", "minioadmin"),
        "minio_region": os.environ.get("VANTHU_TEST_S3_REGION") or None,
    }


def boto_client(config: dict[str, Any]) -> Any:
    endpoint = config["minio_endpoint"]
    if "://" not in endpoint:
        endpoint = ("https://" if config.get("minio_secure") else "http://") + endpoint
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=config["minio_access_key"],
        aws_secret_access_key=config["minio_secret_key"],
        region_name=config.get("minio_region") or MOTO_REGION,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )


def _empty_bucket(client: Any, bucket: str) -> None:
    try:
        uploads = client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
        for upload in uploads:
            client.abort_multipart_upload(
                Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"]
            )
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for obj in page.get("Contents", []):
                client.delete_object(Bucket=bucket, Key=obj["Key"])
        client.delete_bucket(Bucket=bucket)
    except client.exceptions.NoSuchBucket:
        pass


def s3_case(kind: str, request: pytest.FixtureRequest) -> Iterator[StoreCase]:
    config = {"backend": "minio", "minio_bucket": f"vanthu-test-{uuid.uuid4().hex[:12]}"}
    config.update(_s3_settings(kind, request))
    store = create_store(config)
    client = boto_client(config)
    bucket = config["minio_bucket"]

    def corrupt(key: str, data: bytes) -> None:
        client.put_object(Bucket=bucket, Key=key, Body=data)

    def raw_names() -> list[str]:
        names = [
            obj["Key"]
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for obj in page.get("Contents", [])
        ]
        uploads = client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
        return names + [f"multipart:{u['Key']}" for u in uploads]

    yield StoreCase(kind, store, config, corrupt, raw_names, {"client": client})
    _empty_bucket(client, bucket)


def local_case(tmp_path: Path) -> Iterator[StoreCase]:
    root = tmp_path / "objects"
    config = {"backend": "local", "local_root": str(root)}

    def corrupt(key: str, data: bytes) -> None:
        (root / key).write_bytes(data)

    def raw_names() -> list[str]:
        if not root.exists():
            return []
        return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())

    yield StoreCase("local", create_store(config), config, corrupt, raw_names)


@pytest.fixture(params=["local", "moto", "minio"])
def case(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreCase]:
    if request.param == "local":
        yield from local_case(tmp_path)
    else:
        yield from s3_case(request.param, request)


@pytest.fixture
def store(case: StoreCase) -> ObjectStore:
    return case.store


@pytest.fixture
def s3_config(request: pytest.FixtureRequest, moto_endpoint: str) -> dict[str, Any]:
    """Connection settings of the moto server (no bucket)."""
    return {"backend": "minio", **_s3_settings("moto", request)}
