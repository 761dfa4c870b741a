"""Demo data: two organisations of Cao Bằng province and their people (idempotent)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.enums import Role
from app.domain.models import Department, Holiday, Organisation, User

from . import directory

DEMO_PASSWORD = "vanthu-demo"  # noqa: S105 - public demo credential, set only by `vanthu demo`

ORGANISATIONS = [
    ("Ủy ban nhân dân tỉnh Cao Bằng", "000.00.00.H10", "UBND", None, [("Văn phòng", "VP")]),
    (
        "Sở Khoa học và Công nghệ tỉnh Cao Bằng",
        "000.00.18.H10",
        "SKHCN",
        "UBND",
        [
            ("Văn phòng", "VP"),
            ("Phòng Kế hoạch - Tài chính", "KHTC"),
            ("Phòng Quản lý khoa học", "QLKH"),
            ("Thanh tra", "TTr"),
        ],
    ),
]

USERS = [
    ("admin", "Quản trị hệ thống", "Quản trị viên", "SKHCN", "VP", {Role.ADMIN}),
    ("vanthu", "Nguyễn Thị Hoa", "Văn thư", "SKHCN", "VP", {Role.CLERK}),
    ("giamdoc", "Nguyễn Văn An", "Giám đốc", "SKHCN", "VP", {Role.LEADER}),
    ("truongphong", "Trần Văn Bình", "Trưởng phòng", "SKHCN", "QLKH", {Role.DEPT_HEAD}),
    ("chuyenvien", "Lê Thị Cúc", "Chuyên viên", "SKHCN", "QLKH", {Role.OFFICER}),
    ("vanthu.ubnd", "Hoàng Thị Dung", "Văn thư", "UBND", "VP", {Role.CLERK}),
    ("chutich", "Hoàng Văn Đức", "Chủ tịch", "UBND", "VP", {Role.LEADER}),
]


HOLIDAYS = [
    ("2026-01-01", "Tết Dương lịch"),
    ("2026-02-16", "Tết Nguyên đán"),
    ("2026-02-17", "Tết Nguyên đán"),
    ("2026-02-18", "Tết Nguyên đán"),
    ("2026-02-19", "Tết Nguyên đán"),
    ("2026-02-20", "Tết Nguyên đán"),
    ("2026-04-27", "Giỗ Tổ Hùng Vương (nghỉ bù)"),
    ("2026-04-30", "Ngày Giải phóng miền Nam"),
    ("2026-05-01", "Ngày Quốc tế Lao động"),
    ("2026-09-01", "Quốc khánh"),
    ("2026-09-02", "Quốc khánh"),
]


def load_demo(session: Session) -> list[tuple[str, str]]:
    """Create what is missing; return (username, role labels) of the demo accounts."""
    orgs: dict[str, Organisation] = {}
    for name, code, abbr, parent, depts in ORGANISATIONS:
        org = session.scalar(select(Organisation).where(Organisation.code == code))
        if org is None:
            parent_id = orgs[parent].id if parent else None
            org = directory.save_organisation(
                session, None, name=name, code=code, abbreviation=abbr, parent_id=parent_id
            )
        orgs[abbr] = org
        for dept_name, dept_abbr in depts:
            exists = session.scalar(
                select(Department).where(
                    Department.organisation_id == org.id, Department.abbreviation == dept_abbr
                )
            )
            if exists is None:
                directory.save_department(
                    session, None, organisation_id=org.id, name=dept_name, abbreviation=dept_abbr
                )
    accounts = []
    for username, full_name, position, org_abbr, dept_abbr, roles in USERS:
        org = orgs[org_abbr]
        dept = session.scalar(
            select(Department).where(
                Department.organisation_id == org.id, Department.abbreviation == dept_abbr
            )
        )
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            directory.save_user(
                session,
                None,
                username=username,
                full_name=full_name,
                position=position,
                organisation_id=org.id,
                department_id=dept.id if dept else None,
                roles=roles,
                password=DEMO_PASSWORD,
            )
        accounts.append((username, ", ".join(sorted(r.value for r in roles))))
    for day, name in HOLIDAYS:
        if session.get(Holiday, date.fromisoformat(day)) is None:
            directory.add_holiday(session, None, date.fromisoformat(day), name)
    return accounts
