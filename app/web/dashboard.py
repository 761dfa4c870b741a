"""The dashboard: each user's waiting work, gathered from the queue providers modules register."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import render_template
from flask_login import current_user, login_required
from sqlalchemy.orm import Session

from app.db import get_session
from app.domain.enums import ROLE_LABELS_VI
from app.domain.models import User

from . import bp


@dataclass(frozen=True)
class Queue:
    """One line of the dashboard: a count of waiting items and where to see them."""

    label: str
    """What is waiting, in the UI language."""
    count: int
    """How many items wait."""
    url: str
    """The list that shows them."""


QueueProvider = Callable[[Session, User], list[Queue]]
QUEUE_PROVIDERS: list[QueueProvider] = []


@dataclass(frozen=True)
class Panel:
    """A section of the dashboard below the queues: a template and what it shows."""

    template: str
    """Template included in the dashboard."""
    context: dict[str, Any] = field(default_factory=dict)
    """Its values, available as `panel.context`."""


PanelProvider = Callable[[Session, User], list[Panel]]
PANEL_PROVIDERS: list[PanelProvider] = []


@bp.get("/")
@login_required
def dashboard() -> str:
    session = get_session()
    queues = [q for provider in QUEUE_PROVIDERS for q in provider(session, current_user)]
    roles = [ROLE_LABELS_VI[r] for r in sorted(current_user.roles)]
    panels = [p for provider in PANEL_PROVIDERS for p in provider(session, current_user)]
    return render_template(
        "dashboard.html", queues=[q for q in queues if q.count], roles=roles, panels=panels
    )
