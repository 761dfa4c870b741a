"""Background jobs on Huey: SQLite queue under VANTHU_HOME by default, Redis when configured.

Each app builds its own Huey instance (so tests and installations never share a queue) and
registers the task functions on it; the tasks run inside that app's context. Services
never call Huey: they expose after-commit hooks, and `enqueue` below is what the hooks call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from huey import Huey, RedisHuey, SqliteHuey, crontab

from app.adapters import get_search_index, get_store

log = logging.getLogger(__name__)

RETRIES = 5


def _tasks(app: Flask) -> dict[str, Callable[..., Any]]:
    """The task bodies; each runs in an app context with its own database session."""

    def in_context(fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any) -> Any:
            with app.app_context():
                from app.db import get_session

                return fn(get_session(), *args)

        run.__name__ = run.__qualname__ = fn.__name__
        return run

    def index_document(session: Any, kind: str, doc_id: int) -> None:
        from app.services import search_index

        search_index.index_document(session, get_search_index(), get_store(), kind, doc_id)

    def rebuild_index(session: Any) -> None:
        from app.services import search_index

        search_index.rebuild(session, get_search_index(), get_store())

    def send_emails(session: Any) -> None:
        from app.services import notifications

        notifications.send_pending(
            session, str(app.config["SMTP_HOST"] or ""), str(app.config["SMTP_SENDER"])
        )

    def daily_reminders(session: Any) -> None:
        from app.domain.clock import now_vn, today_vn
        from app.services import reminders

        reminders.send_deadline_reminders(session, today_vn())
        reminders.escalate_undirected_urgent(session, now_vn())
        send_emails(session)

    def escalate_urgent(session: Any) -> None:
        from datetime import UTC, datetime

        from app.services import reminders

        if reminders.escalate_undirected_urgent(session, datetime.now(UTC)):
            send_emails(session)

    return {
        f.__name__: in_context(f)
        for f in (index_document, rebuild_index, send_emails, daily_reminders, escalate_urgent)
    }


def make_huey(app: Flask) -> Huey:
    name = "vanthu"
    immediate = bool(app.config.get("JOBS_IMMEDIATE"))
    if app.config.get("REDIS_URL"):
        huey: Huey = RedisHuey(name, url=app.config["REDIS_URL"], immediate=immediate)
    else:
        path = Path(app.config["HOME"]) / "jobs.sqlite3"
        huey = SqliteHuey(name, filename=str(path), immediate=immediate)
    return huey


def init_app(app: Flask) -> None:
    huey = make_huey(app)
    tasks = {}
    for name, fn in _tasks(app).items():
        tasks[name] = huey.task(
            retries=RETRIES, name=name, retry_delay=int(app.config["JOBS_RETRY_DELAY_SECONDS"])
        )(fn)
    # The reminders run every working morning at 07:30 Vietnam time (00:30 UTC).
    huey.periodic_task(
        crontab(minute="30", hour="0", day_of_week="1-5"), name="daily_reminders_periodic"
    )(tasks["daily_reminders"].func)
    # Urgent documents not directed after two office hours: checked every half hour of the
    # working day (Vietnam 07:00–17:59 is 00–10 UTC); the service skips holidays itself.
    huey.periodic_task(
        crontab(minute="*/30", hour="0-10", day_of_week="1-5"), name="escalate_urgent_periodic"
    )(tasks["escalate_urgent"].func)
    app.extensions["vanthu.huey"] = huey
    app.extensions["vanthu.tasks"] = tasks


def enqueue(name: str, *args: Any) -> None:
    """Queue a task of the current app; a queue failure is logged, never raised to the user."""
    task = current_app.extensions["vanthu.tasks"][name]
    try:
        task(*args)
    except Exception:  # the change is committed; the index check and reindex repair it
        log.exception("could not queue %s%r", name, args)


def start_embedded_consumer(app: Flask) -> Any:
    """An in-process worker thread for the embedded default (`vanthu run`).

    Huey's consumer takes over SIGINT/SIGTERM for itself; the web server owns the process
    here, so Ctrl+C and SIGTERM must still stop it (the caller stops the consumer after).
    """
    import signal

    def stop(_signum: int, _frame: Any) -> None:
        raise SystemExit(0)

    consumer = app.extensions["vanthu.huey"].create_consumer(workers=1, worker_type="thread",
                                                             periodic=True)
    consumer.start()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, stop)
    return consumer


def _after_change(kind: str, doc_id: int) -> None:
    """After a committed change of a document: index it, and email the notifications."""
    if has_app_context() and "vanthu.tasks" in current_app.extensions:
        enqueue("index_document", kind, doc_id)
        if current_app.config["SMTP_HOST"]:
            enqueue("send_emails")


def _register_hooks() -> None:
    from app.services import changes

    if _after_change not in changes.AFTER_CHANGE:
        changes.AFTER_CHANGE.append(_after_change)


_register_hooks()


REBUILD_EVERY_SECONDS = 300


def request_index_rebuild() -> None:
    """Queue a rebuild after the index failed, at most once per five minutes per process."""
    import time

    last = current_app.extensions.get("vanthu.rebuild_requested_at", 0.0)
    if time.monotonic() - last < REBUILD_EVERY_SECONDS:
        return
    current_app.extensions["vanthu.rebuild_requested_at"] = time.monotonic()
    log.warning("search index unavailable: queueing a rebuild")
    enqueue("rebuild_index")
