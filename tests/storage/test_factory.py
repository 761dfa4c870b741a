"""create_store: configuration in, a store out, clear errors for bad settings."""

from __future__ import annotations

import subprocess
import sys

import pytest

from storage import LocalStore, MinioStore, StoreConfigError, create_store


def test_local_is_the_default_backend(tmp_path):
    store = create_store({"local_root": str(tmp_path)})

    assert isinstance(store, LocalStore)
    assert store.root == tmp_path


def test_minio_settings_from_strings():
    store = create_store(
        {
            "backend": "minio",
            "minio_endpoint": "https://s3.example.org:9000",
            "minio_access_key": "k",
            "minio_secret_key": "s",
            "minio_bucket": "docs",
            "minio_region": "vn-hanoi-1",
            "minio_secure": "false",
            "minio_create_bucket": "0",
        }
    )

    assert isinstance(store, MinioStore)
    assert (store.endpoint, store.bucket, store.region) == (
        "s3.example.org:9000",
        "docs",
        "vn-hanoi-1",
    )
    assert store.secure  # the URL's scheme wins
    assert not store.create_bucket


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"backend": "ftp"}, "unknown storage backend"),
        ({"backend": "local"}, "local_root"),
        ({"backend": "minio", "minio_endpoint": "h:9000"}, "minio_access_key"),
        (
            {
                "backend": "minio",
                "minio_endpoint": "h:9000",
                "minio_access_key": "k",
                "minio_secret_key": "s",
                "minio_bucket": "b",
                "minio_secure": "maybe",
            },
            "minio_secure",
        ),
    ],
)
def test_bad_configuration_raises_store_config_error(config, message):
    with pytest.raises(StoreConfigError, match=message):
        create_store(config)


def test_package_imports_neither_flask_nor_the_app():
    code = "import sys, storage; sys.exit(any(m in sys.modules for m in ('flask', 'app')))"

    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
