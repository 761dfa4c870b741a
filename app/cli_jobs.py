"""`vanthu remind`: the daily deadline reminders (and pending notification emails)."""

from __future__ import annotations

from typing import Any

import click
from flask import current_app

from app.domain.clock import today_vn


@click.command("remind")
def remind_command() -> None:
    """Notify near-due and overdue work (each reminder once), then send pending emails."""
    from app.cli import with_session

    @with_session
    def run(db: Any) -> None:
        from app.services import notifications, reminders

        created = reminders.send_deadline_reminders(db, today_vn())
        sent = notifications.send_pending(
            db, str(current_app.config["SMTP_HOST"] or ""), str(current_app.config["SMTP_SENDER"])
        )
        click.echo(f"{created} reminders created, {sent} emails sent.")

    run()
