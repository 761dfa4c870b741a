"""The search page: one box on every page, results with filters, facets and highlights."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from app.adapters import get_search_index
from app.db import get_session
from app.domain.doctypes import DOC_TYPES, DOC_TYPES_BY_CODE
from app.domain.errors import DomainError
from app.jobs import request_index_rebuild
from app.services import search_index

from . import bp
from .incoming_views import STATE_LABELS


def _page(
    args: dict[str, str], outcome: Any = None, notice: str | None = None, status: int = 200
) -> tuple[str, int]:
    return render_template(
        "search.html",
        outcome=outcome,
        args=args,
        doc_types=DOC_TYPES,
        state_labels=STATE_LABELS,
        types=DOC_TYPES_BY_CODE,
        markup=Markup,
        notice=notice,
    ), status


@bp.get("/search")
@login_required
def search_page() -> tuple[str, int]:
    args = request.args.to_dict()
    if not args.get("q") and not any(args.get(k) for k in ("doc_type", "year", "state")):
        return _page(args)
    try:
        outcome = search_index.find(get_session(), current_user, get_search_index(), args)
    except DomainError as exc:
        return _page(args, notice=_(exc.template, **exc.params), status=exc.status)
    if outcome.results is not None:
        return _page(args, outcome)
    request_index_rebuild()
    return _page(
        args,
        outcome,
        _(
            "The search index is being rebuilt; meanwhile these results "
            "come from a search of the document details only."
        ),
    )
