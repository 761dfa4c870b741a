"""Enumerations of Decree 30/2020 and of VanThu's roles."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    ADMIN = "admin"
    CLERK = "clerk"
    LEADER = "leader"
    DEPT_HEAD = "dept_head"
    OFFICER = "officer"


ROLE_LABELS_VI = {
    Role.ADMIN: "Quản trị",
    Role.CLERK: "Văn thư",
    Role.LEADER: "Lãnh đạo cơ quan",
    Role.DEPT_HEAD: "Lãnh đạo đơn vị",
    Role.OFFICER: "Chuyên viên",
}
