"""Incoming registers (XLSX, PDF, JSON) and the processing slip, opened and read back."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.domain.clock import today_vn

from .conftest import login
from .test_incoming_api import FIELDS, auth, dept_id, post_doc, user_id

TODAY = today_vn()
RANGE = f"from={TODAY.isoformat()}&to={TODAY.isoformat()}"
SECRET_SUBJECT = "Về việc bảo vệ bí mật nhà nước năm 2026"
OTHER_ORG_SUBJECT = "Về việc họp giao ban Ủy ban"


def pdf_text(content: bytes, tmp_path: Path, name: str = "out.pdf") -> str:
    """The text of a PDF through poppler's pdftotext, whitespace collapsed."""
    path = tmp_path / name
    path.write_bytes(content)
    out = subprocess.run(  # noqa: S603 - fixed arguments, a file we wrote
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],  # noqa: S607
        check=True,
        capture_output=True,
    ).stdout.decode("utf-8")
    return re.sub(r"\s+", " ", out)


def xlsx(content: bytes):  # type: ignore[no-untyped-def]
    return load_workbook(io.BytesIO(content))


@pytest.fixture
def history(client, db, demo) -> dict[str, int]:
    """Three ordinary documents at different stages, one secret, one in another organisation."""
    clerk, leader = auth(client, "vanthu"), auth(client, "giamdoc")
    head, officer = auth(client, "truongphong"), auth(client, "chuyenvien")
    deadline = (date.today() + timedelta(days=10)).isoformat()
    ids: dict[str, int] = {}
    ids["done"] = post_doc(client, clerk).get_json()["id"]
    ids["assigned"] = post_doc(
        client,
        clerk,
        {
            **FIELDS,
            "doc_type": "QD",
            "number_notation": "57/QĐ-UBND",
            "subject": "Về việc phê duyệt danh mục nhiệm vụ khoa học và công nghệ cấp tỉnh",
        },
    ).get_json()["id"]
    ids["new"] = post_doc(
        client,
        clerk,
        {
            **FIELDS,
            "doc_type": "GM",
            "number_notation": "12/GM-BKHCN",
            "issuing_org": "Bộ Khoa học và Công nghệ",
            "subject": "Mời dự hội nghị tổng kết",
            "urgency": "1",
        },
    ).get_json()["id"]
    ids["secret"] = post_doc(
        client, clerk, {**FIELDS, "confidentiality": "1", "subject": SECRET_SUBJECT}
    ).get_json()["id"]
    ids["other_org"] = post_doc(
        client, auth(client, "vanthu.ubnd"), {**FIELDS, "subject": OTHER_ORG_SUBJECT}
    ).get_json()["id"]

    leader_id = user_id(db, "giamdoc")
    for key in ("done", "assigned"):
        url = f"/api/v1/incoming/{ids[key]}"
        assert (
            client.post(f"{url}/submit", json={"leader_id": leader_id}, headers=clerk).status_code
            == 200
        )
        resp = client.post(
            f"{url}/direct",
            headers=leader,
            json={
                "lead": dept_id(db, "QLKH"),
                "lead_deadline": deadline,
                "support": [dept_id(db, "KHTC")],
                "info": [dept_id(db, "VP")],
                "text": "Giao Phòng Quản lý khoa học chủ trì tham mưu trả lời.",
            },
        )
        assert resp.status_code == 200, resp.get_json()
        resp = client.post(
            f"{url}/assign",
            headers=head,
            json={"users": [user_id(db, "chuyenvien")], "deadline": deadline},
        )
        assert resp.status_code == 200, resp.get_json()
    url = f"/api/v1/incoming/{ids['done']}"
    assert (
        client.post(f"{url}/progress", headers=officer, json={"note": "Đã dự thảo."}).status_code
        == 200
    )
    resp = client.post(
        f"{url}/complete",
        headers=officer,
        json={"result": "Đã có văn bản trả lời", "reply_reference": "45/SKHCN-QLKH"},
    )
    assert resp.status_code == 200, resp.get_json()
    return ids


