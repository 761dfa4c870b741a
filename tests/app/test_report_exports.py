"""The processing report as XLSX, PDF and JSON, and its pages: same figures everywhere."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from app.domain.models import User
from app.services import report_exports
from app.services.statistics import Scope

from .conftest import api_token, login
from .test_statistics import KHTC_NAME, PERIOD, QLKH_NAME, history  # noqa: F401 - fixture

RANGE = "from=2026-02-01&to=2026-03-31"


def _rows(content: bytes) -> list[tuple]:
    wb = load_workbook(io.BytesIO(content))
    ws = wb.active
    return [tuple(c for c in row) for row in ws.iter_rows(values_only=True)]


def _find(rows: list[tuple], first: object) -> tuple:
    matches = [r for r in rows if r[0] == first]
    assert matches, f"no row starting with {first!r}"
    return matches[0]


def test_xlsx_has_the_known_figures_in_vietnamese(db, history) -> None:  # noqa: F811
    export = report_exports.export_report(
        db, history.leader, Scope(history.org.id), PERIOD, "xlsx"
    )
    assert export.filename == "bao-cao-xu-ly-van-ban_20260201-20260331.xlsx"
    rows = _rows(export.content)
    assert rows[0][0] == "SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH CAO BẰNG"
    assert rows[1][0] == "BÁO CÁO TÌNH HÌNH TIẾP NHẬN, GIẢI QUYẾT VĂN BẢN ĐẾN"
    assert rows[3][0] == "Từ ngày 01/02/2026 đến ngày 31/03/2026"
    header = _find(rows, "Tiếp nhận trong kỳ")
    assert header[:5] == (
        "Tiếp nhận trong kỳ",
        "Đã giải quyết đúng hạn",
        "Đã giải quyết quá hạn",
        "Đang giải quyết trong hạn",
        "Đang giải quyết quá hạn",
    )
    totals = rows[rows.index(header) + 1]
    assert totals[:7] == (8, 3, 2, 1, 2, "3/5 (60,0%)", 7)
    assert _find(rows, QLKH_NAME)[:8] == (QLKH_NAME, 4, 2, 2, 0, 1, "2/4 (50,0%)", 7.5)
    assert _find(rows, KHTC_NAME)[:8] == (KHTC_NAME, 2, 1, 0, 0, 1, "1/1 (100,0%)", 5)
    assert _find(rows, "02/2026")[:8] == ("02/2026", 6, 2, 2, 1, 1, "2/4 (50,0%)", 7.25)
    assert _find(rows, "03/2026")[:8] == ("03/2026", 2, 1, 0, 1, 2, "1/1 (100,0%)", 6)
    assert _find(rows, "Công văn")[:2] == ("Công văn", 2)
    assert _find(rows, "Quyết định")[:2] == ("Quyết định", 2)
    assert _find(rows, "Tổng cộng")[:2] == ("Tổng cộng", 4)


def _pdf_text(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def test_pdf_has_the_known_figures_in_vietnamese(db, history, tmp_path) -> None:  # noqa: F811
    export = report_exports.export_report(
        db, history.leader, Scope(history.org.id), PERIOD, "pdf"
    )
    assert export.content.startswith(b"%PDF")
    text = _pdf_text(export.content, tmp_path)
    assert "BÁO CÁO TÌNH HÌNH TIẾP NHẬN, GIẢI QUYẾT VĂN BẢN ĐẾN" in text
    assert "Từ ngày 01/02/2026 đến ngày 31/03/2026" in text
    assert "Theo đơn vị chủ trì" in text
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert any(line.startswith("8 3 2 1 2 3/5 (60,0%) 7") for line in lines), text
    assert any(
        line.startswith("Phòng Quản lý khoa học 4 2 2 0 1 2/4 (50,0%) 7,5") for line in lines
    ), text
    assert any(line.startswith("02/2026 6 2 2 1 1 2/4 (50,0%) 7,25") for line in lines), text
    assert any(line.startswith("Công văn 2") for line in lines), text


def test_department_export_holds_only_that_department(db, history) -> None:  # noqa: F811
    head = db.scalar(select(User).where(User.username == "truongphong"))
    export = report_exports.export_report(
        db, head, Scope(history.org.id, history.qlkh.id), PERIOD, "xlsx"
    )
    rows = _rows(export.content)
    assert rows[2][0] == QLKH_NAME
    assert not [r for r in rows if r[0] == KHTC_NAME]


def test_api_returns_the_figures_as_json(client, db, history) -> None:  # noqa: F811
    leader = {"Authorization": f"Bearer {api_token(client, 'giamdoc')}"}
    resp = client.get(f"/api/v1/reports/processing?{RANGE}", headers=leader)
    assert resp.status_code == 200, resp.get_json()
    data = resp.get_json()
    assert data["totals"]["received"] == 8
    assert data["totals"]["completed_on_time"] == 3
    assert data["totals"]["completed_late"] == 2
    assert data["totals"]["in_progress_on_time"] == 1
    assert data["totals"]["in_progress_overdue"] == 2
    assert data["totals"]["average_working_days"] == 7.0
    assert [m["label"] for m in data["by_month"]] == ["02/2026", "03/2026"]

    qlkh = client.get(
        f"/api/v1/reports/processing?{RANGE}&department={history.qlkh.id}", headers=leader
    ).get_json()
    assert qlkh["department_id"] == history.qlkh.id
    assert qlkh["totals"]["received"] == 4 and qlkh["totals"]["average_working_days"] == 7.5

    xlsx = client.get(f"/api/v1/reports/processing?{RANGE}&format=xlsx", headers=leader)
    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")


def test_api_scopes_and_errors(client, db, history) -> None:  # noqa: F811
    head = {"Authorization": f"Bearer {api_token(client, 'truongphong')}"}
    own = client.get(f"/api/v1/reports/processing?{RANGE}", headers=head)
    assert own.status_code == 200
    assert own.get_json()["department_id"] == history.qlkh.id  # a head gets their unit
    other = client.get(
        f"/api/v1/reports/processing?{RANGE}&department={history.khtc.id}", headers=head
    )
    assert other.status_code == 403
    officer = {"Authorization": f"Bearer {api_token(client, 'chuyenvien')}"}
    assert client.get(f"/api/v1/reports/processing?{RANGE}", headers=officer).status_code == 403
    bad = client.get("/api/v1/reports/processing?from=2026-04-01&to=2026-03-01", headers=head)
    assert bad.status_code == 400 and "error" in bad.get_json()
    assert client.get("/api/v1/reports/processing?department=x", headers=head).status_code == 400
    assert client.get("/api/v1/reports/processing?department=9999", headers=head).status_code == 404
    assert client.get(f"/api/v1/reports/processing?{RANGE}").status_code == 401


def test_report_page_exports_and_chart_data(client, db, history) -> None:  # noqa: F811
    login(client, "giamdoc")
    page = client.get(f"/reports/processing?{RANGE}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert QLKH_NAME in html and 'data-chart="by_department"' in html
    assert "<script>" not in html  # scripts only from files the app serves
    assert "/static/vendor/chartjs/chart.umd.js" in html
    xlsx = client.get(f"/reports/processing.xlsx?{RANGE}")
    assert xlsx.status_code == 200
    assert _find(_rows(xlsx.data), QLKH_NAME)[1] == 4
    pdf = client.get(f"/reports/processing.pdf?{RANGE}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    chart = client.get(f"/reports/processing/chart.json?{RANGE}").get_json()
    assert chart["by_month"]["labels"] == ["02/2026", "03/2026"]
    on_time = chart["by_month"]["datasets"][0]
    assert on_time["data"] == [2, 1]
    assert client.get("/static/vendor/chartjs/chart.umd.js").status_code == 200


def test_dashboards_per_role(client, db, history) -> None:  # noqa: F811
    login(client, "giamdoc")
    html = client.get("/").get_data(as_text=True)
    assert 'id="organisation-figures"' in html and 'id="overdue-items"' in html
    assert 'data-chart="by_month"' in html
    client.post("/logout", data={})
    client.delete_cookie("session")
    login(client, "truongphong")
    html = client.get("/").get_data(as_text=True)
    assert 'id="workload"' in html and "Lê Thị Cúc" in html
    assert 'id="organisation-figures"' not in html
    client.delete_cookie("session")
    login(client, "vanthu")
    html = client.get("/").get_data(as_text=True)
    assert 'id="workload"' not in html and 'id="organisation-figures"' not in html
