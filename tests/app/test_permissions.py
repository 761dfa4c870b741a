from sqlalchemy import select

from app.domain.models import User
from app.services.permissions import can


def _user(db, username: str) -> User:
    return db.scalar(select(User).where(User.username == username))


def test_only_admins_manage_the_directory(db, demo) -> None:
    admin, clerk = _user(db, "admin"), _user(db, "vanthu")
    for action in ("user.manage", "organisation.manage", "holiday.manage", "audit.view"):
        assert can(admin, action)
        assert not can(clerk, action)


def test_unknown_actions_and_inactive_users_are_refused(db, demo) -> None:
    admin = _user(db, "admin")
    assert not can(admin, "no.such.action")
    admin.active = False
    assert not can(admin, "user.manage")
    assert not can(None, "user.manage")


def test_people_change_only_their_own_password_unless_admin(db, demo) -> None:
    admin, clerk, leader = _user(db, "admin"), _user(db, "vanthu"), _user(db, "giamdoc")
    assert can(clerk, "user.change_password", clerk)
    assert not can(clerk, "user.change_password", leader)
    assert can(admin, "user.change_password", leader)
