"""The job runner: a real SQLite queue by default, Redis when VANTHU_REDIS_URL is set."""

import uuid

import pytest
import redis
from huey import RedisHuey, SqliteHuey

from app.domain.base import Base

from .conftest import make_app
from .test_incoming_api import FIELDS, auth, post_doc

REDIS_URL = "redis://127.0.0.1:6379/15"


def _queued_app(tmp_path, database_url, **extra):
    app = make_app(tmp_path / "home", database_url, JOBS_IMMEDIATE=False, **extra)
    Base.metadata.create_all(app.extensions["vanthu.engine"])
    with app.extensions["vanthu.sessionmaker"]() as session:
        from app.services.demo import load_demo

        load_demo(session)
    with app.app_context():
        from app.adapters import get_search_index

        get_search_index().open_or_create()
    return app


def _drain(huey) -> list[str]:
    ran = []
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran.append(task.name)
    return ran


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_registration_queues_indexing_that_a_worker_runs(tmp_path, database_url, backend):
    extra = {}
    if backend == "redis":
        try:
            redis.Redis.from_url(REDIS_URL).ping()
        except redis.ConnectionError:
            pytest.fail("Redis is not running on 127.0.0.1:6379")
        extra["REDIS_URL"] = REDIS_URL
    app = _queued_app(tmp_path, database_url, **extra)
    huey = app.extensions["vanthu.huey"]
    assert isinstance(huey, RedisHuey if backend == "redis" else SqliteHuey)
    huey.flush()
    client = app.test_client()
    clerk = auth(client, "vanthu")
    marker = f"kiểm tra hàng đợi {uuid.uuid4().hex[:6]}"
    assert post_doc(client, clerk, {**FIELDS, "subject": marker}).status_code == 201
    # Queued, not yet indexed: the registration did not wait for the index.
    assert huey.pending_count() == 1
    found = client.get("/api/v1/search", query_string={"q": "hàng đợi"}, headers=clerk)
    assert (found.get_json()["total"], found.get_json()["notice"]) == (0, None), found.get_json()
    assert _drain(huey) == ["index_document"]
    found = client.get("/api/v1/search", query_string={"q": "hàng đợi"}, headers=clerk)
    assert found.get_json()["total"] == 1
    huey.flush()
    app.extensions["vanthu.engine"].dispose()
