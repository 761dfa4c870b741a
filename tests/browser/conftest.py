"""Headless Chromium (Debian's) driven by Playwright against the app on a loopback port."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app.domain import all_models  # noqa: F401
from app.domain.base import Base
from app.services.demo import load_demo
from tests.app.conftest import database_url, make_app  # noqa: F401 - fixture reuse

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture
def live_server(tmp_path: Path, database_url: str) -> Iterator[str]:  # noqa: F811
    app = make_app(tmp_path / "home", database_url)
    engine = app.extensions["vanthu.engine"]
    Base.metadata.create_all(engine)
    with app.extensions["vanthu.sessionmaker"]() as session:
        load_demo(session)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        engine.dispose()


@pytest.fixture
def page(tmp_path: Path):  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        pytest.fail(
            "Debian's chromium is not installed: `apt-get install chromium` "
            "(python -m tests installs it)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
        page = context.new_page()
        yield page
        context.close()
        browser.close()
