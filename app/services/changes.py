"""What runs after a committed change of a document: the hooks of app/jobs.py (search
indexing, notification emails) subscribe here, the incoming and outgoing services call it."""

from __future__ import annotations

from collections.abc import Callable

#: Called with (kind, document id) — kind "incoming" or "outgoing" — after each commit.
AFTER_CHANGE: list[Callable[[str, int], None]] = []


def committed(kind: str, doc_id: int) -> None:
    """Tell every subscriber that the document ``kind``/``doc_id`` changed."""
    for hook in AFTER_CHANGE:
        hook(kind, doc_id)
