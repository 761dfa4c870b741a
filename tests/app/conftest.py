"""Fixtures for the application: a fresh app and database per test, a login helper."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from app import create_app
from app.db import normalise_url
from app.domain import all_models  # noqa: F401
from app.domain.base import Base
from app.services.demo import DEMO_PASSWORD, load_demo

PG_URL = os.environ.get("VANTHU_TEST_DATABASE_URL")


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh schema on the test PostgreSQL."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{normalise_url(PG_URL)}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def make_app(home: Path, database_url: str, **extra: object) -> Flask:
    config = {
        "HOME": str(home),
        "ENV": "testing",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "t" * 40,
        "WTF_CSRF_ENABLED": True,
        "JOBS_IMMEDIATE": True,
        "JOBS_RETRY_DELAY_SECONDS": 0,
    }
    config.update(extra)
    return create_app(config)


@pytest.fixture
def app(tmp_path: Path, database_url: str) -> Iterator[Flask]:
    app = make_app(tmp_path / "home", database_url)
    engine = app.extensions["vanthu.engine"]
    Base.metadata.create_all(engine)
    yield app
    engine.dispose()


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """A session of the test's own, outside any request (so requests keep their own g)."""
    session = app.extensions["vanthu.sessionmaker"]()
    yield session
    session.close()


@pytest.fixture
def demo(app: Flask) -> None:
    with app.extensions["vanthu.sessionmaker"]() as session:
        load_demo(session)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str = DEMO_PASSWORD):  # type: ignore[no-untyped-def]
    return client.post(
        "/login",
        data={"csrf_token": csrf_token(client), "username": username, "password": password},
    )


def api_token(client: FlaskClient, username: str, password: str = DEMO_PASSWORD) -> str:
    resp = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert resp.status_code == 201, resp.get_json()
    return str(resp.get_json()["token"])


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with minimal cost: the same code path, a fraction of the time."""
    from argon2 import PasswordHasher

    from app.services import passwords

    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
