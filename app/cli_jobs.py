"""`vanthu remind`: the daily deadline reminders (and pending notification emails)."""

from __future__ import annotations

from typing import Any

import click
from flask import current_app

from app.cli_support import with_session
from app.domain.clock import now_vn, today_vn


@click.command("remind")
@with_session
def remind_command(db: Any) -> None:
    """Notify near-due and overdue work (each reminder once), then send pending emails."""
    from app.services import notifications, reminders

    created = reminders.send_deadline_reminders(db, today_vn())
    created += reminders.escalate_undirected_urgent(db, now_vn())
    sent = notifications.send_pending(
        db, str(current_app.config["SMTP_HOST"] or ""), str(current_app.config["SMTP_SENDER"])
    )
    click.echo(f"{created} reminders created, {sent} emails sent.")
