"""GET /api/v1/search: full-text search limited to what the user may open."""

from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.wrappers import Response

from app.adapters import get_search_index
from app.db import get_session
from app.jobs import request_index_rebuild
from app.services import incoming_views, search_index

from . import api_user, bp, token_required


def hit_json(hit: Any) -> dict[str, Any]:
    kind, _, doc_id = hit.id.partition(":")
    return {
        "id": int(doc_id),
        "kind": hit.kind,
        "score": round(hit.score, 3),
        "doc_type": hit.doc_type,
        "number_notation": hit.number_notation,
        "subject": hit.subject,
        "issuing_org": hit.issuing_org,
        "date": hit.date.isoformat() if hit.date else None,
        "state": hit.state,
        "has_text_layer": hit.has_text_layer,
        "subject_html": hit.subject_html,
        "snippet_html": hit.snippet_html,
        "url": f"/api/v1/{'incoming' if kind == 'in' else 'outgoing'}/{doc_id}",
    }


@bp.get("/search")
@token_required
def search_documents() -> Response | dict[str, Any]:
    outcome = search_index.find(get_session(), api_user(), get_search_index(), request.args)
    if outcome.results is not None:
        r = outcome.results
        return {
            "total": r.total,
            "page": r.page,
            "pages": r.pages,
            "items": [hit_json(h) for h in r.hits],
            "facets": {
                "doc_type": r.facets.doc_type,
                "year": {str(k): v for k, v in r.facets.year.items()},
            },
            "notice": None,
        }
    request_index_rebuild()
    page = outcome.fallback
    return {
        "total": page.total,
        "page": page.page,
        "pages": page.pages,
        "items": [incoming_views.summary(row.doc) for row in page.rows],
        "facets": None,
        "notice": "The search index is being rebuilt; these results come from a metadata search.",
    }
