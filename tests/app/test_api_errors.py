def test_unknown_api_paths_and_methods_answer_json(client) -> None:
    resp = client.get("/api/v1/no/such/thing")
    assert resp.status_code == 404
    assert resp.is_json and resp.get_json()["error"]["code"] == "not_found"
    resp = client.put("/api/v1/me")
    assert resp.status_code == 405
    assert resp.get_json()["error"]["code"] == "method_not_allowed"


def test_oversize_bodies_are_413_json(app, client) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1024
    resp = client.post("/api/v1/auth/token", data=b"x" * 4096, content_type="application/json")
    assert resp.status_code == 413
    assert resp.get_json()["error"]["code"] == "too_large"


def test_an_unexpected_error_is_a_json_500_without_details(app, client, monkeypatch) -> None:
    from app.services import auth

    def boom(*a, **k):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(auth, "authenticate", boom)
    resp = client.post("/api/v1/auth/token", json={"username": "a", "password": "b"})
    assert resp.status_code == 500
    assert "secret internals" not in resp.get_data(as_text=True)
    assert resp.get_json()["error"]["code"] == "internal"
