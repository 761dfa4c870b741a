"""The app and its object store: outages, recovery, and the `vanthu storage` commands."""

from __future__ import annotations

import io
import os
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from moto.server import ThreadedMotoServer

from app.cli import main
from app.domain.base import Base
from app.services.demo import load_demo
from storage import LocalStore, ObjectStore, create_store

from .conftest import make_app
from .pdfs import make_pdf
from .test_incoming_api import auth, counts, post_doc

MOTO_KEY = "testing"
MOTO_REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Moto:
    """A moto S3 server on a fixed loopback port that can be taken down and brought back."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.endpoint = f"127.0.0.1:{self.port}"
        self._server: ThreadedMotoServer | None = None

    def start(self) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.stop()
        # stop() leaves the listening socket open: connections would hang instead of being
        # refused, and the port could not be bound again.
        self._server._server.server_close()  # type: ignore[union-attr]
        self._server = None


@pytest.fixture
def moto() -> Iterator[Moto]:
    server = Moto()
    server.start()
    yield server
    server.stop()


def _minio_settings(moto: Moto, bucket: str) -> dict[str, str]:
    return {
        "MINIO_ENDPOINT": moto.endpoint,
        "MINIO_ACCESS_KEY": MOTO_KEY,
        "MINIO_SECRET_KEY": MOTO_KEY,
        "MINIO_BUCKET": bucket,
        "MINIO_REGION": MOTO_REGION,
    }


def _store_of(settings: dict[str, str]) -> ObjectStore:
    return create_store({"backend": "minio", **{k.lower(): v for k, v in settings.items()}})


def _ready(app: Flask) -> Flask:
    Base.metadata.create_all(app.extensions["vanthu.engine"])
    with app.extensions["vanthu.sessionmaker"]() as session:
        load_demo(session)
    return app


def _vanthu(app: Flask, *args: str, **settings: str) -> Result:
    env = {
        "VANTHU_HOME": app.config["HOME"],
        "VANTHU_DATABASE_URL": app.config["DATABASE_URL"],
        "VANTHU_ENV": "testing",
    }
    env.update({f"VANTHU_{name}": value for name, value in settings.items()})
    return CliRunner().invoke(main, list(args), env=env)


def _register(client, headers, text: str, attachment: str | None = None) -> list[dict]:  # type: ignore[no-untyped-def]
    extra = [(f"{attachment}.pdf", make_pdf(attachment))] if attachment else ()
    resp = post_doc(client, headers, content=make_pdf(text), attachments=extra)
    assert resp.status_code == 201, resp.get_json()
    detail = client.get(f"/api/v1/incoming/{resp.get_json()['id']}", headers=headers)
    return list(detail.get_json()["files"])


def _key(sha256: str) -> str:
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def _objects(app: Flask) -> Path:
    return Path(app.config["HOME"]) / "objects"


# -- outages -------------------------------------------------------------------------------


def test_an_outage_gives_503_for_reads_and_uploads_and_the_app_recovers(
    tmp_path, database_url, moto
) -> None:
    bucket = f"vanthu-app-{uuid.uuid4().hex[:12]}"
    app = _ready(
        make_app(
            tmp_path / "h", database_url, STORAGE_BACKEND="minio", **_minio_settings(moto, bucket)
        )
    )
    client = app.test_client()
    headers = auth(client, "vanthu")
    [main_file] = _register(client, headers, "Trước sự cố")
    url = main_file["url"]
    first = client.get(url, headers=headers)
    assert first.status_code == 200
    body = first.get_data()

    moto.stop()
    down = client.get(url, headers=headers)
    assert down.status_code == 503
    assert down.get_json()["error"]["code"] == "unavailable"
    assert "file store is unavailable" in down.get_json()["error"]["message"]
    with app.extensions["vanthu.sessionmaker"]() as session:
        before = counts(session)
        upload = post_doc(client, headers, content=make_pdf("Trong sự cố"))
        assert upload.status_code == 503
        assert "file store is unavailable" in upload.get_json()["error"]["message"]
        assert counts(session) == before

    moto.start()  # the same port, the same app object: no restart
    # moto keeps its buckets in the process, so the new server holds the same content;
    # should a moto version ever start empty, put the file back as an operator would.
    store = _store_of(_minio_settings(moto, bucket))
    if not store.exists(_key(main_file["sha256"])):
        store.put(io.BytesIO(body))
    again = client.get(url, headers=headers)
    assert again.status_code == 200
    assert again.get_data() == body
    assert post_doc(client, headers, content=make_pdf("Sau sự cố")).status_code == 201
    app.extensions["vanthu.engine"].dispose()


def test_storage_commands_fail_cleanly_when_the_store_is_unreachable(app, demo) -> None:
    settings = {
        "STORAGE_BACKEND": "minio",
        "MINIO_ENDPOINT": "127.0.0.1:9",
        "MINIO_ACCESS_KEY": "k",
        "MINIO_SECRET_KEY": "s" * 8,
    }
    for args in (["storage", "check"], ["storage", "gc"]):
        result = _vanthu(app, *args, **settings)
        assert result.exit_code == 1, result.output
        assert "unavailable" in result.output
    result = _vanthu(app, "check", **settings)
    assert result.exit_code == 1
    assert "FAIL  file store: cannot be read" in result.output


# -- vanthu storage check / vanthu check ---------------------------------------------------


def test_storage_check_passes_then_names_damaged_and_missing_objects(app, client, demo) -> None:
    files = _register(client, auth(client, "vanthu"), "Kiểm tra", attachment="Phụ lục")
    ok = _vanthu(app, "storage", "check")
    assert ok.exit_code == 0, ok.output
    assert "2 objects present and intact" in ok.output

    damaged, missing = (_key(f["sha256"]) for f in files)
    (_objects(app) / damaged).write_bytes(b"%PDF-1.7 tampered")
    (_objects(app) / missing).unlink()
    bad = _vanthu(app, "storage", "check")
    assert bad.exit_code == 1
    assert f"BAD   hash_mismatch: object {damaged} is damaged" in bad.output
    assert f"BAD   missing: {missing}: missing from the store" in bad.output
    assert "2 of 2 objects are missing or damaged" in bad.output


def test_vanthu_check_includes_the_file_store(app, client, demo) -> None:
    [main_file] = _register(client, auth(client, "vanthu"), "Kiểm tra tổng thể")
    ok = _vanthu(app, "check")
    assert ok.exit_code == 0, ok.output
    assert "OK    file store: 1 objects present and intact" in ok.output
    assert "chain intact" in ok.output

    key = _key(main_file["sha256"])
    (_objects(app) / key).write_bytes(b"not the registered file")
    bad = _vanthu(app, "check")
    assert bad.exit_code == 1
    assert "FAIL  file store: 1 of 1 objects bad" in bad.output
    assert key in bad.output
    assert "OK    audit trail" in bad.output


# -- vanthu storage gc ---------------------------------------------------------------------


def test_gc_removes_old_orphans_and_keeps_referenced_and_recent_objects(app, client, demo) -> None:
    [main_file] = _register(client, auth(client, "vanthu"), "Được tham chiếu")
    kept = _key(main_file["sha256"])
    store = LocalStore(_objects(app))
    orphan = store.put(io.BytesIO(b"left by an upload whose row never committed")).key
    recent = _vanthu(app, "storage", "gc")
    assert recent.exit_code == 0, recent.output
    assert "0 removed" in recent.output
    assert store.exists(orphan)

    two_hours_ago = time.time() - 7200
    for key in (orphan, kept):
        os.utime(_objects(app) / key, (two_hours_ago, two_hours_ago))
    result = _vanthu(app, "storage", "gc")
    assert result.exit_code == 0, result.output
    assert f"removed {orphan}" in result.output
    assert "1 removed, 1 referenced objects kept" in result.output
    assert not store.exists(orphan)
    assert store.exists(kept)

    young_orphan = store.put(io.BytesIO(b"another orphan")).key
    result = _vanthu(app, "storage", "gc", "--grace-minutes", "0")
    assert f"removed {young_orphan}" in result.output
    assert list(store.iter_keys()) == [kept]
    assert _vanthu(app, "storage", "check").exit_code == 0


# -- vanthu storage migrate ----------------------------------------------------------------


def test_migrate_to_minio_copies_and_verifies_every_object(app, client, demo, moto) -> None:
    headers = auth(client, "vanthu")
    files = _register(client, headers, "Một", attachment="Phụ lục một")
    files += _register(client, headers, "Hai")
    keys = sorted({_key(f["sha256"]) for f in files})
    settings = _minio_settings(moto, f"vanthu-mig-{uuid.uuid4().hex[:12]}")

    result = _vanthu(app, "storage", "migrate", "--to", "minio", **settings)
    assert result.exit_code == 0, result.output
    assert f"{len(keys)} copied" in result.output
    assert "0 failed" in result.output
    assert "VANTHU_STORAGE_BACKEND=minio" in result.output
    dst = _store_of(settings)
    assert sorted(dst.iter_keys()) == keys

    again = _vanthu(app, "storage", "migrate", "--to", "minio", **settings)
    assert again.exit_code == 0, again.output
    assert f"0 copied (0 bytes), {len(keys)} already there" in again.output
    # After the switch the app reads the same files from MinIO, all intact.
    switched = _vanthu(app, "storage", "check", STORAGE_BACKEND="minio", **settings)
    assert switched.exit_code == 0, switched.output
    assert f"{len(keys)} objects present and intact" in switched.output


def test_migrate_exits_non_zero_naming_an_object_it_could_not_copy(app, client, demo, moto) -> None:
    files = _register(client, auth(client, "vanthu"), "Ba", attachment="Phụ lục ba")
    lost, fine = (_key(f["sha256"]) for f in files)
    (_objects(app) / lost).unlink()
    settings = _minio_settings(moto, f"vanthu-mig-{uuid.uuid4().hex[:12]}")

    result = _vanthu(app, "storage", "migrate", "--to", "minio", **settings)
    assert result.exit_code == 1
    assert f"FAILED missing: {lost}" in result.output
    assert "1 copied" in result.output and "1 failed" in result.output
    assert "VANTHU_STORAGE_BACKEND" not in result.output
    assert list(_store_of(settings).iter_keys()) == [fine]


def test_migrate_without_minio_settings_says_what_is_missing(app, demo) -> None:
    result = _vanthu(app, "storage", "migrate", "--to", "minio")
    assert result.exit_code == 1
    assert "minio_endpoint" in result.output and "VANTHU_MINIO_" in result.output
