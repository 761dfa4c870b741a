"""Dashboard lines for incoming documents: each box of the user's roles, plus deadline alerts."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.domain.models import User
from app.services import incoming_queries

from .dashboard import QUEUE_PROVIDERS, Queue
from .incoming_views import BOX_LABELS


def incoming_queues(session: Session, user: User) -> list[Queue]:
    queues = []
    for box in incoming_queries.boxes_for(user):
        if box in ("followed", "all"):
            continue
        n = incoming_queries.count(session, user, incoming_queries.Filters(box=box))
        queues.append(Queue(_("Incoming: %(box)s", box=_(BOX_LABELS[box])), n,
                            url_for("web.incoming_list", box=box)))
    mine = "to_handle" if "to_handle" in incoming_queries.boxes_for(user) else "all"
    flagged = (
        (_("Overdue"), incoming_queries.Filters(box=mine, overdue=True), "overdue"),
        (_("Due soon"), incoming_queries.Filters(box=mine, near_due=True), "near_due"),
    )
    for label, filters, flag in flagged:
        queues.append(Queue(_("Incoming: %(box)s", box=label),
                            incoming_queries.count(session, user, filters),
                            url_for("web.incoming_list", box=mine) + f"&{flag}=1"))
    return queues


QUEUE_PROVIDERS.append(incoming_queues)
