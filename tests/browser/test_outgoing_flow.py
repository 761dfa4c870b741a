"""The whole outgoing flow in Chromium: draft, review, signature, issue, receipt by UBND."""

import pytest

from tests.app.pdfs import make_pdf
from tests.app.pki import ORG_PASS, PASS, build_pki, make_png

pytestmark = pytest.mark.browser


def login_as(page, base, username):
    """A new browser context per person: no cookie of the previous one can linger."""
    context = page.context.browser.new_context(viewport={"width": 390, "height": 844})
    fresh = context.new_page()
    fresh.goto(base + "/login")
    fresh.fill("input[name=username]", username)
    fresh.fill("input[name=password]", "vanthu-demo")
    with fresh.expect_navigation():
        fresh.click("form.form button[type=submit]")
    assert fresh.url == base + "/"
    return fresh


def click_and_wait(page, selector):
    """Click a submit button and wait for the resulting page (before clearing cookies)."""
    with page.expect_navigation():
        page.click(selector)


def submit_form(page, action_suffix):
    click_and_wait(page, f"form[action$='{action_suffix}'] button[type=submit]")


def test_officer_drafts_head_approves_leader_signs_clerk_issues_ubnd_registers(
    live_server, page, tmp_path
) -> None:
    base = live_server
    pki = build_pki()
    (tmp_path / "home" / "trust").mkdir(parents=True, exist_ok=True)
    (tmp_path / "home" / "trust" / "root.pem").write_bytes(pki.root_pem)
    files = {
        "draft.pdf": make_pdf("Công văn về việc báo cáo kết quả nhiệm vụ"),
        "leader.p12": pki.p12("Nguyễn Văn An", 1, PASS),
        "org.p12": pki.p12("Sở KH&CN", 2, ORG_PASS),
        "chuky.png": make_png("signature"),
        "dau.png": make_png("seal"),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)

    page = login_as(page, base, "giamdoc")
    page.goto(base + "/outgoing/keys")
    page.set_input_files("#my_pkcs12", str(tmp_path / "leader.p12"))
    page.fill("#my_passphrase", PASS)
    page.set_input_files("#my_png", str(tmp_path / "chuky.png"))
    click_and_wait(page, "#my_png ~ button[type=submit]")
    assert page.locator(".flash-success").count() == 1

    page = login_as(page, base, "admin")
    page.goto(base + "/outgoing/keys")
    page.set_input_files("#org_pkcs12", str(tmp_path / "org.p12"))
    page.fill("#org_passphrase", ORG_PASS)
    page.set_input_files("#org_png", str(tmp_path / "dau.png"))
    click_and_wait(page, "#org_png ~ button[type=submit]")
    assert page.locator(".flash-success").count() == 1

    page = login_as(page, base, "chuyenvien")
    page.goto(base + "/outgoing/new")
    page.select_option("#doc_type", "CV")
    page.fill("#subject", "Về việc báo cáo kết quả thực hiện nhiệm vụ năm 2026")
    page.check("input[name=recipient_organisations]")
    page.fill("#recipient_external", "Bộ Khoa học và Công nghệ; 000.00.00.G17;")
    page.set_input_files("#file", str(tmp_path / "draft.pdf"))
    page.click("form.grid-form button[type=submit]")
    page.wait_for_url("**/outgoing/*")
    doc_url = page.url
    submit_form(page, "/submit")

    page = login_as(page, base, "truongphong")
    page.goto(doc_url)
    submit_form(page, "/approve")

    page = login_as(page, base, "giamdoc")
    page.goto(base + "/outgoing/sign")
    page.fill("#batch_passphrase", PASS)
    click_and_wait(page, "form.form button[type=submit]")
    assert page.locator(".batch-results li.ok").count() == 1

    page = login_as(page, base, "vanthu")
    page.goto(doc_url)
    page.fill("#issue_passphrase", ORG_PASS)
    submit_form(page, "/issue")
    assert "01/SKHCN-QLKH" in page.locator("h1").inner_text()

    page = login_as(page, base, "vanthu.ubnd")
    page.goto(base + "/outgoing/pending")
    assert "01/SKHCN-QLKH" in page.locator("table").first.inner_text()
    page.click("form[action$='/register'] button[type=submit]")
    page.wait_for_url("**/incoming/*")
    assert "01/SKHCN-QLKH" in page.locator("h1").inner_text()

    page = login_as(page, base, "chuyenvien")
    page.goto(doc_url)
    assert "03" in page.locator(".status-code").first.inner_text()
