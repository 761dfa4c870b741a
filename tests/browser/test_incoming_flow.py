"""The whole incoming flow in Chromium with the demo users."""

from datetime import date, timedelta

import pytest

from tests.app.pdfs import make_pdf

pytestmark = pytest.mark.browser


def login_as(page, base, username):
    # Let every response of the previous person's page land before dropping their session:
    # a late response would set the session cookie again.
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "vanthu-demo")
    with page.expect_navigation():
        page.click("form.form button[type=submit]")
    assert page.url == base + "/"


def test_clerk_registers_leader_directs_head_assigns_officer_completes(
    live_server, page, tmp_path
) -> None:
    base = live_server
    pdf = tmp_path / "congvan.pdf"
    pdf.write_bytes(make_pdf("Công văn đề nghị báo cáo tình hình"))
    deadline = (date.today() + timedelta(days=14)).isoformat()

    login_as(page, base, "vanthu")
    page.goto(base + "/incoming/new")
    page.select_option("#doc_type", "CV")
    page.fill("#number_notation", "88/UBND-VP")
    page.fill("#issued_date", date.today().isoformat())
    page.fill("#issuing_org", "Ủy ban nhân dân tỉnh Cao Bằng")
    page.fill("#subject", "Về việc báo cáo tình hình ứng dụng công nghệ thông tin")
    page.select_option("#urgency", "1")
    page.set_input_files("#file", str(pdf))
    with page.expect_navigation():
        page.click("button:has-text('Đăng ký')")
    assert "/incoming/new" not in page.url
    assert "Số đến 1" in page.locator("h1").inner_text()
    page.select_option("#leader_id", label="Giám đốc Nguyễn Văn An")
    with page.expect_navigation():
        page.click("button:has-text('Trình lãnh đạo')")
    doc_url = page.url

    login_as(page, base, "giamdoc")
    assert page.get_by_text("Văn bản đến: Chờ cho ý kiến chỉ đạo").is_visible()
    page.goto(doc_url)
    page.select_option("#lead", label="Phòng Quản lý khoa học")
    page.fill("#lead_deadline", deadline)
    page.fill("#direction_text", "Giao Phòng QLKH chủ trì, báo cáo trước hạn.")
    with page.expect_navigation():
        page.click("button:has-text('Cho ý kiến chỉ đạo')")
    assert "Đã cho ý kiến chỉ đạo" in page.locator(".badge.state").inner_text()

    login_as(page, base, "truongphong")
    page.goto(doc_url)
    page.check("label:has-text('Lê Thị Cúc') input")
    with page.expect_navigation():
        page.click("button:has-text('Phân công')")
    assert "Đang xử lý" in page.locator(".badge.state").inner_text()

    login_as(page, base, "chuyenvien")
    page.goto(base + "/incoming?box=to_handle")
    page.click("text=ứng dụng công nghệ thông tin")
    page.wait_for_url(doc_url)
    page.fill("#result", "Đã báo cáo bằng Công văn số 45/SKHCN-QLKH")
    page.fill("#reply_reference", "45/SKHCN-QLKH")
    with page.expect_navigation():
        page.click("button:has-text('Hoàn thành')")
    assert "Hoàn thành" in page.locator(".badge.state").inner_text()
    timeline = page.locator(".timeline").inner_text()
    for step in ("Nguyễn Thị Hoa", "Nguyễn Văn An", "Trần Văn Bình", "Lê Thị Cúc"):
        assert step in timeline
