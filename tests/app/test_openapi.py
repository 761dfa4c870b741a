import re


def _paths(rule: str) -> list[str]:
    """OpenAPI paths of a Werkzeug rule; an any(a, b) converter gives one path per choice."""
    choice = re.search(r"<any\(([^)]*)\):\w+>", rule)
    if choice:
        options = [o.strip().strip("'\"") for o in choice.group(1).split(",")]
        return [p for o in options for p in _paths(rule.replace(choice.group(0), o))]
    return [
        re.sub(
            r"<(?:\w+:)?(\w+)>",
            lambda m: "{" + ("id" if m.group(1).endswith("id") else m.group(1)) + "}",
            rule,
        )
    ]


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
        for path in _paths(rule.rule[len("/api/v1") :]):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                if (path, method.lower()) not in described:
                    missing.append(f"{method} {path}")
    assert missing == []
