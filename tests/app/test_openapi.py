import re


def test_every_api_route_is_described_in_openapi(app, client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    described = {
        (path, method)
        for path, item in spec["paths"].items()
        for method in item
        if method != "parameters"
    }
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "api.openapi":
            continue
        path = re.sub(
            r"<(?:\w+:)?(\w+)>",
            lambda m: "{" + ("id" if m.group(1).endswith("id") else m.group(1)) + "}",
            rule.rule[len("/api/v1") :],
        )
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (path, method.lower()) not in described:
                missing.append(f"{method} {path}")
    assert missing == []
