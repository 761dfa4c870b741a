import email
import email.policy
import socket
from datetime import date, datetime, timedelta

from aiosmtpd.controller import Controller
from click.testing import CliRunner
from sqlalchemy import func, select, update

from app.cli import main
from app.domain.clock import VN
from app.domain.incoming import IncomingAssignment, IncomingDocument
from app.domain.models import User
from app.domain.notifications import Notification
from app.services import notifications, reminders
from app.services.incoming_queries import calendar

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
    # The deadline comes close: one near-due reminder to the handler and one to the head
    # of their unit, however often the job runs.
    db.execute(update(IncomingAssignment).values(deadline=today + timedelta(days=1)))
    db.commit()
    assert reminders.send_deadline_reminders(db, today) == 2
    assert reminders.send_deadline_reminders(db, today) == 0
    # It passes: one overdue reminder more to each.
    db.execute(update(IncomingAssignment).values(deadline=today - timedelta(days=1)))
    db.commit()
    assert reminders.send_deadline_reminders(db, today) == 2
    assert reminders.send_deadline_reminders(db, today) == 0
    officer = db.scalar(select(User).where(User.username == "chuyenvien"))
    head = db.scalar(select(User).where(User.username == "truongphong"))
    got = sorted((n.user_id, n.kind) for n in _reminders(db))
    assert got == sorted(
        [
            (officer.id, "incoming.near_due"),
            (officer.id, "incoming.overdue"),
            (head.id, "incoming.near_due"),
            (head.id, "incoming.overdue"),
        ]
    )


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
    assert "2 reminders created" in result.output  # the handler and the head of the unit
    assert (
        db.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.kind == "incoming.overdue")
        )
        == 2
    )


def _urgent_document(client, db, urgency: str = "2", submit: bool = True) -> int:
    clerk = auth(client, "vanthu")
    resp = post_doc(client, clerk, {**FIELDS, "urgency": urgency, "subject": "Công điện khẩn"})
    assert resp.status_code == 201, resp.get_json()
    doc_id = resp.get_json()["id"]
    if submit:
        resp = client.post(
            f"/api/v1/incoming/{doc_id}/submit",
            json={"leader_id": user_id(db, "giamdoc")},
            headers=clerk,
        )
        assert resp.status_code == 200, resp.get_json()
    return doc_id


def _registered_at(db, doc_id: int, moment: datetime) -> None:
    db.execute(
        update(IncomingDocument).where(IncomingDocument.id == doc_id).values(registered_at=moment)
    )
    db.commit()


def _escalations(db) -> list[Notification]:
    db.expire_all()
    return list(db.scalars(select(Notification).where(Notification.kind == "incoming.escalation")))


def test_office_time_skips_nights_lunch_weekends_and_holidays(db, demo) -> None:
    cal = calendar(db)
    friday_late = datetime(2026, 3, 6, 16, 30, tzinfo=VN)
    assert reminders.working_time_between(
        friday_late, datetime(2026, 3, 9, 8, 0, tzinfo=VN), cal
    ) == timedelta(hours=1)
    assert reminders.working_time_between(
        datetime(2026, 3, 9, 11, 0, tzinfo=VN), datetime(2026, 3, 9, 13, 30, tzinfo=VN), cal
    ) == timedelta(hours=1)
    # 30/04 and 01/05 are holidays, then a weekend: 29/04 16:00 → 04/05 07:30 is one hour.
    assert reminders.working_time_between(
        datetime(2026, 4, 29, 16, 0, tzinfo=VN), datetime(2026, 5, 4, 7, 30, tzinfo=VN), cal
    ) == timedelta(hours=1)


def test_urgent_document_not_directed_after_two_office_hours_is_escalated_once(
    client, db, demo
) -> None:
    urgent = _urgent_document(client, db)
    normal = _urgent_document(client, db, urgency="0")
    for doc_id in (urgent, normal):
        _registered_at(db, doc_id, datetime(2026, 3, 6, 16, 30, tzinfo=VN))  # a Friday
    monday_8 = datetime(2026, 3, 9, 8, 0, tzinfo=VN)
    assert reminders.escalate_undirected_urgent(db, monday_8) == 0  # one office hour so far
    monday_9 = datetime(2026, 3, 9, 9, 0, tzinfo=VN)
    assert reminders.escalate_undirected_urgent(db, monday_9) == 1
    assert reminders.escalate_undirected_urgent(db, monday_9) == 0
    assert reminders.escalate_undirected_urgent(db, monday_9 + timedelta(days=1)) == 0
    [note] = _escalations(db)
    assert note.user_id == user_id(db, "giamdoc")
    assert note.link == f"/incoming/{urgent}"
    assert "Văn bản khẩn chưa được cho ý kiến chỉ đạo" in note.message
    assert "Thượng khẩn" in note.message


def test_escalation_goes_to_every_leader_before_submission_and_not_after_direction(
    client, db, demo
) -> None:
    pending = _urgent_document(client, db, submit=False)
    directed = _urgent_document(client, db)
    leader = auth(client, "giamdoc")
    resp = client.post(
        f"/api/v1/incoming/{directed}/direct",
        headers=leader,
        json={"lead": dept_id(db, "QLKH"), "lead_deadline": "2026-12-31"},
    )
    assert resp.status_code == 200, resp.get_json()
    for doc_id in (pending, directed):
        _registered_at(db, doc_id, datetime(2026, 3, 9, 7, 30, tzinfo=VN))
    assert reminders.escalate_undirected_urgent(db, datetime(2026, 3, 9, 10, 0, tzinfo=VN)) == 1
    [note] = _escalations(db)
    assert note.link == f"/incoming/{pending}"
    assert note.user_id == user_id(db, "giamdoc")  # the only leader of the Sở


def test_the_periodic_job_escalates_each_urgent_document_once(app, client, db, demo) -> None:
    doc_id = _urgent_document(client, db)
    _registered_at(db, doc_id, datetime(2026, 3, 6, 8, 0, tzinfo=VN))
    huey = app.extensions["vanthu.huey"]
    assert "escalate_urgent_periodic" in {t.__name__ for t in huey._registry._periodic_tasks}
    task = app.extensions["vanthu.tasks"]["escalate_urgent"]
    task()
    task()
    app.extensions["vanthu.tasks"]["daily_reminders"]()
    assert [n.link for n in _escalations(db)] == [f"/incoming/{doc_id}"]
