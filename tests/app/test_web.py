from sqlalchemy import select

from app.domain.models import Holiday, Organisation, User

from .conftest import csrf_token, login


def test_login_page_is_vietnamese_by_default_and_works_on_phones(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="vi"' in page
    assert "Đăng nhập" in page and "Tên đăng nhập" in page
    assert 'name="viewport"' in page
    assert "http://" not in page and "https://" not in page  # no CDN, no external asset


def test_the_user_can_switch_to_english(client) -> None:
    token = csrf_token(client)
    client.post("/language", data={"csrf_token": token, "lang": "en", "next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in page and "Log in" in page and "Username" in page


def test_forms_without_a_csrf_token_are_refused(client, demo) -> None:
    resp = client.post("/login", data={"username": "vanthu", "password": "vanthu-demo"})
    assert resp.status_code in (200, 400)
    assert client.get("/").status_code == 302  # still not logged in


def test_login_dashboard_and_logout(client, demo) -> None:
    assert client.get("/").headers["Location"].startswith("/login")
    resp = login(client, "vanthu")
    assert resp.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Xin chào, Nguyễn Thị Hoa" in page
    assert "Công việc đang chờ bạn" in page
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert client.get("/").status_code == 302


def test_wrong_password_in_the_browser_shows_a_message(client, demo) -> None:
    resp = login(client, "vanthu", "wrong-password")
    assert resp.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in resp.get_data(as_text=True)


def test_browser_errors_are_friendly_vietnamese_pages(client, demo) -> None:
    resp = client.get("/khong-co-trang-nay")
    assert resp.status_code == 404
    assert "Không tìm thấy trang" in resp.get_data(as_text=True)
    login(client, "vanthu")
    resp = client.get("/admin/users")
    assert resp.status_code == 403
    assert "Bạn không có quyền" in resp.get_data(as_text=True)


def test_password_change(client, db, demo) -> None:
    login(client, "vanthu")
    token = csrf_token(client, "/password")
    resp = client.post(
        "/password",
        data={
            "csrf_token": token,
            "current": "wrong-one",
            "new": "mat-khau-moi-2026",
            "confirm": "mat-khau-moi-2026",
        },
    )
    assert resp.status_code == 400
    assert "Mật khẩu hiện tại không đúng" in resp.get_data(as_text=True)
    resp = client.post(
        "/password",
        data={
            "csrf_token": token,
            "current": "vanthu-demo",
            "new": "mat-khau-moi-2026",
            "confirm": "mat-khau-moi-2026",
        },
    )
    assert resp.status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert login(client, "vanthu", "vanthu-demo").status_code == 401
    assert login(client, "vanthu", "mat-khau-moi-2026").status_code == 302


def test_admin_manages_organisations_departments_users_and_holidays(client, db, demo) -> None:
    login(client, "admin")
    token = csrf_token(client, "/admin/organisations/new")
    resp = client.post(
        "/admin/organisations/new",
        data={
            "csrf_token": token,
            "name": "Sở Tư pháp tỉnh Cao Bằng",
            "code": "000.00.20.H10",
            "abbreviation": "STP",
            "parent_id": 0,
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    org = db.scalar(select(Organisation).where(Organisation.abbreviation == "STP"))
    resp = client.post(
        f"/admin/organisations/{org.id}/departments/new",
        data={"csrf_token": token, "name": "Văn phòng", "abbreviation": "VP"},
    )
    assert resp.status_code == 302
    dept_id = db.get(Organisation, org.id).departments[0].id
    resp = client.post(
        "/admin/users/new",
        data={
            "csrf_token": token,
            "username": "vanthu.stp",
            "full_name": "Phạm Thị Em",
            "position": "Văn thư",
            "organisation_id": org.id,
            "department_id": dept_id,
            "roles": ["clerk"],
            "active": "y",
            "password": "mat-khau-dai",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    user = db.scalar(select(User).where(User.username == "vanthu.stp"))
    assert {r.value for r in user.roles} == {"clerk"}
    resp = client.post(
        "/admin/holidays", data={"csrf_token": token, "day": "2026-12-31", "name": "Nghỉ bù"}
    )
    assert resp.status_code == 302
    assert db.scalar(select(Holiday).where(Holiday.name == "Nghỉ bù")) is not None
    page = client.get("/admin/users").get_data(as_text=True)
    assert "vanthu.stp" in page
    assert "organisation.created" in client.get("/admin/audit").get_data(as_text=True)


def test_admin_form_refusals_are_shown_not_500(client, db, demo) -> None:
    login(client, "admin")
    token = csrf_token(client, "/admin/organisations/new")
    resp = client.post(
        "/admin/organisations/new",
        data={
            "csrf_token": token,
            "name": "Trùng mã",
            "code": "000.00.18.H10",
            "abbreviation": "TM",
            "parent_id": 0,
        },
    )
    assert resp.status_code == 409
    assert "Đã có cơ quan với mã định danh" in resp.get_data(as_text=True)
    resp = client.post(
        "/admin/users/new",
        data={
            "csrf_token": token,
            "username": "Bad Name",
            "full_name": "X",
            "organisation_id": 1,
            "department_id": 0,
            "roles": ["clerk"],
            "password": "mat-khau-dai",
        },
    )
    assert resp.status_code == 400
