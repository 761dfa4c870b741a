from datetime import timedelta

import pytest
from sqlalchemy import update

from app.domain.base import utcnow
from app.domain.models import ApiToken, LoginFailure
from app.services.demo import USERS

from .conftest import api_token


@pytest.mark.parametrize("username", [u[0] for u in USERS])
def test_every_demo_user_gets_a_token_and_sees_who_they_are(client, demo, username) -> None:
    token = api_token(client, username)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    body = me.get_json()
    assert body["username"] == username
    assert body["organisation"]["name"]
    assert body["roles"]
    assert set(body) >= {"username", "full_name", "organisation", "department", "roles"}


def test_wrong_password_is_a_json_401(client, demo) -> None:
    resp = client.post("/api/v1/auth/token", json={"username": "vanthu", "password": "nope"})
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "unauthorized"
    assert "password" in resp.get_json()["error"]["message"]


@pytest.mark.parametrize("body", [None, [], {"username": "vanthu"}, {"username": 1, "password": 2}])
def test_malformed_token_requests_are_json_400(client, demo, body) -> None:
    resp = (
        client.post("/api/v1/auth/token", json=body)
        if body is not None
        else client.post("/api/v1/auth/token", data="{not json", content_type="application/json")
    )
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "invalid"


def test_me_without_or_with_a_bad_token_is_401(client, demo) -> None:
    assert client.get("/api/v1/me").status_code == 401
    resp = client.get("/api/v1/me", headers={"Authorization": "Bearer forged"})
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "unauthorized"


def test_a_revoked_token_stops_working(client, demo) -> None:
    token = api_token(client, "vanthu")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_an_expired_token_stops_working(client, db, demo) -> None:
    token = api_token(client, "vanthu")
    db.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_burst_of_wrong_passwords_is_throttled_and_can_be_waited_out(client, db, demo) -> None:
    for _ in range(5):
        resp = client.post("/api/v1/auth/token", json={"username": "vanthu", "password": "x"})
        assert resp.status_code == 401
    # Even the right password is refused while the account is throttled.
    resp = client.post("/api/v1/auth/token", json={"username": "vanthu", "password": "vanthu-demo"})
    assert resp.status_code == 429
    assert resp.get_json()["error"]["code"] == "too_many_attempts"
    assert 0 < int(resp.headers["Retry-After"]) <= 901
    # Another account is not affected by this account's lock.
    assert api_token(client, "giamdoc")
    # Once the window has passed, the legitimate user gets in.
    db.execute(update(LoginFailure).values(at=utcnow() - timedelta(seconds=901)))
    db.commit()
    assert api_token(client, "vanthu")


def test_many_accounts_from_one_address_are_throttled(app, client, demo) -> None:
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 6
    for i in range(6):
        client.post("/api/v1/auth/token", json={"username": f"guess{i}", "password": "x"})
    resp = client.post(
        "/api/v1/auth/token", json={"username": "giamdoc", "password": "vanthu-demo"}
    )
    assert resp.status_code == 429


def test_openapi_describes_the_token_endpoint(client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/auth/token" in spec["paths"]
    assert "/me" in spec["paths"]
