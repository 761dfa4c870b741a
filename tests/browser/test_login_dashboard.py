import pytest

pytestmark = pytest.mark.browser


def test_the_demo_clerk_logs_in_and_sees_the_dashboard_in_vietnamese(live_server, page) -> None:
    external = []
    page.on("request", lambda req: req.url.startswith(live_server) or external.append(req.url))
    page.goto(live_server + "/")
    assert "/login" in page.url
    assert page.locator("h1").inner_text() == "Đăng nhập"
    page.fill("input[name=username]", "vanthu")
    page.fill("input[name=password]", "vanthu-demo")
    page.click("form.form button[type=submit]")
    page.wait_for_url(live_server + "/")
    assert page.locator("h1").inner_text() == "Xin chào, Nguyễn Thị Hoa"
    assert page.get_by_text("Công việc đang chờ bạn").is_visible()
    assert page.locator("html").get_attribute("lang") == "vi"
    # The stylesheet is served by the app itself and applied (phone-width layout).
    assert page.evaluate("getComputedStyle(document.querySelector('.topbar')).display") == "flex"
    assert external == [], f"requests left the app: {external}"
