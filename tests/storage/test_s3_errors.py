"""How the MinIO store fails: endpoint down, wrong credentials, missing bucket, bad TLS."""

from __future__ import annotations

import contextlib
import io
import uuid

import pytest
from moto.core.authorization import enable_iam_authentication

from storage import MinioStore, StoreConfigError, StoreUnavailable, create_store

from .conftest import _s3_settings
from .helpers import free_port


@pytest.fixture(params=["moto", "minio"])
def s3(request):
    """Connection settings of a reachable S3 server, plus how to demand real auth of it."""
    settings = {"backend": "minio", **_s3_settings(request.param, request)}
    # moto accepts any credentials unless IAM authentication is switched on.
    auth = enable_iam_authentication if request.param == "moto" else contextlib.nullcontext
    return settings, auth


def closed_port_store() -> MinioStore:
    port = free_port()  # bound then released: nothing listens there
    return MinioStore(f"127.0.0.1:{port}", "key", "secret", "vanthu", region="us-east-1")


def test_unreachable_endpoint_raises_store_unavailable_naming_it():
    store = closed_port_store()

    with pytest.raises(StoreUnavailable, match=store.endpoint) as excinfo:
        store.ping()
    assert "vanthu" in str(excinfo.value)
    for call in (
        lambda: store.put(io.BytesIO(b"x")),
        lambda: store.open("sha256/00/00/" + "0" * 64),
        lambda: store.stat("sha256/00/00/" + "0" * 64),
    ):
        with pytest.raises(StoreUnavailable):
            call()


def test_creating_a_store_does_no_network_io():
    store = closed_port_store()  # would raise if it connected

    assert not store.exists("not a key")


def test_store_recovers_when_the_endpoint_comes_back(s3):
    settings, _ = s3
    store = create_store({**settings, "minio_bucket": f"recover-{uuid.uuid4().hex[:8]}"})
    real_client = store._client
    store._client = closed_port_store()._client
    with pytest.raises(StoreUnavailable):
        store.put(io.BytesIO(b"while down"))

    store._client = real_client  # the endpoint is back

    stored = store.put(io.BytesIO(b"after recovery"))
    with store.open(stored.key) as stream:
        assert stream.read() == b"after recovery"
    store.delete(stored.key)
    real_client.remove_bucket(store.bucket)


def test_wrong_credentials_raise_store_config_error(s3):
    settings, auth = s3
    store = create_store(
        {
            **settings,
            "minio_access_key": "AKIAWRONGWRONGWRONG1",
            "minio_secret_key": "wrong-secret",
            "minio_bucket": "vanthu-creds",
        }
    )

    with auth(), pytest.raises(StoreConfigError, match="access key") as excinfo:
        store.ping()
    assert settings["minio_endpoint"].split("://")[-1] in str(excinfo.value)
    assert "vanthu-creds" in str(excinfo.value)


def test_missing_bucket_without_auto_create_raises_store_config_error(s3):
    settings, _ = s3
    bucket = f"absent-{uuid.uuid4().hex[:8]}"
    store = create_store({**settings, "minio_bucket": bucket, "minio_create_bucket": "false"})

    with pytest.raises(StoreConfigError, match=bucket):
        store.ping()
    with pytest.raises(StoreConfigError, match="does not exist"):
        store.put(io.BytesIO(b"x"))


def test_tls_against_a_plain_http_endpoint_fails_fast(s3):
    settings, _ = s3
    store = create_store({**settings, "minio_bucket": "vanthu", "minio_secure": "true"})

    with pytest.raises((StoreConfigError, StoreUnavailable)):
        store.ping()
