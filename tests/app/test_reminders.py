import email
import email.policy
import socket
from datetime import date, timedelta

from aiosmtpd.controller import Controller
from click.testing import CliRunner
from sqlalchemy import func, select, update

from app.cli import main
from app.domain.incoming import IncomingAssignment
from app.domain.models import User
from app.domain.notifications import Notification
from app.services import notifications, reminders

from .test_incoming_api import FIELDS, auth, dept_id, post_doc, user_id


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd protocol
        self.messages.append((envelope.rcpt_tos[0], envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def _assigned_document(client, db) -> int:
    clerk, leader, head = (
        auth(client, "vanthu"),
        auth(client, "giamdoc"),
        auth(client, "truongphong"),
    )
    doc_id = post_doc(client, clerk, {**FIELDS, "subject": "Báo cáo quý"}).get_json()["id"]
    url = f"/api/v1/incoming/{doc_id}"
    client.post(f"{url}/submit", json={"leader_id": user_id(db, "giamdoc")}, headers=clerk)
    client.post(
        f"{url}/direct",
        headers=leader,
        json={
            "lead": dept_id(db, "QLKH"),
            "lead_deadline": (date.today() + timedelta(days=30)).isoformat(),
        },
    )
    resp = client.post(f"{url}/assign", headers=head, json={"users": [user_id(db, "chuyenvien")]})
    assert resp.status_code == 200, resp.get_json()
    return doc_id


def _reminders(db) -> list[Notification]:
    db.expire_all()
    return list(db.scalars(select(Notification).where(Notification.kind.like("incoming.%due"))))


def test_each_reminder_is_sent_once(client, db, demo) -> None:
    _assigned_document(client, db)
    today = date.today()
    assert reminders.send_deadline_reminders(db, today) == 0  # 30 days away: nothing yet
    # The deadline comes close: one near-due reminder, however often the job runs.
    db.execute(update(IncomingAssignment).values(deadline=today + timedelta(days=1)))
    db.commit()
    assert reminders.send_deadline_reminders(db, today) == 1
    assert reminders.send_deadline_reminders(db, today) == 0
    # It passes: one overdue reminder more.
    db.execute(update(IncomingAssignment).values(deadline=today - timedelta(days=1)))
    db.commit()
    assert reminders.send_deadline_reminders(db, today) == 1
    assert reminders.send_deadline_reminders(db, today) == 0
    kinds = sorted(n.kind for n in _reminders(db))
    assert kinds == ["incoming.near_due", "incoming.overdue"]
    officer = db.scalar(select(User).where(User.username == "chuyenvien"))
    assert all(n.user_id == officer.id for n in _reminders(db))


def test_pending_notifications_are_emailed_once_when_smtp_is_configured(
    app, client, db, demo
) -> None:
    db.execute(update(User).where(User.username == "chuyenvien").values(email="cuc@skhcn.gov.vn"))
    db.commit()
    _assigned_document(client, db)
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        host = f"127.0.0.1:{port}"
        assert notifications.send_pending(db, "", "vanthu@localhost") == 0
        assert notifications.send_pending(db, host, "vanthu@skhcn.gov.vn") == 1
        assert notifications.send_pending(db, host, "vanthu@skhcn.gov.vn") == 0
    finally:
        controller.stop()
    assert inbox.messages[0][0] == "cuc@skhcn.gov.vn"
    message = email.message_from_string(inbox.messages[0][1], policy=email.policy.default)
    assert "Báo cáo quý" in message.get_content()
    assert "Báo cáo quý" in str(message["Subject"])


def test_vanthu_remind_runs_the_job(app, client, db, demo) -> None:
    _assigned_document(client, db)
    db.execute(update(IncomingAssignment).values(deadline=date.today() - timedelta(days=3)))
    db.commit()
    env = {
        "VANTHU_HOME": app.config["HOME"],
        "VANTHU_DATABASE_URL": app.config["DATABASE_URL"],
        "VANTHU_ENV": "testing",
    }
    result = CliRunner().invoke(main, ["remind"], env=env)
    assert result.exit_code == 0, result.output
    assert "1 reminders created" in result.output
    assert (
        db.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.kind == "incoming.overdue")
        )
        == 1
    )
