from click.testing import CliRunner
from sqlalchemy import delete, select, text

from app.cli import main
from app.domain.models import AuditEvent
from app.services import audit


def _run_check(app):
    env = {
        "VANTHU_HOME": app.config["HOME"],
        "VANTHU_DATABASE_URL": app.config["DATABASE_URL"],
        "VANTHU_ENV": "testing",
    }
    return CliRunner().invoke(main, ["check"], env=env)


def test_every_change_appends_a_chained_event(db, demo) -> None:
    events = db.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert events[0].prev_hash == audit.GENESIS
    for prev, event in zip(events, events[1:], strict=False):
        assert event.prev_hash == prev.hash
        assert event.seq == prev.seq + 1
    assert {"organisation.created", "department.created", "user.created", "holiday.added"} <= {
        e.action for e in events
    }
    assert audit.verify_chain(db)[1] is None


def test_vanthu_check_passes_then_names_an_edited_event(app, db, demo) -> None:
    result = _run_check(app)
    assert result.exit_code == 0, result.output
    assert "chain intact" in result.output
    victim = db.scalars(select(AuditEvent).order_by(AuditEvent.seq).offset(4)).first()
    db.execute(
        text("UPDATE audit_events SET details = :d WHERE id = :id"),
        {"d": '{"username": "mallory"}', "id": victim.id},
    )
    db.commit()
    result = _run_check(app)
    assert result.exit_code == 1
    assert f"event {victim.id} (#{victim.seq})" in result.output
    assert "edited" in result.output


def test_a_deleted_event_is_detected(app, db, demo) -> None:
    db.execute(delete(AuditEvent).where(AuditEvent.seq == 3))
    db.commit()
    count, broken = audit.verify_chain(db)
    assert broken is not None and broken.seq == 4 and "deleted" in broken.reason


def test_a_deleted_last_event_is_detected(app, db, demo) -> None:
    last = db.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
    db.execute(delete(AuditEvent).where(AuditEvent.seq == last))
    db.commit()
    assert audit.verify_chain(db)[1] is not None