def test_incoming_register_xlsx_has_cover_columns_and_visible_rows(client, history) -> None:
    resp = client.get(
        f"/api/v1/registers/incoming?{RANGE}&format=xlsx", headers=auth(client, "giamdoc")
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.mimetype.endswith("spreadsheetml.sheet")
    wb = xlsx(resp.data)
    assert wb.sheetnames == ["Bìa", "Sổ đăng ký văn bản đến"]
    cover = [c.value for c in wb["Bìa"]["A"] if c.value]
    assert cover[:3] == [
        "ỦY BAN NHÂN DÂN TỈNH CAO BẰNG",
        "SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH CAO BẰNG",
        "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN",
    ]
    assert f"Năm: {TODAY.year}" in cover
    assert f"Từ ngày {TODAY:%d/%m/%Y} đến ngày {TODAY:%d/%m/%Y}" in cover
    assert "Từ số 1 đến số 3" in cover  # the secret number 4 is not the leader's to see

    ws = wb["Sổ đăng ký văn bản đến"]
    assert [c.value for c in ws[1]] == [
        "Ngày đến",
        "Số đến",
        "Tác giả",
        "Số, ký hiệu văn bản",
        "Ngày tháng văn bản",
        "Tên loại và trích yếu nội dung văn bản",
        "Đơn vị hoặc người nhận",
        "Ngày chuyển",
        "Ký nhận",
        "Ghi chú",
    ]
    assert [c.value for c in ws[2]] == [f"({i})" for i in range(1, 11)]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    assert [r[1] for r in rows] == [1, 2, 3]
    first = rows[0]
    assert first[0].date() == TODAY and first[4].date() == date(2026, 3, 2)
    assert first[2] == "Ủy ban nhân dân tỉnh Cao Bằng"
    assert first[3] == "125/UBND-VP"
    assert first[5] == "Công văn: Về việc triển khai kế hoạch"
    assert first[6].splitlines() == [
        "Nguyễn Văn An (Giám đốc)",
        "Phòng Quản lý khoa học (chủ trì)",
        "Phòng Kế hoạch - Tài chính (phối hợp)",
        "Văn phòng (để biết)",
    ]
    assert first[7].date() == TODAY
    assert rows[1][5].startswith("Quyết định: Về việc phê duyệt")
    assert rows[2][2] == "Bộ Khoa học và Công nghệ" and rows[2][9] == "Khẩn"
    assert rows[2][6] is None and rows[2][7] is None  # not yet transferred
    assert all(SECRET_SUBJECT not in str(r) and OTHER_ORG_SUBJECT not in str(r) for r in rows)
    # Printing: landscape A4, the two header rows repeat on every page.
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws.print_title_rows == "$1:$2"
    assert ws["F3"].alignment.wrap_text


def test_the_clerk_who_registered_the_secret_document_sees_it(client, history) -> None:
    got = client.get(
        f"/api/v1/registers/incoming?{RANGE}", headers=auth(client, "vanthu")
    ).get_json()
    assert [r[1] for r in got["rows"]] == [1, 2, 3, 4]
    assert got["rows"][3][9] == "Mật"
    assert got["cover"]["from_number"] == "1" and got["cover"]["to_number"] == "4"


def test_incoming_register_pdf_reads_back_in_vietnamese(client, history, tmp_path) -> None:
    resp = client.get(
        f"/api/v1/registers/incoming?{RANGE}&format=pdf", headers=auth(client, "giamdoc")
    )
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = pdf_text(resp.data, tmp_path)
    for heading in (
        "ỦY BAN NHÂN DÂN TỈNH CAO BẰNG",
        "SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH CAO BẰNG",
        "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN",
        f"Từ ngày {TODAY:%d/%m/%Y} đến ngày {TODAY:%d/%m/%Y}",
        "Từ số 1 đến số 3",
        "Ngày đến",
        "Số đến",
        "Tác giả",
        "Số, ký hiệu văn bản",
        "Tên loại và trích yếu nội dung văn bản",
        "Đơn vị hoặc người nhận",
        "Ngày chuyển",
        "Ký nhận",
        "Ghi chú",
        "Ủy ban nhân dân tỉnh Cao Bằng",
        "Bộ Khoa học và Công nghệ",
        "Nguyễn Văn An (Giám đốc)",
        "Phòng Quản lý khoa học (chủ trì)",
    ):
        assert heading in text, heading
    assert SECRET_SUBJECT not in text and OTHER_ORG_SUBJECT not in text


def test_follow_up_register_tracks_directed_documents(client, history, tmp_path) -> None:
    headers = auth(client, "vanthu")
    resp = client.get(f"/api/v1/registers/follow-up?{RANGE}&format=xlsx", headers=headers)
    assert resp.status_code == 200
    wb = xlsx(resp.data)
    cover = [c.value for c in wb["Bìa"]["A"] if c.value]
    assert "SỔ THEO DÕI GIẢI QUYẾT" in cover and "VĂN BẢN ĐẾN" in cover
    assert not any(str(v).startswith("Từ số") for v in cover)  # Appendix IV, VIII has none
    ws = wb["Sổ theo dõi giải quyết"]
    assert [c.value for c in ws[1]] == [
        "Số đến",
        "Tên loại, số, ký hiệu, ngày, tháng và tên cơ quan, tổ chức ban hành văn bản",
        "Đơn vị hoặc người nhận",
        "Thời hạn giải quyết",
        "Tiến độ giải quyết",
        "Số, ký hiệu văn bản trả lời",
        "Ghi chú",
    ]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    assert [r[0] for r in rows] == [1, 2]  # only directed documents are followed up
    done, assigned = rows
    assert done[1] == ("Công văn số 125/UBND-VP ngày 02/03/2026 của Ủy ban nhân dân tỉnh Cao Bằng")
    assert done[2].splitlines()[0] == "Phòng Quản lý khoa học (chủ trì): Lê Thị Cúc"
    assert done[3].date() == date.today() + timedelta(days=10)
    assert done[4] == f"Đã giải quyết ngày {TODAY:%d/%m/%Y} (đúng hạn)"
    assert done[5] == "45/SKHCN-QLKH" and done[6] == "Đã có văn bản trả lời"
    assert assigned[4] == "Đang giải quyết" and assigned[5] is None

    resp = client.get(f"/api/v1/registers/follow-up?{RANGE}&format=pdf", headers=headers)
    text = pdf_text(resp.data, tmp_path)
    for words in (
        "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN",
        "Thời hạn giải quyết",
        "Tiến độ giải quyết",
        "Số, ký hiệu văn bản trả lời",
        "45/SKHCN-QLKH",
        "Lê Thị Cúc",
    ):
        assert words in text, words


def test_web_downloads_for_a_logged_in_clerk(client, history, tmp_path) -> None:
    login(client, "vanthu")
    resp = client.get(f"/incoming/registers/incoming.xlsx?{RANGE}")
    assert resp.status_code == 200
    assert "attachment" in resp.headers["Content-Disposition"]
    assert [c.value for c in xlsx(resp.data)["Sổ đăng ký văn bản đến"]["B"]][2:] == [1, 2, 3, 4]
    resp = client.get(f"/incoming/registers/follow-up.pdf?{RANGE}")
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")
    # Without dates: this year up to today.
    assert client.get("/incoming/registers/incoming.pdf").status_code == 200


def test_another_organisation_gets_none_of_these_documents(client, history) -> None:
    got = client.get(
        f"/api/v1/registers/incoming?{RANGE}", headers=auth(client, "vanthu.ubnd")
    ).get_json()
    assert got["cover"]["org_name"] == "Ủy ban nhân dân tỉnh Cao Bằng"
    assert got["cover"]["parent_name"] == ""
    assert len(got["rows"]) == 1 and OTHER_ORG_SUBJECT in got["rows"][0][5]
    follow = client.get(
        f"/api/v1/registers/follow-up?{RANGE}", headers=auth(client, "vanthu.ubnd")
    ).get_json()
    assert follow["rows"] == []
    login(client, "vanthu.ubnd")
    assert client.get(f"/incoming/{history['done']}/slip.pdf").status_code == 403


def test_a_period_without_documents_has_an_empty_register(client, history) -> None:
    got = client.get(
        "/api/v1/registers/incoming?from=2020-01-01&to=2020-12-31",
        headers=auth(client, "vanthu"),
    ).get_json()
    assert got["rows"] == [] and got["cover"]["from_number"] is None


def test_slip_shows_direction_assignment_and_result(client, history, tmp_path) -> None:
    login(client, "chuyenvien")
    resp = client.get(f"/incoming/{history['done']}/slip.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = pdf_text(resp.data, tmp_path)
    for words in (
        "SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH CAO BẰNG",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "PHIẾU GIẢI QUYẾT VĂN BẢN ĐẾN",
        "Công văn số 125/UBND-VP ngày 02/03/2026 của Ủy ban nhân dân tỉnh Cao Bằng "
        "về việc triển khai kế hoạch",
        "Số đến: 1",
        "1. Ý kiến của lãnh đạo cơ quan, tổ chức",
        "Giao Phòng Quản lý khoa học chủ trì tham mưu trả lời.",
        "Đơn vị chủ trì: Phòng Quản lý khoa học",
        "Đơn vị phối hợp: Phòng Kế hoạch - Tài chính",
        "2. Ý kiến của lãnh đạo đơn vị",
        "Phòng Quản lý khoa học: giao Lê Thị Cúc",
        "3. Ý kiến đề xuất của người giải quyết",
        "Đã dự thảo.",
        "văn bản trả lời số 45/SKHCN-QLKH",
        "Nguyễn Văn An",
    ):
        assert words in text, words


def test_slip_is_only_for_those_who_may_open_the_document(client, history) -> None:
    login(client, "chuyenvien")
    assert client.get(f"/incoming/{history['new']}/slip.pdf").status_code == 403
    assert client.get("/incoming/999999/slip.pdf").status_code == 404
    anonymous = client.application.test_client()
    assert anonymous.get(f"/incoming/{history['done']}/slip.pdf").status_code == 302


@pytest.mark.parametrize("username", ["chuyenvien", "truongphong", "admin"])
def test_wrong_role_cannot_export_registers(client, history, username) -> None:
    resp = client.get(
        f"/api/v1/registers/incoming?{RANGE}&format=xlsx", headers=auth(client, username)
    )
    assert resp.status_code == 403
    assert resp.get_json()["error"]["code"] == "forbidden"
    login(client, username)
    assert client.get(f"/incoming/registers/follow-up.pdf?{RANGE}").status_code == 403


@pytest.mark.parametrize(
    "query,words",
    [
        ("from=2026-05-01&to=2026-04-01", "after the end date"),
        ("from=2025-01-01&to=2026-01-02", "at most 366 days"),
        ("from=2026-02-30&to=2026-03-01", "date"),
        ("from=yesterday", "date"),
        (f"{RANGE}&format=docx", "unknown format"),
    ],
)
def test_bad_periods_and_formats_are_400(client, demo, query, words) -> None:
    resp = client.get(f"/api/v1/registers/follow-up?{query}", headers=auth(client, "vanthu"))
    assert resp.status_code == 400
    assert words in resp.get_json()["error"]["message"].lower()


def test_a_leap_year_fits_but_one_more_day_does_not(client, demo) -> None:
    headers = auth(client, "vanthu")
    ok = "/api/v1/registers/incoming?from=2024-01-01&to=2024-12-31"
    assert client.get(ok, headers=headers).status_code == 200
    bad = "/api/v1/registers/incoming?from=2024-01-01&to=2025-01-01"
    assert client.get(bad, headers=headers).status_code == 400


def test_web_bad_period_is_a_400_page(client, demo) -> None:
    login(client, "vanthu")
    resp = client.get("/incoming/registers/incoming.xlsx?from=2026-05-01&to=2026-04-01")
    assert resp.status_code == 400
    assert "text/html" in resp.content_type


def test_long_registers_repeat_the_header_on_every_page(tmp_path) -> None:
    import unicodedata

    from app.reports import Cover, register_pdf, register_xlsx
    from app.reports.model import Register
    from app.services.registers import INCOMING_COLUMNS

    decomposed = unicodedata.normalize("NFD", "Ủy ban nhân dân tỉnh Cao Bằng")
    rows = [
        (
            TODAY,
            n,
            decomposed,
            f"{n}/UBND-VP",
            TODAY,
            "Công văn: " + "nội dung " * 12,
            "Phòng Quản lý khoa học (chủ trì)",
            None,
            "",
            "",
        )
        for n in range(1, 81)
    ]
    cover = Cover(
        "", "Sở Khoa học và Công nghệ", ("SỔ ĐĂNG KÝ VĂN BẢN ĐẾN",), "2026", TODAY, TODAY, "1", "80"
    )
    register = Register("incoming", "Sổ đăng ký văn bản đến", cover, INCOMING_COLUMNS, rows)
    path = tmp_path / "long.pdf"
    path.write_bytes(register_pdf(register))
    pages = (
        subprocess.run(  # noqa: S603
            ["pdftotext", "-raw", str(path), "-"],  # noqa: S607
            check=True,
            capture_output=True,
        )
        .stdout.decode()
        .split("\f")
    )
    table_pages = [p for p in pages[1:] if p.strip()]
    assert len(table_pages) >= 3
    for page in table_pages:
        assert "Ngày đến" in page and "(10)" in page
        assert "Ủy ban nhân dân tỉnh Cao Bằng" in re.sub(r"\s+", " ", page)  # composed again
    ws = xlsx(register_xlsx(register))["Sổ đăng ký văn bản đến"]
    assert ws["C3"].value == "Ủy ban nhân dân tỉnh Cao Bằng" and ws.max_row == 82
